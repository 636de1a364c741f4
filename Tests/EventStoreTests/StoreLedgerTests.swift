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

    /// The writer puts ledger, trace, dedup and revision rows in multi-row statements (32, then
    /// 8, then 1 row a statement) with the ledger ids it gives itself. Batches of every size
    /// around those steps keep each row's own values, a position recorded twice in one batch
    /// keeps its later outcome, and ids go on growing after the newest row is replaced.
    @Test func batchesOfEverySizeAroundTheStatementStepsKeepEachRowsValues() throws {
        let temp = try TemporaryStore()
        let store = try temp.open { $0.ledgerBucketRows = 50 }
        defer { store.close() }
        var offset: Int64 = 0
        var ids: [String] = []
        for size in [1, 7, 8, 9, 31, 32, 33, 41, 75] {
            var batch = StoreBatch()
            for _ in 0..<size {
                batch.record(F.entry(F.orders, offset, offset % 3 == 0 ? .deadLettered : .published,
                                     eventID: "ev-\(offset)", entity: "INV-\(offset)", at: 1_000 + offset))
                _ = batch.insertDedupKey(F.key(Int(offset)), partition: F.orders, firstSeenMillis: 1_000 + offset)
                batch.setRevision(.integer(offset * 10), family: "finance.invoice", entityKey: "INV-\(offset)",
                                  partition: F.orders, atMillis: 1_000 + offset)
                ids.append("ev-\(offset)")
                offset += 1
            }
            // The batch's last position again, later in the same batch: the later outcome wins.
            batch.record(F.entry(F.orders, offset - 1, .duplicate, eventID: "ev-\(offset - 1)", entity: "INV-\(offset - 1)", at: 9_000))
            try store.commitAndWait(batch)
        }
        var lastID: Int64 = 0
        let lastOfBatch: Set<Int64> = [0, 7, 15, 24, 55, 87, 120, 161, 236]
        for n in 0..<offset {
            let entry = try #require(try store.reader.ledgerEntry(at: PartitionPosition(F.orders, offset: n)))
            let outcome: LedgerEntry.Outcome = lastOfBatch.contains(n) ? .duplicate : (n % 3 == 0 ? .deadLettered : .published)
            #expect(entry.outcome == outcome, "offset \(n)")
            #expect(entry.eventID == "ev-\(n)" && entry.entityKey == "INV-\(n)")
            #expect(entry.atMillis == (lastOfBatch.contains(n) ? 9_000 : 1_000 + n))
            #expect(try store.reader.ledgerEntries(eventID: "ev-\(n)").map(\.source.offset) == [n])
            #expect(try store.reader.ledgerEntries(entityKey: "INV-\(n)").count == 1)
            #expect(try store.contains(F.key(Int(n))))
            #expect(try store.lastRevision(family: "finance.invoice", entityKey: "INV-\(n)") == .integer(n * 10))
            let id = try #require(try store.reader.connection.withDatabase { db in
                try db.scalar("SELECT id FROM ledger WHERE offset = ?") { $0.bind(1, n) }
            })
            #expect(id > lastID, "ids grow in position order")
            lastID = id
        }
        #expect(try store.reader.stats().ledgerRows == Int(offset))
        #expect(try !store.contains(F.key(Int(offset))))
        #expect(try store.reader.reconcile(F.orders, offsets: 0...(offset - 1)).gaps.isEmpty)
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

@Suite struct SQLiteInsertRowsTests {
    /// Every count around the statement sizes lands whole and in order, each row bound from its
    /// own parameters; `OR IGNORE` rows that change nothing are not counted.
    @Test func everyCountLandsWithItsOwnValues() throws {
        let dir = try TemporaryStore()
        let db = try SQLiteDatabase(path: dir.path + ".rows", mode: .readWriteCreate)
        defer { db.close() }
        try db.execute("CREATE TABLE t(k INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER)")
        var next = 0
        for count in [0, 1, 2, 7, 8, 9, 15, 31, 32, 33, 40, 64, 65, 100] {
            let first = next
            let changed = try db.insertRows("INSERT OR IGNORE INTO t(k, a, b)", columns: 3, count: count) { s, p, row in
                s.bind(p, first + row)
                s.bind(p + 1, "row \(first + row)")
                s.bind(p + 2, (first + row) * 7)
            }
            #expect(changed == count)
            next += count
        }
        #expect(try db.scalar("SELECT count(*) FROM t") == Int64(next))
        #expect(try db.scalar("SELECT count(*) FROM t WHERE a = 'row ' || k AND b = k * 7") == Int64(next))
        // Again over rows that exist (ignored) and new ones: only the new are counted.
        let changed = try db.insertRows("INSERT OR IGNORE INTO t(k, a, b)", columns: 3, count: 40) { s, p, row in
            s.bind(p, next - 20 + row)
            s.bind(p + 1, "row \(next - 20 + row)")
            s.bind(p + 2, (next - 20 + row) * 7)
        }
        #expect(changed == 20)
    }
}
