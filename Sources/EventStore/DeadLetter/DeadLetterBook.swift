import Basics
/// DLQ replay bookkeeping (docs/design.md §8) for the CLI: which DLQ position was replayed when, to
/// where, as which attempt, and which were marked resolved by whom and why.
///
/// Opens its own read-write connection, so `eventbridge dlq replay` can record while the bridge
/// runs (WAL: one writer at a time; a held lock waits `busy_timeout`, then fails retriable).
/// The bridge can record the same rows in a `StoreBatch`.
public final class DeadLetterBook: Sendable {
    /// Writes a recorded change on to where other readers see it (the global changelog) once it
    /// holds locally; a failure there fails the call.
    public typealias Mirror = @Sendable (StateChange) throws -> Void

    private let connection: LockedConnection
    private let mirror: Mirror?

    /// Opens the store at `path` (created, with its schema, when it does not exist). A write
    /// waits up to `busyTimeoutMilliseconds` for the bridge's lock, then fails retriable (`busy`).
    public static func open(path: String, busyTimeoutMilliseconds: Int32 = 5_000, mirror: Mirror? = nil) throws -> DeadLetterBook {
        var configuration = StoreConfiguration(path: path)
        configuration.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        let connection = try LockedConnection.open(configuration, readOnly: false)
        try connection.withDatabase { db in
            try db.execute("PRAGMA journal_mode = WAL")
            try StoreSchema.prepare(db)
        }
        return DeadLetterBook(connection: connection, mirror: mirror)
    }

    init(connection: LockedConnection, mirror: Mirror? = nil) {
        self.connection = connection
        self.mirror = mirror
    }

    public func close() { connection.close() }

    /// Records a replay. Fails with `conflict` when that attempt of that DLQ position is
    /// already recorded — the guard against replaying twice by accident.
    public func recordReplay(_ replay: DeadLetterReplay) throws {
        try connection.withDatabase { db in try db.transaction { try Self.insert(replay, into: db) } }
        try mirror?(.replay(replay))
    }

    /// Marks a DLQ record resolved (replacing an earlier mark).
    public func markResolved(_ resolution: DeadLetterResolution) throws {
        try connection.withDatabase { db in try db.transaction { try Self.insert(resolution, into: db) } }
        try mirror?(.resolution(resolution))
    }

    /// Every replay of a DLQ position, by attempt.
    public func replays(of dlqPosition: PartitionPosition) throws -> [DeadLetterReplay] {
        try connection.withDatabase { db in
            let s = try db.prepare("""
                SELECT attempt, replayed_at, target_topic, target_partition, target_offset, actor FROM dlq_replays
                WHERE topic = ? AND partition = ? AND offset = ? ORDER BY attempt
                """)
            defer { s.reset() }
            Self.bind(dlqPosition, s)
            var replays: [DeadLetterReplay] = []
            while try s.step() {
                replays.append(DeadLetterReplay(
                    dlqPosition: dlqPosition, attempt: Int(s.int64(0)), replayedAtMillis: s.int64(1),
                    target: PartitionPosition(topic: s.string(2) ?? "", partition: Int32(truncatingIfNeeded: s.int64(3)), offset: s.int64(4)),
                    actor: s.string(5) ?? ""))
            }
            return replays
        }
    }

    /// The resolution mark of a DLQ position, if any.
    public func resolution(of dlqPosition: PartitionPosition) throws -> DeadLetterResolution? {
        try connection.withDatabase { db in
            let s = try db.prepare("SELECT resolved_at, actor, reason FROM dlq_resolved WHERE topic = ? AND partition = ? AND offset = ?")
            defer { s.reset() }
            Self.bind(dlqPosition, s)
            guard try s.step() else { return nil }
            return DeadLetterResolution(dlqPosition: dlqPosition, resolvedAtMillis: s.int64(0), actor: s.string(1) ?? "", reason: s.string(2) ?? "")
        }
    }

    // MARK: Shared with the store's writer

    private static func bind(_ position: PartitionPosition, _ s: SQLiteStatement) {
        s.bind(1, position.topic)
        s.bind(2, Int64(position.partition))
        s.bind(3, position.offset)
    }

    /// Inserts a replay; a second insert of the same attempt is a `conflict` — or, with `ifAbsent`
    /// (restoring from a changelog), kept as the first one.
    static func insert(_ replay: DeadLetterReplay, into db: SQLiteDatabase, ifAbsent: Bool = false) throws {
        if try db.scalar(
            "SELECT 1 FROM dlq_replays WHERE topic = ? AND partition = ? AND offset = ? AND attempt = ?",
            { bind(replay.dlqPosition, $0); $0.bind(4, replay.attempt) }) != nil
        {
            if ifAbsent { return }
            throw StoreError(.conflict, message: "attempt \(replay.attempt) of \(replay.dlqPosition) is already recorded", context: "dlq replay")
        }
        let s = try db.prepare("""
            INSERT INTO dlq_replays(topic, partition, offset, attempt, replayed_at, target_topic, target_partition,
              target_offset, actor) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        bind(replay.dlqPosition, s)
        s.bind(4, replay.attempt)
        s.bind(5, replay.replayedAtMillis)
        s.bind(6, replay.target.topic)
        s.bind(7, Int64(replay.target.partition))
        s.bind(8, replay.target.offset)
        s.bind(9, replay.actor)
        try s.run()
    }

    static func insert(_ resolution: DeadLetterResolution, into db: SQLiteDatabase) throws {
        let s = try db.prepare("""
            INSERT OR REPLACE INTO dlq_resolved(topic, partition, offset, resolved_at, actor, reason) VALUES(?, ?, ?, ?, ?, ?)
            """)
        bind(resolution.dlqPosition, s)
        s.bind(4, resolution.resolvedAtMillis)
        s.bind(5, resolution.actor)
        s.bind(6, resolution.reason)
        try s.run()
    }
}
