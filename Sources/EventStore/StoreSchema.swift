/// The store's tables (schema version 7), created on first open; older files are migrated in
/// place (version 2 added readiness, parked-event requests and the ledger's `note`; version 3 the
/// changelog positions; version 4 the index of dead-lettered ledger rows; version 5
/// `entity_state`; version 6 `changelog_partial`; version 7 `entity_state.source_offset`). Every
/// table and index is `IF NOT EXISTS`, so a migration from any older version is running the
/// statements again, plus the columns added to tables that existed before.
///
/// Every hot table is `WITHOUT ROWID` (the primary key is the B-tree key: no second lookup, no
/// rowid). Input-scoped state (dedup keys, revisions, parked events) carries `part`, the
/// id of the source topic partition in `partitions`, so it can be dropped per partition
/// (docs/design.md §11). Times are Unix milliseconds. See docs/store.md for the reasoning.
enum StoreSchema {
    /// `PRAGMA user_version` of this layout.
    static let version: Int64 = 7

    static let statements: [String] = [
        // Source topic partitions, numbered so other rows carry a small integer.
        """
        CREATE TABLE IF NOT EXISTS partitions(
          id INTEGER PRIMARY KEY, topic TEXT NOT NULL, partition INTEGER NOT NULL,
          UNIQUE(topic, partition))
        """,
        // Dedup keys in generations: inserts only touch the open generation's key range, so the
        // pages a batch dirties stay bounded however many keys the store holds. A sealed
        // generation is immutable and has a Bloom filter; pruning drops whole generations.
        """
        CREATE TABLE IF NOT EXISTS dedup(
          gen INTEGER NOT NULL, key BLOB NOT NULL, first_seen INTEGER NOT NULL, part INTEGER NOT NULL,
          PRIMARY KEY(gen, key)) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS dedup_generations(
          gen INTEGER PRIMARY KEY, created INTEGER NOT NULL, sealed INTEGER, dropping INTEGER NOT NULL DEFAULT 0,
          count INTEGER NOT NULL DEFAULT 0, min_seen INTEGER, max_seen INTEGER, bloom BLOB)
        """,
        // Last published revision per (type family, entity key). `revision` holds an INTEGER, a
        // BLOB (an integer above Int64.max, 8 bytes big endian) or a TEXT (normalized RFC 3339 or
        // raw string): see StoredRevision.
        """
        CREATE TABLE IF NOT EXISTS revisions(
          family TEXT NOT NULL, entity TEXT NOT NULL, revision NOT NULL, part INTEGER NOT NULL,
          updated INTEGER NOT NULL, PRIMARY KEY(family, entity)) WITHOUT ROWID
        """,
        // The outcome ledger: one row per input, unique per source position. A rowid table, not
        // WITHOUT ROWID: rows are ~150 bytes, and a WITHOUT ROWID B-tree carries whole rows in its
        // interior pages (SQLite advises against it for large rows; measured slower here). `id`
        // grows in write order, so buckets of `ledgerBucketRows` rows are id ranges: the unit of
        // age pruning, a delete at the table's left edge.
        """
        CREATE TABLE IF NOT EXISTS ledger(
          id INTEGER PRIMARY KEY, part INTEGER NOT NULL, offset INTEGER NOT NULL, outcome TEXT NOT NULL,
          event_id TEXT, type TEXT, entity TEXT, contract_version INTEGER, outputs TEXT, dlq TEXT,
          error_code TEXT, at INTEGER NOT NULL, note TEXT, UNIQUE(part, offset))
        """,
        // The dead-lettered rows of the ledger, for the open-exception counts (in-process reconcile,
        // `eventbridge report`): a partial index, so only DLQ rows pay for it on insert.
        "CREATE INDEX IF NOT EXISTS ledger_dead_lettered ON ledger(at) WHERE outcome = 'dead_lettered'",
        // The trace index: per ledger row, the 64-bit SipHash of its event id and of its entity
        // key, under the row's bucket. Leading with the bucket keeps a batch's inserts in the
        // newest bucket's key range (bounded dirty pages, like dedup generations); the writer
        // inserts them sorted. `trace` probes each bucket once. Entries of a replaced row may
        // linger (they point at the same position; readers verify and deduplicate).
        """
        CREATE TABLE IF NOT EXISTS ledger_trace(
          bucket INTEGER NOT NULL, hash INTEGER NOT NULL, id INTEGER NOT NULL,
          PRIMARY KEY(bucket, hash, id)) WITHOUT ROWID
        """,
        // Rows, last ledger id and time span per bucket: age pruning drops buckets whose newest
        // row is old.
        """
        CREATE TABLE IF NOT EXISTS ledger_buckets(
          bucket INTEGER PRIMARY KEY, rows INTEGER NOT NULL, last_id INTEGER NOT NULL, min_at INTEGER NOT NULL,
          max_at INTEGER NOT NULL)
        """,
        // The commit point per partition: next offset to consume, written with the outcomes.
        """
        CREATE TABLE IF NOT EXISTS offsets(
          part INTEGER PRIMARY KEY, next_offset INTEGER NOT NULL, updated INTEGER NOT NULL)
        """,
        // Parked events, released in `seq` order per prerequisite.
        """
        CREATE TABLE IF NOT EXISTS parked(
          part INTEGER NOT NULL, offset INTEGER NOT NULL, seq INTEGER NOT NULL, prerequisite TEXT NOT NULL,
          type TEXT NOT NULL, entity TEXT NOT NULL, deadline INTEGER NOT NULL, parked_at INTEGER NOT NULL,
          payload BLOB NOT NULL, record_key BLOB, record_value BLOB, record_headers BLOB NOT NULL,
          record_timestamp INTEGER, PRIMARY KEY(part, offset)) WITHOUT ROWID
        """,
        // The last known source record of an entity whose source sends partial updates (Salesforce
        // CDC changed fields, Debezium's last op per key): `scope` is the mapping, `entity` its
        // entity key, `record` the JSON text. Input-scoped like revisions (`part`). `source_offset`:
        // the offset in `part` of the input that wrote it, so a write of an older input never
        // replaces it (NULL: written before version 7, or restored from a changelog record without it).
        """
        CREATE TABLE IF NOT EXISTS entity_state(
          scope TEXT NOT NULL, entity TEXT NOT NULL, record BLOB NOT NULL, part INTEGER NOT NULL,
          updated INTEGER NOT NULL, source_offset INTEGER, PRIMARY KEY(scope, entity)) WITHOUT ROWID
        """,
        "CREATE INDEX IF NOT EXISTS parked_by_prerequisite ON parked(prerequisite, seq)",
        "CREATE INDEX IF NOT EXISTS parked_by_deadline ON parked(deadline, seq)",
        // Readiness (docs/design.md §6): a prerequisite event published for a key (`type|entity`),
        // remembered for good. Not scoped to a source partition: an invoice may come from another
        // partition than its customer's `ready` event; `part` names where it was published from.
        """
        CREATE TABLE IF NOT EXISTS readiness(
          key TEXT PRIMARY KEY, part INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID
        """,
        // How far this store has applied each changelog partition (docs/scaling.md): the next
        // changelog offset to read. Behind the topic's end means: restore before processing.
        """
        CREATE TABLE IF NOT EXISTS changelog_positions(
          topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
          PRIMARY KEY(topic, partition)) WITHOUT ROWID
        """,
        // Records of changelog writes read in part (`ChangelogPartialRecord`): kept until the rest
        // of the write is read, then applied with it and deleted. Those of a writer that died
        // mid-write never complete; pruning drops them after the ledger's retention (`read_at`).
        """
        CREATE TABLE IF NOT EXISTS changelog_partial(
          topic TEXT NOT NULL, partition INTEGER NOT NULL, writer TEXT NOT NULL, write TEXT NOT NULL,
          offset INTEGER NOT NULL, expected INTEGER NOT NULL, key BLOB NOT NULL, value BLOB, read_at INTEGER NOT NULL,
          PRIMARY KEY(topic, partition, writer, write, offset)) WITHOUT ROWID
        """,
        // Operator requests on parked events (`eventbridge parked release|expire`), carried out by
        // the running bridge, which deletes the row in the transaction that records the outcome.
        """
        CREATE TABLE IF NOT EXISTS parked_requests(
          part INTEGER NOT NULL, offset INTEGER NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,
          reason TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY(part, offset)) WITHOUT ROWID
        """,
        // DLQ bookkeeping (positions are DLQ topic/partition/offset; small tables, kept).
        """
        CREATE TABLE IF NOT EXISTS dlq_replays(
          topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL, attempt INTEGER NOT NULL,
          replayed_at INTEGER NOT NULL, target_topic TEXT NOT NULL, target_partition INTEGER NOT NULL,
          target_offset INTEGER NOT NULL, actor TEXT NOT NULL,
          PRIMARY KEY(topic, partition, offset, attempt)) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS dlq_resolved(
          topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
          resolved_at INTEGER NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL,
          PRIMARY KEY(topic, partition, offset)) WITHOUT ROWID
        """,
    ]

    /// Creates or checks the schema. Fails with `schemaTooNew` for a file from a newer build.
    static func prepare(_ db: SQLiteDatabase) throws {
        let current = try db.scalar("PRAGMA user_version") ?? 0
        if current > version {
            throw StoreError(.schemaTooNew, message: "store schema \(current) is newer than this build's \(version)", context: db.path)
        }
        if current == version { return }
        try db.transaction {
            for sql in statements { try db.execute(sql) }
            if current == 1 { try db.execute("ALTER TABLE ledger ADD COLUMN note TEXT") }
            if current == 5 || current == 6 { try db.execute("ALTER TABLE entity_state ADD COLUMN source_offset INTEGER") }
            try db.execute("PRAGMA user_version = \(version)")
        }
    }
}
