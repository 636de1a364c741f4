import Glibc

/// Checks that the store is sound when it opens and stays the same file while it is open
/// (docs/store.md, "Safety").
enum StoreIntegrity {
    /// `PRAGMA quick_check`: the B-trees, their pages and record formats, without the index
    /// content comparison of `integrity_check` (O(N), about a second per GB). Throws `corrupt` with
    /// SQLite's first findings.
    static func quickCheck(_ db: SQLiteDatabase) throws {
        var findings: [String] = []
        do {
            let statement = try db.prepare("PRAGMA quick_check(20)")
            defer { statement.reset() }
            while try statement.step() { findings.append(statement.string(0) ?? "") }
        } catch let error as StoreError where error.code == .corrupt {
            // Damage bad enough that SQLite cannot walk the pages ends the check itself
            // (SQLITE_CORRUPT, SQLITE_NOTADB): the same finding, with the same advice.
            findings = [error.message]
        }
        guard findings != ["ok"] else { return }
        throw StoreError(.corrupt, message: "PRAGMA quick_check found damage: " + findings.prefix(5).joined(separator: "; ")
                             + " — restore the store from a backup, or move it aside and start with --accept-empty-state",
                         context: db.path)
    }

    /// The device and inode of a file: a store deleted and recreated, or another file moved in
    /// its place, has another.
    struct FileIdentity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// Creates the database file readable and writable by its owner only (0600), when it does
    /// not exist yet; SQLite gives the `-wal` and `-shm` files the database file's permissions.
    static func createPrivately(_ path: String) {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
    }
}
