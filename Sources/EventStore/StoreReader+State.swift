import CSQLite
import Basics

/// Input-scoped state: revisions, dedup keys, parked events.
extension StoreReader {
    // MARK: Revisions

    /// The last committed revision of an entity (without any uncommitted batch; the running
    /// store's `EventStore.lastRevision(family:entityKey:pending:)` adds those).
    public func lastRevision(family: String, entityKey: String) throws -> StoredRevision? {
        try connection.withDatabase { db in
            let s = try db.prepare("SELECT revision FROM revisions WHERE family = ? AND entity = ?")
            defer { s.reset() }
            s.bind(1, family)
            s.bind(2, entityKey)
            guard try s.step() else { return nil }
            return Self.revision(s, 0)
        }
    }

    static func revision(_ s: SQLiteStatement, _ column: Int32) -> StoredRevision {
        switch s.type(column) {
        case SQLITE_INTEGER: return .integer(s.int64(column))
        case SQLITE_BLOB: return StoredRevision.largeInteger(blob: s.bytes(column) ?? []).map(StoredRevision.largeInteger) ?? .text("")
        default: return .text(s.string(column) ?? "")
        }
    }

    // MARK: Dedup

    /// When a committed dedup key was first seen (Unix ms), nil when the store doesn't hold it
    /// (never seen, or pruned).
    public func firstSeen(_ key: DedupKey) throws -> Int64? {
        try connection.withDatabase { db in
            try db.scalar("""
                SELECT first_seen FROM dedup
                WHERE gen IN (SELECT gen FROM dedup_generations WHERE dropping = 0) AND key = ?
                ORDER BY gen LIMIT 1
                """) { $0.bind(1, key: key) }
        }
    }

    /// True when one of `generations` holds `key` (the probe behind a Bloom filter hit).
    func contains(_ key: DedupKey, generations: [Int64]) throws -> Bool {
        try connection.withDatabase { db in
            let s = try db.prepare("SELECT 1 FROM dedup WHERE gen = ? AND key = ?")
            defer { s.reset() }
            for generation in generations {
                s.reset()
                s.bind(1, generation)
                s.bind(2, key: key)
                if try s.step() { return true }
            }
            return false
        }
    }

    // MARK: Parked events

    static let parkedColumns = """
        SELECT p.topic, p.partition, k.offset, k.seq, k.prerequisite, k.type, k.entity, k.deadline, k.parked_at,
               k.payload, k.record_key, k.record_value, k.record_headers, k.record_timestamp
        FROM parked k JOIN partitions p ON p.id = k.part
        """

    static func parkedEvent(_ s: SQLiteStatement) -> ParkedEvent {
        var event = ParkedEvent(
            source: PartitionPosition(topic: s.string(0) ?? "", partition: Int32(truncatingIfNeeded: s.int64(1)), offset: s.int64(2)),
            prerequisite: s.string(4) ?? "", eventType: s.string(5) ?? "", entityKey: s.string(6) ?? "",
            deadlineMillis: s.int64(7), parkedAtMillis: s.int64(8), payload: s.bytes(9) ?? [],
            recordKey: s.bytes(10), recordValue: s.bytes(11),
            recordHeaders: ParkedEvent.decode(s.bytes(12) ?? []), recordTimestampMillis: s.optionalInt64(13))
        event.sequence = s.int64(3)
        return event
    }

    private func parkedEvents(_ filter: String, limit: Int, bind: (SQLiteStatement) -> Void) throws -> [ParkedEvent] {
        try connection.withDatabase { db in
            let s = try db.prepare(Self.parkedColumns + " " + filter + " LIMIT ?")
            defer { s.reset() }
            bind(s)
            s.bind(s.parameterCount, Int64(limit))
            var events: [ParkedEvent] = []
            while try s.step() { events.append(Self.parkedEvent(s)) }
            return events
        }
    }

    /// Events parked until `prerequisite` arrives, in park order (= source order per
    /// partition): release them in this order.
    public func parkedEvents(waitingFor prerequisite: String, limit: Int = 10_000) throws -> [ParkedEvent] {
        try parkedEvents("WHERE k.prerequisite = ? ORDER BY k.seq", limit: limit) { $0.bind(1, prerequisite) }
    }

    /// Events whose deadline is at or before `nowMillis`, earliest deadline first: dead-letter
    /// them with `prerequisite.timeout`.
    public func expiredParkedEvents(asOf nowMillis: Int64, limit: Int = 10_000) throws -> [ParkedEvent] {
        try parkedEvents("WHERE k.deadline <= ? ORDER BY k.deadline, k.seq", limit: limit) { $0.bind(1, nowMillis) }
    }

    /// All parked events in park order (for the CLI).
    public func parkedEvents(limit: Int = 10_000) throws -> [ParkedEvent] {
        try parkedEvents("ORDER BY k.seq", limit: limit) { _ in }
    }
}
