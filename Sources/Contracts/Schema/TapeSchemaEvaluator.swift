/// `SchemaEvaluator`'s pass/fail answer, computed on a `JSONTape` instead of a `JSONValue`: the
/// same compiled program (the pass/fail keyword ranges, with `objectShape`), the same keyword
/// semantics, read from the input bytes in place.
///
/// Exact, not approximate: wherever a keyword's answer needs a `String` or a tree (a pattern the
/// automaton can't take, `email`, a non-ASCII currency, `enum` of objects, `uniqueItems`), the
/// value is materialized and the reference's own function answers. Nesting is counted as the
/// reference counts it, so its depth limit fails at the same place. Programs it cannot evaluate
/// exactly are refused up front (`supports`): annotations (`unevaluated*`), a dynamic scope, or a
/// member name that is not ASCII (tape names are compared as bytes).
struct TapeSchemaEvaluator {
    let program: SchemaProgram
    private let nodes: UnsafeBufferPointer<SchemaNode>
    private let keywords: UnsafeBufferPointer<Keyword>
    let tape: JSONTape
    private var depth = 0

    /// Whether every answer for this program can be computed on a tape.
    static func supports(_ program: SchemaProgram) -> Bool {
        guard !program.usesDynamicScope, !program.nodes.contains(where: \.collectsAnnotations) else { return false }
        let t = program.tables
        func ascii(_ s: String) -> Bool { s.utf8.allSatisfy { $0 < 0x80 } }
        return t.properties.allSatisfy(\.isASCII) && t.stringLists.allSatisfy { $0.allSatisfy(ascii) }
            && t.dependentRequired.allSatisfy { $0.allSatisfy { ascii($0.0) && $0.1.allSatisfy(ascii) } }
            && t.namedNodes.allSatisfy { $0.allSatisfy { ascii($0.0) } }
    }

    /// Whether the value at `index` is valid against the program's root (exactly `CompiledSchema.isValid`).
    static func isValid(_ program: SchemaProgram, _ tape: JSONTape, _ index: JSONTape.Index) -> Bool {
        program.nodes.withUnsafeBufferPointer { nodes in
            program.keywords.withUnsafeBufferPointer { keywords in
                var evaluator = TapeSchemaEvaluator(program: program, nodes: nodes, keywords: keywords, tape: tape)
                return evaluator.evaluate(program.root, index)
            }
        }
    }

    private init(program: SchemaProgram, nodes: UnsafeBufferPointer<SchemaNode>, keywords: UnsafeBufferPointer<Keyword>, tape: JSONTape) {
        self.program = program
        self.nodes = nodes
        self.keywords = keywords
        self.tape = tape
    }

    mutating func evaluate(_ id: NodeID, _ i: JSONTape.Index) -> Bool {
        if depth >= SchemaEvaluator.maxDepth { return false }
        depth += 1
        defer { depth -= 1 }
        let node = nodes[Int(id)]
        var k = Int(node.passFailStart)
        let end = k + Int(node.passFailCount)
        while k < end {
            if !keyword(keywords[k], i) { return false }
            k += 1
        }
        return true
    }

    private mutating func keyword(_ keyword: Keyword, _ i: JSONTape.Index) -> Bool {
        switch keyword {
        case .alwaysFalse: return false
        case .ref(let target): return evaluate(target, i)
        case .dynamicRef(let ref): return evaluate(program.tables.dynamicRefs[Int(ref)].target, i)
        case .allOf(let list):
            for node in program.tables.nodeLists[Int(list)] where !evaluate(node, i) { return false }
            return true
        case .anyOf(let list):
            for node in program.tables.nodeLists[Int(list)] where evaluate(node, i) { return true }
            return false
        case .oneOf(let list):
            var matched = 0
            for node in program.tables.nodeLists[Int(list)] where evaluate(node, i) {
                matched += 1
                if matched > 1 { return false }
            }
            return matched == 1
        case .not(let node): return !evaluate(node, i)
        case .ifThenElse(let condition, let then, let otherwise):
            if then < 0 && otherwise < 0 { return true }
            if evaluate(condition, i) { return then < 0 || evaluate(then, i) }
            return otherwise < 0 || evaluate(otherwise, i)
        case .dependentSchemas(let list):
            guard tape.kind(i) == .object else { return true }
            for (name, node) in program.tables.namedNodes[Int(list)] where tape.member(i, name) != nil && !evaluate(node, i) { return false }
            return true
        case .objectShape(let index):
            guard tape.kind(i) == .object else { return true }
            return objectShape(program.tables.shapes[Int(index)], i)
        case .properties, .patternProperties, .additionalProperties, .propertyNames, .required, .dependentRequired,
            .minProperties, .maxProperties:
            guard tape.kind(i) == .object else { return true }
            return objectKeyword(keyword, i)
        case .prefixItems, .items, .contains, .minItems, .maxItems, .uniqueItems:
            guard tape.kind(i) == .array else { return true }
            return arrayKeyword(keyword, i)
        case .unevaluatedItems, .unevaluatedProperties:
            return false  // refused by `supports`
        default:
            return assertion(keyword, i)
        }
    }

