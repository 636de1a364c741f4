import Testing
@testable import Contracts

/// The 64-bit fast path (`SmallDecimal`, `RuleAmount`) against the exact path (`ExactDecimal`).
@Suite struct SmallDecimalTests {
    func amount(_ text: String) throws -> RuleAmount { try #require(RuleAmount(.string(text)), "\(text)") }

    /// The sum and equality of `RuleAmount`, checked against `ExactDecimal` value, scale and text.
    func expectSameAsExact(_ texts: [String]) throws {
        let exact = try texts.map { try #require(ExactDecimal($0), "\($0)") }.exactSum()
        let fast = try texts.map(amount).reduce(RuleAmount.zero, +)
        #expect(fast.exact.description == exact.description, "\(texts)")
        #expect(fast.exact.scale == exact.scale, "\(texts)")
        #expect(fast == RuleAmount.exact(exact), "\(texts)")
        #expect(fast.isNegative == exact.isNegative, "\(texts)")
    }

    @Test func parsesWhatFitsAndDeclinesTheRest() throws {
        let fits = [
            "0", "-0.00", "10.50", "-5.10", "007.10", "999999999999999999", "-999999999999999999",
            "0.00000000000000001", "-0.00000000000000001", "12345678.9012345678",
        ]
        for text in fits {
            let small = try #require(SmallDecimal(text), "\(text)")
            let exact = try #require(ExactDecimal(text))
            #expect(small.exact.description == exact.description, "\(text)")
            #expect(small.scale == exact.scale, "\(text)")
        }
        // Beyond 18 digits, exponents and signs other than a leading minus are the exact path's.
        let declined = ["9999999999999999999", "0.000000000000000001", "9223372036854775807", "1e2", "+3", "1.", ".5", "-", "--1", "1-", "", "abc"]
        for text in declined { #expect(SmallDecimal(text) == nil, "\(text)") }
        #expect(ExactDecimal("9223372036854775807") != nil && RuleAmount(.string("9223372036854775807")) != nil)
        #expect(RuleAmount(.string("abc")) == nil && RuleAmount(.bool(true)) == nil)
    }

    @Test func sumsFallBackToExactAtTheOverflowBoundary() throws {
        let max18 = "999999999999999999"
        // Ten 18-digit values exceed 2⁶³: the sum must leave the fast path and stay exact.
        try expectSameAsExact(Array(repeating: max18, count: 10))
        try expectSameAsExact(Array(repeating: "-" + max18, count: 10))
        try expectSameAsExact([max18, "-" + max18, max18])
        // Aligning scales overflows: 10¹⁸ − 1 at scale 17.
        try expectSameAsExact([max18, "0.00000000000000001"])
        try expectSameAsExact(["-0.00", "0.00000000000000001", "-0.00000000000000001"])
        let small = try amount("0.1")
        #expect(try small + amount("0.2") == amount("0.30"))
        #expect(try !(amount(max18) == amount("0.00000000000000001")))
    }

    @Test func jsonNumbersAtInt64Limits() throws {
        let top = JSONValue.number(JSONNumber(Int64.max))
        let bottom = JSONValue.number(JSONNumber(Int64.min))
        let one = JSONValue.number(JSONNumber(1))
        let sum = try #require(RuleAmount(top)) + #require(RuleAmount(one))
        #expect(sum.exact.description == "9223372036854775808")
        let low = try #require(RuleAmount(bottom)) + #require(RuleAmount(.number(JSONNumber(-1))))
        #expect(low.exact.description == "-9223372036854775809")
        #expect(try #require(RuleAmount(bottom)).isNegative)
        let literal = try #require(JSONNumber(literal: "-3.50"))
        #expect(RuleAmount(.number(literal))?.exact.description == "-3.50")
    }

    /// Random texts of 1–20 digits with 0–19 decimals: sums and comparisons agree with `ExactDecimal`.
    @Test func propertyAgreesWithExactDecimal() throws {
        var rng = SplitMix64(seed: 0x5A11_DEC1)
        func text() -> String {
            let digits = Int(rng.next() % 20) + 1
            let decimals = Int(rng.next() % UInt64(digits + 1))
            var t = String((0..<digits).map { _ in Character(String(rng.next() % 10)) })
            if decimals > 0 && decimals < digits { t.insert(".", at: t.index(t.startIndex, offsetBy: digits - decimals)) }
            return rng.next() % 3 == 0 ? "-" + t : t
        }
        for _ in 0..<2_000 {
            let texts = (0..<Int(rng.next() % 6) + 1).map { _ in text() }
            try expectSameAsExact(texts)
            let (a, b) = (text(), text())
            #expect(try (amount(a) == amount(b)) == (ExactDecimal(a) == ExactDecimal(b)), "\(a) \(b)")
        }
    }
}
