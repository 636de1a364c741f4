import Testing
@testable import Contracts

/// The automaton (`RegexDFA`) must answer exactly what the Pike VM answers.
@Suite struct RegexDFATests {
    /// Deterministic pseudo-random numbers (SplitMix64), so a failure reproduces.
    private struct SplitMix {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    static let patterns = [
        // The shipped contracts' patterns.
        "^[A-Za-z0-9][A-Za-z0-9._:/-]*$", "^-?(0|[1-9][0-9]*)(\\.[0-9]{1,6})?$", "^(0|[1-9][0-9]?)(\\.[0-9]{1,4})?$|^100$",
        "^[0-9]{4}-(0[1-9]|1[0-2])$", "^[A-Z0-9]{4}$", "^[0-9]{4,10}$", "^[A-Z]{3}$", "^\\d+(\\.\\d{1,2})?$",
        // Unanchored, partly anchored, alternations, empty matches, classes, non-ASCII.
        "a|b", "ab+c", "^(?:ab)+$", "^a.c$", "a.c", "x{", "", "^$", "$", "^", "a$", "^a", "[^a-c]", "[^\\s]", "\\S+x",
        "^\\w+$", "\\W", "\\d{2}$", "^(a*)*$", "(a|aa)*b", "^(a|b|c|d)*e", "[a-c-e]", "^\\u00e9$", "é+", "[à-ÿ]{2}",
        "^\\u{1F4A9}$", ".\\u{1F4A9}.", "[^é]", "\\u2028", "^[^\\n]*$", "a?b?c?$", "^(|a)b", "[\\d-]+", "a{0}b", "^.{3,5}$",
    ]

    static let alphabet: [String] = ["a", "b", "c", "d", "e", "x", "0", "1", "2", "9", "-", ".", "_", ":", "/", " ", "\n",
                                     "A", "Z", "é", "ÿ", "€", "\u{1F4A9}", "\u{2028}", "{", "\u{00A0}"]

    @Test func agreesWithTheVMOnManyInputs() throws {
        var random = SplitMix(state: 2020_12)
        var inputs = ["", "a", "abc", "abbc", "100", "100.0", "12.5", "0.1234", "-0.000001", "1.", "2024-12", "2024-13",
                      "AB12", "ab12", "123456", "INV-2024/0001", "é", "éé", "\u{1F4A9}", "a\u{1F4A9}c", "a\nc", "x{"]
        for _ in 0..<400 {
            let length = random.next(9)
            inputs.append((0..<length).map { _ in Self.alphabet[random.next(Self.alphabet.count)] }.joined())
        }
        for pattern in Self.patterns {
            let regex = try ECMARegex(pattern)
            let dfa = try #require(regex.dfa, "/\(pattern)/ should compile to an automaton")
            for text in inputs {
                var budget = 1_000_000
                #expect(dfa.firstMatch(in: text) == regex.vmFirstMatch(in: text, budget: &budget), "/\(pattern)/ on \(text.debugDescription)")
            }
        }
    }

    @Test func firstMatchUsesTheAutomatonOnlyWhenTheVMCouldNotRunOut() throws {
        let regex = try ECMARegex("^(a|b|c|d)*e")
        let long = String(repeating: "a", count: 50_000)
        var small = 1_000
        #expect(regex.firstMatch(in: long, budget: &small) == nil)
        var large = 100_000_000
        #expect(regex.firstMatch(in: long, budget: &large) == false)
        #expect(regex.firstMatch(in: long + "e", budget: &large) == true)
    }

    @Test func patternsTheAutomatonDoesNotModelKeepTheVM() throws {
        for pattern in ["\\bfoo\\b", "^(?=.*\\d)[a-z0-9]+$", "^\\p{L}+$", "a{1000}"] {
            #expect(try ECMARegex(pattern).dfa == nil, "/\(pattern)/")
        }
    }
}
