import Foundation

/// A SQLite connection shared by threads, one at a time: every use holds the lock.
///
/// Used for the store's read connection (the pipeline's dedup/revision lookups and the CLI's
/// queries) and for `DeadLetterBook`. Each statement runs in autocommit mode, i.e. in its own
/// read transaction over the latest committed snapshot; `read` groups several in one snapshot.
final class LockedConnection: @unchecked Sendable {
    // @unchecked: `database` (a non-Sendable class over a NOMUTEX sqlite3*) is only touched in
    // `withDatabase`, under `lock`, so no two threads ever use the connection at once.
    private let lock = NSLock()
    private let database: SQLiteDatabase

    init(_ database: SQLiteDatabase) {
        self.database = database
    }

    var path: String { database.path }

    /// Runs `body` with the connection, holding the lock.
    func withDatabase<T>(_ body: (SQLiteDatabase) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(database)
    }

    /// Runs `body` inside one read transaction, so its statements see one snapshot.
    func read<T>(_ body: (SQLiteDatabase) throws -> T) throws -> T {
        try withDatabase { db in
            try db.execute("BEGIN DEFERRED")
            defer { try? db.execute("COMMIT") }
            return try body(db)
        }
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        database.close()
    }

    /// Opens `path` with the store's pragmas (`readOnly` or read-write; never creates tables).
    static func open(_ configuration: StoreConfiguration, readOnly: Bool) throws -> LockedConnection {
        let db = try SQLiteDatabase(
            path: configuration.path, mode: readOnly ? .readOnly : .readWriteCreate,
            busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        for pragma in configuration.connectionPragmas(readOnly: true) { try db.execute(pragma) }
        return LockedConnection(db)
    }
}
