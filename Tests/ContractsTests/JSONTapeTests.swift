import Foundation
import Testing
@testable import Contracts

/// The tape against `JSONParser`, the reference: over the parser's differential corpus (valid and
/// broken documents, three option sets) the tape accepts only documents the parser accepts, holds
/// the same values, marks exactly the spans `JSONCompactSpan` calls compact, and declines an
/// accepted document only for a documented reason.
@Suite struct JSONTapeTests {
    /// Walks the tape and the parser's value together; returns a mismatch or nil.
    static func compare(_ tape: JSONTape, _ i: JSONTape.Index, _ value: JSONValue, at path: String = "") -> String? {
        let compactSpan = JSONCompactSpan.whole(Array(tape.bytes[tape.span(i)])) != nil
        if tape.isCompact(i) != compactSpan { return "\(path): compact flag \(tape.isCompact(i)), JSONCompactSpan \(compactSpan)" }
        switch (tape.kind(i), value) {
        case (.null, .null), (.true, .bool(true)), (.false, .bool(false)): return nil
        case (.number, .number(let n)):
            let number = tape.number(i)
            guard number.literal == n.literal, number.int64 == n.int64, tape.int64(i) == n.int64 else { return "\(path): number \(number.literal) vs \(n.literal)" }
            return tape.isPlainInteger(i) == !n.literal.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
                ? nil : "\(path): plain integer flag"
        case (.string, .string(let s)):
            guard Array(tape.string(i).utf8) == Array(s.utf8) else { return "\(path): string" }
            if tape.isPlainString(i) && Array(tape.rawString(i)) != Array(s.utf8) { return "\(path): raw string" }
            return tape.isASCIIString(i) == (tape.isPlainString(i) && s.utf8.allSatisfy { $0 < 0x80 }) ? nil : "\(path): ASCII flag"
        case (.array, .array(let a)):
            guard tape.count(i) == a.count else { return "\(path): \(tape.count(i)) elements, expected \(a.count)" }
            var k = 0
            var problem: String?
            tape.forEachElement(i) { e in
                if problem == nil { problem = compare(tape, e, a[k], at: "\(path)/\(k)") }
                if problem == nil && tape.element(i, k) != e { problem = "\(path)/\(k): element(_:_:)" }
                k += 1
            }
            return problem
        case (.object, .object(let o)):
            guard tape.count(i) == o.count else { return "\(path): \(tape.count(i)) members, expected \(o.count)" }
            var k = 0
            var problem: String?
            tape.forEachMember(i) { name, member in
                guard problem == nil else { return }
                let key = o.members[k].key
                if tape.string(name) != key || !tape.isASCIIString(name) { problem = "\(path): member name \(k)" }
                if tape.member(i, key) != member { problem = "\(path): member(_:_:) \(key)" }
                if problem == nil { problem = compare(tape, member, o.members[k].value, at: "\(path)/\(key)") }
                k += 1
            }
            return problem
        default:
            return "\(path): kind \(tape.kind(i)) vs \(value.typeName)"
        }
    }

