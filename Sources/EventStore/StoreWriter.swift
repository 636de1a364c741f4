import Contracts
import Foundation
import Basics
import Observability

/// The write side of the store: one read-write connection, confined to the store's serial
/// writer queue (never used from two threads). Applies a `StoreBatch` as one transaction.
final class StoreWriter {
    let db: SQLiteDatabase
    let configuration: StoreConfiguration
    let index: DedupIndex
    let logger: Logger
    /// Source partition → row id in `partitions`; cleared when a transaction fails (an id
    /// inserted by a rolled-back transaction does not exist).
    private var partitionIDs: [TopicPartition: Int64] = [:]
    /// The last one looked up: a batch mostly comes from one partition.
    private var lastPartition: (partition: TopicPartition, id: Int64)?
    private var nextParkSequence: Int64
    /// The ledger bucket being filled and its row count (reloaded when a transaction fails).
    private var ledgerBucket: (bucket: Int64, rows: Int) = (1, 0)

    init(db: SQLiteDatabase, configuration: StoreConfiguration, index: DedupIndex, logger: Logger) throws {
        self.db = db
        self.configuration = configuration
        self.index = index
        self.logger = logger
        nextParkSequence = (try db.scalar("SELECT max(seq) FROM parked") ?? 0) + 1
        try loadLedgerBucket()
    }

    private func loadLedgerBucket() throws {
        let s = try db.prepare("SELECT bucket, rows FROM ledger_buckets ORDER BY bucket DESC LIMIT 1")
        defer { s.reset() }
        ledgerBucket = try s.step() ? (s.int64(0), Int(s.int64(1))) : (1, 0)
    }

    func close() {
        try? db.checkpoint()
        db.close()
    }

    /// The id of `partition`, inserting it when new (call inside a transaction).
    func partitionID(_ partition: TopicPartition) throws -> Int64 {
        if let last = lastPartition, last.partition == partition { return last.id }
        if let id = partitionIDs[partition] {
            lastPartition = (partition, id)
            return id
        }
        let insert = try db.prepare("INSERT INTO partitions(topic, partition) VALUES(?, ?) ON CONFLICT DO NOTHING")
        insert.bind(1, partition.topic)
        insert.bind(2, Int64(partition.partition))
        try insert.run()
        guard let id = try StoreReader.partitionID(db, partition) else {
            throw StoreError(.sqlite, message: "partition row missing after insert", context: partition.description)
        }
        partitionIDs[partition] = id
        return id
    }

    // MARK: Commit

    /// Writes the whole batch in one transaction; durable (per `durability`) when it returns.
    func apply(_ batch: StoreBatch) throws {
        guard !batch.isEmpty else { return }
        var sealing: (sealed: DedupIndex.Sealed, next: Int64)?
        do {
            try db.transaction {
                sealing = try writeDedupKeys(batch.dedupKeys)
                try writeRevisions(batch)
                try writeEntityStates(batch)
                try writeOutcomes(batch.outcomes)
                try writeParking(batch)
                try writeReadiness(batch)
                try writeOffsets(batch)
                for replay in batch.replays { try DeadLetterBook.insert(replay, into: db, ifAbsent: batch.restoring) }
                try writeRequests(batch)
                try writeChangelogPositions(batch)
                try writePartialWrites(batch)
                for resolution in batch.resolutions { try DeadLetterBook.insert(resolution, into: db) }
            }
        } catch {
            partitionIDs.removeAll()
            lastPartition = nil
            try? loadLedgerBucket()
            throw error
        }
        index.committed(batch.dedupKeySet, sealed: sealing?.sealed, nextOpen: sealing?.next)
        if let sealing {
            logger.debug("sealed dedup generation", [
                "generation": String(sealing.sealed.generation), "keys": String(sealing.sealed.count),
            ])
        }
    }

