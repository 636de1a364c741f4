import Contracts
import Foundation

// The compiled form of a mapping file: pointers parsed, transforms resolved, output fields
// arranged as a tree, so `MappingAdapter.adapt` only walks values. Built by `MappingCompiler`.

/// A compiled mapping: its rules in file order (the first that matches decides).
struct MappingPlan: Sendable {
    var name: String
    /// How the record value is read before `unwrap`: as it is, or as a CloudEvent (structured,
    /// binary or batch mode; `CloudEventReader`).
    var envelope: InputEnvelope = .plain
    /// Where the rules' document is inside the value (`EnvelopePlan`).
    var unwrap: UnwrapPlan = .none
    /// Rewrites applied to the document before rules see it (Avro JSON unions).
    var normalizations: [Normalization] = []
    /// The entity state the mapping reads and writes (Salesforce partial updates, Debezium's last op).
    var state: StatePlan?
    /// What a Kafka tombstone becomes (nil: the decode stage dead-letters it).
    var tombstones: TombstonePlan?
    var rules: [RulePlan]
    /// What happens when no rule matches; nil fails with `adapter.unmapped`.
    var otherwise: RuleAction?
    /// True when some transform uses the source's time zone.
    var usesSourceZone: Bool
    /// The pointers rules select on, for the `adapter.unmapped` message.
    var selectorPointers: [JSONPointer]
}

/// One rule: conditions on the input, and what to do when all hold.
struct RulePlan: Sendable {
    var conditions: [Condition]
    var action: RuleAction

    func matches(_ document: JSONValue, _ input: AdapterInput) -> Bool {
        Condition.all(conditions, hold: document, input)
    }
}

/// A test of one input value: a value of the document (`/type`) or of the record's metadata
/// (`meta:topic`, `meta:header:content-type`).
struct Condition: Sendable {
    enum Test: Sendable {
        /// Equal (JSON equality) to one of these.
        case oneOf([JSONValue])
        /// Present and not null (`true`), or absent or null (`false`).
        case present(Bool)
        /// A string starting with this prefix.
        case prefix(String)
        /// A string ending with this suffix.
        case suffix(String)
        /// The negation of a test.
        indirect case not(Test)
    }

    var pointer: JSONPointer
    /// Set for a metadata condition (`pointer` is then the root).
    var meta: MetaField?
    var test: Test

    init(pointer: JSONPointer, meta: MetaField? = nil, test: Test) {
        self.pointer = pointer
        self.meta = meta
        self.test = test
    }

    /// True when every condition holds.
    static func all(_ conditions: [Condition], hold document: JSONValue, _ input: AdapterInput?) -> Bool {
        for c in conditions where !c.holds(in: document, input) { return false }
        return true
    }

    func holds(in document: JSONValue, _ input: AdapterInput? = nil) -> Bool {
        let value = meta.map { m in input.flatMap { MappingScope.meta(m, of: $0) } } ?? pointer.resolve(in: document)
        return Self.evaluate(test, value)
    }

    private static func evaluate(_ test: Test, _ value: JSONValue?) -> Bool {
        switch test {
        case .not(let inner):
            return !evaluate(inner, value)
        case .suffix(let suffix):
            guard case .string(let s)? = value else { return false }
            return s.hasSuffix(suffix)
        case .oneOf(let candidates):
            guard let value else { return false }
            return candidates.contains(value)
        case .present(let wanted):
            let present = value.map { !$0.isNull } ?? false
            return present == wanted
        case .prefix(let prefix):
            guard case .string(let s)? = value else { return false }
            return s.hasPrefix(prefix)
        }
    }
}

/// What a matching rule does.
enum RuleAction: Sendable {
    case emit(EmitPlan)
    /// Outcome `filtered` with this reason.
    case ignore(String)
    /// Outcome `failed` with `adapter.rejected` and this message.
    case reject(String)
}

/// How to build the events of one canonical type.
struct EmitPlan: Sendable {
    /// The canonical type: a constant, or read from the input (`{"from": "/type"}`, a CloudEvent
    /// that already is a canonical event).
    var type: EmitType
    /// Input pointers that must be present and not null.
    var required: [JSONPointer]
    /// One event per element of the array here; nil for exactly one event.
    var fanOut: JSONPointer?
    /// Conditions on each fan-out element (relative to the element): elements that fail them are
    /// skipped; when every element is skipped the input is filtered.
    var elementConditions: [Condition] = []
    /// The `data` object.
    var data: OutputNode
    var time: ValuePlan?
    var subject: ValuePlan?
    var traceparent: ValuePlan?
}

/// Where an emitted event's type comes from.
enum EmitType: Sendable {
    case constant(String)
    case from(ValuePlan)

    /// The type as written in the mapping, for messages.
    var label: String {
        switch self {
        case .constant(let t): return t
        case .from(let plan): return "the type at \(plan.label)"
        }
    }
}

/// A node of the output tree: a value, an array built from an input array, or an object.
/// `data` of an emit rule may also be one value as a whole (`"data": "/data"`, a passthrough).
indirect enum OutputNode: Sendable {
    case value(ValuePlan)
    case each(EachPlan)
    case object([OutputMember])
}

