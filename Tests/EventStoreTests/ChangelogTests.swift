import Basics
import Foundation
import Testing
@testable import EventStore

/// The store's state as changelog records: every kind of change survives encoding, and a fresh
/// store that applies a store's changes in order answers as the original does.
@Suite struct ChangelogTests {
    typealias F = StoreFixtures

    private func parked(_ offset: Int64) -> ParkedEvent {
        ParkedEvent(source: PartitionPosition(F.orders, offset: offset), prerequisite: "finance.customer.ready|C-1", eventType: "finance.invoice.posted",
                    entityKey: "INV-\(offset)", deadlineMillis: 9_000, parkedAtMillis: 1_000, payload: [], recordKey: Array("k".utf8),
                    recordValue: [0, 1, 255], recordHeaders: [.init(name: "h", value: Array("v".utf8)), .init(name: "n", value: nil)],
                    recordTimestampMillis: 77)
    }

    @Test func everyKindOfChangeSurvivesItsRecord() {
        let now = WallClock.nowMillis()
        let changes: [(TopicPartition?, StateChange)] = [
            (F.orders, .dedupKey(F.key(7), firstSeenMillis: now)),
            (F.orders, .revision(family: "finance.invoice", entityKey: "INV\u{1f}odd", .integer(-3), atMillis: 5)),
            (F.orders, .revision(family: "finance.customer", entityKey: "C-1", .text("2024-05-01T08:00:00.000000000Z"), atMillis: 5)),
            (F.orders, .outcome(F.entry(F.orders, 12, .published, eventID: "ev-1", entity: "INV-1", at: now))),
            (F.orders, .outcome(LedgerEntry(source: PartitionPosition(F.orders, offset: 13), outcome: .deadLettered, eventType: "t", contractVersion: 2,
                                            dlqPosition: PartitionPosition(topic: "erp:x.dlq", partition: 1, offset: 9), errorCode: "json.syntax", atMillis: now, note: "n"))),
            // Every field, and text that needs escapes in JSON (quotes, backslash, control, non-ASCII).
            (F.orders, .outcome(LedgerEntry(source: PartitionPosition(F.orders, offset: 16), outcome: .published, eventID: "ev-\"q\"",
                                            eventType: "finance.invoice.posted", entityKey: "INV\\1\u{1}ü", contractVersion: 3,
                                            outputs: [PartitionPosition(topic: "gl", partition: 2, offset: 7), PartitionPosition(topic: "a\"b", partition: 0, offset: 1)],
                                            atMillis: now, note: "line\nbreak\t€"))),
            (F.orders, .revision(family: "finance.invoice", entityKey: "INV-9", .largeInteger(UInt64.max), atMillis: 5)),
            (F.orders, .entityState(scope: "s", entity: "e", record: Array(#"{"Name":"A \"c\" \\ \u0001"}"#.utf8), atMillis: 5)),
            (F.orders, .parked(parked(14))),
            (F.orders, .unparked(PartitionPosition(F.orders, offset: 14))),
            (F.orders, .processed(next: 15)),
            (F.orders, .entityState(scope: "salesforce-cdc", entity: "Account\u{1f}001A", record: Array(#"{"Name":"Acme"}"#.utf8), atMillis: 5)),
            (F.orders, .entityState(scope: "salesforce-cdc", entity: "Account\u{1f}001C", record: Array(#"{"Name":"B"}"#.utf8), sourceOffset: 41, atMillis: 6)),
            (F.orders, .entityState(scope: "salesforce-cdc", entity: "Account\u{1f}001B", record: nil, atMillis: 0)),
            (nil, .ready(key: "finance.customer.ready|C-1", partition: F.payments, atMillis: 3)),
            (nil, .replay(DeadLetterReplay(dlqPosition: PartitionPosition(topic: "a.dlq", partition: 0, offset: 4), attempt: 2, replayedAtMillis: 6,
                                           target: PartitionPosition(F.orders, offset: 99), actor: "ops"))),
            (nil, .resolution(DeadLetterResolution(dlqPosition: PartitionPosition(topic: "a.dlq", partition: 0, offset: 4), resolvedAtMillis: 7, actor: "a", reason: "r"))),
            (nil, .request(ParkedRequest(source: PartitionPosition(F.orders, offset: 14), action: .expire, actor: "b", reason: "gone", atMillis: 8))),
        ]
        for (partition, change) in changes {
            let (key, value) = change.record
            #expect(StateChange(key: key, value: value, source: partition) == change, "\(change)")
            #expect(change.isGlobal == (partition == nil))
        }
        #expect(StateChange(key: Array("zz:1".utf8), value: nil, source: F.orders) == nil)  // a tag this build does not know
        #expect(StateChange(key: Array("l:1".utf8), value: Array("{oops".utf8), source: F.orders) == nil)
    }

    @Test func aFreshStoreRestoredFromTheChangesAnswersAsTheOriginal() throws {
        let original = try TemporaryStore()
        let store = try original.open()
        defer { store.close() }
        var log: [(partition: TopicPartition?, change: StateChange)] = []
        let now = WallClock.nowMillis()
        for round in 0..<3 {
            var batch = StoreBatch()
            for n in 0..<50 { try store.checkAndInsert(F.key(round * 50 + n), partition: F.orders, atMillis: now, into: &batch) }
            batch.setRevision(.integer(Int64(round)), family: "finance.invoice", entityKey: "INV-1", partition: F.orders, atMillis: now)
            batch.record(F.entry(F.orders, Int64(round), .published, eventID: "ev-\(round)", entity: "INV-1", at: now))
            if round == 0 { batch.park(parked(40)) }
            if round == 2 { batch.release(PartitionPosition(F.orders, offset: 40)) }
            batch.park(parked(Int64(50 + round)))
            batch.setReady("finance.customer.ready|C-\(round)", partition: F.payments, atMillis: now)
            batch.setEntityState(Array(#"{"round":\#(round)}"#.utf8), scope: "m", entity: "E-1", partition: F.orders, atMillis: now)
            batch.setEntityState(round == 1 ? nil : Array("{}".utf8), scope: "m", entity: "E-\(round)", partition: F.orders, atMillis: now)
            batch.setProcessedOffset(next: Int64(round + 1), for: F.orders)
            log += batch.stateChanges
            try store.commitAndWait(batch)
        }
        // Through the wire format, as the restore reads it.
        let read = log.map { entry -> (partition: TopicPartition?, change: StateChange) in
            let (key, value) = entry.change.record
            return (entry.partition, StateChange(key: key, value: value, source: entry.partition)!)
        }
        let fresh = try TemporaryStore()
        let restored = try fresh.open()
        defer { restored.close() }
        let changelog = TopicPartition(topic: "g.orders.changelog", partition: 2)
        try restored.apply(Array(read.prefix(60)), positions: [changelog: 60])
        try restored.apply(Array(read.dropFirst(60)), positions: [changelog: Int64(read.count)])
        try restored.apply(Array(read.dropFirst(60)), positions: [changelog: Int64(read.count)])  // applying twice changes nothing

        #expect(restored.dedupKeyCount == 150)
        #expect(try (0..<150).allSatisfy { try restored.contains(F.key($0)) })
        #expect(try restored.lastRevision(family: "finance.invoice", entityKey: "INV-1") == .integer(2))
        #expect(try restored.reader.processedOffsets() == [F.orders: 3])
        #expect(try restored.reader.parkedEvents().map(\.source.offset) == [50, 51, 52])
        #expect(try restored.reader.parkedEvent(at: PartitionPosition(F.orders, offset: 50)) == store.reader.parkedEvent(at: PartitionPosition(F.orders, offset: 50)))
        #expect(try restored.reader.isReady("finance.customer.ready|C-2"))
        #expect(try restored.reader.ledgerEntries(entityKey: "INV-1").count == 3)
        #expect(try restored.reader.changelogPositions() == [changelog: Int64(read.count)])
        #expect(try restored.entityState(scope: "m", entity: "E-1").map { String(decoding: $0, as: UTF8.self) } == #"{"round":2}"#)
        #expect(try restored.entityState(scope: "m", entity: "E-2") != nil)
    }

    @Test func expiredKeysAndRowsAreNotRestored() throws {
        let temp = try TemporaryStore()
        let store = try temp.open { $0.dedupRetentionSeconds = 60; $0.ledgerRetentionSeconds = 60 }
        defer { store.close() }
        let now = WallClock.nowMillis()
        try store.apply([(F.orders, .dedupKey(F.key(1), firstSeenMillis: now - 120_000)), (F.orders, .dedupKey(F.key(2), firstSeenMillis: now)),
                         (F.orders, .outcome(F.entry(F.orders, 0, .published, at: now - 120_000))),
                         (F.orders, .outcome(F.entry(F.orders, 1, .published, at: now)))], positions: [:], nowMillis: now)
        #expect(try !store.contains(F.key(1)) && store.contains(F.key(2)))
        #expect(try store.reader.ledgerEntry(at: PartitionPosition(F.orders, offset: 0)) == nil)
        #expect(try store.reader.ledgerEntry(at: PartitionPosition(F.orders, offset: 1)) != nil)
    }

    /// A processed offset never moves back, also when a restore applies several in one batch. A
    /// changelog can hold a lower one after a higher one: an owner that re-consumes inputs the
    /// store recorded (from behind the group's committed offset, after a failed Kafka commit)
    /// writes the offsets it passes. Taking the last one instead made the next owner process
    /// recorded inputs again (docs/decisions.md, 2026-12-04).
    @Test func aRestoredProcessedOffsetIsTheHighestInTheChangelog() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        try store.apply([(F.orders, .processed(next: 9_320)), (F.orders, .processed(next: 2_500)),
                         (F.payments, .processed(next: 7)), (F.payments, .processed(next: 8))], positions: [:])
        #expect(try store.reader.processedOffsets() == [F.orders: 9_320, F.payments: 8])
        try store.apply([(F.orders, .processed(next: 4_000))], positions: [:])
        #expect(try store.reader.processedOffsets()[F.orders] == 9_320)
    }

    /// A revision never moves back in a restore either: a changelog can hold a lower one after a
    /// higher one (a writer that went on writing after its partition moved to another instance),
    /// and a restore can be applied onto a store that already holds a higher one. Last write won
    /// before, and a lower restored revision let an older event of the entity through the
    /// staleness guard.
    @Test func aRestoredRevisionIsTheHighestKnown() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        try store.apply([(F.orders, .revision(family: "finance.invoice", entityKey: "INV-1", .integer(7), atMillis: 1)),
                         (F.orders, .revision(family: "finance.invoice", entityKey: "INV-1", .integer(5), atMillis: 2)),
                         (F.orders, .revision(family: "finance.invoice", entityKey: "INV-2", .integer(1), atMillis: 1)),
                         (F.orders, .revision(family: "finance.invoice", entityKey: "INV-2", .integer(2), atMillis: 2))], positions: [:])
        #expect(try store.reader.lastRevision(family: "finance.invoice", entityKey: "INV-1") == .integer(7))
        #expect(try store.reader.lastRevision(family: "finance.invoice", entityKey: "INV-2") == .integer(2))
        // Onto a store that holds a higher one already (its own, or an earlier restore).
        try store.apply([(F.orders, .revision(family: "finance.invoice", entityKey: "INV-1", .integer(6), atMillis: 3)),
                         (F.orders, .revision(family: "finance.invoice", entityKey: "INV-2", .integer(3), atMillis: 3))], positions: [:])
        #expect(try store.reader.lastRevision(family: "finance.invoice", entityKey: "INV-1") == .integer(7))
        #expect(try store.reader.lastRevision(family: "finance.invoice", entityKey: "INV-2") == .integer(3))
    }

    /// Records of a changelog write read in part are kept until the write completes, and those of a
    /// write that never completes (its writer died mid-write) go with the ledger's retention.
    @Test func partialWritesAreKeptUntilCompletedOrPastRetention() throws {
        let temp = try TemporaryStore()
        let store = try temp.open { $0.ledgerRetentionSeconds = 86_400 }
        defer { store.close() }
        let changelog = TopicPartition(topic: "g.changelog.erp.orders", partition: 0)
        func record(_ write: String, _ offset: Int64) -> ChangelogPartialRecord {
            let (key, value) = StateChange.dedupKey(F.key(Int(offset)), firstSeenMillis: 1).record
            return ChangelogPartialRecord(write: ChangelogWriteID(changelog: changelog, writer: "w", write: write), expected: 3,
                                          offset: offset, key: key, value: value)
        }
        try store.apply([], positions: [changelog: 2], partial: [record("1", 0), record("2", 1)])
        #expect(try store.reader.changelogPartialRecords(of: [changelog]) == [record("1", 0), record("2", 1)])
        #expect(try store.reader.changelogPartialRecords(of: [TopicPartition(topic: "other", partition: 0)]).isEmpty)
        try store.apply([], positions: [changelog: 4], completed: [ChangelogWriteID(changelog: changelog, writer: "w", write: "1")])
        #expect(try store.reader.changelogPartialRecords(of: [changelog]) == [record("2", 1)])
        #expect(try store.prune(nowMillis: WallClock.nowMillis()).deletedPartialRecords == 0)
        #expect(try store.prune(nowMillis: WallClock.nowMillis() + 86_400_000 + 60_000).deletedPartialRecords == 1)
        #expect(try store.reader.changelogPartialRecords(of: [changelog]).isEmpty)
    }

    /// Packed records hold their changes' own record keys and values, tombstones included, in
    /// order; chunks stay within the limit unless one change alone is larger; unpacked records
    /// read as themselves; a packed record cut short or of another version is refused.
    @Test func packedRecordsHoldTheirChangesInOrder() throws {
        let now = WallClock.nowMillis()
        let changes: [StateChange] = (0..<50).map { .dedupKey(F.key($0), firstSeenMillis: now) }
            + [.unparked(PartitionPosition(F.orders, offset: 3)), .processed(next: 51),
               .entityState(scope: "s", entity: "e", record: Array(repeating: UInt8(ascii: "x"), count: 5_000), atMillis: now)]
        let chunks = ChangelogPacking.pack(changes, limit: 1_000)
        #expect(chunks.count > 3)
        #expect(chunks.dropLast().allSatisfy { $0.count <= 1_000 })
        #expect(chunks.last!.count > 5_000, "a change larger than the limit has a record of its own")
        let key = ChangelogPacking.key(writer: "w", write: 7, chunk: 0)
        #expect(ChangelogPacking.isPacked(key: key) && !ChangelogPacking.isPacked(key: Array("d:00".utf8)))
        let read = try chunks.flatMap { try #require(ChangelogPacking.records(key: key, value: $0)) }
        #expect(read.count == changes.count)
        for (record, change) in zip(read, changes) {
            #expect(record.key == change.record.key && record.value == change.record.value)
            #expect(StateChange(key: record.key, value: record.value, source: F.orders) == change)
        }
        let single = StateChange.processed(next: 4).record
        #expect(ChangelogPacking.records(key: single.key, value: single.value)?.count == 1)
        #expect(ChangelogPacking.records(key: key, value: Array(chunks[0].dropLast())) == nil)
        #expect(ChangelogPacking.records(key: key, value: [2] + chunks[0].dropFirst()) == nil)
        #expect(ChangelogPacking.records(key: key, value: nil) == nil)
    }
}
