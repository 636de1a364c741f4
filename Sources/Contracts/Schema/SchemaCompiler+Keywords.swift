/// Reading each keyword of a schema object into a `Keyword`, in evaluation order: references,
/// assertions, in-place applicators, object and array applicators, then `unevaluated*` last
/// (they need every other keyword's annotations).
extension SchemaCompiler {
    mutating func compileKeywords(of object: JSONObject, at location: SchemaLocation, vocabulary: Vocabularies) throws(SchemaError) -> [Keyword] {
        var out: [Keyword] = []
        if let ref = object["$ref"] {
            guard case .string(let text) = ref else { throw error("$ref must be a string", at: location.appending("$ref")) }
            out.append(.ref(try reference(text, at: location, keyword: "$ref").0))
        }
        if let ref = object["$dynamicRef"] {
            guard case .string(let text) = ref else { throw error("$dynamicRef must be a string", at: location.appending("$dynamicRef")) }
            out.append(.dynamicRef(try dynamicReference(text, at: location)))
        }
        if vocabulary.validation { try validationKeywords(of: object, at: location, into: &out) }
        if let format = object["format"] {
            guard case .string(let name) = format else { throw error("format must be a string", at: location.appending("format")) }
            if options.assertFormats || vocabulary.formatAssertion, let known = SchemaFormat(name: name) {
                out.append(.format(known))
            }
        }
        if vocabulary.applicator { try applicatorKeywords(of: object, at: location, vocabulary: vocabulary, into: &out) }
        if vocabulary.unevaluated {
            if object["unevaluatedItems"] != nil { out.append(.unevaluatedItems(try subschema(location, "unevaluatedItems"))) }
            if object["unevaluatedProperties"] != nil { out.append(.unevaluatedProperties(try subschema(location, "unevaluatedProperties"))) }
        }
        return out
    }

    private mutating func validationKeywords(of object: JSONObject, at location: SchemaLocation, into out: inout [Keyword]) throws(SchemaError) {
        if let type = object["type"] {
            var mask = TypeMask()
            let names: [JSONValue]
            if case .array(let list) = type { names = list } else { names = [type] }
            for name in names {
                guard case .string(let text) = name, let one = TypeMask(name: text) else {
                    throw error("type must be a type name or an array of them", at: location.appending("type"))
                }
                mask.insert(one)
            }
            out.append(.type(mask))
        }
        if let value = object["const"] { out.append(.const(SchemaTables.add(value, to: &tables.values))) }
        if let value = object["enum"] {
            guard case .array(let list) = value else { throw error("enum must be an array", at: location.appending("enum")) }
            out.append(.enum(SchemaTables.add(list, to: &tables.valueLists)))
        }
        for (keyword, make) in [
            ("minimum", Keyword.minimum), ("maximum", Keyword.maximum),
            ("exclusiveMinimum", Keyword.exclusiveMinimum), ("exclusiveMaximum", Keyword.exclusiveMaximum),
        ] as [(String, (TableIndex) -> Keyword)] {
            guard let value = object[keyword] else { continue }
            guard case .number(let limit) = value else { throw error("\(keyword) must be a number", at: location.appending(keyword)) }
            out.append(make(SchemaTables.add(limit, to: &tables.numbers)))
        }
        if let value = object["multipleOf"] {
            guard case .number(let divisor) = value, !divisor.parts.isZero, !divisor.parts.negative else {
                throw error("multipleOf must be a number greater than 0", at: location.appending("multipleOf"))
            }
            out.append(.multipleOf(SchemaTables.add(divisor, to: &tables.numbers)))
        }
        if let n = try count("minLength", object, location) { out.append(.minLength(n)) }
        if let n = try count("maxLength", object, location) { out.append(.maxLength(n)) }
        if let value = object["pattern"] {
            guard case .string(let source) = value else { throw error("pattern must be a string", at: location.appending("pattern")) }
            let compiled = try regex(source, at: location.appending("pattern"))
            out.append(.pattern(SchemaTables.add(PatternEntry(source: source, regex: compiled, node: -1), to: &tables.patterns)))
        }
        if let n = try count("minItems", object, location) { out.append(.minItems(n)) }
        if let n = try count("maxItems", object, location) { out.append(.maxItems(n)) }
        if let value = object["uniqueItems"] {
            guard case .bool(let on) = value else { throw error("uniqueItems must be a boolean", at: location.appending("uniqueItems")) }
            if on { out.append(.uniqueItems) }
        }
        if let n = try count("minProperties", object, location) { out.append(.minProperties(n)) }
        if let n = try count("maxProperties", object, location) { out.append(.maxProperties(n)) }
        if let value = object["required"] {
            out.append(.required(SchemaTables.add(try strings(value, "required", location), to: &tables.stringLists)))
        }
        if let value = object["dependentRequired"] {
            guard case .object(let map) = value else { throw error("dependentRequired must be an object", at: location.appending("dependentRequired")) }
            var pairs: [(String, [String])] = []
            for entry in map { pairs.append((entry.key, try strings(entry.value, "dependentRequired", location.appending("dependentRequired")))) }
            out.append(.dependentRequired(SchemaTables.add(pairs, to: &tables.dependentRequired)))
        }
    }

