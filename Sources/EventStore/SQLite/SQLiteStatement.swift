import CSQLite

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
    private let buffers: BindBuffers

    init(handle: OpaquePointer, database: OpaquePointer, sql: String) {
        self.handle = handle
        self.database = database
        self.sql = sql
        buffers = BindBuffers(parameters: Int(sqlite3_bind_parameter_count(handle)))
    }

    deinit { finalize() }

    func finalize() {
        if let handle { sqlite3_finalize(handle) }
        handle = nil
        buffers.free()
    }

    /// Per parameter, memory its text or blob is copied into and bound from (`SQLITE_STATIC`), so
    /// that a bind neither allocates nor frees: with `SQLITE_TRANSIENT`, SQLite allocated a copy of
    /// every bound value and freed it at the next bind (~1,500 instructions a value in the store's
    /// writer). A parameter's memory is rewritten only when that parameter is bound again, and
    /// freed when the statement is finalized — the lifetime SQLite requires of static bindings.
    private final class BindBuffers {
        private var base: UnsafeMutablePointer<(bytes: UnsafeMutableRawPointer?, capacity: Int)>
        private var count: Int

        init(parameters: Int) {
            count = parameters &+ 1  // indexes are 1-based
            base = .allocate(capacity: count)
            base.initialize(repeating: (nil, 0), count: count)
        }

        /// `source` copied into parameter `index`'s memory; its address (never NULL, which SQLite
        /// would bind as SQL NULL, also for no bytes), valid until the parameter is bound again.
        func copy(_ source: UnsafeRawBufferPointer, for index: Int32) -> UnsafeRawPointer? {
            let i = Int(index)
            guard i > 0, i < count else { return nil }
            if base[i].capacity < source.count || base[i].bytes == nil {
                // SQLite still holds the old address, but reads it only in `step`, after this
                // parameter is bound to the new one.
                base[i].bytes?.deallocate()
                let capacity = max(32, source.count)
                base[i] = (.allocate(byteCount: capacity, alignment: 8), capacity)
            }
            let target = base[i].bytes.unsafelyUnwrapped
            if let from = source.baseAddress, source.count > 0 { target.copyMemory(from: from, byteCount: source.count) }
            return UnsafeRawPointer(target)
        }

        func free() {
            for i in 0..<count { base[i].bytes?.deallocate() }
            base.deinitialize(count: count)
            base.deallocate()
            base = .allocate(capacity: 1)
            base.initialize(to: (nil, 0))
            count = 0
        }

        deinit {
            for i in 0..<count { base[i].bytes?.deallocate() }
            base.deinitialize(count: max(count, 1))
            base.deallocate()
        }
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
        value.withUTF8 { bindText(index, UnsafeRawBufferPointer($0)) }
    }

    /// Binds UTF-8 text given as bytes (already built by the caller).
    func bind(_ index: Int32, text: [UInt8]) {
        text.withUnsafeBytes { bindText(index, $0) }
    }

    func bind(_ index: Int32, bytes: [UInt8]?) {
        guard let bytes else { return bindNull(index) }
        bytes.withUnsafeBytes { bindBlob(index, $0) }
    }

    func bind(_ index: Int32, key: DedupKey) {
        key.withUnsafeBytes { bindBlob(index, $0) }
    }

    private func bindText(_ index: Int32, _ text: UnsafeRawBufferPointer) {
        guard let bytes = buffers.copy(text, for: index) else { return check(SQLITE_RANGE) }
        check(sqlite3_bind_text(handle, index, bytes.assumingMemoryBound(to: CChar.self), Int32(text.count), nil))  // nil: SQLITE_STATIC
    }

    private func bindBlob(_ index: Int32, _ blob: UnsafeRawBufferPointer) {
        guard let bytes = buffers.copy(blob, for: index) else { return check(SQLITE_RANGE) }
        check(sqlite3_bind_blob64(handle, index, bytes, UInt64(blob.count), nil))  // nil: SQLITE_STATIC
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
