/// A JSON number kept exactly as written.
///
/// `literal` is the number's text (valid JSON number grammar). Values that fit in `Int64` also
/// carry it, so integer checks stay cheap; everything else is compared and classified from the
/// digits, never through `Double`. `1.0 == 1`, `1e2 == 100`, `-0 == 0`.
public struct JSONNumber: Sendable, CustomStringConvertible {
    /// The number's text, as parsed or produced (JSON number grammar).
    public let literal: String
    /// The exact value when the literal is a plain integer that fits in `Int64`.
    public let int64: Int64?

    public init(_ value: Int) {
        literal = String(value)
        int64 = Int64(value)
    }

    public init(_ value: Int64) {
        literal = String(value)
        int64 = value
    }

    /// A number from JSON number text; nil when `literal` is not valid JSON number grammar.
    public init?(literal: String) {
        var text = literal
        let ok: Bool = text.withUTF8 { JSONNumber.isValidGrammar($0) }
        guard ok else { return nil }
        self.init(validatedLiteral: literal)
    }

    /// A number from text already known to follow the JSON number grammar.
    init(validatedLiteral literal: String) {
        self.literal = literal
        self.int64 = JSONNumber.plainInt64(literal)
    }

    /// The parser's constructor: it already knows whether the literal is a plain Int64.
    init(validatedLiteral literal: String, int64: Int64?) {
        self.literal = literal
        self.int64 = int64
    }

    public var description: String { literal }

    /// True when the value has no fractional part (`1.0` and `1e2` included), as JSON Schema's `integer`.
    public var isIntegral: Bool {
        if int64 != nil { return true }
        return parts.exponent >= 0
    }

    /// The exact value when it is integral and within `Int64` (`1e2`, `100.0` and `9.2e18`
    /// included); nil for fractions and for integers beyond it.
    public var integralInt64: Int64? {
        if let int64 { return int64 }
        return exactIntegral(Int64.init)
    }

    /// The exact value when it is integral and within `UInt64` (0 … 2^64 − 1); nil otherwise.
    public var integralUInt64: UInt64? {
        if let int64 { return int64 >= 0 ? UInt64(int64) : nil }
        return exactIntegral(UInt64.init)
    }

    /// True for an integral value within the range this product implements for integers:
    /// −2^63 … 2^64 − 1, signed or unsigned 64 bits — what upstream systems send (Salesforce commit
    /// numbers, unsigned BIGINT columns through Debezium). JSON Schema's `integer` is held to it
    /// (docs/json-schema.md, "Integers"); `1e400` is integral but not such an integer.
    public var isInteger64: Bool { integralInt64 != nil || integralUInt64 != nil }

    /// The lowest and highest integers `isInteger64` accepts, for messages.
    public static let integer64Range = "\(Int64.min) to \(UInt64.max)"

    /// The value as plain digits parsed by `make` when integral with at most 20 digits.
    private func exactIntegral<T>(_ make: (String) -> T?) -> T? {
        let p = parts
        if p.isZero { return make("0") }
        guard p.exponent >= 0, p.magnitude <= 20 else { return nil }
        var text = p.negative ? "-" : ""
        text += String(decoding: p.digits, as: UTF8.self)
        text += String(repeating: "0", count: p.exponent)
        return make(text)
    }

    /// A `Double` approximation, for callers that accept rounding (never for money).
    public var doubleValue: Double { Double(literal) ?? .nan }

    /// Sign, significant digits (no leading or trailing zeros) and power of ten: value = ±digits × 10^exponent.
    public var parts: DecimalParts { DecimalParts(literal: literal) }

