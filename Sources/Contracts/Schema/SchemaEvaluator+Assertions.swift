/// Keywords that test the instance itself: type, const/enum, numbers, strings, formats.
extension SchemaEvaluator {
    mutating func assertion(_ keyword: Keyword, _ instance: JSONValue) -> Bool {
        switch keyword {
        case .type(let mask):
            return mask.matches(instance) || fail("type", Self.typeMessage(mask, instance))
        case .const(let index):
            let value = program.tables.values[Int(index)]
            return InstanceEquality.equal(instance, value) || fail("const", "must be \(JSONWriter.compact.string(value))")
        case .enum(let index):
            let values = program.tables.valueLists[Int(index)]
            return values.contains(where: { InstanceEquality.equal(instance, $0) }) || fail("enum", "must be one of \(JSONWriter.compact.string(.array(values)))")
        case .minimum(let index):
            guard case .number(let n) = instance else { return true }
            let limit = program.tables.numbers[Int(index)]
            return !(n < limit) || fail("minimum", "\(n) is less than the minimum \(limit)")
        case .maximum(let index):
            guard case .number(let n) = instance else { return true }
            let limit = program.tables.numbers[Int(index)]
            return !(limit < n) || fail("maximum", "\(n) is greater than the maximum \(limit)")
        case .exclusiveMinimum(let index):
            guard case .number(let n) = instance else { return true }
            let limit = program.tables.numbers[Int(index)]
            return limit < n || fail("exclusiveMinimum", "\(n) must be greater than \(limit)")
        case .exclusiveMaximum(let index):
            guard case .number(let n) = instance else { return true }
            let limit = program.tables.numbers[Int(index)]
            return n < limit || fail("exclusiveMaximum", "\(n) must be less than \(limit)")
        case .multipleOf(let index):
            guard case .number(let n) = instance else { return true }
            let divisor = program.tables.numbers[Int(index)]
            return DecimalMultiple.isMultiple(n, of: divisor) || fail("multipleOf", "\(n) is not a multiple of \(divisor)")
        case .minLength(let minimum):
            guard case .string(let s) = instance else { return true }
            // UTF-8 length bounds the code point count from above: a cheap early answer.
            if s.utf8.count < minimum { return fail("minLength", "shorter than \(minimum) characters") }
            // Every code point is at most 4 UTF-8 bytes: long enough without counting.
            if s.utf8.count >= minimum * 4 { return true }
            return s.unicodeScalars.count >= minimum || fail("minLength", "shorter than \(minimum) characters")
        case .maxLength(let maximum):
            guard case .string(let s) = instance else { return true }
            if s.utf8.count <= maximum { return true }
            return s.unicodeScalars.count <= maximum || fail("maxLength", "longer than \(maximum) characters")
        case .pattern(let index):
            guard case .string(let s) = instance else { return true }
            let entry = program.tables.patterns[Int(index)]
            var budget = program.regexStepLimit
            switch entry.regex.firstMatch(in: s, budget: &budget) {
            case .some(true): return true
            case .some(false): return fail("pattern", "does not match the pattern \(entry.source)")
            case .none: return fail("pattern", "the pattern \(entry.source) took too many steps on this string; treated as no match")
            }
        case .format(let format):
            guard case .string(let s) = instance else { return true }
            return format.isValid(s) || fail("format", "is not a valid \(format.rawValue)")
        default:
            return true
        }
    }

    /// Why `instance` is not of a type in `mask`; an integral number beyond 64 bits is named as
    /// such (it is an integer to JSON Schema, but not one this product carries).
    static func typeMessage(_ mask: TypeMask, _ instance: JSONValue) -> String {
        if case .number(let n) = instance, mask.contains(.integer), n.isIntegral {
            return "expected \(typeList(mask)), got \(n.literal): integers must lie within the 64-bit range "
                + "(\(JSONNumber.integer64Range))"
        }
        return "expected \(typeList(mask)), got \(instance.typeName)"
    }

    static func typeList(_ mask: TypeMask) -> String {
        let names = mask.names
        return names.count == 1 ? names[0] : "one of " + names.joined(separator: ", ")
    }
}
