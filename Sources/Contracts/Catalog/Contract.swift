/// One version of one event type: its schema, finance rules, keys and upcast from the previous version.
///
/// Read from a contract file (docs/design.md §5) by `Contract.parse` or `ContractRegistry.load`; the schema is
/// compiled once, with format assertion on. Validation never throws: a contract violation is data.
public struct Contract: Sendable {
    /// The event type, e.g. `finance.invoice.posted`.
    public let type: String
    /// The version, from 1.
    public let version: Int
    /// Pointer of the entity key (the Kafka record key and `ce_subject`).
    public let key: JSONPointer
    /// Pointers whose values together identify an event for deduplication.
    public let dedupKey: [JSONPointer]
    /// Pointer of the entity revision (an integer) or event time (a date-time), for staleness.
    public let revision: JSONPointer
    /// How versions of this type must relate.
    public let compatibility: CompatibilityMode
    /// The JSON Schema (2020-12) as written.
    public let schema: JSONValue
    /// The finance rules, in contract order (`/rules/<index>`).
    public let rules: [FinanceRule]
    /// RFC 6902 operations turning a version N−1 document into version N; nil for version 1.
    public let upcast: JSONPatch?
    public let description: String
    public let owner: String
    /// Another event that must have been seen for the same entity first (docs/design.md §6), if any.
    public let prerequisite: Prerequisite?
    /// The file this contract was read from (empty when built in memory).
    public let file: String
    /// The whole contract document as written.
    public let json: JSONValue
    /// The `materiality` the contract declares; nil when it declares none (`objective` then takes
    /// its workflow's default, and `contracts check` warns).
    public internal(set) var declaredMateriality: Materiality? = nil
    /// The `syncLagObjective` the contract declares, in seconds; nil when it declares none.
    public internal(set) var declaredSyncLagSeconds: Int? = nil

    let schemaCheck: SchemaCheck
    /// `rules`, prepared to be checked together.
    let ruleSet: RuleSet
    /// The schema, rules and key pointers compiled for tapes (`Contract+Tape.swift`), when they can be.
    let tape: TapeContract?

    init(
        type: String, version: Int, key: JSONPointer, dedupKey: [JSONPointer], revision: JSONPointer, compatibility: CompatibilityMode,
        schema: JSONValue, rules: [FinanceRule], upcast: JSONPatch?, description: String, owner: String,
        prerequisite: Prerequisite?, file: String, json: JSONValue, schemaCheck: SchemaCheck
    ) {
        self.type = type
        self.version = version
        self.key = key
        self.dedupKey = dedupKey
        self.revision = revision
        self.compatibility = compatibility
        self.schema = schema
        self.rules = rules
        self.upcast = upcast
        self.description = description
        self.owner = owner
        self.prerequisite = prerequisite
        self.file = file
        self.json = json
        self.schemaCheck = schemaCheck
        ruleSet = RuleSet(rules)
        tape = TapeContract(schema: schemaCheck.compiled, rules: ruleSet, key: key, revision: revision, dedupKey: dedupKey, prerequisite: prerequisite?.key)
    }

    /// A readiness prerequisite: an event of `type` keyed by the value at `key` in this event.
    public struct Prerequisite: Sendable, Hashable {
        /// The event type that must come first, e.g. `finance.customer.ready`.
        public let type: String
        /// Pointer, in this event, of the prerequisite's entity key (e.g. `/customerId`).
        public let key: JSONPointer
    }

    /// This contract's type and version.
    public var ref: ContractRef { ContractRef(type: type, version: version) }

    /// The workflow (type family) this contract belongs to, e.g. `finance.payment`.
    public var workflow: String { Workflow.of(type) }

    /// Materiality and sync-lag objective: as declared, else the workflow's defaults
    /// (`Workflow.defaults`). A config may override them (`observability.objectives`).
    public var objective: Objective {
        let fallback = Workflow.defaultObjective(forType: type)
        return Objective(materiality: declaredMateriality ?? fallback.materiality,
                         syncLagSeconds: declaredSyncLagSeconds ?? fallback.syncLagSeconds)
    }

    /// Schema then rules; every violation of both. Rules run even when the schema fails, so a DLQ
    /// entry lists everything wrong at once (rules skip values the schema rejects).
    public func validate(_ event: JSONValue) -> ValidationReport {
        var report = schemaCheck.validate(event)
        ruleSet.evaluate(event, into: &report.violations)
        return report
    }

    /// Schema only (no finance rules).
    public func validateSchema(_ event: JSONValue) -> ValidationReport { schemaCheck.validate(event) }

    /// The entity key: the string at `key`, or an integer's digits; nil when absent or of another type.
    public func entityKey(of event: JSONValue) -> String? { Contract.keyText(key.resolve(in: event)) }

    /// The prerequisite's entity key in `event`, when this contract has a prerequisite.
    public func prerequisiteKey(of event: JSONValue) -> String? {
        prerequisite.flatMap { Contract.keyText($0.key.resolve(in: event)) }
    }

    /// The deduplication key: the values at `dedupKey` as a canonical JSON array
    /// (`["INV-1",3]`: sorted object keys, numbers as written, no spaces). Nil when one is missing.
    public func dedupKey(of event: JSONValue) -> String? {
        var values: [JSONValue] = []
        values.reserveCapacity(dedupKey.count)
        for p in dedupKey {
            guard let v = p.resolve(in: event) else { return nil }
            values.append(Contract.canonicalNumbers(v))
        }
        return JSONWriter.canonical.string(.array(values))
    }

    /// A key value as text: a string as it is, an integral number in canonical form; nil otherwise.
    public static func keyText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: return s
        case .number(let n)? where n.isIntegral: return ExactDecimal(n)?.canonicalString
        default: return nil
        }
    }

    /// Numbers rewritten in canonical form (`1.0` → `1`), so equal values give equal keys.
    static func canonicalNumbers(_ value: JSONValue) -> JSONValue {
        switch value {
        case .number(let n):
            guard let d = ExactDecimal(n), let canonical = JSONNumber(literal: d.canonicalString) else { return value }
            return .number(canonical)
        case .array(let a): return .array(a.map(canonicalNumbers))
        case .object(let o): return .object(JSONObject(o.members.map { JSONObject.Member(key: $0.key, value: canonicalNumbers($0.value)) }))
        default: return value
        }
    }
}
