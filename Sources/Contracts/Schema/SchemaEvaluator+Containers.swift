/// Object and array keywords: the applicators that visit members and items, and the counts.
extension SchemaEvaluator {
    mutating func objectKeyword(_ keyword: Keyword, _ object: JSONObject, _ evaluated: inout Evaluated, track: Bool) -> Bool {
        var valid = true
        switch keyword {
        case .properties(let index):
            for (i, member) in object.members.enumerated() {
                guard let node = program.tables.properties[Int(index)].find(member.key) else { continue }
                if track { evaluated.properties.insert(i) }
                if !descendChild("properties", .key(member.key), node, member.value, at: .key(member.key)) {
                    valid = false
                    if !collecting { return false }
                }
            }
        case .patternProperties(let index):
            for (i, member) in object.members.enumerated() {
                for p in program.tables.patternLists[Int(index)] where matches(p, member.key) {
                    let entry = program.tables.patterns[Int(p)]
                    if track { evaluated.properties.insert(i) }
                    if !descendChild("patternProperties", .key(entry.source), entry.node, member.value, at: .key(member.key)) {
                        valid = false
                        if !collecting { return false }
                    }
                }
            }
        case .additionalProperties(let node, let known, let patterns):
            let forbidden = isFalse(node)
            for (i, member) in object.members.enumerated() {
                if known >= 0 && program.tables.properties[Int(known)].find(member.key) != nil { continue }
                if patterns >= 0 && program.tables.patternLists[Int(patterns)].contains(where: { matches($0, member.key) }) { continue }
                if track { evaluated.properties.insert(i) }
                if !extraMember("additionalProperties", node, forbidden: forbidden, member) {
                    valid = false
                    if !collecting { return false }
                }
            }
        case .unevaluatedProperties(let node):
            let forbidden = isFalse(node)
            for (i, member) in object.members.enumerated() where !evaluated.hasProperty(i) {
                if !extraMember("unevaluatedProperties", node, forbidden: forbidden, member) {
                    valid = false
                    if !collecting { return false }
                }
            }
            if track { evaluated.allProperties = true }
        case .propertyNames(let node):
            for member in object.members where !descendChild("propertyNames", nil, node, .string(member.key), at: .key(member.key)) {
                valid = false
                if !collecting { return false }
            }
        case .required(let index):
            for name in program.tables.stringLists[Int(index)] where !object.hasMember(name) {
                valid = fail("required", "missing required property \"\(name)\"")
                if !collecting { return false }
            }
        case .dependentRequired(let index):
            for (trigger, names) in program.tables.dependentRequired[Int(index)] where object.position(of: trigger) != nil {
                for name in names where !object.hasMember(name) {
                    valid = fail("dependentRequired", "property \"\(name)\" is required when \"\(trigger)\" is present")
                    if !collecting { return false }
                }
            }
        case .minProperties(let minimum):
            return object.count >= minimum || fail("minProperties", "has \(object.count) properties, fewer than \(minimum)")
        case .maxProperties(let maximum):
            return object.count <= maximum || fail("maxProperties", "has \(object.count) properties, more than \(maximum)")
        default:
            break
        }
        return valid
    }

    mutating func arrayKeyword(_ keyword: Keyword, _ array: [JSONValue], _ evaluated: inout Evaluated, track: Bool) -> Bool {
        var valid = true
        switch keyword {
        case .prefixItems(let index):
            let nodes = program.tables.nodeLists[Int(index)]
            for i in 0..<min(nodes.count, array.count) {
                if track { evaluated.items.insert(i) }
                if !descendChild("prefixItems", .index(i), nodes[i], array[i], at: .index(i)) {
                    valid = false
                    if !collecting { return false }
                }
            }
        case .items(let node, let start):
            if track { evaluated.allItems = true }
            let forbidden = isFalse(node)
            for i in start..<max(start, array.count) {
                let ok = forbidden
                    ? fail("items", "no item is allowed at index \(i) (at most \(start) items)", at: .index(i))
                    : descendChild("items", nil, node, array[i], at: .index(i))
                if !ok {
                    valid = false
                    if !collecting { return false }
                }
            }
        case .contains(let node, let minimum, let maximum):
            var count = 0
            quietly { me in
                for (i, item) in array.enumerated() where me.descendChild("contains", nil, node, item, at: .index(i)) {
                    count += 1
                    if track {
                        evaluated.items.insert(i)
                    } else if maximum < 0 && count >= minimum {
                        return
                    }
                }
            }
            if count < minimum {
                return fail("contains", minimum == 1 ? "no item matches the contains schema" : "only \(count) items match the contains schema, at least \(minimum) must")
            }
            if maximum >= 0 && count > maximum {
                return fail("maxContains", "\(count) items match the contains schema, at most \(maximum) may")
            }
        case .unevaluatedItems(let node):
            for i in array.indices where !evaluated.hasItem(i) {
                if !descendChild("unevaluatedItems", nil, node, array[i], at: .index(i)) {
                    valid = false
                    if !collecting { return false }
                }
            }
            if track { evaluated.allItems = true }
        case .minItems(let minimum):
            return array.count >= minimum || fail("minItems", "has \(array.count) items, fewer than \(minimum)")
        case .maxItems(let maximum):
            return array.count <= maximum || fail("maxItems", "has \(array.count) items, more than \(maximum)")
        case .uniqueItems:
            if let (a, b) = InstanceEquality.firstDuplicate(array) {
                return fail("uniqueItems", "items \(a) and \(b) are equal")
            }
        default:
            break
        }
        return valid
    }

    /// `properties`, `required` and `additionalProperties` in one pass (pass/fail only: no
    /// violations, no annotations).
    mutating func objectShape(_ shape: ObjectShape, _ object: JSONObject) -> Bool {
        let table = program.tables.properties[Int(shape.properties)]
        var present: UInt64 = 0
        for member in object.members {
            let node: NodeID
            if let i = table.position(of: member.key) {
                if i < 64 { present |= 1 << UInt64(i) }
                node = table.nodes[i]
            } else if shape.additional >= 0 {
                node = shape.additional
            } else {
                continue
            }
            var unused = Evaluated()
            if isFalse(node) || !evaluate(node, member.value, &unused, track: false) { return false }
        }
        return present & shape.required == shape.required
    }

    /// A member left to `additionalProperties`/`unevaluatedProperties`: a plain "not allowed"
    /// when the schema is `false`, else the subschema's own violations.
    private mutating func extraMember(_ keyword: String, _ node: NodeID, forbidden: Bool, _ member: JSONObject.Member) -> Bool {
        if forbidden { return fail(keyword, "property \"\(member.key)\" is not allowed", at: .key(member.key)) }
        return descendChild(keyword, nil, node, member.value, at: .key(member.key))
    }

    private func matches(_ pattern: TableIndex, _ key: String) -> Bool {
        var budget = program.regexStepLimit
        return program.tables.patterns[Int(pattern)].regex.firstMatch(in: key, budget: &budget) ?? false
    }
}