    /// Inserts the keys sorted (neighbouring B-tree cells, each page dirtied once) into the open
    /// generation; seals it in the same transaction when it is full.
    private func writeDedupKeys(_ keys: [StoreBatch.PendingKey]) throws -> (sealed: DedupIndex.Sealed, next: Int64)? {
        guard !keys.isEmpty else { return nil }
        let generation = index.openGeneration
        let sorted = keys.sorted { $0.key < $1.key }
        var minSeen = Int64.max
        var maxSeen = Int64.min
        var parts: [Int64] = []
        parts.reserveCapacity(sorted.count)
        for pending in sorted {
            parts.append(try partitionID(pending.partition))
            minSeen = min(minSeen, pending.firstSeenMillis)
            maxSeen = max(maxSeen, pending.firstSeenMillis)
        }
        let inserted = try db.insertRows("INSERT OR IGNORE INTO dedup(gen, key, first_seen, part)", columns: 4, count: sorted.count) { insert, p, row in
            insert.bind(p, generation)
            insert.bind(p + 1, key: sorted[row].key)
            insert.bind(p + 2, sorted[row].firstSeenMillis)
            insert.bind(p + 3, parts[row])
        }
        let update = try db.prepare("""
            UPDATE dedup_generations SET count = count + ?1, min_seen = min(coalesce(min_seen, ?2), ?2),
              max_seen = max(coalesce(max_seen, ?3), ?3) WHERE gen = ?4
            """)
        update.bind(1, inserted)
        update.bind(2, minSeen)
        update.bind(3, maxSeen)
        update.bind(4, generation)
        try update.run()

        let total = index.openCount + inserted
        guard total >= configuration.generationSize else { return nil }
        let bloom = index.openBloom(adding: sorted, bitsPerKey: configuration.bloomBitsPerKey)
        let newest = try db.scalar("SELECT max_seen FROM dedup_generations WHERE gen = ?") { $0.bind(1, generation) } ?? maxSeen
        let seal = try db.prepare("UPDATE dedup_generations SET sealed = ?, bloom = ? WHERE gen = ?")
        seal.bind(1, newest)
        seal.bind(2, bytes: bloom.serialized)
        seal.bind(3, generation)
        try seal.run()
        try Self.createGeneration(generation + 1, createdMillis: newest, in: db)
        return (DedupIndex.Sealed(generation: generation, bloom: bloom, count: total, maxSeenMillis: newest), generation + 1)
    }

    static func createGeneration(_ generation: Int64, createdMillis: Int64, in db: SQLiteDatabase) throws {
        let create = try db.prepare("INSERT INTO dedup_generations(gen, created) VALUES(?, ?)")
        create.bind(1, generation)
        create.bind(2, createdMillis)
        try create.run()
    }

    private func writeRevisions(_ batch: StoreBatch) throws {
        guard !batch.revisions.isEmpty else { return }
        // A restore may hold a lower revision than the store's own (applied onto a store that went
        // on processing): it never moves a revision back. The pipeline's writes need no read, since
        // the staleness guard read what is stored before letting a revision through.
        let stored = batch.restoring ? try db.prepare("SELECT revision FROM revisions WHERE family = ? AND entity = ?") : nil
        var rows: [(key: RevisionKey, pending: StoreBatch.PendingRevision, part: Int64)] = []
        rows.reserveCapacity(batch.revisions.count)
        for (key, pending) in batch.revisions.sorted(by: { ($0.key.family, $0.key.entityKey) < ($1.key.family, $1.key.entityKey) }) {
            if let stored {
                stored.reset()
                stored.bind(1, key.family)
                stored.bind(2, key.entityKey)
                if try stored.step(), pending.revision < StoreReader.revision(stored, 0) { continue }
            }
            rows.append((key, pending, try partitionID(pending.partition)))
        }
        stored?.reset()
        try db.insertRows("INSERT INTO revisions(family, entity, revision, part, updated)", columns: 5, count: rows.count, suffix: """
             ON CONFLICT(family, entity) DO UPDATE SET revision = excluded.revision, part = excluded.part,
              updated = excluded.updated
            """) { upsert, p, row in
            let (key, pending, part) = rows[row]
            upsert.bind(p, key.family)
            upsert.bind(p + 1, key.entityKey)
            switch pending.revision {
            case .integer(let value): upsert.bind(p + 2, value)
            case .largeInteger(let value): upsert.bind(p + 2, bytes: StoredRevision.blob(value))
            case .text(let text): upsert.bind(p + 2, text)
            }
            upsert.bind(p + 3, part)
            upsert.bind(p + 4, pending.atMillis)
        }
    }

