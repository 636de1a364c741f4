/// Why a pattern was not accepted.
struct RegexError: Error, Sendable {
    var message: String
}

/// The syntax tree of an ECMA-262 pattern (the subset in docs/json-schema.md).
indirect enum RegexAST: Sendable {
    case empty
    case scalar(UInt32)
    case set(RegexCharClass)
    case start
    case end
    case wordBoundary(negated: Bool)
    case concat([RegexAST])
    case alternation([RegexAST])
    /// Greedy and lazy repetition accept the same strings; the matcher only answers "is there a match".
    case repetition(RegexAST, min: Int, max: Int?)
    case lookahead(RegexAST, negated: Bool)
}

/// A recursive-descent parser for ECMA-262 `Pattern` (with the `u` flag's escapes), over
/// Unicode scalars. Backreferences and lookbehind are rejected as unsupported.
struct RegexParser {
    private let s: [Unicode.Scalar]
    private var i = 0
    private var depth = 0
    static let maxDepth = 100
    static let maxRepeat = 10_000

    init(_ pattern: String) { s = Array(pattern.unicodeScalars) }

    static func parse(_ pattern: String) throws(RegexError) -> RegexAST {
        var parser = RegexParser(pattern)
        let ast = try parser.disjunction()
        if parser.i < parser.s.count { throw RegexError(message: "unmatched ')' at \(parser.i)") }
        return ast
    }

