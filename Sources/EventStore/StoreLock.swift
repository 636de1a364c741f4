import Glibc

/// One writer per store: an exclusive `flock` on `<store>.lock`, held from `EventStore.open` to
/// `close` (or the process's end: the kernel drops it with the descriptor, so a SIGKILLed bridge
/// leaves no stale lock). The file holds the holder's pid, which `holder(ofStore:)` reports and
/// `eventbridge reload` signals. The CLI's own connections (read-only queries, the DLQ book) do not
/// take it: SQLite's WAL locking already serializes their few writes with the bridge's.
final class StoreLock: @unchecked Sendable {
    // @unchecked Sendable: `descriptor` is written in `init` and in `release`, which the owning
    // store calls once, from `close` or `deinit` (never concurrently with anything else here).
    let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { release() }

    static func path(ofStore store: String) -> String { store + ".lock" }

    /// Takes the lock of the store at `storePath`, or throws `inUse` naming the holder.
    static func acquire(store storePath: String) throws -> StoreLock {
        let path = path(ofStore: storePath)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError(.sqlite, message: "cannot create the lock file: \(String(cString: strerror(errno)))", context: path)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = readPid(fd)
            close(fd)
            throw StoreError(.inUse, message: "the store \(storePath) is in use by another bridge"
                                 + (holder.map { " (pid \($0))" } ?? "") + ": one bridge per store, each instance its own store.path",
                             context: path)
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return StoreLock(path: path, descriptor: fd)
    }

    /// Gives the lock up. Idempotent.
    func release() {
        guard descriptor >= 0 else { return }
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    /// The pid of the process that holds the lock of the store at `storePath`; nil when nobody
    /// does (no bridge runs on it).
    static func holder(ofStore storePath: String) -> Int32? {
        let fd = open(path(ofStore: storePath), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // Free if a shared lock can be taken (then give it back at once).
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return nil
        }
        return readPid(fd)
    }

    private static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n].prefix { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self))
    }
}
