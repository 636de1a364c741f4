import Foundation
import Testing
@testable import Contracts

/// The tape path (`Contract+Tape.swift`, `TapeSchemaEvaluator`, `RuleSet+Tape.swift`) against the
/// `JSONValue` evaluator, the reference: over every contract's example and its broken variants,
/// the demo traffic, the rules corpus and the JSON Schema conformance suite, the tape's verdict is
/// the reference's `isValid` — in both directions — and its keys are the reference's keys.
@Suite struct ContractTapeTests {
    /// What the two paths answer for one document under one contract.
    struct Answers: Equatable, CustomStringConvertible {
        var valid: Bool
        var entityKey: String?
        var dedupKey: String?
        var revision: String?
        var prerequisiteKey: String?

        var description: String { "valid \(valid), key \(entityKey ?? "-"), dedup \(dedupKey ?? "-"), revision \(revision ?? "-"), prerequisite \(prerequisiteKey ?? "-")" }
    }

    static func reference(_ contract: Contract, _ value: JSONValue) -> Answers {
        Answers(valid: contract.validate(value).isValid, entityKey: contract.entityKey(of: value), dedupKey: contract.dedupKey(of: value),
                revision: contract.revision.resolve(in: value).map { "\($0)" }, prerequisiteKey: contract.prerequisiteKey(of: value))
    }

    /// The tape's answers for `text`, or nil when the tape declines the text.
    static func tape(_ contract: Contract, _ text: [UInt8]) -> Answers? {
        JSONTape.parse(text) { tape -> Answers? in
            guard let tape, let valid = contract.holds(tape, JSONTape.root) else { return nil }
            return Answers(valid: valid, entityKey: contract.entityKey(of: tape, JSONTape.root), dedupKey: contract.dedupKey(of: tape, JSONTape.root),
                           revision: contract.revisionValue(of: tape, JSONTape.root).map { "\($0)" }, prerequisiteKey: contract.prerequisiteKey(of: tape, JSONTape.root))
        }
    }

    /// Counts of one comparison run.
    struct Tally {
        var valid = 0
        var invalid = 0
        var declined = 0
        var mismatches: [String] = []

        mutating func compare(_ contract: Contract, _ value: JSONValue, text: [UInt8]) {
            let expected = ContractTapeTests.reference(contract, value)
            guard let got = ContractTapeTests.tape(contract, text) else {
                declined += 1
                return
            }
            if got != expected {
                if mismatches.count < 10 { mismatches.append("\(contract.ref): tape \(got), reference \(expected)\n  \(String(decoding: text, as: UTF8.self))") }
            } else if expected.valid {
                valid += 1
            } else {
                invalid += 1
            }
        }
    }

    // MARK: Broken variants

    static let replacements: [JSONValue] = [
        .null, true, 0, -1, .number(JSONNumber(literal: "1.5")!), .number(JSONNumber(literal: "1e3")!), "", "x", "-1.005", "0.001",
        "12.345", "100", "2025-02-30", "2025-03-01T10:00:00+01:00", "JPY", "KWD", "XYZ", "DE", "not-a-uuid",
        .string(String(repeating: "x", count: 600)), [], [:],
    ]

    /// The document with the value at `path` replaced (or removed, for nil).
    static func replacing(_ doc: JSONValue, _ path: ArraySlice<PathStep>, with value: JSONValue?) -> JSONValue? {
        guard let step = path.first else { return value }
        switch (step, doc) {
        case (.key(let k), .object(var o)):
            guard let child = o[k] else { return nil }
            o[k] = replacing(child, path.dropFirst(), with: value)
            return .object(o)
        case (.index(let i), .array(var a)):
            guard let child = replacing(a[i], path.dropFirst(), with: value) else {
                a.remove(at: i)
                return .array(a)
            }
            a[i] = child
            return .array(a)
        default:
            return nil
        }
    }

    enum PathStep { case key(String), index(Int) }