    private mutating func applicatorKeywords(of object: JSONObject, at location: SchemaLocation, vocabulary: Vocabularies, into out: inout [Keyword]) throws(SchemaError) {
        if object["allOf"] != nil { out.append(.allOf(SchemaTables.add(try schemaArray("allOf", object, location), to: &tables.nodeLists))) }
        if object["anyOf"] != nil { out.append(.anyOf(SchemaTables.add(try schemaArray("anyOf", object, location), to: &tables.nodeLists))) }
        if object["oneOf"] != nil { out.append(.oneOf(SchemaTables.add(try schemaArray("oneOf", object, location), to: &tables.nodeLists))) }
        if object["not"] != nil { out.append(.not(try subschema(location, "not"))) }
        if object["if"] != nil {
            let condition = try subschema(location, "if")
            let then = object["then"] != nil ? try subschema(location, "then") : nil
            let otherwise = object["else"] != nil ? try subschema(location, "else") : nil
            out.append(.ifThenElse(if: condition, then: then ?? -1, else: otherwise ?? -1))
        }
        if object["dependentSchemas"] != nil {
            let map = try schemaMap("dependentSchemas", object, location)
            out.append(.dependentSchemas(SchemaTables.add(Array(zip(map.names, map.nodes)), to: &tables.namedNodes)))
        }
        var known: TableIndex = -1
        if object["properties"] != nil {
            known = SchemaTables.add(try schemaMap("properties", object, location), to: &tables.properties)
            out.append(.properties(known))
        }
        var patterns: TableIndex = -1
        if object["patternProperties"] != nil {
            let map = try schemaMap("patternProperties", object, location)
            var list: [TableIndex] = []
            for (source, node) in zip(map.names, map.nodes) {
                let entry = PatternEntry(source: source, regex: try regex(source, at: location.appending("patternProperties", source)), node: node)
                list.append(SchemaTables.add(entry, to: &tables.patterns))
            }
            patterns = SchemaTables.add(list, to: &tables.patternLists)
            out.append(.patternProperties(patterns))
        }
        if object["additionalProperties"] != nil {
            out.append(.additionalProperties(try subschema(location, "additionalProperties"), known: known, patterns: patterns))
        }
        if object["propertyNames"] != nil { out.append(.propertyNames(try subschema(location, "propertyNames"))) }
        var prefixCount = 0
        if object["prefixItems"] != nil {
            let prefix = try schemaArray("prefixItems", object, location)
            prefixCount = prefix.count
            out.append(.prefixItems(SchemaTables.add(prefix, to: &tables.nodeLists)))
        }
        if object["items"] != nil { out.append(.items(try subschema(location, "items"), from: prefixCount)) }
        if object["contains"] != nil {
            let minimum = vocabulary.validation ? try count("minContains", object, location) ?? 1 : 1
            let maximum = vocabulary.validation ? try count("maxContains", object, location) ?? -1 : -1
            out.append(.contains(try subschema(location, "contains"), min: minimum, max: maximum))
        }
    }

