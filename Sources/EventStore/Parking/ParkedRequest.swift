import Basics

/// An operator's request about a parked event (`eventbridge parked release|expire`), recorded by
/// the CLI and carried out by the running bridge: `release` publishes it without its prerequisite,
/// `expire` sends it to the DLQ now. The outcome in the ledger carries `actor` and `reason` as its note.
public struct ParkedRequest: Hashable, Sendable {
    public enum Action: String, Sendable, Hashable {
        case release, expire
    }

    public var source: PartitionPosition
    public var action: Action
    public var actor: String
    public var reason: String
    public var atMillis: Int64

    public init(source: PartitionPosition, action: Action, actor: String, reason: String, atMillis: Int64) {
        self.source = source
        self.action = action
        self.actor = actor
        self.reason = reason
        self.atMillis = atMillis
    }

    /// `released by alice: customer validated by phone` — the ledger note of the outcome.
    public var note: String { "\(action == .release ? "released" : "expired") by \(actor): \(reason)" }
}

/// Records operator requests on parked events from the CLI while the bridge runs (its own
/// read-write connection, as `DeadLetterBook`: a held lock waits `busy_timeout`).
public final class ParkingRequests: Sendable {
    private let connection: LockedConnection
    private let mirror: DeadLetterBook.Mirror?

    /// Opens the store at `path`, which must exist (a request about a parked event needs the
    /// store that parked it).
    public static func open(path: String, busyTimeoutMilliseconds: Int32 = 5_000, mirror: DeadLetterBook.Mirror? = nil) throws -> ParkingRequests {
        var configuration = StoreConfiguration(path: path)
        configuration.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        let connection = try LockedConnection.open(configuration, readOnly: false)
        try connection.withDatabase { db in try StoreSchema.prepare(db) }
        return ParkingRequests(connection: connection, mirror: mirror)
    }

    init(connection: LockedConnection, mirror: DeadLetterBook.Mirror?) {
        self.connection = connection
        self.mirror = mirror
    }

    public func close() { connection.close() }

    /// Records `request` (replacing an earlier one for the same event). Returns false when the event
    /// is not parked (any more).
    @discardableResult
    public func submit(_ request: ParkedRequest) throws -> Bool {
        let parked = try connection.withDatabase { db in
            try db.transaction {
                let parked = try db.scalar("""
                    SELECT 1 FROM parked k JOIN partitions p ON p.id = k.part WHERE p.topic = ? AND p.partition = ? AND k.offset = ?
                    """) {
                    $0.bind(1, request.source.topic)
                    $0.bind(2, Int64(request.source.partition))
                    $0.bind(3, request.source.offset)
                }
                guard parked != nil, let part = try StoreReader.partitionID(db, request.source.topicPartition) else { return false }
                try Self.insert(request, part: part, into: db)
                return true
            }
        }
        if parked { try mirror?(.request(request)) }
        return parked
    }

    /// Shared with the store's writer (requests restored from the changelog).
    static func insert(_ request: ParkedRequest, part: Int64, into db: SQLiteDatabase) throws {
        let insert = try db.prepare("""
            INSERT OR REPLACE INTO parked_requests(part, offset, action, actor, reason, at) VALUES(?, ?, ?, ?, ?, ?)
            """)
        insert.bind(1, part)
        insert.bind(2, request.source.offset)
        insert.bind(3, request.action.rawValue)
        insert.bind(4, request.actor)
        insert.bind(5, request.reason)
        insert.bind(6, request.atMillis)
        try insert.run()
    }
}
