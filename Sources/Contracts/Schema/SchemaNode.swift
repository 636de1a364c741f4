/// Index of a compiled node in `SchemaProgram.nodes`. References are indices, so recursive
/// schemas (`$ref: "#"`) are plain cycles in an array, not retain cycles.
typealias NodeID = Int32

/// One compiled schema: a range of `SchemaProgram.keywords` (pre-resolved, in evaluation
/// order). Plain data, so walking nodes and keywords costs no reference counting.
struct SchemaNode: Sendable {
    var keywordStart: Int32 = 0
    var keywordCount: Int32 = 0
    /// The schema is `false` (or `{"not": {}}`-like: only `alwaysFalse`).
    var isFalse = false
    /// The schema resource (by index in `SchemaProgram.resources`) this node belongs to, for the
    /// dynamic scope of `$dynamicRef`.
    var resource: Int32 = 0
    /// The node has `unevaluatedProperties`/`unevaluatedItems`, so it collects annotations.
    var collectsAnnotations = false
    /// The keywords for a pass/fail answer without annotations: the same keywords, but with
    /// `properties`, `required` and `additionalProperties` fused into one `objectShape` pass
    /// where they allow it. Equal to the full range when nothing is fused.
    var passFailStart: Int32 = 0
    var passFailCount: Int32 = 0
}

/// A schema resource that was compiled: its URI and its `$dynamicAnchor`s.
struct SchemaResource: Sendable {
    var uri: String
    var dynamicAnchors: [String: NodeID] = [:]
}

/// JSON Schema `type` as a bit set.
struct TypeMask: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeMask(rawValue: 1)
    static let boolean = TypeMask(rawValue: 2)
    static let integer = TypeMask(rawValue: 4)
    static let number = TypeMask(rawValue: 8)
    static let string = TypeMask(rawValue: 16)
    static let array = TypeMask(rawValue: 32)
    static let object = TypeMask(rawValue: 64)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "integer": self = .integer
        case "number": self = .number
        case "string": self = .string
        case "array": self = .array
        case "object": self = .object
        default: return nil
        }
    }

    func matches(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        // `integer` means what this product carries as one: integral, signed or unsigned 64 bits.
        case .number(let n): return contains(.number) || (contains(.integer) && n.isInteger64)
        case .string: return contains(.string)
        case .array: return contains(.array)
        case .object: return contains(.object)
        }
    }

    var names: [String] {
        let all: [(TypeMask, String)] = [
            (.null, "null"), (.boolean, "boolean"), (.integer, "integer"), (.number, "number"),
            (.string, "string"), (.array, "array"), (.object, "object"),
        ]
        return all.filter { contains($0.0) }.map(\.1)
    }
}

extension JSONObject {
    /// Whether a member is named `key`: like `position(of:)`, but skips members whose UTF-8
    /// length differs before comparing strings (the validator's `required` hot path).
    @inline(__always)
    func hasMember(_ key: String) -> Bool {
        if count > JSONObject.indexThreshold { return position(of: key) != nil }
        let length = key.utf8.count
        for member in members where member.key.utf8.count == length && member.key == key { return true }
        return false
    }
}

/// A compiled `pattern` or `patternProperties` key: the regex and its source for messages.
///
/// A class, so reading an entry for a match costs one retain rather than a copy of the regex's
/// arrays.
final class PatternEntry: Sendable {
    let source: String
    let regex: ECMARegex
    let node: NodeID

    init(source: String, regex: ECMARegex, node: NodeID) {
        self.source = source
        self.regex = regex
        self.node = node
    }
}

/// `properties`, `required` and `additionalProperties` of one schema, checked in a single pass
/// over the members with one name lookup each (pass/fail evaluation only: the separate keywords
/// stay for reports, whose violation order they fix).
struct ObjectShape: Sendable {
    /// The `properties` table.
    let properties: TableIndex
    /// Bit i: `properties.names[i]` is required. Every required name is in the table.
    let required: UInt64
    /// `additionalProperties`' subschema, or -1 when members outside the table are not checked.
    let additional: NodeID
}

/// A `$dynamicRef`: where it points statically, and the anchor name to look up in the dynamic
/// scope when the static target carries a matching `$dynamicAnchor` (otherwise nil: a plain `$ref`).
struct DynamicRef: Sendable {
    let target: NodeID
    let anchor: String?
}

/// Index into one of the side tables of `SchemaTables`.
typealias TableIndex = Int32

/// A compiled keyword. Every payload is plain data — node indices, table indices, counts — so
/// keywords copy without reference counting; the heavy parts (strings, values, regexes,
/// property tables) live once in `SchemaTables`.
enum Keyword: Sendable {
    case alwaysFalse
    case ref(NodeID)
    case dynamicRef(TableIndex)
    case type(TypeMask)
    case const(TableIndex)
    case `enum`(TableIndex)
    case minimum(TableIndex)
    case maximum(TableIndex)
    case exclusiveMinimum(TableIndex)
    case exclusiveMaximum(TableIndex)
    case multipleOf(TableIndex)
    case minLength(Int)
    case maxLength(Int)
    case pattern(TableIndex)
    case format(SchemaFormat)
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    case minProperties(Int)
    case maxProperties(Int)
    case required(TableIndex)
    case dependentRequired(TableIndex)
    case allOf(TableIndex)
    case anyOf(TableIndex)
    case oneOf(TableIndex)
    case not(NodeID)
    /// `then`/`else` are -1 when absent.
    case ifThenElse(if: NodeID, then: NodeID, else: NodeID)
    case dependentSchemas(TableIndex)
    case properties(TableIndex)
    case patternProperties(TableIndex)
    /// `known` (a property table) and `patterns` (a pattern list) are -1 when absent.
    case additionalProperties(NodeID, known: TableIndex, patterns: TableIndex)
    case propertyNames(NodeID)
    case prefixItems(TableIndex)
    case items(NodeID, from: Int)
    /// `max` is -1 when absent.
    case contains(NodeID, min: Int, max: Int)
    case unevaluatedItems(NodeID)
    case unevaluatedProperties(NodeID)
    /// Only in pass/fail ranges (`SchemaNode.passFailStart`).
    case objectShape(TableIndex)
}

/// The payloads keywords point at, each stored once per program.
struct SchemaTables: Sendable {
    var values: [JSONValue] = []
    var valueLists: [[JSONValue]] = []
    var numbers: [JSONNumber] = []
    var patterns: [PatternEntry] = []
    var patternLists: [[TableIndex]] = []
    var stringLists: [[String]] = []
    var dependentRequired: [[(String, [String])]] = []
    var nodeLists: [[NodeID]] = []
    var namedNodes: [[(String, NodeID)]] = []
    var properties: [PropertyTable] = []
    var dynamicRefs: [DynamicRef] = []
    var shapes: [ObjectShape] = []

    /// Appends to a table and returns the new entry's index.
    static func add<T>(_ value: T, to table: inout [T]) -> TableIndex {
        table.append(value)
        return TableIndex(table.count - 1)
    }
}