    private func writeEntityStates(_ batch: StoreBatch) throws {
        guard !batch.entityStates.isEmpty else { return }
        // An input older than the one whose record is stored (same source partition, both offsets
        // known) does not replace it (`StoreBatch.setEntityState`).
        let upsert = try db.prepare("""
            INSERT INTO entity_state(scope, entity, record, part, updated, source_offset) VALUES(?, ?, ?, ?, ?, ?)
            ON CONFLICT(scope, entity) DO UPDATE SET record = excluded.record, part = excluded.part,
              updated = excluded.updated, source_offset = excluded.source_offset
            WHERE excluded.source_offset IS NULL OR entity_state.source_offset IS NULL OR excluded.part != entity_state.part
              OR excluded.source_offset >= entity_state.source_offset
            """)
        let delete = try db.prepare("DELETE FROM entity_state WHERE scope = ? AND entity = ?")
        let sorted = batch.entityStates.sorted { ($0.key.scope, $0.key.entity) < ($1.key.scope, $1.key.entity) }
        for (key, pending) in sorted {
            guard pending.record != nil else {
                delete.reset()
                delete.bind(1, key.scope)
                delete.bind(2, key.entity)
                _ = try delete.step()
                continue
            }
            upsert.reset()
            upsert.bind(1, key.scope)
            upsert.bind(2, key.entity)
            upsert.bind(3, bytes: pending.record)
            upsert.bind(4, try partitionID(pending.partition))
            upsert.bind(5, pending.atMillis)
            upsert.bind(6, pending.sourceOffset)
            _ = try upsert.step()
        }
        upsert.reset()
        delete.reset()
    }

