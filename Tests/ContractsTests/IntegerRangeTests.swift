import Testing
@testable import Contracts

/// JSON Schema's `integer` is held to the range this product implements for integers: 64 bits,
/// signed or unsigned (−2^63 … 2^64 − 1; docs/json-schema.md, "Integers"). An integral value
/// beyond it (`1e400`, `18446744073709551616`) is a `schema.type` violation that says so, never a
/// silent pass.
@Suite struct IntegerRangeTests {
    private func integerSchema() throws -> CompiledSchema {
        try CompiledSchema.compile(try JSONParser.parse(#"{"type": "integer"}"#))
    }

    @Test func integralValuesWithin64BitsAreIntegers() throws {
        let s = try integerSchema()
        for good in ["0", "-0", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551615",
                     "10656360225123456037", "1e2", "100.0", "1.5e1", "-9.223372036854775808e18", "1E19", "0.0e5"] {
            #expect(s.isValid(try JSONParser.parse(good)), "\(good)")
        }
    }

    @Test func integralValuesBeyond64BitsFailWithAClearMessage() throws {
        let s = try integerSchema()
        for bad in ["1e400", "18446744073709551616", "-9223372036854775809", "1e20", "-1e19", "1.8446744073709551616e19"] {
            let report = s.validate(try JSONParser.parse(bad))
            #expect(!report.isValid, "\(bad)")
            #expect(report.errorCode == "schema.type", "\(bad)")
            #expect(report.violations.first?.message.contains("64-bit range") == true, "\(report.violations)")
        }
        // Not integral at all: the plain type message.
        let fraction = s.validate(try JSONParser.parse("1.5"))
        #expect(!fraction.isValid && fraction.violations.first?.message.contains("64-bit") == false)
        // `number` is not limited: exact decimals of any size stay valid numbers.
        #expect(try CompiledSchema.compile(try JSONParser.parse(#"{"type": "number"}"#)).isValid(try JSONParser.parse("1e400")))
    }

    @Test func integralValuesAreExact() throws {
        func n(_ text: String) throws -> JSONNumber? {
            if case .number(let n) = try JSONParser.parse(text) { return n }
            return nil
        }
        #expect(try n("1e2")?.integralInt64 == 100)
        #expect(try n("-9223372036854775808")?.integralInt64 == Int64.min)
        #expect(try n("9.223372036854775807e18")?.integralInt64 == Int64.max)
        #expect(try n("0.0e5")?.integralInt64 == 0)
        #expect(try n("9223372036854775808")?.integralInt64 == nil)
        #expect(try n("9223372036854775808")?.integralUInt64 == 9_223_372_036_854_775_808)
        #expect(try n("1.8446744073709551615e19")?.integralUInt64 == UInt64.max)
        #expect(try n("-1")?.integralUInt64 == nil)
        #expect(try n("1e400")?.integralInt64 == nil && n("1e400")?.integralUInt64 == nil)
        #expect(try n("2.5")?.integralInt64 == nil)
        #expect(try n("1e-400")?.integralInt64 == nil)
    }
}
