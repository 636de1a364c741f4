import Testing
@testable import Contracts

/// A seeded corpus of documents against every rule kind, pinned to the violations the rules
/// reported before their fast paths existed: verdicts, locations and messages must not move.
///
/// The documents mix the easy case (cents that fit in 64 bits) with the ones a fast path can get
/// wrong: amounts near and beyond 2⁶³, many fraction digits, `-0.00`, exponents, JSON numbers,
/// malformed values, missing fields, unknown sides and currencies, dates with offsets and fractions.
@Suite struct RulesCorpusTests {
    static let rules = [
        #"{"balanced":{"items":"/lines","amount":"/amount","side":"/side","currency":"/currency"}}"#,
        #"{"balanced":{"items":"/entries/*/lines","amount":"/amount","side":"/side","documentCurrency":"/currency"}}"#,
        #"{"sumEquals":{"items":"/lines","amount":"/amount","total":"/total"}}"#,
        #"{"sumEquals":{"items":"/lines","amount":"/amount","plus":["/fee","/tax/amount"],"total":"/gross","currency":"/currency","totalCurrency":"/currency"}}"#,
        #"{"sumEquals":{"amount":"/lines/*/amount","total":"/total"}}"#,
        #"{"sumEquals":{"items":"/entries/*/lines","amount":"/amount","total":"/total"}}"#,
        #"{"dateOrder":{"earlier":"/issueDate","later":"/dueDate"}}"#,
        #"{"dateOrder":{"items":"/lines","earlier":"/from","later":"/to","allowEqual":false}}"#,
        #"{"requiredWhen":{"field":"/reason","when":"/status","in":["void","credit"]}}"#,
        #"{"requiredWhen":{"items":"/lines","field":"/taxCode","when":"/tax"}}"#,
        #"{"currencyScale":{"amount":["/total","/lines/*/amount"],"documentCurrency":"/currency"}}"#,
        #"{"currencyScale":{"items":"/lines","amount":"/amount","currency":"/currency"}}"#,
        #"{"nonNegative":{"items":"/lines","amount":["/amount","/qty"]}}"#,
        #"{"nonNegative":{"amount":"/total"}}"#,
    ]

    static let amounts = [
        "\"0.01\"", "\"12.34\"", "\"-5.10\"", "\"-0.00\"", "\"100\"", "\"7.125\"", "\"999999999999999999\"",
        "\"-999999999999999999\"", "\"9223372036854775807\"", "\"9223372036854775808\"", "\"-9223372036854775808\"",
        "\"99999999999999999.99\"", "\"0.000000000000000001\"", "\"0.0000000000000000001\"", "\"1e2\"", "\"+3\"", "\"007.10\"",
        "\"abc\"", "\"1.\"", "null", "12", "-3.5", "1e3", "9223372036854775807", "9223372036854775808", "0.10",
    ]
    static let dates = [
        "\"2025-03-01\"", "\"2025-02-28\"", "\"2025-03-01T00:00:00Z\"", "\"2025-03-01T01:00:00+01:00\"",
        "\"2025-03-01T00:00:00.5Z\"", "\"2025-03-01T00:00:00.50Z\"", "\"2025-13-01\"", "\"yesterday\"", "7",
    ]

    static func document(_ rng: inout SplitMix64) -> String {
        func pick(_ list: [String]) -> String { list[Int(rng.next() % UInt64(list.count))] }
        func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        func amount() -> String {
            guard chance(25) else {
                let cents = Int(rng.next() % 2_000_000) - (chance(10) ? 1_000_000 : 0)
                return "\"\(ExactDecimal(minorUnits: cents, scale: chance(80) ? 2 : Int(rng.next() % 5)))\""
            }
            return pick(amounts)
        }
        let currencies = ["\"EUR\"", "\"JPY\"", "\"BHD\"", "\"XYZ\"", "null"]
        let sides = ["\"debit\"", "\"credit\"", "\"credit\"", "\"debit\"", "\"other\""]
        var lineTexts: [String] = []
        var sum = ExactDecimal.zero
        for _ in 0..<Int(rng.next() % 6) {
            let a = amount()
            if let d = ExactDecimal(a.count > 1 ? String(a.dropFirst().dropLast()) : a) { sum += d }
            var members = ["\"amount\":\(a)", "\"qty\":\(chance(80) ? "\"\(rng.next() % 20)\"" : amount())"]
            if chance(90) { members.append("\"side\":\(pick(sides))") }
            if chance(85) { members.append("\"currency\":\(chance(80) ? "\"EUR\"" : pick(currencies))") }
            if chance(50) { members.append("\"from\":\(pick(dates)),\"to\":\(pick(dates))") }
            if chance(40) { members.append("\"tax\":\(chance(50) ? "true" : "null")") }
            if chance(50) { members.append("\"taxCode\":\"S\"") }
            lineTexts.append("{\(members.shuffled(using: &rng).joined(separator: ","))}")
        }
        let lines = "[\(lineTexts.joined(separator: ","))]"
        let total = chance(60) ? "\"\(sum)\"" : chance(50) ? "\"\(sum + ExactDecimal(minorUnits: 1, scale: 2))\"" : amount()
        var members = [
            "\"lines\":\(chance(95) ? lines : "{\"a\":\(lines)}")", "\"total\":\(total)", "\"gross\":\(total)",
            "\"currency\":\(chance(80) ? "\"EUR\"" : pick(currencies))", "\"entries\":[{\"lines\":\(lines)},{\"lines\":[]}]",
        ]
        if chance(50) { members.append("\"fee\":\"0.00\"") }
        if chance(30) { members.append("\"tax\":{\"amount\":\(amount())}") }
        if chance(80) { members.append("\"issueDate\":\(pick(dates)),\"dueDate\":\(pick(dates))") }
        if chance(60) { members.append("\"status\":\(pick(["\"void\"", "\"open\"", "\"credit\"", "1"]))") }
        if chance(30) { members.append("\"reason\":\"dup\"") }
        return "{\(members.shuffled(using: &rng).joined(separator: ","))}"
    }

    /// Every violation of every rule on every document, one line each.
    static func transcript(documents count: Int) throws -> [String] {
        var problems: [ContractProblem] = []
        let rules = try rules.enumerated().map { i, text in
            try #require(FinanceRule.parse(JSONParser.parse(text), at: JSONPointer(tokens: ["rules", String(i)]), file: "t.json", problems: &problems))
        }
        var rng = SplitMix64(seed: 0x5EED_2026)
        var out: [String] = []
        for n in 0..<count {
            let doc = try JSONParser.parse(document(&rng))
            for (i, rule) in rules.enumerated() {
                var violations: [Violation] = []
                rule.evaluate(doc, index: i, into: &violations)
                out += violations.map { "\(n) \($0.keyword) \($0.errorCode) \($0)" }
            }
        }
        return out
    }

    static func fnv1a(_ lines: [String]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in lines.joined(separator: "\n").utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }

    @Test func violationsMatchThePinnedTranscript() throws {
        let lines = try Self.transcript(documents: 3_000)
        #expect(lines.count == 17_550, "\(lines.count) violations")
        #expect(Self.fnv1a(lines) == 1_635_893_467_998_825_849, "transcript hash")
        for kind in FinanceRule.Kind.allCases {
            #expect(lines.contains { $0.contains(" \(kind.rawValue) ") }, "no \(kind.rawValue) violation in the corpus")
        }
    }
}