    private func writeOutcomes(_ outcomes: [LedgerEntry]) throws {
        guard !outcomes.isEmpty else { return }
        // Ids are given, not taken from SQLite one row at a time, so the rows go in multi-row
        // statements: the next id is what SQLite would choose (the largest plus one), read inside
        // this transaction, which holds the write lock.
        var nextID = (try db.scalar("SELECT max(id) FROM ledger") ?? 0) + 1
        var trace: [TraceEntry] = []
        trace.reserveCapacity(outcomes.count * 2)
        var buckets: [Int64: (rows: Int, lastID: Int64, minAt: Int64, maxAt: Int64)] = [:]
        // Sorted by position; the index breaks ties so a later entry for a position still wins
        // (rows of one statement are written in order: the later replaces the earlier).
        let order = outcomes.indices.sorted { (outcomes[$0].source, $0) < (outcomes[$1].source, $1) }
        var rows: [(id: Int64, part: Int64)] = []
        rows.reserveCapacity(order.count)
        for position in order {
            let entry = outcomes[position]
            let id = nextID
            nextID += 1
            rows.append((id, try partitionID(entry.source.topicPartition)))
            if ledgerBucket.rows >= configuration.ledgerBucketRows { ledgerBucket = (ledgerBucket.bucket + 1, 0) }
            ledgerBucket.rows += 1
            let span = buckets[ledgerBucket.bucket] ?? (0, id, entry.atMillis, entry.atMillis)
            buckets[ledgerBucket.bucket] = (span.rows + 1, max(span.lastID, id), min(span.minAt, entry.atMillis), max(span.maxAt, entry.atMillis))
            for text in [entry.eventID, entry.entityKey] {
                guard let text else { continue }
                trace.append(TraceEntry(bucket: ledgerBucket.bucket, hash: SipHash128.hash64(text), id: id))
            }
        }
        try db.insertRows("""
            INSERT OR REPLACE INTO ledger(id, part, offset, outcome, event_id, type, entity, contract_version, outputs,
              dlq, error_code, at, note)
            """, columns: 13, count: order.count) { insert, p, row in
            let entry = outcomes[order[row]]
            insert.bind(p, rows[row].id)
            insert.bind(p + 1, rows[row].part)
            insert.bind(p + 2, entry.source.offset)
            insert.bind(p + 3, entry.outcome.rawValue)
            insert.bind(p + 4, entry.eventID)
            insert.bind(p + 5, entry.eventType)
            insert.bind(p + 6, entry.entityKey)
            insert.bind(p + 7, entry.contractVersion.map(Int64.init))
            if entry.outputs.isEmpty {
                insert.bindNull(p + 8)
            } else {
                insert.bind(p + 8, text: Self.outputsText(entry.outputs))
            }
            insert.bind(p + 9, entry.dlqPosition?.description)
            insert.bind(p + 10, entry.errorCode)
            insert.bind(p + 11, entry.atMillis)
            insert.bind(p + 12, entry.note)
        }
        try writeTrace(trace.sorted())
        let upsert = try db.prepare("""
            INSERT INTO ledger_buckets(bucket, rows, last_id, min_at, max_at) VALUES(?, ?, ?, ?, ?)
            ON CONFLICT(bucket) DO UPDATE SET rows = rows + excluded.rows, last_id = max(last_id, excluded.last_id),
              min_at = min(min_at, excluded.min_at), max_at = max(max_at, excluded.max_at)
            """)
        for (bucket, span) in buckets {
            upsert.bind(1, bucket)
            upsert.bind(2, span.rows)
            upsert.bind(3, span.lastID)
            upsert.bind(4, span.minAt)
            upsert.bind(5, span.maxAt)
            try upsert.run()
        }
    }

