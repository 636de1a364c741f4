import Testing
@testable import Contracts

@Suite struct JSONParserTests {
    @Test func keepsIntegersDecimalsBooleansAndNullApart() throws {
        let v = try JSONParser.parse(#"{"a":1,"b":1.10,"c":true,"d":null,"e":12345678901234567890}"#)
        #expect(v["a"]?.numberValue?.int64 == 1)
        #expect(v["b"]?.numberValue?.literal == "1.10")
        #expect(v["c"] == .bool(true))
        #expect(v["d"] == .null)
        #expect(v["e"]?.numberValue?.int64 == nil)
        #expect(v["e"]?.numberValue?.literal == "12345678901234567890")
        #expect(v["e"]?.numberValue?.isIntegral == true)
    }

    @Test func numbersCompareByValue() throws {
        #expect(JSONNumber(literal: "1.0")! == JSONNumber(1))
        #expect(JSONNumber(literal: "1e2")! == JSONNumber(100))
        #expect(JSONNumber(literal: "-0")! == JSONNumber(0))
        #expect(JSONNumber(literal: "0.1")! < JSONNumber(literal: "0.10000000000000000001")!)
        #expect(JSONNumber(literal: "-9223372036854775808")?.int64 == Int64.min)
        #expect(JSONNumber(literal: "01") == nil)
    }

    @Test func rejectsDuplicateKeys() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"a":1,"a":2}"#) }
        var many = "{"
        for k in 0..<40 { many += "\"k\(k)\":\(k)," }
        many += "\"k7\":0}"
        do {
            _ = try JSONParser.parse(many)
            Issue.record("expected a duplicate-key error")
        } catch {
            #expect(error.code == .duplicateKey)
        }
    }

    @Test func rejectsLoneSurrogatesAndInvalidUTF8() throws {
        for text in [#""\uD800""#, #""\uDC00x""#, #""\uD800\u0041""#] {
            do {
                _ = try JSONParser.parse(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.code == .encoding)
            }
        }
        do {
            _ = try JSONParser.parse([0x22, 0xC3, 0x28, 0x22])
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.code == .encoding)
            #expect(error.offset == 1)
        }
        #expect(try JSONParser.parse(#""\uD83D\uDE00""#) == .string("😀"))
    }

    @Test func reportsPositionOfSyntaxErrors() {
        do {
            _ = try JSONParser.parse("{\n  \"a\": 1,\n  \"b\": tru\n}")
            Issue.record("accepted")
        } catch {
            #expect(error.code == .syntax)
            #expect(error.line == 3)
            #expect(error.column == 8)
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 100_000) + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000)
        do {
            _ = try JSONParser.parse(deep, options: JSONParseOptions(maxDepth: 1_000_000))
            Issue.record("accepted 100,000-deep nesting")
        } catch {
            #expect(error.code == .depth)
        }
        #expect(throws: JSONParseError.self) {
            try JSONParser.parse(Array(repeating: UInt8(ascii: "{"), count: 100_000))
        }
    }

    @Test func sizeLimit() {
        do {
            _ = try JSONParser.parse("[1,2,3]", options: JSONParseOptions(maxBytes: 4))
            Issue.record("accepted")
        } catch {
            #expect(error.code == .tooLarge)
        }
    }

    @Test func writerRoundTripsExactly() throws {
        let text = #"{"amount":"10.10","n":1.10,"big":123456789012345678901234567890,"s":"a\"b\\c\n\u0001é"}"#
        let v = try JSONParser.parse(text)
        let again = JSONWriter.compact.string(v)
        #expect(again == #"{"amount":"10.10","n":1.10,"big":123456789012345678901234567890,"s":"a\"b\\c\n\u0001é"}"#)
        #expect(try JSONParser.parse(again) == v)
        #expect(JSONWriter.canonical.string(try JSONParser.parse(#"{"b":1,"a":[true,null]}"#)) == #"{"a":[true,null],"b":1}"#)
    }
}
