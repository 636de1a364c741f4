extension ExactDecimal {
    /// The exact sum; its scale is the larger of the two scales (`1.5 + 2.25 = 3.75`, `1.50 + 1 = 2.50`).
    public static func + (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        let scale = max(lhs.scale, rhs.scale)
        let a = multiplyByPowerOf10(lhs.limbs, scale - lhs.scale)
        let b = multiplyByPowerOf10(rhs.limbs, scale - rhs.scale)
        if lhs.isNegative == rhs.isNegative {
            return ExactDecimal(limbs: addMagnitudes(a, b), negative: lhs.isNegative, scale: scale)
        }
        switch compareMagnitudes(a, b) {
        case 0: return ExactDecimal(limbs: [], negative: false, scale: scale)
        case 1: return ExactDecimal(limbs: subtractMagnitudes(a, b), negative: lhs.isNegative, scale: scale)
        default: return ExactDecimal(limbs: subtractMagnitudes(b, a), negative: rhs.isNegative, scale: scale)
        }
    }

    /// The exact difference; its scale is the larger of the two scales.
    public static func - (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal { lhs + rhs.negated }

    public static func += (lhs: inout ExactDecimal, rhs: ExactDecimal) { lhs = lhs + rhs }

    public static func -= (lhs: inout ExactDecimal, rhs: ExactDecimal) { lhs = lhs - rhs }

    public static prefix func - (value: ExactDecimal) -> ExactDecimal { value.negated }
}

extension Sequence where Element == ExactDecimal {
    /// The exact sum of every element (zero for an empty sequence).
    public func exactSum() -> ExactDecimal { reduce(ExactDecimal.zero, +) }
}

extension ExactDecimal: Comparable, Hashable {
    /// Value equality: `1.0 == 1.00 == 1`.
    public static func == (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool { compare(lhs, rhs) == 0 }

    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool { compare(lhs, rhs) < 0 }

    /// Consistent with value equality: hashes the normalized form.
    public func hash(into hasher: inout Hasher) {
        let n = normalized
        hasher.combine(n.isNegative)
        hasher.combine(n.scale)
        hasher.combine(n.limbs)
    }

    /// −1, 0 or 1.
    static func compare(_ lhs: ExactDecimal, _ rhs: ExactDecimal) -> Int {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative ? -1 : 1 }
        let scale = max(lhs.scale, rhs.scale)
        let c = compareMagnitudes(multiplyByPowerOf10(lhs.limbs, scale - lhs.scale), multiplyByPowerOf10(rhs.limbs, scale - rhs.scale))
        return lhs.isNegative ? -c : c
    }
}

extension ExactDecimal: CustomStringConvertible {
    /// Plain decimal text with exactly `scale` decimals: `-10.50`, `0.05`, `100`. Never an exponent, never `-0`.
    public var description: String {
        var digits = ExactDecimal.asciiDigits(limbs)
        if digits.count <= scale {
            digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: scale - digits.count + 1), at: 0)
        }
        if scale > 0 { digits.insert(UInt8(ascii: "."), at: digits.count - scale) }
        if isNegative { digits.insert(UInt8(ascii: "-"), at: 0) }
        return String(decoding: digits, as: UTF8.self)
    }

    /// The canonical text of the value: `normalized.description` (`10.50` → `10.5`, `1.00` → `1`).
    public var canonicalString: String { normalized.description }
}

// MARK: - Base-10⁹ magnitude arithmetic

extension ExactDecimal {
    static func limbs(fromASCIIDigits digits: [UInt8]) -> [UInt32] {
        var limbs: [UInt32] = []
        limbs.reserveCapacity(digits.count / 9 + 1)
        var end = digits.count
        while end > 0 {
            let start = max(0, end - 9)
            var limb: UInt32 = 0
            for i in start..<end { limb = limb * 10 + UInt32(digits[i] - 0x30) }
            limbs.append(limb)
            end = start
        }
        while let last = limbs.last, last == 0 { limbs.removeLast() }
        return limbs
    }

    static func asciiDigits(_ limbs: [UInt32]) -> [UInt8] {
        guard let top = limbs.last else { return [UInt8(ascii: "0")] }
        var out = Array(String(top).utf8)
        for limb in limbs.dropLast().reversed() {
            let text = Array(String(limb).utf8)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 9 - text.count))
            out.append(contentsOf: text)
        }
        return out
    }

    static func compareMagnitudes(_ a: [UInt32], _ b: [UInt32]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        var i = a.count - 1
        while i >= 0 {
            if a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
            i -= 1
        }
        return 0
    }

    static func addMagnitudes(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(max(a.count, b.count) + 1)
        var carry: UInt64 = 0
        for i in 0..<max(a.count, b.count) {
            let s = UInt64(i < a.count ? a[i] : 0) + UInt64(i < b.count ? b[i] : 0) + carry
            out.append(UInt32(s % base))
            carry = s / base
        }
        if carry > 0 { out.append(UInt32(carry)) }
        return out
    }

    /// a − b for a ≥ b.
    static func subtractMagnitudes(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(a.count)
        var borrow: Int64 = 0
        for i in 0..<a.count {
            var d = Int64(a[i]) - Int64(i < b.count ? b[i] : 0) - borrow
            if d < 0 {
                d += Int64(base)
                borrow = 1
            } else {
                borrow = 0
            }
            out.append(UInt32(d))
        }
        while let last = out.last, last == 0 { out.removeLast() }
        return out
    }

    static let powersOf10: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]

    static func multiplyByPowerOf10(_ limbs: [UInt32], _ k: Int) -> [UInt32] {
        guard k > 0, !limbs.isEmpty else { return limbs }
        var out: [UInt32] = Array(repeating: 0, count: k / 9)
        out.append(contentsOf: limbs)
        let factor = powersOf10[k % 9]
        guard factor > 1 else { return out }
        var carry: UInt64 = 0
        for i in out.indices {
            let p = UInt64(out[i]) * factor + carry
            out[i] = UInt32(p % base)
            carry = p / base
        }
        if carry > 0 { out.append(UInt32(carry)) }
        return out
    }

    static func remainderBy10(_ limbs: [UInt32]) -> UInt32 { limbs.first.map { $0 % 10 } ?? 0 }

    static func divideBy10(_ limbs: [UInt32]) -> [UInt32] {
        var out = limbs
        var remainder: UInt64 = 0
        var i = out.count - 1
        while i >= 0 {
            let cur = remainder * base + UInt64(out[i])
            out[i] = UInt32(cur / 10)
            remainder = cur % 10
            i -= 1
        }
        while let last = out.last, last == 0 { out.removeLast() }
        return out
    }
}
