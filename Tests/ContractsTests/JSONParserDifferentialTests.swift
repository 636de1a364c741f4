import Testing
@testable import Contracts

// BEGIN DIFFERENTIAL CORPUS
/// Seeded random JSON-ish documents — valid and broken — and a canonical dump of what the parser
/// answers for each (values with number literals and Int64s, member order, string bytes; or the
/// error's code, message, offset, line and column).
enum JSONParserDifferentialCorpus {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        mutating func pick(_ items: [String]) -> String { items[below(items.count)] }
    }

    struct Generator {
        var rng: SplitMix
        var out: [UInt8] = []

        mutating func emit(_ s: String) { out.append(contentsOf: Array(s.utf8)) }

        mutating func space() {
            if rng.chance(20) { emit(rng.pick([" ", "\n", "\t", "\r\n", "  \n "])) }
        }

        mutating func stringBody() {
            let pieces = ["a", "b", "id", "amount", "Rechnung", "abcdefghijklmnop", "abcdefghijklmnopq", "0123456789abcde",
                          "a-rather-long-member-name-of-forty-bytes", "é", "💶", "\u{2028}", "x\u{7F}y", " ", "{", "]", ":", ",",
                          "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0061", "\\u00e9", "\\u00E9", "\\u20AC",
                          "\\ud83d\\udcb6", "\\uD83D\\uDE00", "\\u0000", "\\u001f"]
            for _ in 0..<rng.below(5) { emit(rng.pick(pieces)) }
            if rng.chance(2) {
                // Broken strings: bad escapes, lone surrogates, raw control characters, invalid UTF-8.
                let bad: [[UInt8]] = [Array("\\x".utf8), Array("\\u12G4".utf8), Array("\\uD800".utf8), Array("\\uDC00x".utf8),
                                      Array("\\uD800\\u0041".utf8), Array("\\u12".utf8), [0x01], [0x0A], [0x1F], [0xFF], [0xC0, 0x80],
                                      [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xC3]]
                out.append(contentsOf: bad[rng.below(bad.count)])
                for _ in 0..<rng.below(3) { emit(rng.pick(pieces)) }
            }
        }

        mutating func string() {
            out.append(UInt8(ascii: "\""))
            stringBody()
            if !rng.chance(1) { out.append(UInt8(ascii: "\"")) }
        }

        mutating func key() {
            out.append(UInt8(ascii: "\""))
            if rng.chance(70) {
                emit(rng.pick(["a", "b", "c", "id", "\\u0061", "a\\u0062", "abcdefghijklmnop", "abcdefghijklmno\\u0070",
                               "abcdefghijklmnopq", "a-rather-long-member-name-of-forty-bytes", "é", "\\u00e9", "lineNumber", "k\(rng.below(40))"]))
            } else {
                stringBody()
            }
            out.append(UInt8(ascii: "\""))
        }

        mutating func number() {
            if rng.chance(97) {
                emit(rng.pick(["0", "-0", "1", "-1", "42", "1.5", "-2.50E-3", "1e10", "1E+2", "0.000", "12.50", "19", "2025",
                               "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                               "123456789012345678901234567890", "1.0e-400", "\(rng.next() >> rng.below(64))", "-\(rng.below(100_000)).\(rng.below(100))"]))
            } else {
                emit(rng.pick(["01", "1.", ".5", "1e", "1e+", "-", "--1", "+1", "0x10", "1.5.2", "-a"]))
            }
        }

        mutating func value(depth: Int) {
            switch depth == 0 ? 4 + rng.below(3) : rng.below(depth > 5 ? 4 : 7) {
            case 0: emit(rng.chance(97) ? rng.pick(["null", "true", "false"]) : rng.pick(["nul", "tru", "falsy", "NaN"]))
            case 1: number()
            case 2, 3: string()
            case 4:
                out.append(UInt8(ascii: "["))
                space()
                let n = rng.below(6)
                for k in 0..<n {
                    if k > 0 { emit(","); space() }
                    value(depth: depth + 1)
                    space()
                }
                if rng.chance(2) { emit(",") }
                out.append(UInt8(ascii: "]"))
            default:
                out.append(UInt8(ascii: "{"))
                space()
                let n = rng.chance(3) ? 30 + rng.below(10) : rng.below(9)
                for k in 0..<n {
                    if k > 0 { emit(","); space() }
                    key()
                    space()
                    if !rng.chance(1) { emit(":") }
                    space()
                    value(depth: depth + 1)
                    space()
                }
                if rng.chance(2) { emit(",") }
                out.append(UInt8(ascii: "}"))
            }
        }

        mutating func document() -> [UInt8] {
            out = []
            if rng.chance(1) { out.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
            space()
            value(depth: 0)
            space()
            switch rng.below(40) {
            case 0 where !out.isEmpty: out.removeLast(rng.below(out.count) + 1)  // truncated
            case 1: out.insert(UInt8(truncatingIfNeeded: rng.next()), at: rng.below(out.count + 1))  // a stray byte
            case 2 where !out.isEmpty: out.remove(at: rng.below(out.count))
            case 3: emit(rng.pick([" x", "{}", ",", " 1"]))  // trailing content
            default: break
            }
            return out
        }
    }

    static func dump(_ v: JSONValue, into d: inout [UInt8]) {
        func text(_ s: String) {
            let u = Array(s.utf8)
            d.append(contentsOf: Array("\(u.count):".utf8))
            d.append(contentsOf: u)
        }
        switch v {
        case .null: d.append(UInt8(ascii: "n"))
        case .bool(let b): d.append(b ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .number(let n):
            d.append(UInt8(ascii: "N"))
            text(n.literal)
            text(n.int64.map { String($0) } ?? "-")
        case .string(let s):
            d.append(UInt8(ascii: "S"))
            text(s)
        case .array(let a):
            d.append(contentsOf: Array("[\(a.count)".utf8))
            for e in a { dump(e, into: &d) }
        case .object(let o):
            d.append(contentsOf: Array("{\(o.count)".utf8))
            for m in o.members {
                text(m.key)
                dump(m.value, into: &d)
            }
        }
    }

    static func outcome(_ bytes: [UInt8], options: JSONParseOptions) -> [UInt8] {
        var d: [UInt8] = []
        do {
            dump(try JSONParser.parse(bytes, options: options), into: &d)
        } catch {
            d.append(contentsOf: Array("E\(error.code.rawValue)|\(error.message)|\(error.offset)|\(error.line)|\(error.column)".utf8))
        }
        return d
    }

    /// FNV-1a over every document's outcome, under three option sets; plus how many parsed.
    static func fingerprint(documents: Int) -> (hash: UInt64, parsed: Int, failed: Int) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        var parsed = 0
        var failed = 0
        let optionSets = [JSONParseOptions(), JSONParseOptions(rejectDuplicateKeys: false), JSONParseOptions(maxDepth: 3, maxBytes: 200)]
        for seed in 0..<documents {
            var g = Generator(rng: SplitMix(state: UInt64(seed) &* 7919))
            let doc = g.document()
            for options in optionSets {
                let o = outcome(doc, options: options)
                if o.first == UInt8(ascii: "E") { failed += 1 } else { parsed += 1 }
                for b in o {
                    h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3
                }
                h = (h ^ 0xFF) &* 0x0000_0100_0000_01B3
            }
        }
        return (h, parsed, failed)
    }
}
// END DIFFERENTIAL CORPUS

/// Pins the parser's answers — values, errors, positions — to those of the parser before its
/// performance rework (the expected fingerprint was computed with that code, commit 82b7d0f).
@Suite struct JSONParserDifferentialTests {
    @Test func answersMatchThePinnedFingerprint() {
        let result = JSONParserDifferentialCorpus.fingerprint(documents: 20_000)
        #expect(result.parsed > 10_000)
        #expect(result.failed > 10_000)
        #expect(result.hash == JSONParserDifferentialTests.pinned, "fingerprint \(String(result.hash, radix: 16)), parsed \(result.parsed), failed \(result.failed)")
    }

    static let pinned: UInt64 = 0x9A77_A1FD_84CC_64D9
}
