import Contracts

extension MappingCompiler {
    /// `"envelope": "cloudevents"`.
    mutating func inputEnvelope(_ value: JSONValue, at: JSONPointer) -> InputEnvelope {
        switch value {
        case "cloudevents": return .cloudEvents
        case "cloudevents-or-plain": return .cloudEventsOrPlain
        case "plain": return .plain
        default:
            problem(at, "\"envelope\" is \"cloudevents\" (structured, binary and batch mode), \"cloudevents-or-plain\" or \"plain\"")
            return .plain
        }
    }

    /// `"unwrap": "/payload"` (optional: the value itself when there is no object there) or an
    /// array of alternatives, each a pointer or `{"at": pointer, "when": {…}, "name": "…"}`.
    mutating func unwrapPlan(_ value: JSONValue, at: JSONPointer) -> UnwrapPlan {
        switch value {
        case .string:
            return pointer(value, at: at).map { .optional($0) } ?? .none
        case .array(let items) where !items.isEmpty:
            var alternatives: [EnvelopePlan] = []
            for (i, item) in items.enumerated() {
                let itemAt = at.appending(i)
                if case .string = item {
                    if let p = pointer(item, at: itemAt) {
                        alternatives.append(EnvelopePlan(pointer: p, conditions: [], label: Self.label(p)))
                    }
                    continue
                }
                guard let o = object(item, at: itemAt, "an envelope") else { continue }
                checkKeys(o, ["at", "when", "name"], at: itemAt)
                guard let atValue = o["at"], let p = pointer(atValue, at: ptr(itemAt, "at")) else {
                    if o["at"] == nil { problem(itemAt, "an envelope needs \"at\" (a JSON Pointer, \"\" for the value itself)") }
                    continue
                }
                let conditions = o["when"].map { self.conditions($0, at: ptr(itemAt, "when")) } ?? []
                var label = Self.label(p)
                if let n = o["name"] {
                    if case .string(let text) = n, !text.isEmpty { label = text } else { problem(ptr(itemAt, "name"), "\"name\" is a non-empty string") }
                }
                alternatives.append(EnvelopePlan(pointer: p, conditions: conditions, label: label))
            }
            return .alternatives(alternatives)
        default:
            problem(at, "\"unwrap\" is a JSON Pointer or a non-empty array of envelopes")
            return .none
        }
    }

    static func label(_ pointer: JSONPointer) -> String { pointer.isRoot ? "the value itself" : pointer.description }

    /// `"normalize": ["avroUnions"]`.
    mutating func normalizations(_ value: JSONValue, at: JSONPointer) -> [Normalization] {
        let items: [JSONValue]
        if case .array(let a) = value { items = a } else { items = [value] }
        var out: [Normalization] = []
        for (i, item) in items.enumerated() {
            switch item {
            case "avroUnions": out.append(.avroUnions)
            case "debezium": out.append(.debezium)
            default: problem(at.appending(i), "a normalization is \"avroUnions\" or \"debezium\"")
            }
        }
        return out
    }