    /// `list` with `properties` (and `required` and `additionalProperties` when they fit) fused
    /// into one `objectShape`, for pass/fail evaluation; nil when there is no `properties`.
    /// Keyword order does not change a pass/fail answer, so the fused keyword takes the place
    /// of `properties`.
    mutating func passFailKeywords(_ list: [Keyword]) -> [Keyword]? {
        var properties: TableIndex = -1
        var required: TableIndex = -1
        var additional: NodeID = -1
        for keyword in list {
            switch keyword {
            case .properties(let index): properties = index
            case .required(let index): required = index
            case .additionalProperties(let node, known: _, patterns: -1): additional = node
            default: break
            }
        }
        guard properties >= 0 else { return nil }
        let table = tables.properties[Int(properties)]
        var requiredBits: UInt64 = 0
        if required >= 0 {
            let positions = tables.stringLists[Int(required)].map { table.position(of: $0) }
            if table.names.count <= 64 && positions.allSatisfy({ $0 != nil }) {
                for p in positions.compactMap({ $0 }) { requiredBits |= 1 << UInt64(p) }
            } else {
                required = -1
            }
        }
        let shape = SchemaTables.add(ObjectShape(properties: properties, required: requiredBits, additional: additional), to: &tables.shapes)
        return list.compactMap { keyword -> Keyword? in
            switch keyword {
            case .properties: return .objectShape(shape)
            case .required(let index) where index == required: return nil
            case .additionalProperties(let node, known: _, patterns: -1) where node == additional: return nil
            default: return keyword
            }
        }
    }

    /// A non-negative integer keyword (`2.0` counts as 2; values beyond `Int` saturate).
    private func count(_ keyword: String, _ object: JSONObject, _ location: SchemaLocation) throws(SchemaError) -> Int? {
        guard let value = object[keyword] else { return nil }
        guard case .number(let n) = value, n.isIntegral, !n.parts.negative else {
            throw error("\(keyword) must be a non-negative integer", at: location.appending(keyword))
        }
        if let v = n.int64 { return Int(v) }
        let parts = n.parts
        if parts.isZero { return 0 }
        if parts.digits.count + parts.exponent > 18 { return Int.max }
        var v = 0
        for d in parts.digits { v = v * 10 + Int(d - 0x30) }
        for _ in 0..<parts.exponent { v *= 10 }
        return v
    }

    private func strings(_ value: JSONValue, _ keyword: String, _ location: SchemaLocation) throws(SchemaError) -> [String] {
        guard case .array(let list) = value else { throw error("\(keyword) must be an array of strings", at: location.appending(keyword)) }
        var out: [String] = []
        out.reserveCapacity(list.count)
        for item in list {
            guard case .string(let s) = item else { throw error("\(keyword) must be an array of strings", at: location.appending(keyword)) }
            out.append(s)
        }
        return out
    }

    private mutating func schemaArray(_ keyword: String, _ object: JSONObject, _ location: SchemaLocation) throws(SchemaError) -> [NodeID] {
        guard case .array(let list) = object[keyword] ?? .null, !list.isEmpty else {
            throw error("\(keyword) must be a non-empty array of schemas", at: location.appending(keyword))
        }
        var out: [NodeID] = []
        for i in list.indices { out.append(try subschema(location, keyword, String(i))) }
        return out
    }

    private mutating func schemaMap(_ keyword: String, _ object: JSONObject, _ location: SchemaLocation) throws(SchemaError) -> PropertyTable {
        guard case .object(let map) = object[keyword] ?? .null else {
            throw error("\(keyword) must be an object of schemas", at: location.appending(keyword))
        }
        var names: [String] = []
        var nodes: [NodeID] = []
        for entry in map {
            names.append(entry.key)
            nodes.append(try subschema(location, keyword, entry.key))
        }
        return PropertyTable(names: names, nodes: nodes)
    }
}