    private var atEnd: Bool { i >= s.count }
    private func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }

    private mutating func disjunction() throws(RegexError) -> RegexAST {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw RegexError(message: "groups nested too deeply") }
        var alternatives = [try alternative()]
        while peek() == "|" {
            i += 1
            alternatives.append(try alternative())
        }
        return alternatives.count == 1 ? alternatives[0] : .alternation(alternatives)
    }

    private mutating func alternative() throws(RegexError) -> RegexAST {
        var terms: [RegexAST] = []
        while let c = peek(), c != "|", c != ")" {
            terms.append(try term())
        }
        return terms.isEmpty ? .empty : (terms.count == 1 ? terms[0] : .concat(terms))
    }

    private mutating func term() throws(RegexError) -> RegexAST {
        guard let c = peek() else { return .empty }
        switch c {
        case "^": i += 1; return .start
        case "$": i += 1; return .end
        case "\\" where peek(1) == "b": i += 2; return .wordBoundary(negated: false)
        case "\\" where peek(1) == "B": i += 2; return .wordBoundary(negated: true)
        case "(" where peek(1) == "?" && (peek(2) == "=" || peek(2) == "!"):
            let negated = peek(2) == "!"
            i += 3
            let inner = try disjunction()
            try expect(")")
            return .lookahead(inner, negated: negated)
        case "(" where peek(1) == "?" && peek(2) == "<" && (peek(3) == "=" || peek(3) == "!"):
            throw RegexError(message: "lookbehind is not supported")
        default:
            let atom = try self.atom()
            return try quantified(atom)
        }
    }

    private mutating func quantified(_ atom: RegexAST) throws(RegexError) -> RegexAST {
        guard let c = peek() else { return atom }
        var min = 0
        var max: Int? = nil
        switch c {
        case "*": i += 1
        case "+": i += 1; min = 1
        case "?": i += 1; max = 1
        case "{":
            guard let (lo, hi, length) = braceQuantifier() else { return atom }  // a literal '{'
            i += length
            min = lo
            max = hi
        default:
            return atom
        }
        if peek() == "?" { i += 1 }  // lazy: same language
        if let max, max < min { throw RegexError(message: "numbers out of order in {} quantifier") }
        if min > Self.maxRepeat || (max ?? 0) > Self.maxRepeat { throw RegexError(message: "repetition count above \(Self.maxRepeat)") }
        if case .start = atom { throw RegexError(message: "nothing to repeat") }
        if case .end = atom { throw RegexError(message: "nothing to repeat") }
        return .repetition(atom, min: min, max: max)
    }

    /// `{n}`, `{n,}`, `{n,m}` at `i`: (min, max, characters used), or nil when it is not one.
    private func braceQuantifier() -> (Int, Int?, Int)? {
        var k = i + 1
        func digits() -> Int? {
            var v = 0
            let start = k
            while k < s.count, s[k].value >= 0x30, s[k].value <= 0x39 {
                v = Swift.min(v * 10 + Int(s[k].value - 0x30), Int(Int32.max))
                k += 1
            }
            return k > start ? v : nil
        }
        guard let lo = digits() else { return nil }
        var hi: Int? = lo
        if k < s.count && s[k] == "," {
            k += 1
            hi = digits()
        }
        guard k < s.count, s[k] == "}" else { return nil }
        return (lo, hi, k - i + 1)
    }

    private mutating func expect(_ c: Unicode.Scalar) throws(RegexError) {
        guard peek() == c else { throw RegexError(message: "expected '\(c)' at \(i)") }
        i += 1
    }

    private mutating func atom() throws(RegexError) -> RegexAST {
        guard let c = peek() else { return .empty }
        switch c {
        case ".":
            i += 1
            return .set(.dot)
        case "(":
            i += 1
            if peek() == "?" {
                if peek(1) == ":" {
                    i += 2
                } else if peek(1) == "<" {
                    // Named group: the name doesn't matter to a yes/no match.
                    i += 2
                    while let n = peek(), n != ">" { i += 1 }
                    try expect(">")
                } else {
                    throw RegexError(message: "unsupported group syntax at \(i)")
                }
            }
            let inner = try disjunction()
            try expect(")")
            return inner
        case "[":
            return .set(try characterClass())
        case "\\":
            i += 1
            return try atomEscape()
        case "*", "+", "?":
            throw RegexError(message: "nothing to repeat at \(i)")
        case "{":
            if braceQuantifier() != nil { throw RegexError(message: "nothing to repeat at \(i)") }
            i += 1
            return .scalar(c.value)
        default:
            i += 1
            return .scalar(c.value)
        }
    }

    private mutating func atomEscape() throws(RegexError) -> RegexAST {
        guard let c = peek() else { throw RegexError(message: "pattern ends with '\\'") }
        if let set = try classEscape() { return .set(set) }
        if c.value >= 0x31 && c.value <= 0x39 || c == "k" {
            throw RegexError(message: "backreferences are not supported")
        }
        return .scalar(try characterEscape())
    }

    /// `\d \D \w \W \s \S \p{…} \P{…}` at `i` (after the backslash), or nil.
    private mutating func classEscape() throws(RegexError) -> RegexCharClass? {
        guard let c = peek() else { return nil }
        switch c {
        case "d": i += 1; return .digit
        case "D": i += 1; return RegexCharClass(ranges: RegexCharClass.digit.ranges, negated: true)
        case "w": i += 1; return .word
        case "W": i += 1; return RegexCharClass(ranges: RegexCharClass.word.ranges, negated: true)
        case "s": i += 1; return .space
        case "S": i += 1; return RegexCharClass(ranges: RegexCharClass.space.ranges, negated: true)
        case "p", "P":
            guard peek(1) == "{" else { throw RegexError(message: "\\\(c) needs {property}") }
            i += 2
            var name = ""
            while let n = peek(), n != "}" {
                name.unicodeScalars.append(n)
                i += 1
            }
            try expect("}")
            guard let property = RegexCharClass.property(named: name) else {
                throw RegexError(message: "unsupported Unicode property \\p{\(name)} (general categories and a few binary properties only)")
            }
            var set = RegexCharClass()
            set.add(property, negated: c == "P")
            return set
        default:
            return nil
        }
    }

    /// A single-character escape at `i` (after the backslash): its code point.
    private mutating func characterEscape() throws(RegexError) -> UInt32 {
        guard let c = peek() else { throw RegexError(message: "pattern ends with '\\'") }
        i += 1
        switch c {
        case "t": return 0x09
        case "n": return 0x0A
        case "v": return 0x0B
        case "f": return 0x0C
        case "r": return 0x0D
        case "0":
            if let d = peek(), d.value >= 0x30 && d.value <= 0x39 { throw RegexError(message: "octal escapes are not supported") }
            return 0
        case "c":
            guard let l = peek(), (l.value | 0x20) >= 0x61 && (l.value | 0x20) <= 0x7A else { throw RegexError(message: "invalid \\c escape") }
            i += 1
            return l.value % 32
        case "x":
            return try hex(count: 2)
        case "u":
            if peek() == "{" {
                i += 1
                var v: UInt32 = 0
                var n = 0
                while let h = peek(), h != "}" {
                    guard let d = hexValue(h), n < 8 else { throw RegexError(message: "invalid \\u{…} escape") }
                    v = v * 16 + d
                    n += 1
                    i += 1
                }
                try expect("}")
                guard n > 0, v <= 0x10FFFF else { throw RegexError(message: "invalid \\u{…} escape") }
                return v
            }
            let unit = try hex(count: 4)
            // A surrogate pair written as two \u escapes is one code point.
            if unit >= 0xD800 && unit <= 0xDBFF, peek() == "\\", peek(1) == "u" {
                let save = i
                i += 2
                if let low = try? hex(count: 4), low >= 0xDC00 && low <= 0xDFFF {
                    return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                }
                i = save
            }
            return unit
        default:
            if c.properties.isAlphabetic && c.isASCII || (c.value >= 0x30 && c.value <= 0x39) {
                throw RegexError(message: "unknown escape \\\(c)")
            }
            return c.value  // identity escape: \. \/ \- \\ …
        }
    }

    private func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 0x30...0x39: return c.value - 0x30
        case 0x41...0x46: return c.value - 0x41 + 10
        case 0x61...0x66: return c.value - 0x61 + 10
        default: return nil
        }
    }

    private mutating func hex(count: Int) throws(RegexError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<count {
            guard let c = peek(), let d = hexValue(c) else { throw RegexError(message: "invalid hex escape at \(i)") }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    private mutating func characterClass() throws(RegexError) -> RegexCharClass {
        i += 1  // '['
        var set = RegexCharClass()
        if peek() == "^" {
            set.negated = true
            i += 1
        }
        while true {
            guard let c = peek() else { throw RegexError(message: "unterminated character class") }
            if c == "]" {
                i += 1
                break
            }
            guard let low = try classAtom(into: &set) else { continue }
            if peek() == "-", let next = peek(1), next != "]" {
                i += 1
                guard let high = try classAtom(into: &set) else { throw RegexError(message: "a class escape cannot end a range") }
                guard low <= high else { throw RegexError(message: "range out of order in character class") }
                set.add(low...high)
            } else {
                set.add(low...low)
            }
        }
        set.normalize()
        return set
    }

    /// One class member: returns its code point, or nil after adding a shorthand (`\d`, `\p{L}`).
    private mutating func classAtom(into set: inout RegexCharClass) throws(RegexError) -> UInt32? {
        guard let c = peek() else { throw RegexError(message: "unterminated character class") }
        i += 1
        guard c == "\\" else { return c.value }
        if let shorthand = try classEscape() {
            set.formUnion(shorthand)
            return nil
        }
        if peek() == "b" {
            i += 1
            return 0x08
        }
        if peek() == "-" {
            i += 1
            return 0x2D
        }
        return try characterEscape()
    }
}
