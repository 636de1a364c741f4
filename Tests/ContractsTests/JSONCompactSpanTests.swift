import Testing
@testable import Contracts

/// `JSONCompactSpan` lets the bridge publish an input's `data` bytes instead of serialising the
/// parsed value again, so whenever it answers with a range, those bytes must be exactly what
/// `JSONWriter.compact` writes for the parsed value — for any formatting, escapes and nesting.
/// A seeded generator makes JSON texts with random whitespace, escapes (`\u00e9`, `\/`, `\"`,
/// `\u001f`, `\u000a`),
/// non-ASCII text, structural characters inside strings and numbers in every form.
@Suite struct JSONCompactSpanTests {
    private struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private struct Generator {
        var rng: SplitMix
        /// Chance of whitespace at each place the grammar allows it.
        var spaceChance: Double

        mutating func space() -> String {
            guard Double.random(in: 0..<1, using: &rng) < spaceChance else { return "" }
            return [" ", "\n", "\t", "\r\n", "  "].randomElement(using: &rng)!
        }

        mutating func string() -> String {
            let pieces = ["a", "Rechnung", "é", "\\u00e9", "\\n", "\\\"", "\\\\", "\\/", "💶", "{", "}", "[", "]", ",", ":", " ",
                          "\\ud83d\\udcb6", "12.50", "\\t", "data", "\u{2028}", "x\u{7F}y",
                          "\\u001f", "\\u001F", "\\u000a", "\\u0001", "\\b", "\\f", "\\r"]
            var s = ""
            for _ in 0..<Int.random(in: 0...5, using: &rng) { s += pieces.randomElement(using: &rng)! }
            return "\"" + s + "\""
        }

        mutating func value(depth: Int) -> String {
            let kind = Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &rng)
            switch kind {
            case 0: return ["null", "true", "false"].randomElement(using: &rng)!
            case 1: return ["0", "-0", "1.5", "1e10", "-2.50E-3", "123456789012345678901234567890", "0.000", "42"].randomElement(using: &rng)!
            case 2, 3: return string()
            case 4:
                let n = Int.random(in: 0...4, using: &rng)
                return "[" + space() + (0..<n).map { _ in value(depth: depth + 1) + space() }.joined(separator: "," + space()) + "]"
            default:
                let n = Int.random(in: 0...5, using: &rng)
                let members = (0..<n).map { i in "\"k\(i)\"" + space() + ":" + space() + value(depth: depth + 1) + space() }
                return "{" + space() + members.joined(separator: "," + space()) + "}"
            }
        }
    }

    @Test func aRangeIsAlwaysWhatTheWriterWrites() throws {
        var reused = 0
        var declined = 0
        for seed in 0..<4_000 {
            var g = Generator(rng: SplitMix(state: UInt64(seed)), spaceChance: seed % 4 == 0 ? 0.3 : 0)
            let text = g.space() + g.value(depth: 0) + g.space()
            let bytes = Array(text.utf8)
            let parsed = try JSONParser.parse(bytes)
            let written = JSONWriter.compact.bytes(parsed)
            if let span = JSONCompactSpan.whole(bytes) {
                #expect(Array(bytes[span]) == written, "seed \(seed): \(text)")
                reused += 1
            } else {
                declined += 1
            }
            // The writer's own output always qualifies.
            #expect(JSONCompactSpan.whole(written) == 0..<written.count, "seed \(seed): \(String(decoding: written, as: UTF8.self))")
        }
        // Both answers occur often: the property is tested on either side.
        #expect(reused > 500)
        #expect(declined > 500)
    }

    @Test func aMemberRangeIsAlwaysWhatTheWriterWritesForThatMember() throws {
        var reused = 0
        for seed in 0..<4_000 {
            var g = Generator(rng: SplitMix(state: UInt64(seed) &+ 1_000_000), spaceChance: seed % 3 == 0 ? 0.3 : 0)
            let data = g.value(depth: 1)
            var other = Generator(rng: SplitMix(state: UInt64(seed) &+ 2_000_000), spaceChance: 0.3)
            // Members before and after "data", formatted any way, with escapes and braces in strings;
            // one of them is a key that only looks like "data" once unescaped is impossible (the parser
            // rejects duplicates), so "dat" and "data2" stand in as near misses.
            let before = seed % 5 == 0 ? "" : "\"type\"" + other.space() + ":" + other.space() + other.string() + "," + other.space()
                + "\"dat\":" + other.value(depth: 1) + "," + other.space()
            let after = seed % 2 == 0 ? "" : "," + other.space() + "\"data2\":" + other.space() + other.value(depth: 1)
            let text = other.space() + "{" + other.space() + before + "\"data\"" + other.space() + ":" + other.space() + data
                + other.space() + after + other.space() + "}" + other.space()
            let bytes = Array(text.utf8)
            let parsed = try JSONParser.parse(bytes)
            let member = try #require(parsed["data"])
            let written = JSONWriter.compact.bytes(member)
            if let span = JSONCompactSpan.member("data", of: bytes) {
                #expect(Array(bytes[span]) == written, "seed \(seed): \(text)")
                reused += 1
            } else {
                // Declined only when the member's own text is not the writer's.
                #expect(Array(data.utf8) != written, "seed \(seed): compact data not found in \(text)")
            }
        }
        #expect(reused > 1_000)
    }

    @Test func membersThatAreMissingOrNotInAnObjectHaveNoRange() {
        #expect(JSONCompactSpan.member("data", of: Array(#"{"type":"x"}"#.utf8)) == nil)
        #expect(JSONCompactSpan.member("data", of: Array(#"[{"data":1}]"#.utf8)) == nil)
        #expect(JSONCompactSpan.member("data", of: Array(#"{"a":{"data":1}}"#.utf8)) == nil)
        #expect(JSONCompactSpan.member("data", of: Array(#"{"d\u0061ta":{"x":1}}"#.utf8)) == nil)
        #expect(JSONCompactSpan.member("data", of: Array(#"{"data":{"x":1}}"#.utf8)) == 8..<15)
        #expect(JSONCompactSpan.member("data", of: Array(#"{ "data" : 12 }"#.utf8)) == 11..<13)
        #expect(JSONCompactSpan.whole([]) == nil)
    }
}