    /// Why the tape may decline a document the parser accepts (see `JSONTape`).
    static func mayDecline(_ value: JSONValue, text: [UInt8]) -> Bool {
        switch value {
        case .array(let a): return a.contains { mayDecline($0, text: text) }
        case .object(let o):
            if o.count > JSONTape.maxObjectMembers { return true }
            return o.members.contains { m in
                m.key.utf8.contains { $0 >= 0x80 || $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") } || mayDecline(m.value, text: text)
            } || text.contains(UInt8(ascii: "\\"))  // a name may be written with an escape
        default: return false
        }
    }

    @Test func agreesWithTheParserOverTheDifferentialCorpus() {
        let optionSets = [JSONParseOptions(), JSONParseOptions(rejectDuplicateKeys: false), JSONParseOptions(maxDepth: 3, maxBytes: 200)]
        var accepted = 0, declined = 0, rejected = 0
        for seed in 0..<20_000 {
            var g = JSONParserDifferentialCorpus.Generator(rng: .init(state: UInt64(seed) &* 7919))
            let doc = g.document()
            for options in optionSets {
                let reference = try? JSONParser.parse(doc, options: options)
                let problem: String?? = JSONTape.parse(doc, options: options) { tape in
                    guard let tape else { return .some(nil) }
                    guard let reference else { return "the tape accepted a document JSONParser rejects" }
                    if let mismatch = JSONTapeTests.compare(tape, JSONTape.root, reference) { return .some(mismatch) }
                    return .some(tape.count == tape.next(JSONTape.root) ? nil : "entry count")
                }
                switch problem {
                case .some(.some(let p)):
                    Issue.record("seed \(seed), options \(options): \(p)\n\(String(decoding: doc, as: UTF8.self))")
                    return
                case .some(.none) where reference != nil:
                    // Declined or accepted: the problem-free `nil` came from a decline only when the closure saw nil.
                    let tapeAccepted = JSONTape.parse(doc, options: options) { $0 != nil }
                    if tapeAccepted {
                        accepted += 1
                    } else {
                        declined += 1
                        var duplicate = false
                        do {
                            _ = try JSONParser.parse(doc, options: JSONParseOptions(maxDepth: options.maxDepth, maxBytes: options.maxBytes))
                        } catch {
                            duplicate = error.code == .duplicateKey
                        }
                        if let reference, !duplicate, !Self.mayDecline(reference, text: doc) {
                            Issue.record("seed \(seed): declined without a reason\n\(String(decoding: doc, as: UTF8.self))")
                            return
                        }
                    }
                default:
                    rejected += 1
                }
            }
        }
        #expect(accepted > 10_000)
        #expect(rejected > 10_000)
        #expect(declined < accepted)
    }

    /// Compact re-serializations of the parsed corpus — names ASCII, no escapes — are all accepted.
    @Test func acceptsEveryCompactDocumentWithPlainNames() {
        var checked = 0
        for seed in 0..<5_000 {
            var g = JSONParserDifferentialCorpus.Generator(rng: .init(state: UInt64(seed) &* 7919))
            guard let value = try? JSONParser.parse(g.document()) else { continue }
            let text = JSONWriter.compact.bytes(value)
            guard !Self.mayDecline(value, text: []) else { continue }
            let ok = JSONTape.parse(text) { tape in tape.map { JSONTapeTests.compare($0, JSONTape.root, value) == nil && $0.isCompact(JSONTape.root) } ?? false }
            #expect(ok, "\(String(decoding: text, as: UTF8.self))")
            checked += 1
        }
        #expect(checked > 1_000)
    }

    /// nst/JSONTestSuite: every file the tape accepts, the parser accepts with the same values;
    /// every file the parser accepts and the tape declines has a documented reason.
    @Test(.enabled(if: ParsingSuite.available, "skipped: ../shared/conformance/json-parsing-test-suite not found next to the package"))
    func agreesWithTheParserOverTheParsingSuite() throws {
        var accepted = 0
        for name in ParsingSuite.files("") {
            let bytes = [UInt8](try Data(contentsOf: ParsingSuite.folder.appendingPathComponent(name)))
            let reference = try? JSONParser.parse(bytes)
            let answer: String? = JSONTape.parse(bytes) { tape in
                guard let tape else {
                    if let reference, !Self.mayDecline(reference, text: bytes) { return "declined without a reason" }
                    return nil
                }
                guard let reference else { return "accepted a document JSONParser rejects" }
                accepted += 1
                return Self.compare(tape, JSONTape.root, reference)
            }
            #expect(answer == nil, "\(name): \(answer ?? "")")
        }
        #expect(accepted > 50)
    }

    @Test func declinesWhatItDoesNotRepresent() {
        for text in [#"{"a\u0062":1}"#, #"{"é":1}"#, #"{"a":1,"a":2}"#, "{" + (0...JSONTape.maxObjectMembers).map { "\"k\($0)\":1" }.joined(separator: ",") + "}"] {
            #expect(JSONTape.parse(Array(text.utf8)) { $0 == nil }, "\(text)")
            #expect((try? JSONParser.parse(text, options: JSONParseOptions(rejectDuplicateKeys: false))) != nil)
        }
    }

    /// A repeated member name is found in objects of every size, wherever the two names stand,
    /// and only within one object: the same name in a nested or a sibling object is no repeat.
    @Test func findsEveryRepeatedNameAndOnlyThose() {
        var rng = SplitMix64(seed: 0xD0B1_2026)
        var outcomes = (accepted: 0, declined: 0)
        for n in 0..<3_000 {
            let size = 1 + Int(rng.next() % UInt64(n % 10 == 0 ? JSONTape.maxObjectMembers - 1 : 40))
            var names = (0..<size).map { "k\($0 &* 7 % 1000)x\($0)" }
            let repeats = rng.next() % 2 == 0 && size > 1
            if repeats {
                let from = Int(rng.next() % UInt64(size - 1))
                names.insert(names[from], at: from + 1 + Int(rng.next() % UInt64(size - from)))
            }
            // Each object also holds a nested object and an array of objects reusing its names.
            let inner = "{" + names.prefix(5).map { "\"\($0)\":1" }.joined(separator: ",") + "}"
            let members = names.map { "\"\($0)\":" + (rng.next() % 8 == 0 ? inner : "2") }
            let text = Array(("[" + "{" + members.joined(separator: ",") + "}," + inner + "]").utf8)
            let accepted = JSONTape.parse(text) { $0 != nil }
            #expect(accepted != repeats, "document \(n) (\(names.count) names, repeated: \(repeats))")
            if accepted { outcomes.accepted += 1 } else { outcomes.declined += 1 }
        }
        #expect(outcomes.accepted > 1_000 && outcomes.declined > 1_000, "\(outcomes)")
    }

    /// `int64` for integers of every digit count, both signs, at and past the 64-bit limits.
    @Test func int64ReadsEveryIntegerThatFits() {
        var literals = ["0", "-0", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
                        "999999999999999999", "-999999999999999999", "1000000000000000000", "99999999999999999999"]
        var rng = SplitMix64(seed: 0x1264_2026)
        for digits in 1...21 {
            for _ in 0..<40 {
                let text = String((0..<digits).map { k in Character(Unicode.Scalar(UInt8(0x30 + (k == 0 ? 1 + rng.next() % 9 : rng.next() % 10)))) })
                literals += [text, "-" + text]
            }
        }
        for literal in literals {
            let got = JSONTape.parse(Array("[\(literal)]".utf8)) { tape in tape.map { $0.int64(JSONTape.root + 1) } }
            #expect(got == .some(Int64(literal)), "\(literal)")
        }
    }

    @Test func readsValuesInPlace() {
        let text = Array(#" {"type":"x","data":{"n":-12,"big":123456789012345678901,"f":1.50,"s":"a\"b","e":[],"o":{}} } "#.utf8)
        JSONTape.parse(text) { (tape: JSONTape?) -> Void in
            guard let tape else {
                Issue.record("declined")
                return
            }
            #expect(!tape.isCompact(JSONTape.root))
            guard let data = tape.member(JSONTape.root, "data"), let n = tape.member(data, "n"), let big = tape.member(data, "big"),
                  let f = tape.member(data, "f"), let s = tape.member(data, "s")
            else {
                Issue.record("members")
                return
            }
            #expect(tape.isCompact(data))
            #expect(String(decoding: tape.bytes[tape.span(data)], as: UTF8.self) == #"{"n":-12,"big":123456789012345678901,"f":1.50,"s":"a\"b","e":[],"o":{}}"#)
            #expect(tape.int64(n) == -12)
            #expect(tape.int64(big) == nil && tape.isPlainInteger(big))
            #expect(tape.int64(f) == nil && !tape.isPlainInteger(f) && tape.number(f).literal == "1.50")
            #expect(tape.string(s) == "a\"b" && !tape.isPlainString(s))
            #expect(tape.member(data, "missing") == nil)
            #expect(tape.value(data) == (try? JSONParser.parse(Array(tape.bytes[tape.span(data)]))))
        }
    }
}
