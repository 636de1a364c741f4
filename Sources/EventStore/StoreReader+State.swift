import CSQLite
import Basics

/// Input-scoped state: revisions, dedup keys, parked events.
extension StoreReader {
    // MARK: Revisions

    /// The last committed revision of an entity (without any uncommitted batch; the running
    /// store's `EventStore.lastRevision(family:entityKey:pending:)` adds those).
    public func lastRevision(family: String, entityKey: String) throws -> StoredRevision? {
        try connection.withDatabase { db in try Self.lastRevision(db, family: family, entityKey: entityKey) }
    }

    static func lastRevision(_ db: SQLiteDatabase, family: String, entityKey: String) throws -> StoredRevision? {
        let s = try db.prepare("SELECT revision FROM revisions WHERE family = ? AND entity = ?")
        defer { s.reset() }
        s.bind(1, family)
        s.bind(2, entityKey)
        guard try s.step() else { return nil }
        return revision(s, 0)
    }

    // MARK: Entity state

    /// The last committed source record (JSON text) of an entity, nil when none is known.
    public func entityState(scope: String, entity: String) throws -> [UInt8]? {
        try connection.withDatabase { db in
            let s = try db.prepare("SELECT record FROM entity_state WHERE scope = ? AND entity = ?")
            defer { s.reset() }
            s.bind(1, scope)
            s.bind(2, entity)
            guard try s.step() else { return nil }
            return s.bytes(0) ?? []
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

    /// Events of `partition` parked until `prerequisite` arrives, in park order (= source order):
    /// release them in this order.
    public func parkedEvents(waitingFor prerequisite: String, in partition: TopicPartition, limit: Int = 10_000) throws -> [ParkedEvent] {
        try parkedEvents("WHERE k.prerequisite = ? AND p.topic = ? AND p.partition = ? ORDER BY k.seq", limit: limit) {
            $0.bind(1, prerequisite)
            $0.bind(2, partition.topic)
            $0.bind(3, Int64(partition.partition))
        }
    }

    /// Events of `partition` whose deadline is at or before `nowMillis`, earliest first: they go to
    /// the DLQ with `sequencing.prerequisite_timeout`.
    public func expiredParkedEvents(asOf nowMillis: Int64, in partition: TopicPartition, limit: Int = 10_000) throws -> [ParkedEvent] {
        try parkedEvents("WHERE k.deadline <= ? AND p.topic = ? AND p.partition = ? ORDER BY k.deadline, k.seq", limit: limit) {
            $0.bind(1, nowMillis)
            $0.bind(2, partition.topic)
            $0.bind(3, Int64(partition.partition))
        }
    }

    /// The parked event of an input, if it is parked.
    public func parkedEvent(at source: PartitionPosition) throws -> ParkedEvent? {
        try parkedEvents("WHERE p.topic = ? AND p.partition = ? AND k.offset = ?", limit: 1) {
            $0.bind(1, source.topic)
            $0.bind(2, Int64(source.partition))
            $0.bind(3, source.offset)
        }.first
    }

    /// Parked events in park order, optionally only of a type and of an entity or prerequisite key (CLI).
    public func parkedEvents(type: String? = nil, key: String? = nil, limit: Int = 10_000) throws -> [ParkedEvent] {
        try parkedEvents("""
            WHERE (?1 IS NULL OR k.type = ?1) AND (?2 IS NULL OR k.entity = ?2 OR k.prerequisite = ?2
              OR substr(k.prerequisite, instr(k.prerequisite, '|') + 1) = ?2) ORDER BY k.seq
            """, limit: limit) {
            $0.bind(1, type)
            $0.bind(2, key)
        }
    }

    /// How many events of `partition` wait on each prerequisite key (keys as the table compares
    /// them: by their bytes).
    public func parkedCounts(in partition: TopicPartition) throws -> [ExactText: Int] {
        try connection.withDatabase { db in
            let s = try db.prepare("""
                SELECT k.prerequisite, count(*) FROM parked k JOIN partitions p ON p.id = k.part
                WHERE p.topic = ? AND p.partition = ? GROUP BY k.prerequisite
                """)
            defer { s.reset() }
            s.bind(1, partition.topic)
            s.bind(2, Int64(partition.partition))
            var counts: [ExactText: Int] = [:]
            while try s.step() { counts[ExactText(s.string(0) ?? "")] = Int(s.int64(1)) }
            return counts
        }
    }

    /// True once a prerequisite event was published for `key` (`type|entity`).
    public func isReady(_ key: String) throws -> Bool {
        try connection.withDatabase { db in
            try db.scalar("SELECT 1 FROM readiness WHERE key = ?") { $0.bind(1, key) } != nil
        }
    }

    /// Parked events by type: how many, and since when the oldest waits (Unix ms).
    public func parkedSummary() throws -> [(type: String, count: Int, oldestParkedAtMillis: Int64)] {
        try connection.withDatabase { db in
            let s = try db.prepare("SELECT type, count(*), min(parked_at) FROM parked GROUP BY type ORDER BY type")
            defer { s.reset() }
            var out: [(type: String, count: Int, oldestParkedAtMillis: Int64)] = []
            while try s.step() { out.append((s.string(0) ?? "", Int(s.int64(1)), s.int64(2))) }
            return out
        }
    }

    /// Operator requests on parked events of these partitions, oldest first.
    public func parkedRequests(in partitions: [TopicPartition]) throws -> [ParkedRequest] {
        try connection.withDatabase { db in
            let s = try db.prepare("""
                SELECT p.topic, p.partition, r.offset, r.action, r.actor, r.reason, r.at
                FROM parked_requests r JOIN partitions p ON p.id = r.part WHERE p.topic = ? AND p.partition = ? ORDER BY r.at
                """)
            defer { s.reset() }
            var out: [ParkedRequest] = []
            for partition in partitions {
                s.reset()
                s.bind(1, partition.topic)
                s.bind(2, Int64(partition.partition))
                while try s.step() {
                    out.append(ParkedRequest(
                        source: PartitionPosition(topic: s.string(0) ?? "", partition: Int32(truncatingIfNeeded: s.int64(1)), offset: s.int64(2)),
                        action: ParkedRequest.Action(rawValue: s.string(3) ?? "") ?? .release, actor: s.string(4) ?? "",
                        reason: s.string(5) ?? "", atMillis: s.int64(6)))
                }
            }
            return out
        }
    }
}
