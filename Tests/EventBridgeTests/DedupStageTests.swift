import Basics
import Contracts
import EventStore
import Foundation
import KafkaClient
import Testing
@testable import EventBridge

/// The dedup stage is the one owner of the keys and revisions of events published but not yet
/// committed: they are duplicates while their outputs are in flight, while the store transaction
/// that records them runs, and after a failed transaction; the store answers only once it is
/// durable; abandoning a partition forgets exactly its pending keys.
@Suite struct DedupStageTests {
    private typealias S = AdapterTestSupport

    private struct Harness {
        let directory: URL
        let store: EventStore
        let pipeline: EventPipeline
        let commits: CommitStage

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventbridge-dedup-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var config = try BridgeConfig.load(path: S.repositoryRoot + "/examples/bridge.json", environment: ["EVENTBRIDGE_BOOTSTRAP": "127.0.0.1:1"])
            config.sequencing.gating = false  // these invoices' customers are never ready: dedup is the subject here
            var storeConfig = StoreConfiguration(path: directory.appendingPathComponent("store.sqlite").path)
            storeConfig.pruneIntervalSeconds = 0
            store = try EventStore.open(storeConfig, logger: .disabled)
            pipeline = try EventPipeline(config: config, registry: try ContractRegistry.load(directory: config.resolve(config.contractsDir)),
                                         adapters: try AdapterCatalog(directory: config.resolve(config.mappingsDir)), store: store)
            commits = CommitStage(store: store, dedup: pipeline.dedup)
        }

        /// A canonical invoice event on `erp.finance.events` (partition `partition`) at `offset`.
        func record(revision: Int, invoice: String? = nil, partition: Int32 = 0, offset: Int64) throws -> KafkaConsumerRecord {
            let text = try String(contentsOfFile: S.repositoryRoot + "/contracts/examples/finance.invoice.posted.v2.json", encoding: .utf8)
            guard case .object(var data) = try JSONParser.parse(text) else { throw CocoaError(.fileReadCorruptFile) }
            data["revision"] = .number(JSONNumber(revision))
            if let invoice { data["invoiceId"] = .string(invoice) }
            let value = JSONWriter.compact.bytes(["type": "finance.invoice.posted", "data": .object(data)])
            return KafkaConsumerRecord(topic: "erp.finance.events", partition: partition, offset: offset, key: nil, value: value)
        }

        /// Decides `record` and, for a publish, registers it with every output acknowledged.
        func decide(_ record: KafkaConsumerRecord) throws -> InputDecision {
            let decision = try pipeline.process(record)
            if case .publish(let events, let outputs) = decision {
                let token = commits.tracker.register(record.topicPartition, offset: record.offset, outputs: outputs.count,
                                                     completion: InputOutcome(outcome: .published, events: events))
                for i in outputs.indices { commits.tracker.acknowledge(token, position: PartitionPosition(topic: "out", partition: 0, offset: Int64(i))) }
            }
            return decision
        }