    /// Every location in `doc`, containers and leaves.
    static func paths(_ doc: JSONValue, _ prefix: [PathStep] = []) -> [[PathStep]] {
        var out = [prefix]
        switch doc {
        case .object(let o): for m in o { out += paths(m.value, prefix + [.key(m.key)]) }
        case .array(let a): for (i, e) in a.enumerated() { out += paths(e, prefix + [.index(i)]) }
        default: break
        }
        return out
    }

    /// The example, then variants: each location removed, replaced by each candidate, money made
    /// one digit longer, an unknown member added to each object, an array emptied or doubled.
    static func variants(of example: JSONValue) -> [JSONValue] {
        var out = [example]
        for path in paths(example).dropFirst() {
            out.append(replacing(example, path[...], with: nil) ?? example)
            for r in replacements { out.append(replacing(example, path[...], with: r) ?? example) }
            var target = example
            for step in path {
                switch (step, target) {
                case (.key(let k), .object(let o)): target = o[k] ?? .null
                case (.index(let i), .array(let a)): target = a[i]
                default: target = .null
                }
            }
            switch target {
            case .string(let s): out.append(replacing(example, path[...], with: .string(s + "1")) ?? example)
            case .object(var o):
                o["zzUnknown"] = 1
                out.append(replacing(example, path[...], with: .object(o)) ?? example)
            case .array(let a):
                out.append(replacing(example, path[...], with: .array(a + a)) ?? example)
            default: break
            }
        }
        return out
    }

    @Test func examplesAndTheirBrokenVariantsAgree() throws {
        let registry = try Catalog.registry()
        var tally = Tally()
        for type in registry.types {
            guard let family = registry.family(type) else { continue }
            for contract in family.versions {
                #expect(contract.supportsTape, "\(contract.ref) has no tape check")
                let example = try Catalog.example(type, contract.version)
                for (n, variant) in Self.variants(of: example).enumerated() {
                    // Compact and pretty text, so both the in-place and the whitespace paths are read.
                    let text = n % 2 == 0 ? JSONWriter.compact.bytes(variant) : JSONWriter.pretty.bytes(variant)
                    tally.compare(contract, variant, text: text)
                }
            }
        }
        for m in tally.mismatches { Issue.record(Comment(rawValue: m)) }
        #expect(tally.declined == 0)
        #expect(tally.valid > 500 && tally.invalid > 5_000, "valid \(tally.valid), invalid \(tally.invalid)")
    }

    // MARK: Demo traffic

    @Test(.enabled(if: DemoTraffic.lines != nil, "skipped: python3 and scripts/demo-traffic.py are needed"))
    func demoTrafficAgrees() throws {
        let registry = try Catalog.registry()
        var tally = Tally()
        for line in DemoTraffic.lines ?? [] {
            guard let type = line["headers"]?["ce_type"]?.stringValue, let value = line["value"] else { continue }
            let text = try #require(DemoTraffic.valueText(line))
            for contract in registry.family(type)?.versions ?? [] { tally.compare(contract, value, text: text) }
        }
        for m in tally.mismatches { Issue.record(Comment(rawValue: m)) }
        #expect(tally.valid > 100 && tally.invalid > 0, "valid \(tally.valid), invalid \(tally.invalid)")
    }

    // MARK: Rules corpus

