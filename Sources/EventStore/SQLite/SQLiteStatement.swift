import CSQLite

/// `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the bind call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A valid pointer for binding empty text (a NULL pointer binds SQL NULL): a static string's.
private var emptyText: UnsafePointer<CChar> { UnsafeRawPointer(("" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self) }

/// One prepared statement (`sqlite3_stmt*`), owned and cached by its `SQLiteDatabase`.
///
/// Binding never throws: a failed bind is remembered and reported by the next `step()`, so call
/// sites stay a straight line of binds followed by one `try step()`. Indexes are 1-based for
/// parameters and 0-based for result columns, as in SQLite.
final class SQLiteStatement {
    private var handle: OpaquePointer?
    private let database: OpaquePointer
    let sql: String
    private var bindError: Int32 = SQLITE_OK

    init(handle: OpaquePointer, database: OpaquePointer, sql: String) {
        self.handle = handle
        self.database = database
        self.sql = sql
    }

    func finalize() {
        if let handle { sqlite3_finalize(handle) }
        handle = nil
    }

    /// Resets the statement and clears its bindings so it can run again.
    func reset() {
        guard let handle else { return }
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        bindError = SQLITE_OK
    }

    private func check(_ result: Int32) {
        if result != SQLITE_OK && bindError == SQLITE_OK { bindError = result }
    }

    // MARK: Binding

    func bind(_ index: Int32, _ value: Int64) { check(sqlite3_bind_int64(handle, index, value)) }

    func bind(_ index: Int32, _ value: Int) { bind(index, Int64(value)) }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { bind(index, value) } else { bindNull(index) }
    }

    /// Binds the string's UTF-8 bytes with their length: no C string is made and no `strlen` run.
    func bind(_ index: Int32, _ value: String?) {
        guard var value else { return bindNull(index) }
        check(value.withUTF8 { text in
            // A NULL pointer would bind SQL NULL; an empty string needs a valid one.
            sqlite3_bind_text(handle, index, text.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } ?? emptyText,
                              Int32(text.count), transient)
        })
    }

    /// Binds UTF-8 text given as bytes (already built by the caller).
    func bind(_ index: Int32, text: [UInt8]) {
        check(text.withUnsafeBufferPointer { bytes in
            sqlite3_bind_text(handle, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } ?? emptyText,
                              Int32(bytes.count), transient)
        })
    }

    func bind(_ index: Int32, bytes: [UInt8]?) {
        guard let bytes else { return bindNull(index) }
        check(bytes.withUnsafeBytes { raw in
            sqlite3_bind_blob64(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(raw.count), transient)
        })
    }

    func bind(_ index: Int32, key: DedupKey) {
        check(key.withUnsafeBytes { raw in
            sqlite3_bind_blob(handle, index, raw.baseAddress, Int32(raw.count), transient)
        })
    }

    func bindNull(_ index: Int32) { check(sqlite3_bind_null(handle, index)) }

    /// The largest parameter index (the number of `?` for positional parameters).
    var parameterCount: Int32 { sqlite3_bind_parameter_count(handle) }

    // MARK: Stepping

    /// Advances: true when a row is available, false when the statement is done.
    func step() throws -> Bool {
        guard let handle else { throw StoreError(.closed, message: "statement is finalized", context: sql) }
        if bindError != SQLITE_OK {
            let result = bindError
            throw StoreError.sqlite(result, message: String(cString: sqlite3_errstr(result)), context: "bind: \(sql)")
        }
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = String(cString: sqlite3_errmsg(database))
            sqlite3_reset(handle)
            throw StoreError.sqlite(result, message: message, context: sql)
        }
    }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws {
        defer { reset() }
        while try step() {}
    }

    // MARK: Columns

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    /// SQLite's storage class of the column in the current row (`SQLITE_INTEGER`, `SQLITE_TEXT` …).
    func type(_ column: Int32) -> Int32 { sqlite3_column_type(handle, column) }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func bytes(_ column: Int32) -> [UInt8]? {
        if isNull(column) { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let blob = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: blob, count: count))
    }

    /// A 16-byte blob column as a dedup key (nil when it is not 16 bytes).
    func key(_ column: Int32) -> DedupKey? {
        guard sqlite3_column_bytes(handle, column) == 16, let blob = sqlite3_column_blob(handle, column) else { return nil }
        return DedupKey(bytes: UnsafeRawBufferPointer(start: blob, count: 16))
    }
}
