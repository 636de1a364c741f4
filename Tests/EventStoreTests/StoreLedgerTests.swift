import Foundation
import Testing
@testable import EventStore
import Basics
import Contracts
import EventStore

@Suite struct StoreLedgerTests {
    typealias F = StoreFixtures

    @Test func traceFindsInputsByEventIDEntityAndSourcePosition() throws {
        let temp = try TemporaryStore()
        let store = try temp.open { $0.ledgerBucketRows = 2 }
        defer { store.close() }
        var batch = StoreBatch()
        batch.record(F.entry(F.orders, 10, .published, eventID: "ev-1", entity: "INV-1", at: 1_000))
        batch.record(F.entry(F.orders, 11, .deadLettered, entity: "INV-2", at: 2_000))
        try store.commitAndWait(batch)
        batch = StoreBatch()
        // The same event again, two hours later: a duplicate with the same ce_id.
        batch.record(F.entry(F.payments, 5, .duplicate, eventID: "ev-1", entity: "INV-1", at: 7_200_000))
        try store.commitAndWait(batch)

        batch = StoreBatch()
        // The first input's outcome recorded again (as a released parked event would be): it
        // replaces the row and the trace still lists it once.
        batch.record(F.entry(F.orders, 10, .published, eventID: "ev-1", entity: "INV-1", at: 7_300_000))
        try store.commitAndWait(batch)

        let byID = try store.reader.ledgerEntries(eventID: "ev-1")
        #expect(byID.map(\.outcome) == [.duplicate, .published])  // oldest first: the replaced row is newer
        #expect(byID.last?.outputs == [PartitionPosition(topic: "finance.invoices", partition: 1, offset: 10)])
        #expect(try store.reader.ledgerEntries(entityKey: "INV-1").count == 2)
        #expect(try store.reader.ledgerEntries(entityKey: "INV-1", eventType: "finance.other").isEmpty)
        #expect(try store.reader.ledgerEntries(eventID: "ev-404").isEmpty)
        let one = try #require(try store.reader.ledgerEntry(at: PartitionPosition(F.orders, offset: 11)))
        #expect(one.outcome == .deadLettered)
        #expect(one.errorCode == "schema.required")
        #expect(one.dlqPosition == PartitionPosition(topic: "erp.orders.dlq", partition: 0, offset: 11))
        #expect(one.contractVersion == 1)
        #expect(try store.reader.ledgerEntry(at: PartitionPosition(F.orders, offset: 12)) == nil)
    }

    @Test func reconcileCountsOutcomesAndFindsGaps() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        var batch = StoreBatch()
        let outcomes: [LedgerEntry.Outcome] = [.published, .published, .duplicate, .filtered, .parked, .deadLettered]
        for (offset, outcome) in zip([100, 101, 102, 105, 106, 110] as [Int64], outcomes) {
            batch.record(F.entry(F.orders, offset, outcome))
        }
        batch.setProcessedOffset(next: 111, for: F.orders)
        try store.commitAndWait(batch)