    static func plainInt64(_ literal: String) -> Int64? {
        // Only plain integers (no '.', 'e'); Int64.init rejects overflow.
        var plain = true
        for b in literal.utf8 where b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
            plain = false
            break
        }
        return plain ? Int64(literal) : nil
    }

    /// RFC 8259 number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func isValidGrammar(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        func digit(_ i: Int) -> Bool { i < n && b[i] >= 0x30 && b[i] <= 0x39 }
        if i < n && b[i] == UInt8(ascii: "-") { i += 1 }
        guard digit(i) else { return false }
        if b[i] == 0x30 { i += 1 } else { while digit(i) { i += 1 } }
        if i < n && b[i] == UInt8(ascii: ".") {
            i += 1
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        if i < n && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
            i += 1
            if i < n && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        return i == n
    }
}

/// The exact decomposition of a decimal number: value = (negative ? -1 : 1) × digits × 10^exponent,
/// with `digits` free of leading and trailing zeros. Zero has no digits and is never negative.
public struct DecimalParts: Sendable, Hashable, Comparable {
    public var negative: Bool
    /// ASCII digits, most significant first.
    public var digits: [UInt8]
    public var exponent: Int

    public var isZero: Bool { digits.isEmpty }

    public init(negative: Bool, digits: [UInt8], exponent: Int) {
        var d = digits
        var e = exponent
        // Strip leading zeros.
        if let first = d.firstIndex(where: { $0 != 0x30 }) { d.removeSubrange(0..<first) } else { d = [] }
        // Strip trailing zeros into the exponent.
        while let last = d.last, last == 0x30 {
            d.removeLast()
            e += 1
        }
        self.digits = d
        self.exponent = d.isEmpty ? 0 : e
        self.negative = d.isEmpty ? false : negative
    }

    /// Decomposes JSON number text (assumed valid; anything else yields zero).
    public init(literal: String) {
        var negative = false
        var digits: [UInt8] = []
        var fractionDigits = 0
        var exponent = 0
        var inFraction = false
        var expSign = 1
        var expValue = 0
        var inExponent = false
        for b in literal.utf8 {
            switch b {
            case UInt8(ascii: "-") where !inExponent: negative = true
            case UInt8(ascii: "-"): expSign = -1
            case UInt8(ascii: "+"): break
            case UInt8(ascii: "."): inFraction = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case 0x30...0x39:
                if inExponent {
                    // Saturate absurd exponents instead of overflowing.
                    if expValue < 100_000_000 { expValue = expValue * 10 + Int(b - 0x30) }
                } else {
                    digits.append(b)
                    if inFraction { fractionDigits += 1 }
                }
            default: break
            }
        }
        exponent = expSign * expValue - fractionDigits
        self.init(negative: negative, digits: digits, exponent: exponent)
    }

    /// Position of the most significant digit: value magnitude is in [10^(m-1), 10^m).
    var magnitude: Int { digits.count + exponent }

    public static func < (lhs: DecimalParts, rhs: DecimalParts) -> Bool {
        if lhs.negative != rhs.negative { return lhs.negative }
        if lhs.negative { return absLess(rhs, lhs) }
        return absLess(lhs, rhs)
    }

    private static func absLess(_ a: DecimalParts, _ b: DecimalParts) -> Bool {
        if a.isZero { return !b.isZero }
        if b.isZero { return false }
        if a.magnitude != b.magnitude { return a.magnitude < b.magnitude }
        let n = max(a.digits.count, b.digits.count)
        for i in 0..<n {
            let da = i < a.digits.count ? a.digits[i] : 0x30
            let db = i < b.digits.count ? b.digits[i] : 0x30
            if da != db { return da < db }
        }
        return false
    }
}

extension JSONNumber: Equatable, Hashable, Comparable {
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if let a = lhs.int64, let b = rhs.int64 { return a == b }
        return lhs.parts == rhs.parts
    }

    public func hash(into hasher: inout Hasher) {
        if let v = int64 {
            // Keep hashes consistent with the parts of the same value.
            hasher.combine(DecimalParts(literal: String(v)))
        } else {
            hasher.combine(parts)
        }
    }

    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if let a = lhs.int64, let b = rhs.int64 { return a < b }
        return lhs.parts < rhs.parts
    }
}
