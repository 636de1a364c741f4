import Testing
@testable import Contracts

@Suite struct JSONPointerTests {
    @Test func resolvesRFC6901Examples() throws {
        let doc = try JSONParser.parse(#"{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\j":5,"k\"l":6," ":7,"m~n":8}"#)
        let cases: [(String, JSONValue)] = [
            ("", doc), ("/foo", ["bar", "baz"]), ("/foo/0", "bar"), ("/", 0), ("/a~1b", 1), ("/c%d", 2),
            ("/e^f", 3), ("/g|h", 4), ("/i\\j", 5), ("/k\"l", 6), ("/ ", 7), ("/m~0n", 8),
        ]
        for (text, expected) in cases {
            let p = try #require(JSONPointer(text))
            #expect(p.resolve(in: doc) == expected, "\(text)")
            #expect(p.description == text)
        }
        #expect(JSONPointer("/foo/01")?.resolve(in: doc) == nil)
        #expect(JSONPointer("/foo/2")?.resolve(in: doc) == nil)
        #expect(JSONPointer("foo") == nil)
        #expect(JSONPointer("/~2") == nil)
    }
}

@Suite struct FinanceFormatTests {
    @Test func moneyIsADecimalStringWithCountedDecimals() {
        #expect(MoneyFormat.decimals(of: "10.50") == 2)
        #expect(MoneyFormat.decimals(of: "-0.001") == 3)
        #expect(MoneyFormat.decimals(of: "1000") == 0)
        for bad in ["", "-", "01", "1.", ".5", "+1", "1e3", "1,000.00", " 1", "1.2.3", "--1", "NaN"] {
            #expect(MoneyFormat.decimals(of: bad) == nil, "\(bad)")
        }
        #expect(MoneyFormat.isValid(String(repeating: "9", count: 38)))
        #expect(!MoneyFormat.isValid(String(repeating: "9", count: 39)))
    }

    @Test func isoTables() {
        #expect(ISOTables.minorUnit(of: "JPY") == 0)
        #expect(ISOTables.minorUnit(of: "USD") == 2)
        #expect(ISOTables.minorUnit(of: "BHD") == 3)
        #expect(ISOTables.minorUnit(of: "CLF") == 4)
        #expect(ISOTables.minorUnit(of: "usd") == nil)
        #expect(ISOTables.minorUnit(of: "XAU") == nil)
        #expect(ISOTables.isCountry("DE") && ISOTables.isCountry("US") && !ISOTables.isCountry("UK"))
    }
}
