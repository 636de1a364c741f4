/// Exact `multipleOf` on decimal numbers: `value / divisor` is an integer, decided on the
/// digits (`DecimalParts`), never through `Double`. `0.0075` is a multiple of `0.0001`;
/// `1e308` is not a multiple of `0.123456789`.
enum DecimalMultiple {
    /// The most digits the general (big-divisor) path will work through; beyond it the answer
    /// is "not a multiple" (documented: such numbers are not money and not sane event data).
    static let digitLimit = 100_000

    static func isMultiple(_ value: JSONNumber, of divisor: JSONNumber) -> Bool {
        if let v = value.int64, let d = divisor.int64, d > 0 { return v % d == 0 }
        return isMultiple(value.parts, of: divisor.parts)
    }

    static func isMultiple(_ v: DecimalParts, of m: DecimalParts) -> Bool {
        if v.isZero { return true }
        if m.isZero { return false }
        // |v| < |m| and v ≠ 0: never a multiple.
        if v.magnitude < m.magnitude { return false }
        // Bring both to integers over the same power of ten: V = dv·10^kv, M = dm·10^km.
        let e = min(v.exponent, m.exponent)
        let kv = v.exponent - e
        let km = m.exponent - e
        if m.digits.count + km <= 18 {
            var divisor: UInt64 = 0
            for d in m.digits { divisor = divisor * 10 + UInt64(d - 0x30) }
            for _ in 0..<km { divisor *= 10 }
            var r: UInt64 = 0
            for d in v.digits { r = (r * 10 + UInt64(d - 0x30)) % divisor }
            // r · 10^kv mod divisor, by square-and-multiply.
            r = mulMod(r, powMod(10, kv, divisor), divisor)
            return r == 0
        }
        guard v.digits.count + kv <= digitLimit else { return false }
        // General case: long division on decimal digit arrays (divisor above 18 digits).
        let divisor = m.digits + [UInt8](repeating: 0x30, count: km)
        var remainder: [UInt8] = []
        func feed(_ d: UInt8) {
            if remainder.isEmpty && d == 0x30 { return }
            remainder.append(d)
            while compare(remainder, divisor) >= 0 { subtract(&remainder, divisor) }
        }
        for d in v.digits { feed(d) }
        for _ in 0..<kv { feed(0x30) }
        return remainder.isEmpty
    }

    private static func mulMod(_ a: UInt64, _ b: UInt64, _ m: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return m.dividingFullWidth(product).remainder
    }

    private static func powMod(_ base: UInt64, _ exponent: Int, _ m: UInt64) -> UInt64 {
        if m == 1 { return 0 }
        var result: UInt64 = 1
        var b = base % m
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = mulMod(result, b, m) }
            b = mulMod(b, b, m)
            e >>= 1
        }
        return result
    }

    /// Compares digit arrays without leading zeros.
    private static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for i in a.indices where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return 0
    }

    /// a -= b for a ≥ b, then strips leading zeros.
    private static func subtract(_ a: inout [UInt8], _ b: [UInt8]) {
        var borrow = 0
        var i = a.count - 1
        var j = b.count - 1
        while i >= 0 {
            var d = Int(a[i]) - 0x30 - borrow - (j >= 0 ? Int(b[j]) - 0x30 : 0)
            if d < 0 {
                d += 10
                borrow = 1
            } else {
                borrow = 0
            }
            a[i] = UInt8(d + 0x30)
            i -= 1
            j -= 1
        }
        if let first = a.firstIndex(where: { $0 != 0x30 }) { a.removeFirst(first) } else { a.removeAll() }
    }
}
