import Testing
@testable import Contracts

/// `RuleSet` (the rules of a contract checked together, sharing item sums) against each rule
/// evaluated on its own, over the seeded corpus of `RulesCorpusTests`: same violations, same order.
@Suite struct RuleSetTests {
    /// The corpus rules plus `sumEquals` rules that share item sums with them and with each other.
    static let rules = RulesCorpusTests.rules + [
        #"{"sumEquals":{"items":"/lines","amount":"/amount","total":"/gross"}}"#,
        #"{"sumEquals":{"items":"/lines","amount":"/amount","plus":["/fee"],"total":"/gross"}}"#,
        #"{"sumEquals":{"items":"/entries/*/lines","amount":"/amount","total":"/gross"}}"#,
        #"{"sumEquals":{"items":"/lines","amount":"/qty","total":"/total"}}"#,
        #"{"sumEquals":{"items":"/lines","amount":"/qty","total":"/tax/amount"}}"#,
    ]

    @Test func sharedSumsGiveTheViolationsOfEachRuleAlone() throws {
        var problems: [ContractProblem] = []
        let rules = try Self.rules.enumerated().map { i, text in
            try #require(FinanceRule.parse(JSONParser.parse(text), at: JSONPointer(tokens: ["rules", String(i)]), file: "t.json", problems: &problems))
        }
        let set = RuleSet(rules)
        var rng = SplitMix64(seed: 0x5EED_2026)
        var total = 0
        for n in 0..<3_000 {
            let doc = try JSONParser.parse(RulesCorpusTests.document(&rng))
            var alone: [Violation] = []
            for (i, rule) in rules.enumerated() { rule.evaluate(doc, index: i, into: &alone) }
            var together: [Violation] = []
            set.evaluate(doc, into: &together)
            #expect(together.map { "\($0.keyword) \($0)" } == alone.map { "\($0.keyword) \($0)" }, "document \(n)")
            total += alone.count
        }
        #expect(total > 17_550, "the added rules report too")
    }
}
