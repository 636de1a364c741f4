/// An exact decimal number: `(negative ? −1 : 1) × magnitude × 10^(−scale)`.
///
/// Money never passes through `Double` or Foundation's `Decimal`: amounts are parsed from their
/// decimal strings (or JSON number literals) into an arbitrary-precision integer magnitude and a
/// scale (digits after the decimal point, trailing zeros included), so sums of any number of
/// amounts are exact. Equality and ordering are by value (`1.0 == 1.00`); `scale` and
/// `description` keep the digits as written (`"10.50"` has scale 2 and prints `10.50`).
public struct ExactDecimal: Sendable {
    /// The magnitude in base 10⁹, least significant limb first, with no high zero limbs (zero is `[]`).
    @usableFromInline var limbs: [UInt32]
    /// True for values below zero (never for zero).
    public private(set) var isNegative: Bool
    /// Digits after the decimal point, trailing zeros included (never negative).
    public private(set) var scale: Int

    /// The most digits (integer plus fraction) a parsed value may have. Bounds the memory and time an
    /// input such as `1e100000000` could otherwise cost; real money has at most 38.
    public static let maxDigits = 1_000

    static let base: UInt64 = 1_000_000_000

    init(limbs: [UInt32], negative: Bool, scale: Int) {
        var l = limbs
        while let last = l.last, last == 0 { l.removeLast() }
        self.limbs = l
        self.isNegative = l.isEmpty ? false : negative
        self.scale = scale
    }

    /// Zero with no decimals.
    public static let zero = ExactDecimal(limbs: [], negative: false, scale: 0)

    /// An integer value.
    public init(_ value: Int) {
        let magnitude = value.magnitude
        var limbs: [UInt32] = []
        var m = UInt64(magnitude)
        while m > 0 {
            limbs.append(UInt32(m % ExactDecimal.base))
            m /= ExactDecimal.base
        }
        self.init(limbs: limbs, negative: value < 0, scale: 0)
    }

    /// `minorUnits × 10^(−scale)`: `ExactDecimal(minorUnits: 1050, scale: 2)` is `10.50`.
    public init(minorUnits: Int, scale: Int) {
        let integer = ExactDecimal(minorUnits)
        self.init(limbs: integer.limbs, negative: integer.isNegative, scale: max(scale, 0))
    }

    /// Parses decimal text: `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?` (a leading `+` is accepted too).
    /// Returns nil for anything else, or for values needing more than `maxDigits` digits.
    /// The scale is the number of fraction digits minus the exponent, never below zero:
    /// `"10.50"` → scale 2, `"1.5e1"` → `15` scale 0, `"1e-2"` → `0.01`.
    public init?(_ text: String) {
        if let fast = ExactDecimal.plain(text) {
            self = fast
            return
        }
        var digits: [UInt8] = []
        var negative = false
        var fraction = 0
        var exponent = 0
        var state = 0  // 0 sign, 1 integer, 2 fraction, 3 exponent sign, 4 exponent digits
        var sawDigit = false
        var sawFractionDigit = false
        var expNegative = false
        var sawExpDigit = false
        for b in text.utf8 {
            switch (state, b) {
            case (0, UInt8(ascii: "-")), (0, UInt8(ascii: "+")):
                negative = b == UInt8(ascii: "-")
                state = 1
            case (0...1, 0x30...0x39):
                state = 1
                sawDigit = true
                if !(digits.isEmpty && b == 0x30) { digits.append(b) }
            case (1, UInt8(ascii: ".")) where sawDigit:
                state = 2
            case (2, 0x30...0x39):
                sawFractionDigit = true
                digits.append(b)
                fraction += 1
            case (1, UInt8(ascii: "e")), (1, UInt8(ascii: "E")), (2, UInt8(ascii: "e")), (2, UInt8(ascii: "E")):
                guard sawDigit, state == 1 || sawFractionDigit else { return nil }
                state = 3
            case (3, UInt8(ascii: "-")), (3, UInt8(ascii: "+")):
                expNegative = b == UInt8(ascii: "-")
                state = 4
            case (3...4, 0x30...0x39):
                state = 4
                sawExpDigit = true
                guard exponent < ExactDecimal.maxDigits * 10 else { return nil }
                exponent = exponent * 10 + Int(b - 0x30)
            default:
                return nil
            }
        }
        guard sawDigit, state != 2 || sawFractionDigit, state < 3 || sawExpDigit else { return nil }
        if expNegative { exponent = -exponent }
        // value = digits × 10^(exponent − fraction)
        var scale = fraction - exponent
        if scale < 0 {
            // Shift into the integer: append zeros, unless the value is zero.
            if !digits.isEmpty {
                guard digits.count - scale <= ExactDecimal.maxDigits else { return nil }
                digits.append(contentsOf: repeatElement(0x30, count: -scale))
            }
            scale = 0
        }
        guard digits.count <= ExactDecimal.maxDigits, scale <= ExactDecimal.maxDigits else { return nil }
        self.init(limbs: ExactDecimal.limbs(fromASCIIDigits: digits), negative: negative, scale: scale)
    }

    /// The common case without allocation beyond the limbs: `-?digits(.digits)?` with at most 18 digits.
    static func plain(_ text: String) -> ExactDecimal? { SmallDecimal(text)?.exact }

    /// The exact value of a JSON number (nil only beyond `maxDigits`).
    public init?(_ number: JSONNumber) {
        if let v = number.int64, let i = Int(exactly: v) {
            self.init(i)
        } else {
            self.init(number.literal)
        }
    }

    /// The exact value of a JSON string holding a decimal or of a JSON number; nil for anything else.
    public init?(_ value: JSONValue) {
        switch value {
        case .string(let s): self.init(s)
        case .number(let n): self.init(n)
        default: return nil
        }
    }

    /// True for zero (of any scale).
    public var isZero: Bool { limbs.isEmpty }

    /// The same value with `-` flipped.
    public var negated: ExactDecimal { ExactDecimal(limbs: limbs, negative: !isNegative, scale: scale) }

    /// The absolute value.
    public var magnitude: ExactDecimal { ExactDecimal(limbs: limbs, negative: false, scale: scale) }

    /// The same value with trailing fraction zeros removed (`10.50` → `10.5`, `3.00` → `3`).
    public var normalized: ExactDecimal {
        var result = self
        while result.scale > 0, !result.limbs.isEmpty, ExactDecimal.remainderBy10(result.limbs) == 0 {
            result.limbs = ExactDecimal.divideBy10(result.limbs)
            result.scale -= 1
        }
        if result.limbs.isEmpty { result.scale = 0 }
        return result
    }

    /// The same value with `scale` decimals, or nil when that would drop non-zero digits.
    public func rescaled(to newScale: Int) -> ExactDecimal? {
        if newScale >= scale {
            guard newScale <= ExactDecimal.maxDigits else { return nil }
            return ExactDecimal(limbs: ExactDecimal.multiplyByPowerOf10(limbs, newScale - scale), negative: isNegative, scale: newScale)
        }
        let n = normalized
        guard n.scale <= newScale else { return nil }
        return n.rescaled(to: newScale)
    }
}
