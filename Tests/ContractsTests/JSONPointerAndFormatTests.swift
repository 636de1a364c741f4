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

    /// `MoneyFormat.scan` against the grammar written out plainly, on strings made of the
    /// characters that matter: the verdict, the decimals, and the value `SmallDecimal` reads.
    @Test func moneyScanFollowsTheGrammar() {
        func reference(_ s: String) -> (decimals: Int, value: Int64?)? {
            var body = Substring(s)
            if body.first == "-" { body = body.dropFirst() }
            let parts = body.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count <= 2, let integer = parts.first, !integer.isEmpty, integer.allSatisfy({ ("0"..."9").contains($0) }),
                  integer == "0" || integer.first != "0" else { return nil }
            let fraction = parts.count == 2 ? parts[1] : ""
            guard parts.count == 1 || (!fraction.isEmpty && fraction.allSatisfy({ ("0"..."9").contains($0) })) else { return nil }
            let digits = integer.count + fraction.count
            guard digits <= MoneyFormat.maxDigits else { return nil }
            return (fraction.count, digits <= 18 ? SmallDecimal(s)?.value : nil)
        }
        let alphabet = Array("0123456789-.9x")
        var rng = SplitMix64(seed: 0x0E7)
        var valid = 0
        for n in 0..<40_000 {
            let length = n < 20_000 ? Int(rng.next() % 8) + 1 : Int(rng.next() % 42) + 1
            var s = String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count - (n % 3 == 0 ? 0 : 3)))] })
            if n % 5 == 0 { s = "-" + s }
            let got = s.utf8.withContiguousStorageIfAvailable { MoneyFormat.scan(utf8: $0) } ?? nil
            let expected = reference(s)
            #expect(got?.decimals == expected?.decimals && got?.value == expected?.value, "\(s)")
            if expected != nil { valid += 1 }
        }
        #expect(valid > 5_000, "\(valid)")
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
