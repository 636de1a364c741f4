import Contracts
import Foundation
import KafkaClient
import Testing
@testable import EventBridge

/// Every shipped mapping against the shipped contract catalog: the demo traffic in
/// `examples/traffic/` (one realistic upstream record per line, each with an `x-demo-expect`
/// header) goes through the adapter, and every event of a record expected to publish must
/// validate against the latest contract of its type (schema and finance rules). Deliberate bad
/// records must fail with their stated code, and every `emit` rule of every mapping must be
/// exercised by at least one record that publishes (a demo record, or a real payload of
/// `Tests/fixtures/real/`). Records run in file order with entity state kept in memory, as the
/// pipeline keeps it.
@Suite struct AdapterContractTests {
    private typealias S = AdapterTestSupport

    /// Traffic file, mapping, and the source zone the demo configures for it.
    private static let sources: [(file: String, mapping: String, zone: String?)] = [
        ("stripe.jsonl", "stripe", "UTC"),
        ("salesforce-cdc.jsonl", "salesforce-cdc", "UTC"),
        ("debezium.jsonl", "debezium", "America/New_York"),
        ("sap-s4hana.jsonl", "sap-s4hana", nil),
        ("cloudevents.jsonl", "cloudevents", nil),
    ]

    private struct Record {
        var line: Int
        var expect: String
        var input: AdapterInput
    }

    private static func registry() throws -> ContractRegistry {
        try ContractRegistry.load(directory: S.repositoryRoot + "/contracts")
    }

    /// The records of a traffic file; tombstones (null values) are checked by the pipeline tests
    /// (`EntityStateTests`: filtered after the delete of their key) and skipped here.
    private static func records(_ file: String) throws -> [Record] {
        let text = try String(contentsOfFile: S.repositoryRoot + "/examples/traffic/" + file, encoding: .utf8)
        var out: [Record] = []
        for (i, line) in text.split(separator: "\n").enumerated() {
            let o = try JSONParser.parse(String(line))
            let expect = try #require(o["headers"]?["x-demo-expect"]?.stringValue, "\(file):\(i + 1): no x-demo-expect header")
            guard let value = o["value"], !value.isNull else {
                #expect(expect == "filtered", "\(file):\(i + 1): a tombstone after a delete")
                continue
            }
            let headers = (o["headers"]?.objectValue?.members ?? []).map { m in
                AdapterInput.Header(name: m.key, value: m.value.stringValue.map { Array($0.utf8) })
            }
            let key = o["key"]?.stringValue.map { Array($0.utf8) }
            out.append(Record(line: i + 1, expect: expect,
                              input: AdapterInput(topic: file, offset: Int64(i), timestamp: 1_772_442_000_000, key: key, headers: headers,
                                                  value: value, text: JSONWriter.compact.bytes(value))))
        }
        return out
    }

    /// The violations of events against their latest contracts, as lines for a failure message.
    private static func violations(_ events: [CanonicalEvent], _ registry: ContractRegistry) -> [(code: String, text: String)] {
        var out: [(String, String)] = []
        for (i, e) in events.enumerated() {
            guard let contract = registry.latest(e.type) else {
                out.append(("contract.unknown_type", "event \(i): no contract for \(e.type)"))
                continue
            }
            for v in contract.validate(e.data).violations {
                out.append((v.errorCode, "event \(i) \(contract.ref): \(v.instanceLocation): \(v.message) [\(v.errorCode)]"))
            }
        }
        return out
    }

    @Test(arguments: sources.map(\.file))
    func trafficOutcomesMatchTheirExpectation(file: String) throws {
        let source = try #require(Self.sources.first { $0.file == file })
        let registry = try Self.registry()
        let adapter = try S.adapter(source.mapping, zone: source.zone)
        let records = try Self.records(file)
        #expect(!records.isEmpty)
        let state = EntityStateStage(store: nil)
        for r in records {
            let outcome = try Self.adapt(adapter, r.input, state)
            let at = "\(file):\(r.line) (\(r.expect))"
            switch r.expect {
            case "published", "duplicate", "stale":
                let events = S.events(outcome)
                #expect(!events.isEmpty, "\(at): \(outcome)")
                let problems = Self.violations(events, registry)
                #expect(problems.isEmpty, "\(at):\n\(problems.map(\.text).joined(separator: "\n"))")
                for e in events {
                    #expect(e.data["eventId"]?.stringValue.map { $0.count == 36 } == true, "\(at): eventId")
                }
            case "filtered":
                #expect(S.filteredReason(outcome) != nil, "\(at): \(outcome)")
            default:
                let code = String(r.expect.dropFirst("dlq:".count))
                #expect(r.expect.hasPrefix("dlq:"), "\(at): unknown expectation")
                if code.hasPrefix("adapter.") {
                    #expect(S.failure(outcome)?.code.rawValue == code, "\(at): \(outcome)")
                } else {
                    let problems = Self.violations(S.events(outcome), registry)
                    #expect(problems.first?.code == code, "\(at): \(problems.map(\.text))")
                }
            }
        }
    }

