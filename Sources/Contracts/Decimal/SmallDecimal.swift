/// A decimal that fits in 64 bits, `value × 10^(−scale)`: the allocation-free fast path of
/// `ExactDecimal` for the finance rules.
///
/// Parsing accepts only `-?digits(.digits)?` with at most 18 digits, and every operation returns
/// nil where its result would not fit. Within those bounds the arithmetic is exact, so a caller that
/// falls back to `ExactDecimal` on nil never gets a different result (see `RuleAmount`).
struct SmallDecimal: Sendable {
    var value: Int64
    /// Digits after the decimal point, trailing zeros included (never negative).
    var scale: Int

    static let zero = SmallDecimal(value: 0, scale: 0)

    /// 10⁰ … 10¹⁸, every power of ten an `Int64` holds.
    static let powersOf10: [Int64] = (0...18).map { p in (0..<p).reduce(Int64(1)) { r, _ in r * 10 } }

    init(value: Int64, scale: Int) {
        self.value = value
        self.scale = scale
    }

    /// Decimal text `-?digits(.digits)?` with at most 18 digits; nil for anything else (which
    /// `ExactDecimal` may still parse).
    init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8(SmallDecimal.init(utf8:)) else { return nil }
        self = parsed
    }

    init?(utf8: UnsafeBufferPointer<UInt8>) {
        var magnitude: Int64 = 0
        var count = 0
        var scale = -1
        var negative = false
        for (i, b) in utf8.enumerated() {
            switch b {
            case 0x30...0x39:
                // At most 18 digits are accumulated, so the magnitude stays below 10¹⁸.
                guard count < 18 else { return nil }
                magnitude = magnitude * 10 + Int64(b - 0x30)
                count += 1
                if scale >= 0 { scale += 1 }
            case UInt8(ascii: "-") where i == 0: negative = true
            case UInt8(ascii: ".") where scale < 0 && count > 0: scale = 0
            default: return nil
            }
        }
        guard count > 0, scale != 0 else { return nil }
        self.init(value: negative ? -magnitude : magnitude, scale: max(scale, 0))
    }

    /// A JSON string holding such text, or a JSON number that is an `Int64` or such text.
    init?(_ json: JSONValue) {
        switch json {
        case .string(let s): self.init(s)
        case .number(let n):
            if let i = n.int64 { self.init(value: i, scale: 0) } else { self.init(n.literal) }
        default: return nil
        }
    }

    /// The same value as an `ExactDecimal`, scale kept.
    var exact: ExactDecimal { ExactDecimal(minorUnits: Int(value), scale: scale) }

    /// `value × 10^k`, or nil when that does not fit.
    static func scaled(_ value: Int64, by k: Int) -> Int64? {
        if k == 0 || value == 0 { return value }
        guard k < powersOf10.count else { return nil }
        let (r, overflow) = value.multipliedReportingOverflow(by: powersOf10[k])
        return overflow ? nil : r
    }

    /// Both values at the larger scale, or nil when one does not fit.
    static func aligned(_ a: SmallDecimal, _ b: SmallDecimal) -> (Int64, Int64, scale: Int)? {
        let scale = max(a.scale, b.scale)
        guard let x = scaled(a.value, by: scale - a.scale), let y = scaled(b.value, by: scale - b.scale) else { return nil }
        return (x, y, scale)
    }

    /// The exact sum at the larger scale (as `ExactDecimal.+`), or nil when it does not fit.
    func adding(_ other: SmallDecimal) -> SmallDecimal? {
        guard let (x, y, scale) = SmallDecimal.aligned(self, other) else { return nil }
        let (sum, overflow) = x.addingReportingOverflow(y)
        return overflow ? nil : SmallDecimal(value: sum, scale: scale)
    }

    /// −1, 0 or 1 by value (as `ExactDecimal.compare`), or nil when aligning the scales overflows.
    static func compare(_ a: SmallDecimal, _ b: SmallDecimal) -> Int? {
        guard let (x, y, _) = aligned(a, b) else { return nil }
        return x < y ? -1 : x == y ? 0 : 1
    }
}

/// An amount for the finance rules: a `SmallDecimal` while it fits, an `ExactDecimal` beyond.
/// Values, sums and comparisons are exactly those of `ExactDecimal`; only the cost differs.
enum RuleAmount: Sendable {
    case small(SmallDecimal)
    case exact(ExactDecimal)

    static let zero = RuleAmount.small(.zero)

    /// The amount in a JSON string or number; nil where `ExactDecimal` would give nil.
    init?(_ json: JSONValue) {
        if let s = SmallDecimal(json) {
            self = .small(s)
        } else if let e = ExactDecimal(json) {
            self = .exact(e)
        } else {
            return nil
        }
    }

    var exact: ExactDecimal {
        switch self {
        case .small(let s): return s.exact
        case .exact(let e): return e
        }
    }

    static func + (lhs: RuleAmount, rhs: RuleAmount) -> RuleAmount {
        if case .small(let a) = lhs, case .small(let b) = rhs, let sum = a.adding(b) { return .small(sum) }
        return .exact(lhs.exact + rhs.exact)
    }

    static func += (lhs: inout RuleAmount, rhs: RuleAmount) { lhs = lhs + rhs }

    /// Value equality, as `ExactDecimal` (`1.0 == 1.00`).
    static func == (lhs: RuleAmount, rhs: RuleAmount) -> Bool {
        if case .small(let a) = lhs, case .small(let b) = rhs, let c = SmallDecimal.compare(a, b) { return c == 0 }
        return lhs.exact == rhs.exact
    }

    static func != (lhs: RuleAmount, rhs: RuleAmount) -> Bool { !(lhs == rhs) }

    /// True below zero (never for zero).
    var isNegative: Bool {
        switch self {
        case .small(let s): return s.value < 0
        case .exact(let e): return e.isNegative
        }
    }
}
