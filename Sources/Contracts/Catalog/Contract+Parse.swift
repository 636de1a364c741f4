import Basics

extension Contract {
    /// The members a contract file may have.
    static let knownMembers: Set<String> = [
        "$comment", "type", "version", "key", "dedupKey", "revision", "compatibility", "schema", "rules", "upcast",
        "description", "owner", "prerequisite", "materiality", "syncLagObjective",
    ]

    /// Reads and checks one contract document. Every problem is reported (with `file` and a JSON
    /// Pointer into the document); the contract is returned only when there are none.
    public static func parse(_ json: JSONValue, file: String = "") -> Result<Contract, ContractLoadError> {
        var reader = ContractReader(file: file)
        let contract = reader.contract(json)
        if let contract, reader.problems.isEmpty { return .success(contract) }
        return .failure(ContractLoadError(problems: reader.problems))
    }
}

/// Reads a contract document member by member, collecting every problem.
struct ContractReader {
    let file: String
    var problems: [ContractProblem] = []

    mutating func problem(_ pointer: JSONPointer, _ message: String) {
        problems.append(ContractProblem(file: file, pointer: pointer, message: message))
    }

    static func at(_ tokens: String...) -> JSONPointer { JSONPointer(tokens: tokens) }

    mutating func contract(_ json: JSONValue) -> Contract? {
        guard case .object(let o) = json else {
            problem(.root, "a contract is a JSON object, got \(json.typeName)")
            return nil
        }
        for key in o.keys where !Contract.knownMembers.contains(key) { problem(Self.at(key), "unknown member '\(key)'") }
        let type = string(o, "type")
        if let type, !Self.isTypeName(type) {
            problem(Self.at("type"), "'\(type)' is not a type name (lower-case dotted words, e.g. finance.invoice.posted)")
        }
        var version: Int?
        switch o["version"] {
        case .number(let n)? where n.int64.map({ $0 >= 1 && $0 <= 1_000_000 }) == true: version = n.int64.map { Int($0) }
        case nil: problem(.root, "missing 'version'")
        case let v?: problem(Self.at("version"), "a version is a whole number from 1, got \(v)")
        }
        let key = pointer(o["key"], at: Self.at("key"), name: "key")
        var dedup: [JSONPointer]?
        switch o["dedupKey"] {
        case .array(let list)? where !list.isEmpty:
            let parsed = list.enumerated().map { pointer($0.element, at: Self.at("dedupKey", String($0.offset)), name: "dedupKey") }
            let ok = parsed.compactMap { $0 }
            dedup = ok.count == parsed.count ? ok : nil
        case nil: problem(.root, "missing 'dedupKey'")
        case let v?: problem(Self.at("dedupKey"), "a non-empty array of JSON Pointers, got \(v.typeName)")
        }
        let revision = pointer(o["revision"], at: Self.at("revision"), name: "revision")
        var compatibility: CompatibilityMode?
        if let text = string(o, "compatibility") {
            compatibility = CompatibilityMode(rawValue: text)
            if compatibility == nil {
                problem(Self.at("compatibility"), "'\(text)' is not one of \(CompatibilityMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let description = string(o, "description")
        let owner = string(o, "owner")
        let rules = self.rules(o["rules"])
        let upcast = self.upcast(o["upcast"], version: version)
        let prerequisite = self.prerequisite(o["prerequisite"])
        let materiality = self.materiality(o["materiality"])
        let syncLag = self.syncLagObjective(o["syncLagObjective"])
        var check: SchemaCheck?
        switch o["schema"] {
        case nil: problem(.root, "missing 'schema'")
        case let schema?:
            switch SchemaCheck.compile(schema, file: file) {
            case .success(let c): check = c
            case .failure(let e): problems.append(contentsOf: e.problems)
            }
            lintPointers(schema: schema, key: key, dedup: dedup, revision: revision, prerequisite: prerequisite)
        }
        guard problems.isEmpty, let type, let version, let key, let dedup, let revision, let compatibility,
              let schema = o["schema"], let check, let rules, let description, let owner
        else { return nil }
        var contract = Contract(
            type: type, version: version, key: key, dedupKey: dedup, revision: revision, compatibility: compatibility,
            schema: schema, rules: rules, upcast: upcast, description: description, owner: owner,
            prerequisite: prerequisite, file: file, json: json, schemaCheck: check)
        contract.declaredMateriality = materiality
        contract.declaredSyncLagSeconds = syncLag
        return contract
    }

    /// `materiality`: optional, one of `critical`, `high`, `normal`.
    private mutating func materiality(_ value: JSONValue?) -> Materiality? {
        guard let value else { return nil }
        guard let text = value.stringValue, let m = Materiality(rawValue: text) else {
            problem(Self.at("materiality"), "one of \(Materiality.allCases.map(\.rawValue).joined(separator: ", ")), got \(value)")
            return nil
        }
        return m
    }

    /// `syncLagObjective`: optional, a duration from 1 s to 7 days (`"60s"`, `"15m"`).
    private mutating func syncLagObjective(_ value: JSONValue?) -> Int? {
        guard let value else { return nil }
        guard let text = value.stringValue, let seconds = DurationText.seconds(text), seconds >= 1, seconds <= 7 * 86400 else {
            problem(Self.at("syncLagObjective"), "a duration from 1s to 7d such as \"60s\" or \"15m\", got \(value)")
            return nil
        }
        return seconds
    }

    /// `finance.invoice.posted`: two or more dot-separated words of `[a-z][a-z0-9_]*`.
    static func isTypeName(_ text: String) -> Bool {
        let words = text.split(separator: ".", omittingEmptySubsequences: false)
        return words.count >= 2 && words.allSatisfy { word in
            guard let first = word.utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else { return false }
            return word.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") }
        }
    }

    private mutating func string(_ o: JSONObject, _ name: String) -> String? {
        switch o[name] {
        case .string(let s)? where !s.isEmpty: return s
        case nil:
            problem(.root, "missing '\(name)'")
            return nil
        case let v?:
            problem(Self.at(name), "a non-empty string, got \(v)")
            return nil
        }
    }

    private mutating func pointer(_ value: JSONValue?, at: JSONPointer, name: String) -> JSONPointer? {
        guard let value else {
            problem(at.parent ?? .root, "missing '\(name)'")
            return nil
        }
        guard let text = value.stringValue, let p = JSONPointer(text), !p.isRoot else {
            problem(at, "not a JSON Pointer: \(value)")
            return nil
        }
        if p.tokens.contains("*") { problem(at, "a key pointer names one value; '*' is not allowed here") }
        return p
    }

    private mutating func rules(_ value: JSONValue?) -> [FinanceRule]? {
        guard let value else { return [] }
        guard case .array(let list) = value else {
            problem(Self.at("rules"), "an array of rules, got \(value.typeName)")
            return nil
        }
        var out: [FinanceRule] = []
        for (i, item) in list.enumerated() {
            if let r = FinanceRule.parse(item, at: Self.at("rules", String(i)), file: file, problems: &problems) { out.append(r) }
        }
        return out.count == list.count ? out : nil
    }

    private mutating func upcast(_ value: JSONValue?, version: Int?) -> JSONPatch? {
        guard let version else { return nil }
        guard let value else {
            if version > 1 { problem(.root, "version \(version) needs 'upcast' (RFC 6902 operations from version \(version - 1))") }
            return nil
        }
        if version == 1 {
            problem(Self.at("upcast"), "version 1 has nothing to upcast from")
            return nil
        }
        do {
            return try JSONPatch(value)
        } catch {
            problem(error.operationIndex.map { Self.at("upcast", String($0)) } ?? Self.at("upcast"), error.message)
            return nil
        }
    }

    private mutating func prerequisite(_ value: JSONValue?) -> Contract.Prerequisite? {
        guard let value else { return nil }
        guard case .object(let o) = value, let type = o["type"]?.stringValue, Self.isTypeName(type) else {
            problem(Self.at("prerequisite"), #"a prerequisite is {"type": "<event type>", "key": "<JSON Pointer>"}"#)
            return nil
        }
        for k in o.keys where k != "type" && k != "key" { problem(Self.at("prerequisite", k), "unknown member '\(k)'") }
        guard let key = pointer(o["key"], at: Self.at("prerequisite", "key"), name: "key") else { return nil }
        return Contract.Prerequisite(type: type, key: key)
    }

    /// Key, dedup, revision and prerequisite pointers must name properties the schema declares as required.
    private mutating func lintPointers(schema: JSONValue, key: JSONPointer?, dedup: [JSONPointer]?, revision: JSONPointer?, prerequisite: Contract.Prerequisite?) {
        var named: [(JSONPointer, JSONPointer)] = []
        if let key { named.append((Self.at("key"), key)) }
        for (i, p) in (dedup ?? []).enumerated() { named.append((Self.at("dedupKey", String(i)), p)) }
        if let revision { named.append((Self.at("revision"), revision)) }
        if let prerequisite { named.append((Self.at("prerequisite", "key"), prerequisite.key)) }
        let shape = SchemaShape(root: schema)
        for (at, p) in named where !shape.requires(p) {
            problem(at, "\(p) is not a required property of the schema")
        }
    }
}