        let report = try store.reader.reconcile(F.orders, offsets: 98...112)
        #expect(report.counts == [.published: 2, .duplicate: 1, .filtered: 1, .parked: 1, .deadLettered: 1])
        #expect(report.total == 6)
        #expect(report.gaps == [98...99, 103...104, 107...109, 111...112])
        #expect(report.missing == 9)
        #expect(report.processedNextOffset == 111)
        #expect(try store.reader.reconcile(F.orders, offsets: 98...112, maxGaps: 2).gaps.count == 2)
        let unknown = try store.reader.reconcile(F.payments, offsets: 0...9)
        #expect(unknown.gaps == [0...9])
        #expect(unknown.total == 0)
    }

    @Test func offsetsAndOutcomesCommitTogetherOrNotAtAll() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        let position = PartitionPosition(topic: "erp.orders.dlq", partition: 0, offset: 7)
        let replay = DeadLetterReplay(dlqPosition: position, attempt: 1, replayedAtMillis: 1, target: PartitionPosition(F.orders, offset: 900), actor: "ops")
        var first = StoreBatch()
        first.record(F.entry(F.orders, 0, .published))
        first.setProcessedOffset(next: 1, for: F.orders)
        first.recordReplay(replay)
        try store.commitAndWait(first)

        // A batch that fails half way (the same replay attempt again) leaves nothing behind.
        var failing = StoreBatch()
        try store.checkAndInsert(F.key(1), partition: F.orders, atMillis: 1, into: &failing)
        failing.record(F.entry(F.orders, 1, .published))
        failing.setProcessedOffset(next: 2, for: F.orders)
        failing.recordReplay(replay)
        #expect(throws: StoreError.self) { try store.commitAndWait(failing) }
        #expect(try store.reader.processedOffsets() == [F.orders: 1])
        #expect(try store.reader.ledgerEntry(at: PartitionPosition(F.orders, offset: 1)) == nil)
        #expect(try !store.contains(F.key(1)))
    }

    @Test func aCrashKeepsCommittedBatchesAndLosesTheUncommittedOne() throws {
        let temp = try TemporaryStore()
        let store = try temp.open { $0.durability = .full }
        var committed = StoreBatch()
        try store.checkAndInsert(F.key(1), partition: F.orders, atMillis: 1, into: &committed)
        committed.record(F.entry(F.orders, 0, .published, eventID: "ev-1"))
        committed.setProcessedOffset(next: 1, for: F.orders)
        try store.commitAndWait(committed)
        var uncommitted = StoreBatch()
        try store.checkAndInsert(F.key(2), partition: F.orders, atMillis: 2, into: &uncommitted)
        uncommitted.record(F.entry(F.orders, 1, .published))
        uncommitted.setProcessedOffset(next: 2, for: F.orders)

        // "kill -9" now: copy the database and its WAL as they are on disk, without the shared
        // memory index, so the copy must recover from the WAL like a restart after a crash.
        let crashed = try TemporaryStore()
        try FileManager.default.copyItem(atPath: temp.path, toPath: crashed.path)
        try FileManager.default.copyItem(atPath: temp.path + "-wal", toPath: crashed.path + "-wal")
        store.close()

        let recovered = try crashed.open()
        defer { recovered.close() }
        #expect(try recovered.reader.processedOffsets() == [F.orders: 1])
        #expect(try recovered.reader.ledgerEntry(at: PartitionPosition(F.orders, offset: 0))?.eventID == "ev-1")
        #expect(try recovered.reader.ledgerEntry(at: PartitionPosition(F.orders, offset: 1)) == nil)
        #expect(try recovered.contains(F.key(1)))
        #expect(try !recovered.contains(F.key(2)))
    }

    @Test func ledgerRowsArePrunedByWholeBucketsPastRetention() throws {
        let temp = try TemporaryStore()
        let store = try temp.open {
            $0.ledgerBucketRows = 10
            $0.ledgerRetentionSeconds = 86_400
            $0.pruneChunkRows = 7
        }
        defer { store.close() }
        let hour: Int64 = 3_600_000
        var batch = StoreBatch()
        for offset in 0..<30 {
            batch.record(F.entry(F.orders, Int64(offset), .published, eventID: "ev-\(offset)", at: Int64(offset) * hour))
        }
        try store.commitAndWait(batch)
        // At hour 34.5 with 24 h retention the first bucket (hours 0–9) is past retention; the
        // second (up to hour 19) is not, though hour 10 in it is.
        let report = try store.prune(nowMillis: 34 * hour + hour / 2)
        #expect(report.deletedLedgerRows == 10)
        #expect(report.deletedTraceRows == 10)
        #expect(report.steps == 2)
        #expect(try store.reader.ledgerEntries(eventID: "ev-5").isEmpty)
        #expect(try store.reader.ledgerEntries(eventID: "ev-15").count == 1)
        #expect(try store.reader.stats().ledgerRows == 20)
        #expect(try store.reader.reconcile(F.orders, offsets: 0...29).gaps == [0...9])
    }

    /// The `outputs` column is what `JSONWriter.compact` writes for the positions (it is read back
    /// as JSON), including topics that need escaping.
    @Test func outputsTextIsTheWritersJSON() {
        let sets: [[PartitionPosition]] = [
            [PartitionPosition(topic: "finance.gl", partition: 3, offset: 42)],
            [PartitionPosition(topic: "a", partition: 0, offset: 0), PartitionPosition(topic: "q\"uote\\é", partition: 12, offset: 9_000_000_000)],
        ]
        for outputs in sets {
            let expected = JSONWriter.compact.string(.array(outputs.map { .string($0.description) }))
            #expect(String(decoding: StoreWriter.outputsText(outputs), as: UTF8.self) == expected)
        }
    }
}