    @Test func rulesCorpusAgrees() throws {
        var problems: [ContractProblem] = []
        let rules = try RulesCorpusTests.rules.enumerated().map { i, text in
            try #require(FinanceRule.parse(JSONParser.parse(text), at: JSONPointer(tokens: ["rules", String(i)]), file: "t.json", problems: &problems))
        }
        let sets = rules.map { RuleSet([$0]) } + [RuleSet(rules)]
        let compiled = try sets.map { try #require(TapeRules.compile($0, schema: nil)) }
        var rng = SplitMix64(seed: 0x5EED_2026)
        var holding = 0
        var failing = 0
        for n in 0..<3_000 {
            let text = Array(RulesCorpusTests.document(&rng).utf8)
            let doc = try JSONParser.parse(text)
            for (s, set) in sets.enumerated() {
                var violations: [Violation] = []
                set.evaluate(doc, into: &violations)
                let holds = JSONTape.parse(text) { tape in tape.map { compiled[s].holds($0, JSONTape.root) } }
                #expect(holds == violations.isEmpty, "document \(n), rule set \(s): \(violations)")
                if violations.isEmpty { holding += 1 } else { failing += 1 }
            }
        }
        #expect(holding > 10_000 && failing > 10_000)
    }

    /// The element pass (`TapeRules+Elements`) where it could part from the reference: an array's
    /// path naming an object (`*` walks its members, `items` takes it as one place), a single
    /// object, a string, nothing; a rule with checks at the document and per element; sums past
    /// 18 digits; each rule alone and all together, compact and pretty.
    @Test func elementPassAgreesWhereItsArraysAreNotArrays() throws {
        let rules = [
            #"{"nonNegative":{"amount":["/total","/lines/*/amount"]}}"#,
            #"{"nonNegative":{"items":"/lines","amount":["/amount","/qty"]}}"#,
            #"{"currencyScale":{"amount":["/total","/lines/*/amount"],"documentCurrency":"/currency"}}"#,
            #"{"currencyScale":{"items":"/lines","amount":"/amount","currency":"/currency"}}"#,
            #"{"currencyScale":{"items":"/lines","amount":["/amount","/qty"],"documentCurrency":"/currency"}}"#,
            #"{"sumEquals":{"items":"/lines","amount":"/amount","total":"/total"}}"#,
            #"{"sumEquals":{"amount":"/lines/*/amount","plus":["/fee"],"total":"/gross"}}"#,
            #"{"sumEquals":{"items":"/lines","amount":"/qty","total":"/count"}}"#,
        ]
        var problems: [ContractProblem] = []
        let parsed = try rules.enumerated().map { i, text in
            try #require(FinanceRule.parse(JSONParser.parse(text), at: JSONPointer(tokens: ["rules", String(i)]), file: "t.json", problems: &problems))
        }
        let sets = parsed.map { RuleSet([$0]) } + [RuleSet(parsed)]
        let compiled = try sets.map { try #require(TapeRules.compile($0, schema: nil)) }
        #expect(compiled.allSatisfy { $0.elementPlan != nil })
        let lineTexts = [
            #"{"amount":"1.50","qty":"2","currency":"EUR"}"#, #"{"amount":"-1.50","qty":"1","currency":"EUR"}"#,
            #"{"amount":"1.505","qty":"1","currency":"BHD"}"#, #"{"amount":"1.505","qty":"1","currency":"EUR"}"#,
            #"{"amount":"999999999999999999","qty":"-0.5"}"#, #"{"amount":12,"qty":3}"#, #"{"amount":"abc"}"#, #"{"qty":"1"}"#, "7", "null",
        ]
        let linesForms: [([String]) -> String] = [
            { "[\($0.joined(separator: ","))]" },
            { "{\($0.enumerated().map { "\"x\($0.offset)\":\($0.element)" }.joined(separator: ","))}" },
            { $0[0] }, { _ in "\"lines\"" }, { _ in "[]" },
        ]
        let totals = ["\"1.50\"", "\"0.00\"", "\"-3.00\"", "\"3.005\"", "\"1000000000000000000.50\"", "\"1000000000000000001.50\""]
        var rng = SplitMix64(seed: 0xE1E_2026)
        var agreed = (holds: 0, fails: 0)
        for n in 0..<3_000 {
            let picked = (0..<Int(rng.next() % 4)).map { _ in lineTexts[Int(rng.next() % UInt64(lineTexts.count))] }
            let form = linesForms[Int(rng.next() % UInt64(linesForms.count))]
            let lines = picked.isEmpty ? "[]" : form(picked)
            let total = totals[Int(rng.next() % UInt64(totals.count))]
            var members = ["\"total\":\(total)", "\"gross\":\(totals[Int(rng.next() % UInt64(totals.count))])", "\"currency\":\"EUR\"",
                           "\"fee\":\"0.00\"", "\"count\":\"3\""]
            if rng.next() % 10 != 0 { members.append("\"lines\":\(lines)") }
            let document = "{\(members.shuffled(using: &rng).joined(separator: ","))}"
            let value = try JSONParser.parse(Array(document.utf8))
            for text in [JSONWriter.compact.bytes(value), JSONWriter.pretty.bytes(value)] {
                for (s, set) in sets.enumerated() {
                    var violations: [Violation] = []
                    set.evaluate(value, into: &violations)
                    let holds = JSONTape.parse(text) { tape in tape.map { compiled[s].holds($0, JSONTape.root) } }
                    #expect(holds == violations.isEmpty, "document \(n) \(document), rule set \(s): \(violations)")
                    if violations.isEmpty { agreed.holds += 1 } else { agreed.fails += 1 }
                }
            }
        }
        #expect(agreed.holds > 5_000 && agreed.fails > 5_000, "\(agreed)")
    }

