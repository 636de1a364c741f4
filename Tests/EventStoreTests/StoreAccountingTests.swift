import Foundation
import Testing
@testable import EventStore
import Basics
import EventStore

/// The store's answers behind the in-process reconcile and `eventbridge report`: open dead letters
/// (minus the DLQ book's resolutions) by age band, outcomes per time slot, where the ledger of each
/// partition starts, and outcome counts over offset ranges.
@Suite struct StoreAccountingTests {
    typealias F = StoreFixtures
    static let hour: Int64 = 3_600_000

    @Test func openDeadLettersLeaveOutResolvedOnesAndFallIntoAgeBands() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        let now: Int64 = 1_800_000_000_000
        var batch = StoreBatch()
        batch.record(F.entry(F.orders, 1, .deadLettered, at: now - 10 * 60_000))        // 10 minutes old
        batch.record(F.entry(F.orders, 2, .deadLettered, at: now - 5 * Self.hour))      // 5 hours
        batch.record(F.entry(F.orders, 3, .deadLettered, at: now - 3 * 24 * Self.hour)) // 3 days
        batch.record(F.entry(F.orders, 4, .deadLettered, at: now - 30 * 24 * Self.hour)) // 30 days
        batch.record(F.entry(F.orders, 5, .deadLettered, at: now - 60_000))            // resolved below
        batch.record(F.entry(F.orders, 6, .published, at: now))
        var unattributed = F.entry(F.payments, 9, .deadLettered, at: now - 2 * 60_000)
        unattributed.eventType = nil
        unattributed.errorCode = "json.syntax"
        batch.record(unattributed)
        try store.commitAndWait(batch)
        let book = try DeadLetterBook.open(path: temp.path)
        try book.markResolved(DeadLetterResolution(dlqPosition: PartitionPosition(topic: "erp.orders.dlq", partition: 0, offset: 5),
                                                   resolvedAtMillis: now, actor: "test", reason: "fixed by hand"))
        book.close()

        let reader = try StoreReader.open(path: temp.path)
        defer { reader.close() }
        let bands = [now - Self.hour, now - 24 * Self.hour, now - 7 * 24 * Self.hour]
        let open = try reader.openDeadLetters(bandStarts: bands).sorted { ($0.topic, $0.band) < ($1.topic, $1.band) }
        #expect(open == [
            .init(topic: "erp.orders", type: "finance.invoice.posted", errorCode: "schema.required", band: 0, count: 1, oldestAtMillis: now - 10 * 60_000),
            .init(topic: "erp.orders", type: "finance.invoice.posted", errorCode: "schema.required", band: 1, count: 1, oldestAtMillis: now - 5 * Self.hour),
            .init(topic: "erp.orders", type: "finance.invoice.posted", errorCode: "schema.required", band: 2, count: 1, oldestAtMillis: now - 72 * Self.hour),
            .init(topic: "erp.orders", type: "finance.invoice.posted", errorCode: "schema.required", band: 3, count: 1, oldestAtMillis: now - 720 * Self.hour),
            .init(topic: "gateway.payments", type: nil, errorCode: "json.syntax", band: 0, count: 1, oldestAtMillis: now - 2 * 60_000),
        ])
    }

    @Test func openDeadLettersReadTheirPartialIndexNotTheLedger() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        store.close()
        let reader = try StoreReader.open(path: temp.path)
        defer { reader.close() }
        let plan = try reader.connection.withDatabase { db -> String in
            let s = try db.prepare("""
                EXPLAIN QUERY PLAN SELECT count(*) FROM ledger l JOIN partitions p ON p.id = l.part WHERE l.outcome = 'dead_lettered'
                """)
            defer { s.reset() }
            var lines: [String] = []
            while try s.step() { lines.append(s.string(3) ?? "") }
            return lines.joined(separator: "\n")
        }
        #expect(plan.contains("ledger_dead_lettered"), "plan: \(plan)")
    }

    @Test func anOlderStoreGainsTheIndexWhenOpened() throws {
        let temp = try TemporaryStore()
        var store = try temp.open()
        store.close()
        let db = try SQLiteDatabase(path: temp.path, mode: .readWriteCreate, busyTimeoutMilliseconds: 1_000)
        try db.execute("DROP INDEX ledger_dead_lettered")
        try db.execute("PRAGMA user_version = 3")
        db.close()
        store = try temp.open()
        store.close()
        let check = try SQLiteDatabase(path: temp.path, mode: .readOnly, busyTimeoutMilliseconds: 1_000)
        defer { check.close() }
        #expect(try check.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ledger_dead_lettered'") == 1)
        #expect(try check.scalar("PRAGMA user_version") == StoreSchema.version)
    }

    @Test func outcomesPerSlotCountInputsAndTheirEventsFromTheWindowOnly() throws {
        let temp = try TemporaryStore()
        let store = try temp.open { $0.ledgerBucketRows = 2 }  // several buckets: the window starts mid-ledger
        defer { store.close() }
        let base: Int64 = 1_800_000_000_000
        var batch = StoreBatch()
        batch.record(F.entry(F.orders, 1, .published, eventID: "a", at: base - 3 * Self.hour))  // before the window
        batch.record(F.entry(F.orders, 2, .published, eventID: "b", at: base - 2 * Self.hour))
        try store.commitAndWait(batch)
        batch = StoreBatch()
        batch.record(F.entry(F.orders, 3, .published, eventID: "c,d,e", at: base + 10 * 60_000))  // an input with three events
        batch.record(F.entry(F.orders, 4, .duplicate, eventID: "c", at: base + 20 * 60_000))
        batch.record(F.entry(F.orders, 5, .deadLettered, at: base + Self.hour + 1))
        try store.commitAndWait(batch)

        let slots = try store.reader.outcomes(sinceMillis: base - 90 * 60_000, slotMillis: Self.hour)
            .sorted { ($0.slotMillis, $0.outcome.rawValue) < ($1.slotMillis, $1.outcome.rawValue) }
        let slot = { (at: Int64) in at / Self.hour * Self.hour }
        #expect(slots == [
            .init(slotMillis: slot(base), topic: "erp.orders", type: "finance.invoice.posted", outcome: .duplicate, inputs: 1, events: 1),
            .init(slotMillis: slot(base), topic: "erp.orders", type: "finance.invoice.posted", outcome: .published, inputs: 1, events: 3),
            .init(slotMillis: slot(base + Self.hour + 1), topic: "erp.orders", type: "finance.invoice.posted", outcome: .deadLettered,
                  inputs: 1, events: 0),
        ])
        #expect(try store.reader.outcomes(sinceMillis: base + 2 * Self.hour, slotMillis: Self.hour).isEmpty)
    }

    @Test func ledgerStartsAndOutcomeCountsOverOffsetRanges() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        var batch = StoreBatch()
        for offset in [40, 41, 43, 44] as [Int64] { batch.record(F.entry(F.orders, offset, .published)) }
        batch.record(F.entry(F.payments, 7, .filtered))
        try store.commitAndWait(batch)
        #expect(try store.reader.ledgerStarts() == [F.orders: 40, F.payments: 7])
        #expect(try store.reader.outcomeCount(F.orders, offsets: 40..<45) == 4)
        #expect(try store.reader.outcomeCount(F.orders, offsets: 42..<43) == 0)
        #expect(try store.reader.outcomeCount(F.orders, offsets: 0..<0) == 0)
        #expect(try store.reader.outcomeCount(TopicPartition(topic: "unknown", partition: 0), offsets: 0..<100) == 0)
    }
}
