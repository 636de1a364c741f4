import Foundation
import Testing
@testable import EventStore
import Basics
import EventStore

@Suite struct StoreStateTests {
    typealias F = StoreFixtures

    /// The pipeline's revision snapshot keeps the view of its first lookup until `end()`, then the
    /// next lookup sees every commit made by then; the writer commits while it is open.
    @Test func aRevisionSnapshotSeesCommitsMadeAfterItBeganOnlyOnceEnded() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        func commit(_ revision: Int64, _ entity: String = "INV-1") throws {
            var batch = StoreBatch()
            batch.setRevision(.integer(revision), family: "finance.invoice", entityKey: entity, partition: F.orders, atMillis: revision)
            try store.commitAndWait(batch)
        }
        let snapshot = store.revisions
        #expect(!snapshot.isOpen)
        #expect(try snapshot.lastRevision(family: "finance.invoice", entityKey: "INV-1") == nil)
        #expect(snapshot.isOpen)
        try commit(3)
        #expect(try snapshot.lastRevision(family: "finance.invoice", entityKey: "INV-1") == nil)  // begun before the commit
        #expect(try store.lastRevision(family: "finance.invoice", entityKey: "INV-1") == .integer(3))  // autocommit: the latest
        snapshot.end()
        #expect(!snapshot.isOpen)
        #expect(try snapshot.lastRevision(family: "finance.invoice", entityKey: "INV-1") == .integer(3))
        try commit(4)
        try commit(1, "INV-2")
        #expect(try snapshot.lastRevision(family: "finance.invoice", entityKey: "INV-1") == .integer(3))
        #expect(try snapshot.lastRevision(family: "finance.invoice", entityKey: "INV-2") == nil)
        snapshot.end()
        snapshot.end()  // idempotent
        #expect(try snapshot.lastRevision(family: "finance.invoice", entityKey: "INV-1") == .integer(4))
        #expect(try snapshot.lastRevision(family: "finance.invoice", entityKey: "INV-2") == .integer(1))
        snapshot.end()
    }

    @Test func lastRevisionSeesCommittedValuesOnly() throws {
        let temp = try TemporaryStore()
        var store = try temp.open()
        var batch = StoreBatch()
        #expect(try store.lastRevision(family: "finance.customer", entityKey: "C-1") == nil)
        batch.setRevision(StoredRevision(text: "2024-05-01T10:00:00+02:00"), family: "finance.customer", entityKey: "C-1", partition: F.orders, atMillis: 1)
        batch.setRevision(.integer(7), family: "finance.invoice", entityKey: "INV-1", partition: F.orders, atMillis: 1)
        #expect(try store.lastRevision(family: "finance.invoice", entityKey: "INV-1") == nil)  // the dedup stage answers until committed
        try store.commitAndWait(batch)
        #expect(try store.lastRevision(family: "finance.invoice", entityKey: "INV-1") == .integer(7))
        store.close()

        store = try temp.open()
        defer { store.close() }
        let committed = try #require(try store.lastRevision(family: "finance.customer", entityKey: "C-1"))
        #expect(committed == .text("2024-05-01T08:00:00.000000000Z"))
        // Staleness: an update from 09:00 local (+02:00) is older than the stored 08:00Z.
        #expect(StoredRevision(text: "2024-05-01T09:00:00+02:00") < committed)
        #expect(StoredRevision(text: "2024-05-01T08:00:01Z") > committed)
        #expect(try store.reader.lastRevision(family: "finance.invoice", entityKey: "INV-1") == .integer(7))
        var next = StoreBatch()
        next.setRevision(.integer(8), family: "finance.invoice", entityKey: "INV-1", partition: F.orders, atMillis: 2)
        try store.commitAndWait(next)
        #expect(try store.reader.lastRevision(family: "finance.invoice", entityKey: "INV-1") == .integer(8))
    }

    /// Entity keys that differ only in Unicode normalization ("é" as U+00E9, and as "e" + U+0301)
    /// are `==` as Swift strings but two keys in the tables: a batch keeps both entities' revisions,
    /// states and readiness, as the store does. Keyed by `String`, the batch kept one of each.
    @Test func keysThatDifferOnlyInNormalizationAreTwoEntities() throws {
        let composed = "CAFÉ-1"
        let decomposed = "CAFE\u{301}-1"
        #expect(composed == decomposed && Array(composed.utf8) != Array(decomposed.utf8))
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        var batch = StoreBatch()
        batch.setRevision(.integer(5), family: "finance.customer", entityKey: composed, partition: F.orders, atMillis: 1)
        batch.setRevision(.integer(3), family: "finance.customer", entityKey: decomposed, partition: F.orders, atMillis: 1)
        batch.setEntityState(Array(#"{"n":1}"#.utf8), scope: "m", entity: composed, partition: F.orders, atMillis: 1)
        batch.setEntityState(Array(#"{"n":2}"#.utf8), scope: "m", entity: decomposed, partition: F.orders, atMillis: 1)
        batch.setReady("finance.customer.ready|" + composed, partition: F.orders, atMillis: 1)
        batch.setReady("finance.customer.ready|" + decomposed, partition: F.orders, atMillis: 1)
        #expect(batch.stateChanges.count == 6)
        try store.commitAndWait(batch)
        #expect(try store.lastRevision(family: "finance.customer", entityKey: composed) == .integer(5))
        #expect(try store.lastRevision(family: "finance.customer", entityKey: decomposed) == .integer(3))
        #expect(try store.reader.entityState(scope: "m", entity: composed) == Array(#"{"n":1}"#.utf8))
        #expect(try store.reader.entityState(scope: "m", entity: decomposed) == Array(#"{"n":2}"#.utf8))
        #expect(try store.reader.isReady("finance.customer.ready|" + composed))
        #expect(try store.reader.isReady("finance.customer.ready|" + decomposed))
    }

    private func parked(_ offset: Int64, waitingFor prerequisite: String, deadline: Int64) -> ParkedEvent {
        ParkedEvent(
            source: PartitionPosition(F.orders, offset: offset), prerequisite: prerequisite,
            eventType: "finance.invoice.issued", entityKey: "INV-\(offset)", deadlineMillis: deadline,
            parkedAtMillis: 1, payload: Array("{\"n\":\(offset)}".utf8), recordKey: Array("k\(offset)".utf8),
            recordValue: nil, recordHeaders: [.init(name: "traceparent", value: Array("00-ab".utf8)), .init(name: "x-null", value: nil)],
            recordTimestampMillis: 99)
    }

    @Test func parkedEventsAreReleasedInOrderAndExpireByDeadline() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        var batch = StoreBatch()
        for offset in [5, 3, 9] as [Int64] {
            batch.park(parked(offset, waitingFor: "finance.customer.ready|C-1", deadline: 1_000 + offset))
            batch.record(F.entry(F.orders, offset, .parked))
        }
        batch.park(parked(4, waitingFor: "finance.customer.ready|C-2", deadline: 500))
        batch.record(F.entry(F.orders, 4, .parked))
        try store.commitAndWait(batch)

        let waiting = try store.reader.parkedEvents(waitingFor: "finance.customer.ready|C-1", in: F.orders)
        #expect(waiting.map(\.source.offset) == [5, 3, 9])  // park order
        #expect(waiting[0].payload == Array("{\"n\":5}".utf8))
        #expect(waiting[0].recordHeaders == [.init(name: "traceparent", value: Array("00-ab".utf8)), .init(name: "x-null", value: nil)])
        #expect(waiting[0].recordValue == nil)
        #expect(waiting[0].recordTimestampMillis == 99)
        #expect(try store.reader.expiredParkedEvents(asOf: 1_004, in: F.orders).map(\.source.offset) == [4, 3])
        #expect(try store.reader.parkedCounts(in: F.orders) == [ExactText("finance.customer.ready|C-1"): 3, ExactText("finance.customer.ready|C-2"): 1])
        #expect(try store.reader.parkedCounts(in: F.payments).isEmpty)
        #expect(try store.reader.parkedEvent(at: PartitionPosition(F.orders, offset: 3))?.prerequisite == "finance.customer.ready|C-1")
        #expect(try store.reader.parkedEvents(key: "C-2").map(\.source.offset) == [4])
        #expect(try !store.reader.isReady("finance.customer.ready|C-1"))
        #expect(try store.reader.stats().parkedEvents == 4)

        // The prerequisite arrives: release in order, each now published.
        var release = StoreBatch()
        release.setReady("finance.customer.ready|C-1", partition: F.payments, atMillis: 7)
        for event in waiting {
            release.release(event.source)
            release.record(F.entry(F.orders, event.source.offset, .published))
        }
        try store.commitAndWait(release)
        #expect(try store.reader.parkedEvents(waitingFor: "finance.customer.ready|C-1", in: F.orders).isEmpty)
        #expect(try store.reader.isReady("finance.customer.ready|C-1"))
        #expect(try store.reader.parkedEvents().map(\.source.offset) == [4])
        let counts = try store.reader.reconcile(F.orders, offsets: 3...9).counts
        #expect(counts == [.published: 3, .parked: 1])
    }

    @Test func operatorRequestsOnParkedEventsAreRecordedAndGoWithTheRelease() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        var batch = StoreBatch()
        batch.park(parked(3, waitingFor: "finance.customer.ready|C-1", deadline: 1_000))
        batch.record(F.entry(F.orders, 3, .parked))
        try store.commitAndWait(batch)
        let requests = try ParkingRequests.open(path: temp.path)
        defer { requests.close() }
        let request = ParkedRequest(source: PartitionPosition(F.orders, offset: 3), action: .release, actor: "alice", reason: "called them", atMillis: 5)
        #expect(try requests.submit(request))
        #expect(try !requests.submit(ParkedRequest(source: PartitionPosition(F.orders, offset: 4), action: .expire, actor: "a", reason: "r", atMillis: 5)))
        #expect(try store.reader.parkedRequests(in: [F.orders]) == [request])
        var release = StoreBatch()
        release.release(request.source)
        release.record(LedgerEntry(source: request.source, outcome: .published, atMillis: 9, note: request.note))
        try store.commitAndWait(release)
        #expect(try store.reader.parkedRequests(in: [F.orders]).isEmpty)
        #expect(try store.reader.ledgerEntry(at: request.source)?.note == "released by alice: called them")
    }

    /// An entity's record only moves forward within its source partition: a write of an older
    /// input — an instance that had not noticed it lost the partition, read back from the changelog
    /// after the next owner's writes — neither replaces the stored record nor a newer one in the
    /// same batch. Writes without an offset (older changelogs) and other partitions' replace it.
    @Test func anEntityStateIsNotReplacedByAnOlderInputsRecord() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        func state() throws -> String? { try store.reader.entityState(scope: "m", entity: "E").map { String(decoding: $0, as: UTF8.self) } }
        func write(_ text: String?, _ offset: Int64?, _ partition: TopicPartition = F.orders) throws {
            var batch = StoreBatch()
            batch.setEntityState(text.map { Array($0.utf8) }, scope: "m", entity: "E", partition: partition, sourceOffset: offset, atMillis: 1)
            try store.commitAndWait(batch)
        }
        try write(#"{"n":10}"#, 10)
        try write(#"{"n":5}"#, 5)
        #expect(try state() == #"{"n":10}"#)
        try write(#"{"n":10,"again":true}"#, 10)  // the same input written again (a restore of its own write)
        #expect(try state() == #"{"n":10,"again":true}"#)
        try write(#"{"n":12}"#, 12)
        #expect(try state() == #"{"n":12}"#)
        // In one batch (a restore reads many writes at once): the newer input's record stays.
        var both = StoreBatch()
        both.setEntityState(Array(#"{"n":20}"#.utf8), scope: "m", entity: "E", partition: F.orders, sourceOffset: 20, atMillis: 1)
        both.setEntityState(Array(#"{"n":15}"#.utf8), scope: "m", entity: "E", partition: F.orders, sourceOffset: 15, atMillis: 1)
        try store.commitAndWait(both)
        #expect(try state() == #"{"n":20}"#)
        // Replayed from a changelog in the order it was written: the owner's write, then the late one.
        var restore = StoreBatch()
        restore.apply(.entityState(scope: "m", entity: "E", record: Array(#"{"n":30}"#.utf8), sourceOffset: 30, atMillis: 2), partition: F.orders)
        restore.apply(.entityState(scope: "m", entity: "E", record: Array(#"{"n":25}"#.utf8), sourceOffset: 25, atMillis: 3), partition: F.orders)
        try store.commitAndWait(restore)
        #expect(try state() == #"{"n":30}"#)
        try write(#"{"n":7}"#, 7, F.payments)  // another source partition: not comparable, the last write wins
        #expect(try state() == #"{"n":7}"#)
        try write(#"{"old":true}"#, nil, F.payments)  // no offset: a changelog written before the offsets were
        #expect(try state() == #"{"old":true}"#)
        try write(#"{"n":1}"#, 1, F.payments)
        #expect(try state() == #"{"n":1}"#)
        try write(nil, 0, F.payments)
        #expect(try state() == nil)
    }

    /// A version 6 store (entity states without their input's offset) gets the column; its rows
    /// keep working and are replaced by the next write, whatever its offset.
    @Test func aVersionSixStoreGetsEntityStateOffsets() throws {
        let temp = try TemporaryStore()
        var store = try temp.open()
        var batch = StoreBatch()
        batch.setEntityState(Array(#"{"v":6}"#.utf8), scope: "m", entity: "E", partition: F.orders, atMillis: 1)
        try store.commitAndWait(batch)
        store.close()
        let db = try SQLiteDatabase(path: temp.path, mode: .readWriteCreate, busyTimeoutMilliseconds: 1_000)
        for sql in ["ALTER TABLE entity_state DROP COLUMN source_offset", "PRAGMA user_version = 6"] { try db.execute(sql) }
        db.close()
        store = try temp.open()
        defer { store.close() }
        #expect(try store.reader.entityState(scope: "m", entity: "E") == Array(#"{"v":6}"#.utf8))
        var next = StoreBatch()
        next.setEntityState(Array(#"{"v":7}"#.utf8), scope: "m", entity: "E", partition: F.orders, sourceOffset: 3, atMillis: 2)
        try store.commitAndWait(next)
        var older = StoreBatch()
        older.setEntityState(Array(#"{"v":0}"#.utf8), scope: "m", entity: "E", partition: F.orders, sourceOffset: 2, atMillis: 3)
        try store.commitAndWait(older)
        #expect(try store.reader.entityState(scope: "m", entity: "E") == Array(#"{"v":7}"#.utf8))
    }

    @Test func aVersionOneStoreIsMigratedInPlace() throws {
        let temp = try TemporaryStore()
        var store = try temp.open()
        var batch = StoreBatch()
        batch.record(F.entry(F.orders, 0, .published))
        try store.commitAndWait(batch)
        store.close()
        // Back to version 1: no readiness, no requests, no ledger note.
        let db = try SQLiteDatabase(path: temp.path, mode: .readWriteCreate, busyTimeoutMilliseconds: 1_000)
        for sql in ["DROP TABLE readiness", "DROP TABLE parked_requests", "ALTER TABLE ledger DROP COLUMN note", "PRAGMA user_version = 1"] {
            try db.execute(sql)
        }
        db.close()
        store = try temp.open()
        defer { store.close() }
        var next = StoreBatch()
        next.setReady("finance.customer.ready|C-9", partition: F.orders, atMillis: 1)
        next.record(LedgerEntry(source: PartitionPosition(F.orders, offset: 1), outcome: .published, atMillis: 2, note: "n"))
        try store.commitAndWait(next)
        #expect(try store.reader.isReady("finance.customer.ready|C-9"))
        #expect(try store.reader.ledgerEntry(at: PartitionPosition(F.orders, offset: 0))?.outcome == .published)
        #expect(try store.reader.ledgerEntry(at: PartitionPosition(F.orders, offset: 1))?.note == "n")
    }

    @Test func aReadOnlyReaderSeesCommittedBatchesWhileTheWriterWrites() async throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        try store.commitAndWait(StoreBatch())  // an empty batch is a no-op
        var first = StoreBatch()
        for offset in 0..<10 { first.record(F.entry(F.orders, Int64(offset), .published)) }
        first.setProcessedOffset(next: 10, for: F.orders)
        try store.commitAndWait(first)
        let cli = try StoreReader.open(path: temp.path)
        defer { cli.close() }

        let writer = Task.detached {
            for round in 1..<200 {
                var batch = StoreBatch()
                for offset in (round * 10)..<(round * 10 + 10) { batch.record(F.entry(F.orders, Int64(offset), .published)) }
                batch.setProcessedOffset(next: Int64(round * 10 + 10), for: F.orders)
                try await store.commit(batch)
            }
        }
        var lastSeen: Int64 = 0
        var observations = 0
        while true {
            let report = try cli.reconcile(F.orders, offsets: 0...1_999)
            let next = try #require(report.processedNextOffset)
            // One snapshot: the commit point and the outcomes always agree, and only grow.
            #expect(Int64(report.total) == next)
            #expect(next >= lastSeen)
            lastSeen = next
            observations += 1
            if next == 2_000 { break }
            await Task.yield()
        }
        try await writer.value
        #expect(observations > 1)
        #expect(try cli.stats().ledgerRows == 2_000)
    }

    @Test func deadLetterBookRecordsReplaysOnceAndResolutions() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        let book = try DeadLetterBook.open(path: temp.path)
        defer { book.close() }
        let dlq = PartitionPosition(topic: "erp.orders.dlq", partition: 0, offset: 42)
        let replay = DeadLetterReplay(dlqPosition: dlq, attempt: 1, replayedAtMillis: 5, target: PartitionPosition(F.orders, offset: 1_000), actor: "alice")
        try book.recordReplay(replay)
        let again = #expect(throws: StoreError.self) { try book.recordReplay(replay) }
        #expect(again?.code == .conflict)
        try book.recordReplay(DeadLetterReplay(dlqPosition: dlq, attempt: 2, replayedAtMillis: 6, target: PartitionPosition(F.orders, offset: 1_001), actor: "bob"))
        #expect(try book.replays(of: dlq).map(\.actor) == ["alice", "bob"])
        #expect(try book.resolution(of: dlq) == nil)
        try book.markResolved(DeadLetterResolution(dlqPosition: dlq, resolvedAtMillis: 7, actor: "alice", reason: "fixed in ERP"))
        #expect(try book.resolution(of: dlq)?.reason == "fixed in ERP")
        // The bridge keeps committing while the CLI writes.
        var batch = StoreBatch()
        batch.record(F.entry(F.orders, 0, .published))
        try store.commitAndWait(batch)
        #expect(try store.reader.stats().ledgerRows == 1)
    }

    @Test func aHeldWriteLockIsReportedAsRetriableBusy() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        let other = try SQLiteDatabase(path: temp.path, mode: .readWriteCreate)
        try other.execute("BEGIN IMMEDIATE")  // another writer holds the lock
        let book = try DeadLetterBook.open(path: temp.path, busyTimeoutMilliseconds: 50)
        defer { book.close() }
        let dlq = PartitionPosition(topic: "erp.orders.dlq", partition: 0, offset: 1)
        let resolution = DeadLetterResolution(dlqPosition: dlq, resolvedAtMillis: 1, actor: "ops", reason: "test")
        let error = #expect(throws: StoreError.self) { try book.markResolved(resolution) }
        #expect(error?.code == .busy)
        #expect(error?.isRetriable == true)
        try other.execute("ROLLBACK")
        try book.markResolved(resolution)  // retried once the lock is free
        #expect(try book.resolution(of: dlq)?.actor == "ops")
    }

    @Test func readOnlyOpenOfAMissingStoreFailsWithAnError() throws {
        let temp = try TemporaryStore()
        let error = #expect(throws: StoreError.self) { try StoreReader.open(path: temp.path + ".missing") }
        #expect(error?.sqliteCode != nil)
        #expect(error?.isRetriable == false)
    }
}