    /// The ledger's `outputs` column: the positions as a compact JSON array of strings, written
    /// straight into bytes (what `JSONWriter.compact` writes for them, without a `JSONValue`).
    static func outputsText(_ outputs: [PartitionPosition]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(outputs.count * 32)
        for (k, position) in outputs.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(position.description, into: &out)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// One `ledger_trace` row.
    private struct TraceEntry: Comparable {
        var bucket: Int64
        var hash: Int64
        var id: Int64

        static func < (a: TraceEntry, b: TraceEntry) -> Bool { (a.bucket, a.hash, a.id) < (b.bucket, b.hash, b.id) }
    }

    /// Inserts trace entries in key order: neighbouring cells, each index page visited once.
    private func writeTrace(_ sorted: [TraceEntry]) throws {
        try db.insertRows("INSERT OR IGNORE INTO ledger_trace(bucket, hash, id)", columns: 3, count: sorted.count) { insert, p, row in
            insert.bind(p, sorted[row].bucket)
            insert.bind(p + 1, sorted[row].hash)
            insert.bind(p + 2, sorted[row].id)
        }
    }

    private func writeParking(_ batch: StoreBatch) throws {
        if !batch.parks.isEmpty {
            let insert = try db.prepare("""
                INSERT OR REPLACE INTO parked(part, offset, seq, prerequisite, type, entity, deadline, parked_at, payload,
                  record_key, record_value, record_headers, record_timestamp) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for event in batch.parks {
                insert.reset()
                insert.bind(1, try partitionID(event.source.topicPartition))
                insert.bind(2, event.source.offset)
                insert.bind(3, nextParkSequence)
                nextParkSequence += 1
                insert.bind(4, event.prerequisite)
                insert.bind(5, event.eventType)
                insert.bind(6, event.entityKey)
                insert.bind(7, event.deadlineMillis)
                insert.bind(8, event.parkedAtMillis)
                insert.bind(9, bytes: event.payload)
                insert.bind(10, bytes: event.recordKey)
                insert.bind(11, bytes: event.recordValue)
                insert.bind(12, bytes: ParkedEvent.encode(event.recordHeaders))
                insert.bind(13, event.recordTimestampMillis)
                _ = try insert.step()
            }
            insert.reset()
        }
        if !batch.releases.isEmpty {
            let delete = try db.prepare("DELETE FROM parked WHERE part = ? AND offset = ?")
            let request = try db.prepare("DELETE FROM parked_requests WHERE part = ? AND offset = ?")
            for source in batch.releases {
                for s in [delete, request] {
                    s.bind(1, try partitionID(source.topicPartition))
                    s.bind(2, source.offset)
                    try s.run()
                }
            }
        }
    }

    private func writeRequests(_ batch: StoreBatch) throws {
        for q in batch.requests { try ParkingRequests.insert(q, part: try partitionID(q.source.topicPartition), into: db) }
    }

    private func writeChangelogPositions(_ batch: StoreBatch) throws {
        guard !batch.changelogPositions.isEmpty else { return }
        let upsert = try db.prepare("""
            INSERT INTO changelog_positions(topic, partition, next_offset) VALUES(?, ?, ?)
            ON CONFLICT(topic, partition) DO UPDATE SET next_offset = max(next_offset, excluded.next_offset)
            """)
        for (tp, next) in batch.changelogPositions.sorted(by: { $0.key < $1.key }) {
            upsert.bind(1, tp.topic)
            upsert.bind(2, Int64(tp.partition))
            upsert.bind(3, next)
            try upsert.run()
        }
    }

    private func writePartialWrites(_ batch: StoreBatch) throws {
        if !batch.completedWrites.isEmpty {
            let delete = try db.prepare("DELETE FROM changelog_partial WHERE topic = ? AND partition = ? AND writer = ? AND write = ?")
            for id in batch.completedWrites {
                delete.bind(1, id.changelog.topic)
                delete.bind(2, Int64(id.changelog.partition))
                delete.bind(3, id.writer)
                delete.bind(4, id.write)
                try delete.run()
            }
        }
        guard !batch.partialRecords.isEmpty else { return }
        let insert = try db.prepare("""
            INSERT OR IGNORE INTO changelog_partial(topic, partition, writer, write, offset, expected, key, value, read_at)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let now = WallClock.nowMillis()
        for r in batch.partialRecords {
            insert.bind(1, r.write.changelog.topic)
            insert.bind(2, Int64(r.write.changelog.partition))
            insert.bind(3, r.write.writer)
            insert.bind(4, r.write.write)
            insert.bind(5, r.offset)
            insert.bind(6, r.expected)
            insert.bind(7, bytes: r.key)
            insert.bind(8, bytes: r.value)
            insert.bind(9, now)
            try insert.run()
        }
    }

    private func writeReadiness(_ batch: StoreBatch) throws {
        guard !batch.readiness.isEmpty else { return }
        let insert = try db.prepare("INSERT OR IGNORE INTO readiness(key, part, at) VALUES(?, ?, ?)")
        for (key, ready) in batch.readiness.sorted(by: { $0.key < $1.key }) {
            insert.bind(1, key.string)
            insert.bind(2, try partitionID(ready.partition))
            insert.bind(3, ready.atMillis)
            try insert.run()
        }
    }

    private func writeOffsets(_ batch: StoreBatch) throws {
        guard !batch.offsets.isEmpty else { return }
        let upsert = try db.prepare("""
            INSERT INTO offsets(part, next_offset, updated) VALUES(?, ?, ?)
            ON CONFLICT(part) DO UPDATE SET next_offset = max(next_offset, excluded.next_offset), updated = excluded.updated
            """)
        let now = WallClock.nowMillis()
        for (partition, next) in batch.offsets.sorted(by: { $0.key < $1.key }) {
            upsert.bind(1, try partitionID(partition))
            upsert.bind(2, next)
            upsert.bind(3, now)
            try upsert.run()
        }
    }
}
