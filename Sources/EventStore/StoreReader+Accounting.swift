import Basics

/// What the in-process reconcile and `eventbridge report` ask the ledger and the DLQ book: are the
/// committed inputs accounted for, which dead-lettered inputs are still open, and what happened in
/// a time window. Each query reads one snapshot; none is on the pipeline's path.
extension StoreReader {
    /// Open dead-lettered inputs of one source topic, contract type and error code in one age band.
    public struct OpenDeadLetters: Sendable, Hashable {
        public var topic: String
        /// Contract type, nil when the input never became an event (bad JSON, unknown type).
        public var type: String?
        public var errorCode: String?
        /// Index of the age band: 0 for rows at or after `bandStarts[0]`, 1 for those at or after
        /// `bandStarts[1]`, …, `bandStarts.count` for older rows.
        public var band: Int
        public var count: Int
        public var oldestAtMillis: Int64
    }

    /// Outcomes of one source topic and contract type in one time slot of a window.
    public struct OutcomeSlot: Sendable, Hashable {
        /// Start of the slot, Unix ms (a multiple of the slot length).
        public var slotMillis: Int64
        public var topic: String
        public var type: String?
        public var outcome: LedgerEntry.Outcome
        /// Inputs with this outcome.
        public var inputs: Int
        /// Canonical events they carried (an input may hold several; 0 for inputs that never became one).
        public var events: Int
    }

    /// Dead-lettered inputs not marked resolved (or replayed) in the DLQ book, grouped by source
    /// topic, type, error code and age band (`bandStarts`: descending Unix-ms cut-offs). Reads only
    /// the ledger's dead-lettered rows (a partial index), so its cost follows the DLQ, not the ledger.
    public func openDeadLetters(bandStarts: [Int64]) throws -> [OpenDeadLetters] {
        var band = "CASE"
        for i in bandStarts.indices { band += " WHEN l.at >= ?\(i + 1) THEN \(i)" }
        band += " ELSE \(bandStarts.count) END"
        return try connection.read { db in
            let s = try db.prepare("""
                SELECT p.topic, l.type, l.error_code, \(band) AS band, count(*), min(l.at)
                FROM ledger l JOIN partitions p ON p.id = l.part
                WHERE l.outcome = 'dead_lettered'
                  AND (l.dlq IS NULL OR l.dlq NOT IN (SELECT topic || ':' || partition || ':' || offset FROM dlq_resolved))
                GROUP BY p.topic, l.type, l.error_code, band
                """)
            defer { s.reset() }
            for (i, start) in bandStarts.enumerated() { s.bind(Int32(i + 1), start) }
            var out: [OpenDeadLetters] = []
            while try s.step() {
                out.append(OpenDeadLetters(topic: s.string(0) ?? "", type: s.string(1), errorCode: s.string(2), band: Int(s.int64(3)),
                                           count: Int(s.int64(4)), oldestAtMillis: s.int64(5)))
            }
            return out
        }
    }

    /// Outcomes recorded at or after `sinceMillis`, per `slotMillis` slot, source topic, type and
    /// outcome. Starts at the first ledger bucket that can hold such rows (`ledger_buckets`), so
    /// a window reads its own rows, not the whole ledger.
    public func outcomes(sinceMillis: Int64, slotMillis: Int64) throws -> [OutcomeSlot] {
        precondition(slotMillis > 0, "a slot is at least 1 ms")
        return try connection.read { db in
            // As age pruning does: the first bucket with a row this recent, and every id after the buckets before it.
            guard let first = try db.scalar("SELECT min(bucket) FROM ledger_buckets WHERE max_at >= ?", { $0.bind(1, sinceMillis) })
            else { return [] }
            let firstID = try db.scalar("SELECT max(last_id) FROM ledger_buckets WHERE bucket < ?") { $0.bind(1, first) } ?? 0
            let s = try db.prepare("""
                SELECT (l.at / ?1) * ?1 AS slot, p.topic, l.type, l.outcome, count(*),
                       sum(CASE WHEN l.event_id IS NULL OR l.event_id = '' THEN 0
                                ELSE length(l.event_id) - length(replace(l.event_id, ',', '')) + 1 END)
                FROM ledger l JOIN partitions p ON p.id = l.part
                WHERE l.id > ?2 AND l.at >= ?3
                GROUP BY slot, p.topic, l.type, l.outcome
                """)
            defer { s.reset() }
            s.bind(1, slotMillis)
            s.bind(2, firstID)
            s.bind(3, sinceMillis)
            var out: [OutcomeSlot] = []
            while try s.step() {
                guard let outcome = LedgerEntry.Outcome(rawValue: s.string(3) ?? "") else { continue }
                out.append(OutcomeSlot(slotMillis: s.int64(0), topic: s.string(1) ?? "", type: s.string(2), outcome: outcome,
                                       inputs: Int(s.int64(4)), events: Int(s.int64(5))))
            }
            return out
        }
    }

    /// The lowest offset the ledger holds for each partition that has an outcome (older ones were
    /// pruned or never consumed): where the ledger's account of a partition starts.
    public func ledgerStarts() throws -> [TopicPartition: Int64] {
        try connection.read { db in
            let parts = try db.prepare("SELECT id, topic, partition FROM partitions")
            defer { parts.reset() }
            var ids: [(Int64, TopicPartition)] = []
            while try parts.step() {
                ids.append((parts.int64(0), TopicPartition(topic: parts.string(1) ?? "", partition: Int32(truncatingIfNeeded: parts.int64(2)))))
            }
            var out: [TopicPartition: Int64] = [:]
            for (id, tp) in ids {
                if let first = try db.scalar("SELECT min(offset) FROM ledger WHERE part = ?", { $0.bind(1, id) }) { out[tp] = first }
            }
            return out
        }
    }

    /// How many inputs of `partition` in `offsets` have an outcome (an index range count).
    public func outcomeCount(_ partition: TopicPartition, offsets: Range<Int64>) throws -> Int {
        guard !offsets.isEmpty else { return 0 }
        return try connection.withDatabase { db in
            guard let part = try Self.partitionID(db, partition) else { return 0 }
            let n = try db.scalar("SELECT count(*) FROM ledger WHERE part = ? AND offset >= ? AND offset < ?") {
                $0.bind(1, part)
                $0.bind(2, offsets.lowerBound)
                $0.bind(3, offsets.upperBound)
            }
            return Int(n ?? 0)
        }
    }
}