    /// The `state` section (docs/adapters.md §7).
    mutating func statePlan(_ value: JSONValue, at: JSONPointer) -> StatePlan? {
        guard let o = object(value, at: at, "\"state\"") else { return nil }
        checkKeys(o, ["when", "records", "record", "key", "merge", "nulledFields", "partial", "completeWhen", "noticesWithoutState", "forget", "exclude", "keep"],
                  at: at)
        let conditions = o["when"].map { self.conditions($0, at: ptr(at, "when")) } ?? []
        let records = o["records"].flatMap { pointer($0, at: ptr(at, "records")) }
        var key: [ValueSource] = []
        if case .array(let parts)? = o["key"], !parts.isEmpty {
            for (i, part) in parts.enumerated() {
                let partAt = ptr(at, "key").appending(i)
                if case .string = part {
                    if let p = pointer(part, at: partAt) { key.append(.document([p])) }
                } else if let po = object(part, at: partAt, "a key part") {
                    checkKeys(po, ["from", "element", "const", "meta", "index", "join", "separator"], at: partAt)
                    if let s = source(po, at: partAt, inElement: records != nil) { key.append(s) }
                }
            }
        } else {
            problem(ptr(at, "key"), "\"key\" is a non-empty array of the entity key's parts")
        }
        var merge = StateMerge.replace
        switch o["merge"] {
        case "overlay"?:
            merge = .overlay(nulledFields: o["nulledFields"].flatMap { pointer($0, at: ptr(at, "nulledFields")) })
        case "replace"?, nil:
            if o["nulledFields"] != nil { problem(ptr(at, "nulledFields"), "\"nulledFields\" goes with \"merge\": \"overlay\"") }
        default:
            problem(ptr(at, "merge"), "\"merge\" is \"overlay\" (changed fields onto the last known record) or \"replace\"")
        }
        let partial = o["partial"].map { self.conditions($0, at: ptr(at, "partial")) } ?? []
        var completeWhen: [[Condition]] = []
        switch o["completeWhen"] {
        case nil: break
        case .array(let sets)?:
            for (i, set) in sets.enumerated() { completeWhen.append(self.conditions(set, at: ptr(at, "completeWhen").appending(i))) }
        case let set?:
            completeWhen = [self.conditions(set, at: ptr(at, "completeWhen"))]
        }
        var notices: [String] = []
        switch o["noticesWithoutState"] {
        case nil: break
        case .array(let types)? where !types.isEmpty && types.allSatisfy({ $0.stringValue?.isEmpty == false }) && !completeWhen.isEmpty:
            notices = types.compactMap(\.stringValue)
        default:
            problem(ptr(at, "noticesWithoutState"),
                    "\"noticesWithoutState\" is a non-empty array of event types, and goes with \"completeWhen\" (what a partial input without known state may still emit)")
        }
        let forget = o["forget"].map { self.conditions($0, at: ptr(at, "forget")) } ?? []
        let exclude = o["exclude"].map { pointers($0, at: ptr(at, "exclude")) } ?? []
        let keep = o["keep"].map { pointers($0, at: ptr(at, "keep")) }
        var plan = StatePlan(
            conditions: conditions, records: records, key: key, merge: merge, partial: partial, completeWhen: completeWhen,
            forget: forget, exclude: exclude, keep: keep)
        plan.noticesWithoutState = notices
        if let r = o["record"], let p = pointer(r, at: ptr(at, "record")) { plan.record = p }
        return plan
    }

    /// `"tombstones": {"filterAfter": {conditions on the last known record}, "reason": "…"}`.
    mutating func tombstonePlan(_ value: JSONValue, at: JSONPointer, state: StatePlan?) -> TombstonePlan? {
        guard let o = object(value, at: at, "\"tombstones\"") else { return nil }
        checkKeys(o, ["filterAfter", "reason", "valuesLike"], at: at)
        if state == nil { problem(at, "\"tombstones\" needs a \"state\" section (what the last event of the key was)") }
        guard let after = o["filterAfter"] else {
            problem(at, "\"tombstones\" needs \"filterAfter\" (conditions on the key's last known record)")
            return nil
        }
        guard case .string(let reason)? = o["reason"], !reason.isEmpty else {
            problem(ptr(at, "reason"), "\"reason\" is the filter reason, a non-empty string")
            return nil
        }
        var plan = TombstonePlan(after: conditions(after, at: ptr(at, "filterAfter")), reason: reason)
        if let v = o["valuesLike"] { plan.values = conditions(v, at: ptr(at, "valuesLike")) }
        return plan
    }

    private mutating func pointers(_ value: JSONValue, at: JSONPointer) -> [JSONPointer] {
        guard case .array(let items) = value else {
            problem(at, "expected an array of JSON Pointers")
            return []
        }
        return items.enumerated().compactMap { pointer($0.element, at: at.appending($0.offset)) }
    }
}
