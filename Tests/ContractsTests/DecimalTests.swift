import Testing
@testable import Contracts

/// A small deterministic generator so property tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct DecimalTests {
    @Test func parsesAndPrintsAsWritten() throws {
        let cases: [(String, String, Int)] = [
            ("10.50", "10.50", 2), ("-0.05", "-0.05", 2), ("100", "100", 0), ("0", "0", 0), ("-0.00", "0.00", 2),
            ("1e2", "100", 0), ("1.5e1", "15", 0), ("1e-2", "0.01", 2), ("12345678901234567890123456789012345678.99", "12345678901234567890123456789012345678.99", 2),
            ("007.10", "7.10", 2), ("+3", "3", 0),
        ]
        for (text, printed, scale) in cases {
            let d = try #require(ExactDecimal(text), "\(text)")
            #expect(d.description == printed, "\(text)")
            #expect(d.scale == scale, "\(text)")
        }
        for bad in ["", "-", "1.", ".5", "1e", "1e+", "abc", "1.2.3", "--1", " 1", "1,0", "NaN", "1e99999999"] {
            #expect(ExactDecimal(bad) == nil, "\(bad)")
        }
    }

    @Test func equalityIsByValueAndHashingAgrees() throws {
        let a = try #require(ExactDecimal("1.0"))
        let b = try #require(ExactDecimal("1.00"))
        #expect(a == b)
        #expect(a == ExactDecimal(1))
        #expect(Set([a, b, ExactDecimal(1)]).count == 1)
        #expect(try #require(ExactDecimal("10.50")).canonicalString == "10.5")
        #expect(try #require(ExactDecimal("-3.000")).canonicalString == "-3")
        #expect(try #require(ExactDecimal("0.10")) < #require(ExactDecimal("0.11")))
        #expect(try #require(ExactDecimal("-2")) < #require(ExactDecimal("-1.99")))
    }

    @Test func sumsAreExactWhereDoubleIsNot() throws {
        let tenth = try #require(ExactDecimal("0.1"))
        let sum = Array(repeating: tenth, count: 10).exactSum()
        #expect(sum == ExactDecimal(1))
        #expect(sum.description == "1.0")
        let big = try #require(ExactDecimal("99999999999999999999999999999999999999.99"))
        let cent = try #require(ExactDecimal("0.01"))
        #expect((big + cent).description == "100000000000000000000000000000000000000.00")
        #expect((big + cent - cent) == big)
    }

    @Test func rescalingNeverDropsDigits() throws {
        let d = try #require(ExactDecimal("12.30"))
        #expect(d.rescaled(to: 1)?.description == "12.3")
        #expect(d.rescaled(to: 4)?.description == "12.3000")
        #expect(d.rescaled(to: 0) == nil)
    }

    @Test func jsonNumbersConvertExactly() throws {
        let n = try #require(JSONNumber(literal: "12345678901234567890.123456789"))
        #expect(ExactDecimal(n)?.description == "12345678901234567890.123456789")
        #expect(ExactDecimal(JSONValue.string("1.25")) == ExactDecimal(minorUnits: 125, scale: 2))
        #expect(ExactDecimal(JSONValue.bool(true)) == nil)
    }

    /// Random amounts: the decimal arithmetic agrees with integer arithmetic on minor units.
    @Test func propertyAgreesWithMinorUnitArithmetic() throws {
        var rng = SplitMix64(seed: 0xEB_2024)
        for _ in 0..<2_000 {
            let scale = Int.random(in: 0...4, using: &rng)
            let x = Int.random(in: -1_000_000_000_000...1_000_000_000_000, using: &rng)
            let y = Int.random(in: -1_000_000_000_000...1_000_000_000_000, using: &rng)
            let a = ExactDecimal(minorUnits: x, scale: scale)
            let b = ExactDecimal(minorUnits: y, scale: scale)
            #expect(a + b == ExactDecimal(minorUnits: x + y, scale: scale))
            #expect(a - b == ExactDecimal(minorUnits: x - y, scale: scale))
            #expect((a < b) == (x < y))
            #expect(a + b - b == a)
            // Round trip through the printed form keeps value and scale.
            let back = try #require(ExactDecimal(a.description))
            #expect(back == a && back.scale == a.scale)
        }
    }

    @Test func propertySumIsOrderIndependent() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let amounts = (0..<Int.random(in: 1...30, using: &rng)).map { _ in
                ExactDecimal(minorUnits: Int.random(in: -10_000_000...10_000_000, using: &rng), scale: Int.random(in: 0...3, using: &rng))
            }
            let forward = amounts.exactSum()
            #expect(amounts.shuffled(using: &rng).exactSum() == forward)
            #expect(amounts.reversed().exactSum() == forward)
            #expect(forward.scale == amounts.map(\.scale).max())
        }
    }
}
