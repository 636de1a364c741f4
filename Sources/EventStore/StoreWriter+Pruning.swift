import Basics
/// Retention: dedup keys by age and count (whole generations), ledger rows by age (whole time
/// buckets), in small transactions so a commit waits at most one chunk behind the pruner.
extension StoreWriter {
    /// One step: at most `pruneChunkRows` rows deleted, or one generation marked for dropping.
    /// Returns what it did; an empty report means there is nothing left to prune.
    func pruneStep(nowMillis: Int64) throws -> PruneReport {
        var report = PruneReport()

        // 1. Finish dropping a generation (its keys already stopped counting as duplicates).
        if let dropping = try db.scalar("SELECT gen FROM dedup_generations WHERE dropping = 1 ORDER BY gen LIMIT 1") {
            try db.transaction {
                let delete = try db.prepare("""
                    DELETE FROM dedup WHERE gen = ?1 AND key IN (SELECT key FROM dedup WHERE gen = ?1 LIMIT ?2)
                    """)
                delete.bind(1, dropping)
                delete.bind(2, configuration.pruneChunkRows)
                try delete.run()
                report.deletedDedupKeys = db.changes
                if report.deletedDedupKeys < configuration.pruneChunkRows {
                    let forget = try db.prepare("DELETE FROM dedup_generations WHERE gen = ?")
                    forget.bind(1, dropping)
                    try forget.run()
                }
            }
            report.steps = 1
            return report
        }

        // 2. Retire the oldest sealed generation when it is past retention or over the count.
        let sealed = index.sealedGenerations
        if let oldest = sealed.first {
            let cutoff = nowMillis - Int64(configuration.dedupRetentionSeconds) * 1_000
            if oldest.maxSeenMillis < cutoff || index.count > configuration.maxDedupKeys {
                try db.transaction {
                    let mark = try db.prepare("UPDATE dedup_generations SET dropping = 1 WHERE gen = ?")
                    mark.bind(1, oldest.generation)
                    try mark.run()
                }
                index.drop(generation: oldest.generation)
                logger.info("pruning dedup generation", [
                    "generation": String(oldest.generation), "keys": String(oldest.count),
                    "reason": oldest.maxSeenMillis < cutoff ? "age" : "count",
                ])
                report.droppedGenerations = 1
                report.steps = 1
                return report
            }
        }

        // 3. Records kept of changelog writes that never completed (their writer died mid-write),
        //    after the ledger's retention.
        let cutoff = nowMillis - Int64(configuration.ledgerRetentionSeconds) * 1_000
        try db.transaction {
            let partial = try db.prepare("DELETE FROM changelog_partial WHERE read_at < ?")
            partial.bind(1, cutoff)
            try partial.run()
            report.deletedPartialRecords = db.changes
        }
        if report.deletedPartialRecords > 0 {
            report.steps = 1
            return report
        }

        // 4. Ledger rows in buckets whose newest row is older than the retention (never the
        //    bucket being filled).
        guard let newest = try db.scalar("SELECT max(bucket) FROM ledger_buckets") else { return report }
        let keep = try db.scalar("SELECT min(bucket) FROM ledger_buckets WHERE max_at >= ?") { $0.bind(1, cutoff) } ?? newest
        let cutoffBucket = min(keep, newest)
        try db.transaction {
            let trace = try db.prepare("""
                DELETE FROM ledger_trace WHERE (bucket, hash, id) IN
                  (SELECT bucket, hash, id FROM ledger_trace WHERE bucket < ? LIMIT ?)
                """)
            trace.bind(1, cutoffBucket)
            trace.bind(2, configuration.pruneChunkRows)
            try trace.run()
            let traceRows = db.changes
            let lastID = try db.scalar("SELECT max(last_id) FROM ledger_buckets WHERE bucket < ?") { $0.bind(1, cutoffBucket) } ?? 0
            let delete = try db.prepare("DELETE FROM ledger WHERE id IN (SELECT id FROM ledger WHERE id <= ? ORDER BY id LIMIT ?)")
            delete.bind(1, lastID)
            delete.bind(2, configuration.pruneChunkRows)
            try delete.run()
            report.deletedLedgerRows = db.changes
            report.deletedTraceRows = traceRows
            if report.deletedLedgerRows < configuration.pruneChunkRows && traceRows < configuration.pruneChunkRows {
                let forget = try db.prepare("DELETE FROM ledger_buckets WHERE bucket < ?")
                forget.bind(1, cutoffBucket)
                try forget.run()
            }
        }
        report.steps = report.deletedLedgerRows + report.deletedTraceRows > 0 ? 1 : 0
        return report
    }

    /// Drops the input-scoped state of one source partition — dedup keys, revisions, entity
    /// state, parked events — e.g. before restoring it from a changelog (docs/design.md §11). Ledger rows and the
    /// processed offset stay: they are history, not state. Scans the dedup table once.
    func dropState(of partition: TopicPartition) throws {
        try db.transaction {
            guard let part = try StoreReader.partitionID(db, partition) else { return }
            for table in ["dedup", "revisions", "entity_state", "parked"] {
                let delete = try db.prepare("DELETE FROM \(table) WHERE part = ?")
                delete.bind(1, part)
                try delete.run()
            }
            try db.execute("""
                UPDATE dedup_generations SET count = (SELECT count(*) FROM dedup WHERE dedup.gen = dedup_generations.gen)
                """)
        }
        let state = try DedupIndex.loadState(from: db, configuration: configuration)
        index.withState { $0 = state }
    }
}

/// What a pruning pass did.
public struct PruneReport: Hashable, Sendable {
    /// Dedup generations retired (their keys no longer count as duplicates).
    public var droppedGenerations = 0
    public var deletedDedupKeys = 0
    public var deletedLedgerRows = 0
    /// Trace index rows deleted with them.
    public var deletedTraceRows = 0
    /// Records kept of changelog writes that never completed.
    public var deletedPartialRecords = 0
    /// Transactions run.
    public var steps = 0

    public init() {}

    mutating func add(_ other: PruneReport) {
        droppedGenerations += other.droppedGenerations
        deletedDedupKeys += other.deletedDedupKeys
        deletedLedgerRows += other.deletedLedgerRows
        deletedTraceRows += other.deletedTraceRows
        deletedPartialRecords += other.deletedPartialRecords
        steps += other.steps
    }
}
