import Basics
import Contracts
import EventStore
import Foundation
import KafkaClient
import Testing
@testable import EventBridge

/// The staleness guard (docs/design.md §6) never skips a revision: integers of 64 bits, signed or
/// unsigned, compare exactly (a Salesforce commit number above 2^63 included); a revision beyond
/// them, or one that is neither an integer nor a string, fails the input with a stable code instead
/// of publishing it unrecorded (which let a later, lower revision overwrite it).
@Suite struct RevisionRangeTests {
    private typealias S = AdapterTestSupport

    /// A contract whose schema leaves the revision's type open, so only the dedup stage can object.
    private func openContract() throws -> Contract {
        let json = try JSONParser.parse(#"""
            {"type": "test.thing.changed", "version": 1, "description": "a test", "owner": "tests", "compatibility": "NONE", "key": "/id", "dedupKey": ["/id"], "revision": "/revision",
             "schema": {"type": "object", "required": ["id", "revision"], "properties": {"id": {"type": "string"}, "revision": {}}}}
            """#)
        return try Contract.parse(json, file: "test.thing.changed.v1.json").get()
    }

    private func plan(revision literal: String) throws -> Result<PlannedEvent, PipelineFailure> {
        let contract = try openContract()
        let data = try JSONParser.parse(#"{"id": "T-1", "revision": \#(literal)}"#)
        return DedupStage.plan(CanonicalEvent(type: contract.type, data: data), ContractStage.Accepted(contract: contract, data: data, upcast: false))
    }

    @Test func aRevisionBeyond64BitsIsAFailureNotASkip() throws {
        for literal in ["18446744073709551616", "1e400", "-9223372036854775809"] {
            guard case .failure(let f) = try plan(revision: literal) else {
                Issue.record("revision \(literal) was accepted")
                continue
            }
            #expect(f.code == "event.revision_out_of_range" && f.stage == .sequence, "\(f)")
            #expect(f.message.contains(literal))
        }
    }

    @Test func aRevisionThatIsNeitherAnIntegerNorAStringIsAFailure() throws {
        for literal in ["1.5", "true", "{}", "[1]", "null"] {
            guard case .failure(let f) = try plan(revision: literal) else {
                Issue.record("revision \(literal) was accepted")
                continue
            }
            #expect(f.code == "event.revision_invalid", "\(literal): \(f)")
        }
    }

    @Test func integralRevisionsInAnyNotationCompareAsIntegers() throws {
        guard case .success(let p) = try plan(revision: "1e2") else {
            Issue.record("1e2 was refused")
            return
        }
        #expect(p.revision == .integer(100))
        guard case .success(let big) = try plan(revision: "1.0656360225123456037e19") else {
            Issue.record("a revision above 2^63 was refused")
            return
        }
        #expect(big.revision == .largeInteger(10_656_360_225_123_456_037))
        guard case .success(let q) = try plan(revision: "100.0") else {
            Issue.record("100.0 was refused")
            return
        }
        #expect(q.revision == .integer(100))
    }

    /// Through the whole pipeline with the shipped catalog (revision `type: integer`): the schema
    /// itself refuses the out-of-range revision.
    @Test func theShippedInvoiceContractRefusesAnOutOfRangeRevision() throws {
        let config = try BridgeConfig.load(path: S.repositoryRoot + "/examples/bridge.json", environment: ["EVENTBRIDGE_BOOTSTRAP": "127.0.0.1:1"])
        let pipeline = try EventPipeline(config: config, registry: try ContractRegistry.load(directory: config.resolve(config.contractsDir)),
                                         adapters: try AdapterCatalog(directory: config.resolve(config.mappingsDir)), store: nil)
        var text = try String(contentsOfFile: S.repositoryRoot + "/contracts/examples/finance.invoice.posted.v2.json", encoding: .utf8)
        guard let range = text.range(of: #""revision": "#) else {
            Issue.record("the example has no revision")
            return
        }
        let end = text[range.upperBound...].firstIndex { !$0.isNumber } ?? text.endIndex
        text.replaceSubrange(range.upperBound..<end, with: "18446744073709551616")
        let value = Array(#"{"type": "finance.invoice.posted", "data": \#(text)}"#.utf8)
        let record = KafkaConsumerRecord(topic: "erp.finance.events", partition: 0, offset: 0, key: nil, value: value)
        guard case .deadLetter(let f) = try pipeline.process(record) else {
            Issue.record("published an out-of-range revision")
            return
        }
        #expect(f.code == "schema.type" && f.message.contains("64-bit"), "\(f)")
    }

    /// The bug: a revision above Int64.max was published without being recorded, so a later, lower
    /// revision was published over it. Now it is recorded and the lower one is stale.
    @Test func revisionsAboveInt64AreRecordedAndALowerOneIsStale() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventbridge-revision-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var storeConfig = StoreConfiguration(path: directory.appendingPathComponent("store.sqlite").path)
        storeConfig.pruneIntervalSeconds = 0
        let store = try EventStore.open(storeConfig, logger: .disabled)
        defer { store.close() }
        let config = try BridgeConfig.load(path: S.repositoryRoot + "/examples/bridge.json", environment: ["EVENTBRIDGE_BOOTSTRAP": "127.0.0.1:1"])
        let pipeline = try EventPipeline(config: config, registry: try ContractRegistry.load(directory: config.resolve(config.contractsDir)),
                                         adapters: try AdapterCatalog(directory: config.resolve(config.mappingsDir)), store: store)
        let commits = CommitStage(store: store, dedup: pipeline.dedup)
        let example = try String(contentsOfFile: S.repositoryRoot + "/contracts/examples/finance.customer.upserted.v1.json", encoding: .utf8)
        func record(revision: String, eventId: String, offset: Int64) throws -> KafkaConsumerRecord {
            guard case .object(var data) = try JSONParser.parse(example) else { throw CocoaError(.fileReadCorruptFile) }
            data["revision"] = try JSONParser.parse(revision)
            data["eventId"] = .string(eventId)
            let value = JSONWriter.compact.bytes(["type": "finance.customer.upserted", "data": .object(data)])
            return KafkaConsumerRecord(topic: "erp.finance.events", partition: 0, offset: offset, key: nil, value: value)
        }
        let newer = try record(revision: "10656360225123456037", eventId: "6f0b9a1e-0000-4000-8000-000000000001", offset: 0)
        guard case .publish(let events, let outputs) = try pipeline.process(newer) else {
            Issue.record("the newer revision was not published")
            return
        }
        let token = commits.tracker.register(newer.topicPartition, offset: 0, outputs: outputs.count,
                                             completion: InputOutcome(outcome: .published, events: events))
        for i in outputs.indices { commits.tracker.acknowledge(token, position: PartitionPosition(topic: "out", partition: 0, offset: Int64(i))) }
        commits.handOff()
        _ = try commits.settle()
        let key = try #require(events.first?.entityKey)
        #expect(try store.lastRevision(family: "finance.customer.upserted", entityKey: key) == .largeInteger(10_656_360_225_123_456_037))
        // A lower revision (still above Int64.max) and one below Int64.max are both stale now.
        for (i, lower) in ["10656360225123456036", "42"].enumerated() {
            let older = try record(revision: lower, eventId: "6f0b9a1e-0000-4000-8000-00000000000\(i + 2)", offset: Int64(i + 1))
            guard case .duplicate(let reason, _) = try pipeline.process(older) else {
                Issue.record("revision \(lower) was published over 10656360225123456037")
                continue
            }
            #expect(reason.contains("older"), "\(reason)")
        }
    }
}