    // MARK: Objects and arrays

    private mutating func objectShape(_ shape: ObjectShape, _ object: JSONTape.Index) -> Bool {
        let table = program.tables.properties[Int(shape.properties)]
        var present: UInt64 = 0
        var k = object + 1
        let end = tape.next(object)
        while k < end {
            let node: NodeID
            if let p = table.position(utf8: tape.rawString(k)) {
                if p < 64 { present |= 1 << UInt64(p) }
                node = table.nodes[p]
            } else if shape.additional >= 0 {
                node = shape.additional
            } else {
                k = tape.next(k + 1)
                continue
            }
            if nodes[Int(node)].isFalse || !evaluate(node, k + 1) { return false }
            k = tape.next(k + 1)
        }
        return present & shape.required == shape.required
    }

    private mutating func objectKeyword(_ keyword: Keyword, _ object: JSONTape.Index) -> Bool {
        var valid = true
        switch keyword {
        case .properties(let index):
            let table = program.tables.properties[Int(index)]
            tape.forEachMember(object) { name, value in
                if valid, let p = table.position(utf8: tape.rawString(name)), !evaluate(table.nodes[p], value) { valid = false }
            }
        case .patternProperties(let index):
            tape.forEachMember(object) { name, value in
                for p in program.tables.patternLists[Int(index)] where valid && matches(p, name) {
                    if !evaluate(program.tables.patterns[Int(p)].node, value) { valid = false }
                }
            }
        case .additionalProperties(let node, let known, let patterns):
            tape.forEachMember(object) { name, value in
                guard valid else { return }
                if known >= 0 && program.tables.properties[Int(known)].position(utf8: tape.rawString(name)) != nil { return }
                if patterns >= 0 && program.tables.patternLists[Int(patterns)].contains(where: { matches($0, name) }) { return }
                if nodes[Int(node)].isFalse || !evaluate(node, value) { valid = false }
            }
        case .propertyNames(let node):
            // A member name is a string entry: the subschema reads it like any string.
            tape.forEachMember(object) { name, _ in
                if valid && !evaluate(node, name) { valid = false }
            }
        case .required(let index):
            return program.tables.stringLists[Int(index)].allSatisfy { tape.member(object, $0) != nil }
        case .dependentRequired(let index):
            for (trigger, names) in program.tables.dependentRequired[Int(index)] where tape.member(object, trigger) != nil {
                guard names.allSatisfy({ tape.member(object, $0) != nil }) else { return false }
            }
        case .minProperties(let minimum): return tape.count(object) >= minimum
        case .maxProperties(let maximum): return tape.count(object) <= maximum
        default: break
        }
        return valid
    }

    private mutating func arrayKeyword(_ keyword: Keyword, _ array: JSONTape.Index) -> Bool {
        var valid = true
        switch keyword {
        case .prefixItems(let index):
            let list = program.tables.nodeLists[Int(index)]
            var n = 0
            tape.forEachElement(array) { item in
                if valid && n < list.count && !evaluate(list[n], item) { valid = false }
                n += 1
            }
        case .items(let node, let start):
            let forbidden = nodes[Int(node)].isFalse
            var n = 0
            tape.forEachElement(array) { item in
                if valid && n >= start && (forbidden || !evaluate(node, item)) { valid = false }
                n += 1
            }
        case .contains(let node, let minimum, let maximum):
            var matched = 0
            tape.forEachElement(array) { item in
                // As the reference: stop counting once enough match and there is no maximum.
                guard maximum >= 0 || matched < minimum else { return }
                if evaluate(node, item) { matched += 1 }
            }
            return matched >= minimum && (maximum < 0 || matched <= maximum)
        case .minItems(let minimum): return tape.count(array) >= minimum
        case .maxItems(let maximum): return tape.count(array) <= maximum
        case .uniqueItems:
            guard case .array(let items) = tape.value(array) else { return false }
            return InstanceEquality.firstDuplicate(items) == nil
        default: break
        }
        return valid
    }