        func close() {
            store.close()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// `ce_id` is the dedup key as a UUID (version nibble 8, RFC 9562 variant bits): the same
    /// text for the same key, in every release (downstream idempotency relies on it).
    /// The source partition and offset headers are written digit by digit: the text `String(n)` has.
    @Test func positionHeadersAreTheNumbersDecimalText() {
        var values: [Int64] = [0, 1, 9, 10, 99, 100, -1, -10, 1_000_000_007, Int64.max, Int64.min, Int64(Int32.max), Int64(Int32.min)]
        var x: UInt64 = 7
        for _ in 0..<2_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Int64(bitPattern: x) >> (x % 64))
        }
        for v in values { #expect(EncodeStage.decimalBytes(v) == Array(String(v).utf8), "\(v)") }
        for p in Array(-3...300) + [Int32.max, Int32.min] { #expect(EncodeStage.partitionBytes(p) == Array(String(p).utf8), "\(p)") }
    }

    @Test func theEventIDIsTheDedupKeyAsAVersion8UUID() {
        #expect(EncodeStage.ceID(DedupKey(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210)) == "01234567-89ab-8def-bedc-ba9876543210")
        #expect(EncodeStage.ceID(DedupKey(high: 0, low: 0)) == "00000000-0000-8000-8000-000000000000")
        #expect(EncodeStage.ceID(DedupKey(high: .max, low: .max)) == "ffffffff-ffff-8fff-bfff-ffffffffffff")
        let key = DedupKey(family: "finance.invoice.posted", values: ["INV-1"])
        #expect(UUID(uuidString: EncodeStage.ceID(key)) != nil)
    }

    @Test func publishedKeysAreDuplicatesBeforeDuringAndAfterTheirCommit() throws {
        let h = try Harness()
        defer { h.close() }
        #expect(try h.decide(h.record(revision: 5, offset: 0)).outcomeName == "published")
        #expect(h.pipeline.dedup.pendingCount == 1)
        // Outputs in flight, nothing committed: the dedup stage answers.
        #expect(try h.decide(h.record(revision: 5, offset: 1)).outcomeName == "duplicate")
        // Handed to the store's writer, not settled: still the dedup stage's.
        h.commits.handOff()
        #expect(try h.decide(h.record(revision: 5, offset: 2)).outcomeName == "duplicate")
        #expect(h.pipeline.dedup.pendingCount == 1)
        // Durable: the store answers, the dedup stage lets go.
        _ = try h.commits.settle()
        #expect(h.pipeline.dedup.pendingCount == 0)
        #expect(try h.decide(h.record(revision: 5, offset: 3)).outcomeName == "duplicate")
        // The staleness guard reads the committed revision too.
        guard case .duplicate(let reason, _) = try h.decide(h.record(revision: 4, offset: 4)) else {
            Issue.record("an older revision was not dropped")
            return
        }
        #expect(reason.contains("older"))
    }

    /// A newer revision published while the transaction holding an older one of the same entity
    /// is being written stays the one the staleness guard compares with after that transaction
    /// settles: the store holds only the older, so forgetting the newer would let a revision
    /// between the two be published after the newer one.
    @Test func aNewerRevisionPublishedDuringACommitOutlivesTheOlderOnesSettle() throws {
        let h = try Harness()
        defer { h.close() }
        #expect(try h.decide(h.record(revision: 5, offset: 0)).outcomeName == "published")
        h.commits.handOff()  // revision 5 on its way to the store
        #expect(try h.decide(h.record(revision: 7, offset: 1)).outcomeName == "published")
        _ = try h.commits.settle()  // 5 is durable; 7 is not
        guard case .duplicate(let reason, _) = try h.decide(h.record(revision: 6, offset: 2)) else {
            Issue.record("revision 6 was published after revision 7")
            return
        }
        #expect(reason.contains("older than the published 7"), "\(reason)")
        // Once 7 is durable the store answers for it.
        h.commits.handOff()
        _ = try h.commits.settle()
        #expect(h.pipeline.dedup.pendingCount == 0)
        guard case .duplicate(let after, _) = try h.decide(h.record(revision: 6, offset: 3)) else {
            Issue.record("revision 6 was published after revision 7 was committed")
            return
        }
        #expect(after.contains("older than the published 7"), "\(after)")
    }

    /// The staleness guard reads committed revisions from one store snapshot per batch. A snapshot
    /// begun before a commit must not hide that commit once the dedup stage has let go of its
    /// pending revisions (`committed` ends it), and state another writer committed meanwhile (a
    /// changelog restore) is seen from the next batch on (`endBatch`).
    @Test func revisionsCommittedAfterTheSnapshotBeganAreSeenOnceTheyMatter() throws {
        let h = try Harness()
        defer { h.close() }
        // A lookup of a new entity begins the snapshot, before revision 5 of INV-A is committed.
        #expect(try h.decide(h.record(revision: 5, invoice: "INV-A", offset: 0)).outcomeName == "published")
        #expect(h.store.revisions.isOpen)
        h.commits.handOff()
        _ = try h.commits.settle()
        #expect(h.pipeline.dedup.pendingCount == 0)
        guard case .duplicate(let reason, _) = try h.decide(h.record(revision: 4, invoice: "INV-A", offset: 1)) else {
            Issue.record("revision 4 was published after the committed 5: the snapshot hid the commit")
            return
        }
        #expect(reason.contains("older than the published 5"), "\(reason)")

        // Another writer (as a restore does) commits revision 9 of INV-B while a snapshot is open.
        #expect(try h.decide(h.record(revision: 1, invoice: "INV-C", offset: 2)).outcomeName == "published")
        #expect(h.store.revisions.isOpen)
        var restored = StoreBatch()
        restored.setRevision(.integer(9), family: "finance.invoice.posted", entityKey: "INV-B",
                             partition: TopicPartition(topic: "erp.finance.events", partition: 1), atMillis: 1)
        try h.store.commitAndWait(restored)
        h.pipeline.dedup.endBatch()
        guard case .duplicate(let restoredReason, _) = try h.decide(h.record(revision: 8, invoice: "INV-B", partition: 1, offset: 0)) else {
            Issue.record("revision 8 was published after the restored 9")
            return
        }
        #expect(restoredReason.contains("older than the published 9"), "\(restoredReason)")
    }

    @Test func aFailedCommitKeepsItsKeysPendingUntilItIsWritten() throws {
        let h = try Harness()
        defer { try? FileManager.default.removeItem(at: h.directory) }
        #expect(try h.decide(h.record(revision: 7, offset: 0)).outcomeName == "published")
        h.store.close()  // every transaction fails from now on
        h.commits.handOff()
        #expect(throws: StoreError.self) { try h.commits.settle() }
        #expect(h.commits.hasTransactionInFlight)
        #expect(h.pipeline.dedup.pendingCount == 1)
        #expect(try h.decide(h.record(revision: 7, offset: 1)).outcomeName == "duplicate")
    }

    @Test func abandoningAPartitionForgetsOnlyItsPendingKeys() throws {
        let h = try Harness()
        defer { h.close() }
        guard case .publish(let first, _) = try h.decide(h.record(revision: 1, partition: 0, offset: 0)) else {
            Issue.record("not published")
            return
        }
        #expect(try h.decide(h.record(revision: 2, invoice: "INV-OTHER", partition: 1, offset: 0)).outcomeName == "published")
        h.pipeline.dedup.forget([TopicPartition(topic: "erp.finance.events", partition: 0)])
        #expect(h.pipeline.dedup.pendingCount == 1)
        // Consumed again by this or the next owner: published again, under the same ce_id.
        guard case .publish(let events, _) = try h.decide(h.record(revision: 1, partition: 0, offset: 0)) else {
            Issue.record("a forgotten key was still a duplicate")
            return
        }
        #expect(events.map(\.id) == first.map(\.id))
        #expect(try h.decide(h.record(revision: 2, invoice: "INV-OTHER", partition: 1, offset: 1)).outcomeName == "duplicate")
    }

    /// An input of one event (decided on its own path, its records published as they are) and
    /// an input of several are decided by the same rules: publish, duplicate, stale (dropped or
    /// dead-lettered by the configuration), no subscriber — each alone, and each next to others.
    @Test func oneEventAndSeveralAreDecidedByTheSameRules() throws {
        let ref = ContractRef(type: "finance.invoice.posted", version: 2)
        func event(_ id: String, revision: Int64? = nil, routed: Bool = true) -> EventPipeline.PreparedEvent {
            let plan = DedupStage.plan(type: ref.type, contract: ref, entityKey: id, dedupText: "\(id)/\(revision ?? 0)",
                                       revision: revision.map { .integer($0) })
            let outputs = routed ? [KafkaProducerRecord(topic: "out", key: Array(id.utf8), value: [1], headers: [])] : []
            return .ready(plan: plan, outputs: outputs)
        }
        let record = KafkaConsumerRecord(topic: "in", partition: 0, offset: 0, key: nil, value: nil)
        func summary(_ d: InputDecision) -> String {
            switch d {
            case .publish(let events, let outputs): return "publish \(events.map(\.entityKey)) \(outputs.map { String(decoding: $0.key ?? [], as: UTF8.self) })"
            case .duplicate(let reason, let events): return "duplicate \(reason.contains("older") ? "stale" : reason) \(events.map { "\($0.entityKey)\($0.droppedAsStale ? "*" : "")" })"
            case .filtered(let reason, let types): return "filtered \(reason) \(types)"
            case .deadLetter(let f): return "dead-letter \(f.code)"
            case .park: return "park"
            }
        }
        for action in [BridgeConfig.StaleAction.duplicate, .deadLetter] {
            let dedup = DedupStage(store: nil, staleAction: action)
            // Published before: A (key A/0) and B at revision 5.
            _ = try dedup.decide([event("A"), event("B", revision: 5)], of: record)
            let alone = try [event("C"), event("A"), event("B", revision: 3), event("D", routed: false)].map { summary(try dedup.decide([$0], of: record)) }
            #expect(alone == ["publish [\"C\"] [\"C\"]", "duplicate already published (same dedup key) [\"A\"]",
                              action == .duplicate ? "duplicate stale [\"B*\"]" : "dead-letter event.stale",
                              "filtered no subscriber for finance.invoice.posted [\"finance.invoice.posted\"]"])
            let together = summary(try dedup.decide([event("E"), event("A"), event("D", routed: false), event("F")], of: record))
            #expect(together == "publish [\"E\", \"F\"] [\"E\", \"F\"]")
            let duplicates = summary(try dedup.decide([event("A"), event("C")], of: record))
            #expect(duplicates == "duplicate already published (same dedup key) [\"A\", \"C\"]")
            let unrouted = summary(try dedup.decide([event("G", routed: false), event("H", routed: false)], of: record))
            #expect(unrouted == "filtered no subscriber for finance.invoice.posted, finance.invoice.posted [\"finance.invoice.posted\", \"finance.invoice.posted\"]")
        }
    }
}