    /// The instants the schema's `date` and `date-time` checks note for the date-order rules
    /// (`TapeNotes.instant`) are the instants the rules would read from the text: offsets,
    /// fractions past nine digits, leap seconds, dates against date-times, a noted value against
    /// one the rule parses itself, per element and at the document.
    @Test func dateInstantsTheSchemaNotesAreTheOnesTheRulesRead() throws {
        let formats = [("date", "date"), ("date-time", "date-time"), ("date", "date-time"), (nil, "date-time"), ("date-time", nil), (nil, nil)]
        let rules = [
            #"{"dateOrder":{"earlier":"/a","later":"/b"}}"#,
            #"{"dateOrder":{"items":"/lines","earlier":"/from","later":"/to","allowEqual":false}}"#,
        ]
        var problems: [ContractProblem] = []
        let parsed = try rules.enumerated().map { i, text in
            try #require(FinanceRule.parse(JSONParser.parse(text), at: JSONPointer(tokens: ["rules", String(i)]), file: "t.json", problems: &problems))
        }
        let sets = parsed.map { RuleSet([$0]) } + [RuleSet(parsed)]
        func property(_ format: String?) -> JSONValue { format.map { ["type": "string", "format": .string($0)] } ?? ["type": "string"] }
        let checks = try formats.flatMap { pair -> [(CompiledSchema, TapeSchema, RuleSet, TapeRules)] in
            let schema: JSONValue = ["type": "object", "properties": [
                "a": property(pair.0), "b": property(pair.1),
                "lines": ["type": "array", "items": ["type": "object", "properties": ["from": property(pair.1), "to": property(pair.0)]]],
            ]]
            let compiled = try CompiledSchema.compile(schema)
            let onTape = try #require(TapeSchema.compile(compiled.program))
            return try sets.map { set in (compiled, onTape, set, try #require(TapeRules.compile(set, schema: onTape))) }
        }
        // Instants close to each other, written many ways.
        // Each part is wrong one time in twelve (the last of each list).
        let days = ["2024-02-28", "2024-02-29", "2024-03-01", "1969-12-31", "2025-02-29"]
        let times = ["T00:00:00", "T23:59:59", "T23:59:60", "t12:30:00", "T00:00:60"]
        let fractions = ["", ".5", ".500", ".123456789", ".1234567891", ".123456788999", "."]
        let offsets = ["Z", "z", "+00:00", "-00:00", "+01:00", "-01:00", "+23:59", "+24:00"]
        var rng = SplitMix64(seed: 0xDA7E_2026)
        func pick(_ list: [String]) -> String {
            rng.next() % 12 == 0 ? list[list.count - 1] : list[Int(rng.next() % UInt64(list.count - 1))]
        }
        func instant() -> String {
            let day = pick(days)
            return rng.next() % 4 == 0 ? day : day + pick(times) + pick(fractions) + (rng.next() % 30 == 0 ? "" : pick(offsets))
        }
        var outcomes = (holds: 0, fails: 0, schemaFails: 0)
        for n in 0..<4_000 {
            let lines = (0..<Int(rng.next() % 3)).map { _ in #"{"from":"\#(instant())","to":"\#(instant())"}"# }
            let document = #"{"a":"\#(instant())","b":"\#(instant())","lines":[\#(lines.joined(separator: ","))]}"#
            let text = Array(document.utf8)
            let value = try JSONParser.parse(text)
            for (c, check) in checks.enumerated() {
                var violations: [Violation] = []
                check.2.evaluate(value, into: &violations)
                let schemaValid = check.0.isValid(value)
                let expected = schemaValid && violations.isEmpty
                let got = JSONTape.parse(text) { tape in tape.map { check.1.isValid($0, JSONTape.root) && check.3.holds($0, JSONTape.root) } }
                #expect(got == expected, "document \(n) \(document), check \(c): \(violations)")
                if !schemaValid { outcomes.schemaFails += 1 } else if expected { outcomes.holds += 1 } else { outcomes.fails += 1 }
            }
        }
        #expect(outcomes.holds > 10_000 && outcomes.fails > 5_000 && outcomes.schemaFails > 10_000, "\(outcomes)")
    }

    /// The dedup key text's buffer (`KeyText`): integers as `String` writes them, and text that
    /// outgrows the stack moved to an array whole, at every length around the stack's size.
    @Test func keyTextWritesWhatStringWouldOnTheStackAndPastIt() {
        for value: Int64 in [0, 7, -1, 10, -10, 99, 1_000_000, .max, .min, .max - 1, .min + 1] {
            withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { stack in
                var text = KeyText(stack: stack)
                text.append(decimal: value)
                text.withBytes { #expect(Array($0) == Array(String(value).utf8)) }
            }
        }
        for capacity in [0, 1, 7, 16] {
            for total in 0..<40 {
                let pieces = (0..<total).map { i in Array(repeating: UInt8(0x41 + i % 26), count: 1 + i % 3) }
                withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 8) { stack in
                    var text = KeyText(stack: stack)
                    for (i, piece) in pieces.enumerated() {
                        if i % 4 == 0 { text.append(piece[0]) } else { piece.withUnsafeBytes { text.append($0) } }
                    }
                    let expected = pieces.enumerated().flatMap { $0.offset % 4 == 0 ? [$0.element[0]] : $0.element }
                    text.withBytes { #expect(Array($0) == expected, "capacity \(capacity), \(total) pieces") }
                }
            }
        }
    }

    /// A leaf checked in place by the object walk (`TapeSchemaRun.leafNode`) counts its depth as
    /// `evaluate` does: through a `$ref` chain of every length around the evaluator's limit, the
    /// tape fails where the reference fails.
    @Test func leavesInAnObjectWalkMeetTheDepthLimitWhereTheReferenceDoes() throws {
        var outcomes: Set<Bool> = []
        for chain in (SchemaEvaluator.maxDepth - 4)...(SchemaEvaluator.maxDepth + 2) {
            var defs: [String: JSONValue] = ["d\(chain)": ["type": "string", "maxLength": 8]]
            for k in 0..<chain { defs["d\(k)"] = ["$ref": .string("#/$defs/d\(k + 1)")] }
            let schema: JSONValue = ["type": "object", "properties": ["x": ["$ref": "#/$defs/d0"]], "$defs": .object(JSONObject(defs.map { JSONObject.Member(key: $0.key, value: $0.value) }))]
            let compiled = try CompiledSchema.compile(schema)
            let onTape = try #require(TapeSchema.compile(compiled.program))
            for instance in [#"{"x":"short"}"#, #"{"x":"far too long"}"#, #"{"x":7}"#] {
                let value = try JSONParser.parse(Array(instance.utf8))
                let expected = compiled.isValid(value)
                let got = JSONTape.parse(Array(instance.utf8)) { tape in tape.map { onTape.isValid($0, JSONTape.root) } }
                #expect(got == expected, "chain \(chain), \(instance)")
                outcomes.insert(expected)
            }
        }
        #expect(outcomes == [true, false])
    }

    // MARK: Conformance suite

    @Test(.enabled(if: SchemaSuite.available, "skipped: ../shared/conformance/json-schema-test-suite not found next to the package"))
    func conformanceSuiteAgrees() throws {
        var compared = 0
        var refused = 0
        for (files, assert) in [(SchemaSuite.mainFiles, false), (SchemaSuite.formatFiles, true)] {
            for file in files {
                let data = try Data(contentsOf: SchemaSuite.tests.appendingPathComponent(file))
                for group in try data.withUnsafeBytes({ try JSONParser.parse($0) }).arrayValue ?? [] {
                    guard let schema = group["schema"], let cases = group["tests"]?.arrayValue,
                          let compiled = try? CompiledSchema.compile(schema, registry: SchemaSuite.registry, options: SchemaOptions(assertFormats: assert))
                    else { continue }
                    guard let onTape = TapeSchema.compile(compiled.program) else {
                        refused += 1
                        continue
                    }
                    for test in cases {
                        guard let instance = test["data"] else { continue }
                        let expected = compiled.isValid(instance)
                        let got = JSONTape.parse(JSONWriter.compact.bytes(instance)) { tape in
                            tape.map { onTape.isValid($0, JSONTape.root) }
                        }
                        guard let got else { continue }  // a name the tape declines (escaped or non-ASCII)
                        #expect(got == expected, "\(file): \(group["description"]?.stringValue ?? "?") / \(test["description"]?.stringValue ?? "?")")
                        compared += 1
                    }
                }
            }
        }
        #expect(compared > 1_000, "\(compared) compared, \(refused) schemas refused")
    }

    // MARK: Keys

    @Test func integerKeysAreCanonical() {
        var rng = SplitMix64(seed: 42)
        for n in 0..<2_000 {
            let v = Int64(bitPattern: rng.next()) >> (n % 64)
            let text = Array(#"{"k":\#(v)}"#.utf8)
            let value = try? JSONParser.parse(text)
            let tapeKey = JSONTape.parse(text) { tape in tape.flatMap { t in t.member(JSONTape.root, "k").flatMap { Contract.keyText(t, $0) } } }
            #expect(tapeKey == Contract.keyText(value?["k"]))
        }
    }
}

/// The demo's traffic (`scripts/demo-traffic.py`), when Python is there to write it.
enum DemoTraffic {
    static let lines: [JSONValue]? = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Catalog.packageRoot.appendingPathComponent("scripts/demo-traffic.py").path, "300"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONParser.parse([UInt8]($0)) }
    }()

    /// The value's own text as it was written in the line (escapes and all).
    static func valueText(_ line: JSONValue) -> [UInt8]? {
        guard let value = line["value"] else { return nil }
        // Python wrote the value compactly with `\uXXXX` for non-ASCII: write it back the same way.
        return Array(pythonStyle(value).utf8)
    }

    static func pythonStyle(_ v: JSONValue) -> String {
        switch v {
        case .string(let s):
            var out = "\""
            for u in s.utf16 {
                switch u {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x20..<0x7F: out.append(Character(Unicode.Scalar(UInt8(u))))
                default: out += "\\u" + String(repeating: "0", count: 4 - String(u, radix: 16).count) + String(u, radix: 16)
                }
            }
            return out + "\""
        case .array(let a): return "[" + a.map(pythonStyle).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.members.map { pythonStyle(.string($0.key)) + ":" + pythonStyle($0.value) }.joined(separator: ",") + "}"
        default: return JSONWriter.compact.string(v)
        }
    }
}