    private func matches(_ pattern: TableIndex, _ name: JSONTape.Index) -> Bool {
        let regex = program.tables.patterns[Int(pattern)].regex
        var budget = program.regexStepLimit
        return regex.firstMatch(in: tape.string(name), budget: &budget) ?? false
    }

    // MARK: Assertions

    private func assertion(_ keyword: Keyword, _ i: JSONTape.Index) -> Bool {
        let kind = tape.kind(i)
        switch keyword {
        case .type(let mask):
            switch kind {
            case .null: return mask.contains(.null)
            case .true, .false: return mask.contains(.boolean)
            case .number:
                if mask.contains(.number) { return true }
                return mask.contains(.integer) && (tape.isPlainInteger(i) || tape.number(i).isIntegral)
            case .string: return mask.contains(.string)
            case .array: return mask.contains(.array)
            case .object: return mask.contains(.object)
            }
        case .const(let index):
            return equal(i, program.tables.values[Int(index)])
        case .enum(let index):
            return program.tables.valueLists[Int(index)].contains { equal(i, $0) }
        case .minimum(let index):
            guard kind == .number else { return true }
            return !(tape.number(i) < program.tables.numbers[Int(index)])
        case .maximum(let index):
            guard kind == .number else { return true }
            return !(program.tables.numbers[Int(index)] < tape.number(i))
        case .exclusiveMinimum(let index):
            guard kind == .number else { return true }
            return program.tables.numbers[Int(index)] < tape.number(i)
        case .exclusiveMaximum(let index):
            guard kind == .number else { return true }
            return tape.number(i) < program.tables.numbers[Int(index)]
        case .multipleOf(let index):
            guard kind == .number else { return true }
            return DecimalMultiple.isMultiple(tape.number(i), of: program.tables.numbers[Int(index)])
        case .minLength(let minimum):
            guard kind == .string else { return true }
            return scalarCount(i, atLeast: minimum) >= minimum
        case .maxLength(let maximum):
            guard kind == .string else { return true }
            return scalarCount(i, atLeast: maximum + 1) <= maximum
        case .pattern(let index):
            guard kind == .string else { return true }
            let regex = program.tables.patterns[Int(index)].regex
            let text = tape.rawString(i)
            // The reference's own condition for taking the automaton (see `ECMARegex.firstMatch`).
            if tape.isPlainString(i), let dfa = regex.dfa, text.count + 1 <= program.regexStepLimit / regex.program.count {
                return dfa.firstMatch(utf8: text)
            }
            var budget = program.regexStepLimit
            return regex.firstMatch(in: tape.string(i), budget: &budget) ?? false
        case .format(let format):
            guard kind == .string else { return true }
            if tape.isPlainString(i), let valid = format.isValid(utf8: tape.rawString(i)) { return valid }
            return format.isValid(tape.string(i))
        default:
            return true
        }
    }

    /// A string's length in Unicode scalars (as `String.unicodeScalars.count`); counting may stop
    /// early once the answer to "at least `limit`" is known from the byte count.
    private func scalarCount(_ i: JSONTape.Index, atLeast limit: Int) -> Int {
        guard tape.isPlainString(i) else { return tape.string(i).unicodeScalars.count }
        let raw = tape.rawString(i)
        if tape.isASCIIString(i) { return raw.count }
        // Every scalar is 1–4 bytes: few enough bytes answer without counting.
        if raw.count < limit { return raw.count }
        var scalars = 0
        for b in raw where b & 0xC0 != 0x80 { scalars += 1 }
        return scalars
    }

    /// `InstanceEquality.equal` between the tape's value and a schema value.
    private func equal(_ i: JSONTape.Index, _ value: JSONValue) -> Bool {
        switch (tape.kind(i), value) {
        case (.null, .null): return true
        case (.true, .bool(let b)): return b
        case (.false, .bool(let b)): return !b
        case (.number, .number(let n)): return tape.number(i) == n
        case (.string, .string(let s)):
            guard tape.isPlainString(i) else { return InstanceEquality.sameScalars(tape.string(i), s) }
            let raw = tape.rawString(i)
            // Code point equality is byte equality of the UTF-8.
            return s.utf8.count == raw.count && s.utf8.elementsEqual(raw)
        case (.array, .array), (.object, .object): return InstanceEquality.equal(tape.value(i), value)
        default: return false
        }
    }
}