/// A named child of an output object.
struct OutputMember: Sendable {
    var key: String
    var node: OutputNode
}

/// An output array with one item per element of an input array.
struct EachPlan: Sendable {
    /// Where the input array is (transforms may produce it, e.g. `parseJSON`).
    var source: ValuePlan
    /// Built once per element; `element` sources inside it address that element.
    var item: OutputNode
}

/// One output value: where it comes from, how it is converted, and what if it is missing.
struct ValuePlan: Sendable {
    var source: ValueSource
    var transforms: [TransformStep]
    /// Written as is (not transformed) when the source is absent or null.
    var fallback: JSONValue?
    /// When true, an absent or null source leaves the output member out.
    var optional: Bool
    /// Evaluated instead when the source is absent or null (`"else": {…}`: a value from another
    /// kind of source, e.g. the record timestamp when the event has no time).
    var otherwise: Box<ValuePlan>? = nil
    /// The output location, for messages (`/totalAmount`).
    var label: String
}

/// Where a value comes from.
enum ValueSource: Sendable {
    /// The first of these input pointers that is present and not null.
    case document([JSONPointer])
    /// The same, relative to the current fan-out or `each` element.
    case element([JSONPointer])
    case constant(JSONValue)
    case meta(MetaField)
    /// The current fan-out or `each` element's position, counted from `base` (`{"index": 1}`:
    /// 1, 2, 3 …, e.g. invoice line numbers when the source has none).
    case index(base: Int64)
    /// The present parts' text joined with a separator (`{"join": [...], "separator": " "}`:
    /// first and last name); absent when no part is present.
    indirect case join([ValueSource], separator: String)
}

/// Record metadata a mapping can read.
enum MetaField: Sendable {
    case topic, partition, offset, timestamp, key
    case header(String)
    /// The source's `sourceSystem` from the bridge config (default: the mapping's name).
    case sourceSystem
}

/// A time zone named in a mapping, or the zone configured for the source.
enum ZoneReference: Sendable {
    case fixed(TimeZone)
    case source
}

/// A compiled transform.
enum TransformStep: Sendable {
    case minorUnitsToDecimal(currency: ValueSource, exponents: [String: Int])
    /// Epoch integer in units of 1/`unitsPerSecond` s → RFC 3339. With a zone, the epoch encodes
    /// a wall-clock time in that zone (Debezium `Timestamp` of a column without time zone).
    case epochToDateTime(unitsPerSecond: Int64, fractionDigits: Int, wallClock: ZoneReference?)
    /// Epoch integer → the date of that instant (in `zone`, UTC when nil).
    case epochToDate(unitsPerSecond: Int64, zone: ZoneReference?)
    case localTimeToDateTime(zone: ZoneReference)
    case dateFromEpochDays
    case dateTimeToEpochMillis
    case upper, lower, trim, toString
    /// JSON text → its value (a Debezium `io.debezium.data.Json` column), with the default parse limits.
    case parseJSON
    case enumMap([String: JSONValue], fallback: JSONValue?)
    case debeziumDecimal(scale: Int?, currency: ValueSource?, exponents: [String: Int])
    /// A decimal amount (decimal string or exact JSON number) rescaled to the currency's ISO 4217
    /// minor unit (or a fixed `scale`): `"24.2500"`/EUR → `"24.25"`, `2000`/JPY → `"2000"`;
    /// only trailing zeros are ever dropped.
    case decimalAmount(currency: ValueSource?, scale: Int?)
    /// Any vendor date-time → RFC 3339 (`VendorTime`): RFC 3339/ISO 8601 with or without
    /// offset, `/Date(ms[+hhmm])/`, SAP `yyyyMMddHHmmss`, integer epochs in `unitsPerSecond`.
    case toDateTime(unitsPerSecond: Int64?, zone: ZoneReference?)
    /// Any vendor date → `YYYY-MM-DD` (the date-times above, `yyyyMMdd`, integer epochs).
    case toDate(unitsPerSecond: Int64?, zone: ZoneReference?)
    /// ISO 3166 alpha-2, alpha-3 or English short name → alpha-2.
    case countryCode
    /// Base64 text → the UTF-8 text it encodes.
    case base64Text
    /// Text → a deterministic UUID: SipHash-2-4-128 (the dedup key hash) over the namespace,
    /// the value and the `with` parts, formatted as a version-8 ("custom", RFC 9562) UUID.
    case uuidFromText(namespace: String, with: [ValueSource])

    /// The names accepted in mapping files.
    static let names = [
        "minorUnitsToDecimal", "epochSecondsToRFC3339", "epochMillisToRFC3339", "epochMicrosToRFC3339",
        "epochSecondsToDate", "epochMillisToDate", "localTimeToRFC3339", "dateFromEpochDays",
        "rfc3339ToEpochMillis", "upper", "lower", "trim", "toString", "parseJSON", "enumMap",
        "decimalFromDebeziumDecimal", "uuidFromText", "decimalAmount", "toRFC3339", "toDate", "countryCode",
        "base64Text",
    ]
}

/// A reference wrapper for a recursive value type (`ValuePlan.otherwise`).
final class Box<Value: Sendable>: Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
