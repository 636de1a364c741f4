import Testing
@testable import Contracts

@Suite struct SchemaRegexTests {
    private func matches(_ pattern: String, _ text: String) throws -> Bool? {
        var budget = 1_000_000
        return try ECMARegex(pattern).firstMatch(in: text, budget: &budget)
    }

    @Test func supportsTheDocumentedSubset() throws {
        let cases: [(String, String, Bool)] = [
            ("^[A-Z]{3}$", "EUR", true), ("^[A-Z]{3}$", "EURO", false), ("^\\d+(\\.\\d{1,2})?$", "10.25", true),
            ("^\\d+(\\.\\d{1,2})?$", "10.255", false), ("a|b", "xbx", true), ("^(?:ab)+$", "ababab", true),
            ("^a.c$", "a\u{1F4A9}c", true), ("^a.c$", "a\nc", false), ("\\bfoo\\b", "a foo.", true), ("\\bfoo\\b", "afoo", false),
            ("^\\p{L}+$", "Grüße", true), ("^\\p{Lu}", "élan", false), ("^\\P{N}+$", "abc", true), ("[^\\s]", "   ", false),
            ("^\\w+$", "é", false), ("^\\d$", "\u{0664}", false), ("^a{2,}$", "aaa", true), ("^a{2,3}?$", "aaaa", false),
            ("^(?=.*\\d)(?!.*x)[a-z0-9]+$", "abc1", true), ("^(?=.*\\d)(?!.*x)[a-z0-9]+$", "abcx1", false),
            ("^\\u00e9$", "é", true), ("^\\u{1F4A9}$", "\u{1F4A9}", true), ("^\\uD83D\\uDCA9$", "\u{1F4A9}", true),
            ("^[\\d-]+$", "12-3", true), ("x{", "x{", true), ("^\\$\\.$", "$.", true), ("^(?<year>\\d{4})-", "2024-", true),
            ("", "anything", true), ("^$", "", true), ("[a-c-e]", "-", true),
        ]
        for (pattern, text, expected) in cases {
            #expect(try matches(pattern, text) == expected, "/\(pattern)/ on \(text)")
        }
    }

    @Test func rejectsUnsupportedOrMalformedPatterns() {
        for pattern in ["(a", "a)", "[a", "*a", "a**", "(a)\\1", "(?<=a)b", "\\p{Script=Greek}", "a{3,2}", "(a{1000}){1000}", "\\q"] {
            #expect(throws: RegexError.self, "\(pattern)") { try ECMARegex(pattern) }
        }
    }

    @Test func hostilePatternsStayBounded() throws {
        let long = String(repeating: "a", count: 20_000)
        let nested = try ECMARegex("^(a+)+$"), alternatives = try ECMARegex("(a|aa)*b"), empty = try ECMARegex("^(a*)*$")
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            var budget = 100_000_000
            #expect(nested.firstMatch(in: long + "!", budget: &budget) == false)
            #expect(alternatives.firstMatch(in: long, budget: &budget) == false)
            #expect(empty.firstMatch(in: long, budget: &budget) == true)
        }
        #expect(elapsed < .seconds(20))
        // A tiny budget gives up (nil) instead of running on.
        var budget = 100
        #expect(try ECMARegex("^(a|b|c|d)*e").firstMatch(in: long, budget: &budget) == nil)
        // Through the validator, exhausting the budget is a violation, not a hang or a pass.
        let strict = try CompiledSchema.compile(["pattern": "^(a|aa)*$"], options: SchemaOptions(regexStepLimit: 1_000))
        #expect(!strict.isValid(.string(long)))
    }
}
