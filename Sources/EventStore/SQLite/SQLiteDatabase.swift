import CSQLite

/// A thin wrapper over one SQLite connection (`sqlite3*`).
///
/// Not thread-safe by design: the connection is opened with `SQLITE_OPEN_NOMUTEX`, and each
/// owner confines it to one thread or serial queue (the store's writer queue, or a lock around
/// the reader). Prepared statements are cached by SQL text and reused; `prepare` hands back a
/// statement that is reset with its bindings cleared.
final class SQLiteDatabase {
    /// How to open the file.
    enum Mode: Sendable {
        /// Read and write; create the file when it does not exist.
        case readWriteCreate
        /// Read only (the CLI while the bridge runs). Still needs the `-shm` file of a WAL
        /// database to exist or be creatable by this user.
        case readOnly
    }

    let path: String
    let mode: Mode
    private(set) var handle: OpaquePointer?
    private var statements: [String: SQLiteStatement] = [:]

    init(path: String, mode: Mode, busyTimeoutMilliseconds: Int32 = 5_000) throws {
        self.path = path
        self.mode = mode
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readWriteCreate:
            // Finance data: only the owner reads the store (SQLite would create it 0644 under the usual umask).
            StoreIntegrity.createPrivately(path)
            flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        var db: OpaquePointer?
        let result = sqlite3_open_v2(path, &db, flags, nil)
        guard result == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            throw StoreError.sqlite(result, message: message, context: "open \(path)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit { close() }

    /// Finalizes the cached statements and closes the connection. Idempotent.
    func close() {
        for statement in statements.values { statement.finalize() }
        statements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// The open handle, or a `closed` error.
    func openHandle(_ context: @autoclosure () -> String) throws -> OpaquePointer {
        guard let handle else { throw StoreError(.closed, message: "connection is closed", context: context()) }
        return handle
    }

    /// The error SQLite reports for the last call on this connection.
    func error(_ result: Int32, _ context: String) -> StoreError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "connection is closed"
        return StoreError.sqlite(result, message: message, context: context)
    }

    /// Whether an explicit transaction is open (`BEGIN` without its `COMMIT` or `ROLLBACK` yet).
    var isInTransaction: Bool { handle.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    /// Runs one or more statements that return no rows we need (DDL, pragmas, BEGIN/COMMIT).
    func execute(_ sql: String) throws {
        let db = try openHandle(sql)
        let result = sqlite3_exec(db, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw error(result, sql) }
    }

    /// A cached prepared statement for `sql`, reset and with no bindings.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        let db = try openHandle(sql)
        var stmt: OpaquePointer?
        let result = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard result == SQLITE_OK, let stmt else { throw error(result, sql) }
        let statement = SQLiteStatement(handle: stmt, database: db, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Inserts `count` rows of `columns` parameters each with multi-row `VALUES` lists, up to
    /// `rowsPerStatement` rows a statement (then 8, then 1 for the rest: at most three statements
    /// cached per insert). One execution per row paid SQLite's per-statement work (open and close
    /// the table's cursors, halt, reset) again for every row: about half of a small row's insert.
    /// `sql` is the statement up to `VALUES`, `suffix` what follows the lists (an upsert clause);
    /// `bind(statement, first, row)` binds row `row`'s values from parameter index `first` on.
    /// Returns the rows the statements changed (`sqlite3_changes` summed).
    @discardableResult
    func insertRows(_ sql: String, columns: Int, count: Int, suffix: String = "", rowsPerStatement: Int = 32,
                    bind: (SQLiteStatement, Int32, Int) -> Void) throws -> Int {
        var row = 0
        var changed = 0
        for size in [rowsPerStatement, 8, 1] where size <= rowsPerStatement {
            guard count - row >= size else { continue }
            let tuple = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
            let statement = try prepare(sql + " VALUES " + Array(repeating: tuple, count: size).joined(separator: ", ") + suffix)
            while count - row >= size {
                statement.reset()
                for k in 0..<size { bind(statement, Int32(k * columns + 1), row + k) }
                _ = try statement.step()
                changed += changes
                row += size
            }
            statement.reset()
        }
        return changed
    }

    /// The first column of the first row of `sql` as an integer (nil when no row or NULL).
    func scalar(_ sql: String, _ bind: (SQLiteStatement) -> Void = { _ in }) throws -> Int64? {
        let statement = try prepare(sql)
        defer { statement.reset() }
        bind(statement)
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return statement.int64(0)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`; rolls back when it throws.
    ///
    /// IMMEDIATE takes the write lock up front, so lock contention surfaces as a retriable
    /// `busy` error at BEGIN rather than half way through the body.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if let db = handle, sqlite3_get_autocommit(db) == 0 { sqlite3_exec(db, "ROLLBACK", nil, nil, nil) }
            throw error
        }
    }

    /// The rowid of the last successful INSERT on this connection.
    var lastInsertRowID: Int64 { handle.map { sqlite3_last_insert_rowid($0) } ?? 0 }

    /// Rows changed by the last INSERT/UPDATE/DELETE on this connection.
    var changes: Int { handle.map { Int(sqlite3_changes64($0)) } ?? 0 }

    /// Runs a checkpoint of the WAL into the database file (`mode`: PASSIVE, FULL, RESTART, TRUNCATE).
    func checkpoint(_ mode: Int32 = SQLITE_CHECKPOINT_PASSIVE) throws {
        let db = try openHandle("checkpoint")
        var logFrames: Int32 = 0
        var checkpointed: Int32 = 0
        let result = sqlite3_wal_checkpoint_v2(db, nil, mode, &logFrames, &checkpointed)
        guard result == SQLITE_OK || result == SQLITE_BUSY else { throw error(result, "wal_checkpoint") }
    }
}