    /// Each `emit` rule of each shipped mapping is the first matching rule of at least one record
    /// that is expected to publish (so every rule is held to its contract above).
    @Test func everyEmitRuleOfEveryMappingIsExercised() throws {
        let corpus = try Self.corpusInputs()
        for source in Self.sources {
            let path = S.mappingsDirectory + "/" + source.mapping + ".json"
            let document = try JSONParser.parse(String(contentsOfFile: path, encoding: .utf8))
            let rules = try #require(document["rules"]?.arrayValue)
            let inputs = try Self.records(source.file).filter { $0.expect == "published" }.map(\.input)
                + corpus.filter { $0.mapping == source.mapping }.map(\.input)
            for (i, rule) in rules.enumerated() where rule["emit"] != nil {
                let only = try Self.adapter(document, rules: [rule], zone: source.zone)
                let earlier = i == 0 ? nil : try Self.adapter(document, rules: Array(rules[..<i]), zone: source.zone)
                let hit = inputs.contains { input in
                    guard case .events = only.adapt(input).resolvedWithoutState else { return false }
                    guard let earlier else { return true }
                    return S.failure(earlier.adapt(input))?.code == .unmapped
                }
                #expect(hit, "\(source.mapping): rule \(i) (\(rule["$comment"]?.stringValue?.prefix(60) ?? rule["emit"]?.stringValue.map { Substring($0) } ?? "")) has no published demo or real record")
            }
        }
    }

    /// Adapts one input, resolving entity state in memory in input order (as the pipeline does).
    static func adapt(_ adapter: any Adapter, _ input: AdapterInput, _ state: EntityStateStage) throws -> AdapterOutcome {
        let outcome = adapter.adapt(input)
        guard case .needsState(let request) = outcome else { return outcome }
        let record = KafkaConsumerRecord(topic: input.topic, partition: input.partition, offset: input.offset, key: input.key, value: input.text, headers: input.headers)
        return try state.resolve(request, for: record).outcome
    }

    /// The real payloads of a vendor's corpus that are expected to publish, as adapter inputs in
    /// file order (`Tests/fixtures/real/<vendor>/expected.json`), with the mapping they use.
    private static func corpusInputs() throws -> [(mapping: String, input: AdapterInput)] {
        var out: [(String, AdapterInput)] = []
        for vendor in RealPayloadCorpusTests.vendors {
            let manifest = try RealPayloadCorpusTests.manifest(vendor)
            let mapping = manifest["adapter"]?.stringValue ?? ""
            for (i, r) in (manifest["records"]?.arrayValue ?? []).enumerated() {
                guard r["outcome"]?.stringValue == "published", let file = r["file"]?.stringValue else { continue }
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(RealPayloadCorpusTests.fixtures)/\(vendor)/\(file)")))
                let headers = (r["headers"]?.objectValue?.members ?? []).map { KafkaHeader(name: $0.key, string: $0.value.stringValue ?? "") }
                let value = (try? JSONParser.parse(bytes)) ?? .null
                var input = AdapterInput(topic: r["topic"]?.stringValue ?? manifest["topic"]?.stringValue ?? vendor, offset: Int64(i),
                                         timestamp: RealPayloadCorpusTests.recordTimestamp, key: r["key"]?.stringValue.map { Array($0.utf8) },
                                         headers: headers, value: value, text: bytes)
                input.isJSON = (try? JSONParser.parse(bytes)) != nil
                out.append((mapping, input))
            }
        }
        return out
    }

    /// The mapping with only `rules` (no `otherwise`: anything else is `adapter.unmapped`).
    private static func adapter(_ document: JSONValue, rules: [JSONValue], zone: String?) throws -> any Adapter {
        guard case .object(var o) = document else { throw MappingError(problems: []) }
        o["rules"] = .array(rules)
        o["otherwise"] = nil
        let catalog = try AdapterCatalog(documents: [(origin: "subset", document: .object(o))])
        return try catalog.adapter(named: o["name"]?.stringValue ?? "", sourceZone: zone)
    }

    /// Same input, same `eventId`; different inputs, different ids (ids are derived, not random).
    @Test func eventIdsAreDeterministicAndDistinct() throws {
        var seen: [String: String] = [:]
        for source in Self.sources {
            let adapter = try S.adapter(source.mapping, zone: source.zone)
            for r in try Self.records(source.file) where r.expect == "published" {
                guard case .events(let events) = adapter.adapt(r.input).resolvedWithoutState,
                    case .events(let again) = adapter.adapt(r.input).resolvedWithoutState else { continue }
                #expect(events.map { $0.data["eventId"] } == again.map { $0.data["eventId"] })
                for e in events {
                    guard let id = e.data["eventId"]?.stringValue else { continue }
                    let owner = "\(source.file):\(r.line) \(e.subject ?? "")"
                    #expect(seen[id] == nil, "\(owner) reuses the eventId of \(seen[id] ?? "")")
                    seen[id] = owner
                }
            }
        }
    }
}
