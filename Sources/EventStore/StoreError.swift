import CSQLite

/// The one error type of the embedded store.
///
/// `code` says what kind of failure it is; `sqliteCode` and `message` carry what SQLite said
/// (extended result code and `sqlite3_errmsg`). Whether the caller should retry is a property
/// (`isRetriable`), not a guess at the call site: `SQLITE_BUSY`/`SQLITE_LOCKED` (another
/// connection holds the write lock longer than `busy_timeout`) are retriable; everything else
/// (I/O errors, a full disk, corruption, misuse) is not.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// An extensible error code: a struct over a private enum so new cases don't break callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Sendable {
            case sqlite, busy, corrupt, schemaTooNew, closed, invalidArgument, readOnly, conflict, inUse, replaced
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// Any SQLite failure that has no more specific code (I/O, full disk, constraint …).
        public static let sqlite = Code(.sqlite)
        /// Another connection holds the lock (`SQLITE_BUSY`/`SQLITE_LOCKED`): retry later.
        public static let busy = Code(.busy)
        /// The database file is damaged or not a database (`SQLITE_CORRUPT`/`SQLITE_NOTADB`).
        public static let corrupt = Code(.corrupt)
        /// The file was written by a newer EventBridge with a schema this build doesn't know.
        public static let schemaTooNew = Code(.schemaTooNew)
        /// The store (or connection) was closed.
        public static let closed = Code(.closed)
        /// The caller passed something the store cannot store (e.g. a negative limit).
        public static let invalidArgument = Code(.invalidArgument)
        /// A write was attempted through a read-only connection.
        public static let readOnly = Code(.readOnly)
        /// The row already exists where the store promises uniqueness (a DLQ replay attempt).
        public static let conflict = Code(.conflict)
        /// Another process has the store open for writing (its lock file is held): one bridge per store.
        public static let inUse = Code(.inUse)
        /// The store file was deleted or replaced by another file while it was open.
        public static let replaced = Code(.replaced)

        public var description: String { kind.rawValue }
    }

    public var code: Code
    /// SQLite's extended result code, when the failure came from SQLite.
    public var sqliteCode: Int32?
    public var message: String
    /// What the store was doing (e.g. the SQL or "commit batch").
    public var context: String
    public var file: String
    public var line: Int

    public init(
        _ code: Code, message: String, sqliteCode: Int32? = nil, context: String = "",
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.sqliteCode = sqliteCode
        self.context = context
        self.file = file
        self.line = line
    }

    /// True when the same operation may succeed if tried again (lock contention).
    public var isRetriable: Bool { code == .busy }

    public var description: String {
        var text = "store \(code): \(message)"
        if let sqliteCode { text += " (sqlite \(sqliteCode))" }
        if !context.isEmpty { text += " [\(context)]" }
        return text
    }

    /// Maps a SQLite result code and message to a store error.
    static func sqlite(
        _ result: Int32, message: String, context: String, file: String = #fileID, line: Int = #line
    ) -> StoreError {
        let code: Code
        switch result & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED: code = .busy
        case SQLITE_CORRUPT, SQLITE_NOTADB: code = .corrupt
        case SQLITE_READONLY: code = .readOnly
        default: code = .sqlite
        }
        return StoreError(code, message: message, sqliteCode: result, context: context, file: file, line: line)
    }
}
