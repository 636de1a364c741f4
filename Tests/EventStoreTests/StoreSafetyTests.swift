import Foundation
import Testing
@testable import EventStore
import Basics

/// One writer per store, a store that is what it was when it opened, and a file only its owner can
/// read (docs/store.md, "Safety").
@Suite struct StoreSafetyTests {
    @Test func aSecondWriterIsRefusedWithTheHoldersPid() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        #expect {
            _ = try temp.open()
        } throws: { error in
            guard let e = error as? StoreError else { return false }
            return e.code == .inUse && e.message.contains("pid \(getpid())") && e.message.contains(temp.path)
        }
        #expect(StoreLock.holder(ofStore: temp.path) == getpid())
        store.close()
        #expect(StoreLock.holder(ofStore: temp.path) == nil)
        let again = try temp.open()
        again.close()
    }

    @Test func theFilesAreCreatedReadableByTheOwnerOnly() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        var batch = StoreBatch()
        batch.setProcessedOffset(next: 1, for: StoreFixtures.orders)
        try store.commitAndWait(batch)
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: temp.path + suffix)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
            #expect(mode == 0o600, "\(suffix): \(String(mode, radix: 8))")
        }
        store.close()
    }

    @Test func aDeletedOrReplacedStoreIsDetected() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        try store.verifyFile()
        // Replaced: another file moved into its place.
        let other = temp.directory.appendingPathComponent("other.sqlite").path
        _ = FileManager.default.createFile(atPath: other, contents: Data())
        try FileManager.default.removeItem(atPath: temp.path)
        try FileManager.default.moveItem(atPath: other, toPath: temp.path)
        #expect {
            try store.verifyFile()
        } throws: { error in
            (error as? StoreError)?.code == .replaced && "\(error)".contains("replaced")
        }
        // Deleted.
        try FileManager.default.removeItem(atPath: temp.path)
        #expect {
            try store.verifyFile()
        } throws: { error in
            (error as? StoreError)?.code == .replaced && "\(error)".contains("deleted")
        }
        store.close()
    }

    /// Text and blobs are bound from the statement's own memory (`SQLITE_STATIC`): each value reads
    /// back as bound — a long value then a short one in the same parameter, empty text and an
    /// empty blob (not NULL), NULL — and a statement rebound many times holds no stale bytes.
    @Test func boundValuesReadBackExactly() throws {
        let temp = try TemporaryStore()
        let db = try SQLiteDatabase(path: temp.path, mode: .readWriteCreate)
        defer { db.close() }
        try db.execute("CREATE TABLE t(n INTEGER, s TEXT, b BLOB)")
        let insert = try db.prepare("INSERT INTO t(n, s, b) VALUES(?, ?, ?)")
        let values: [(String?, [UInt8]?)] = [
            (String(repeating: "long-ü", count: 200), Array(repeating: 7, count: 5_000)), ("short", [1, 2]), ("", []), (nil, nil),
            ("é", [0]), (String(repeating: "x", count: 33), Array(0..<255)),
        ]
        for (n, (text, blob)) in values.enumerated() {
            insert.reset()
            insert.bind(1, Int64(n))
            insert.bind(2, text)
            insert.bind(3, bytes: blob)
            _ = try insert.step()
        }
        insert.reset()
        let select = try db.prepare("SELECT s, b, s IS NULL, b IS NULL FROM t WHERE n = ?")
        for (n, (text, blob)) in values.enumerated() {
            select.reset()
            select.bind(1, Int64(n))
            #expect(try select.step())
            #expect(select.string(0) == text, "row \(n)")
            #expect(select.bytes(1) == blob || (blob == [] && select.bytes(1) == nil && select.int64(3) == 0), "row \(n)")
            #expect(select.int64(2) == (text == nil ? 1 : 0) && select.int64(3) == (blob == nil ? 1 : 0), "row \(n): NULL only where nil was bound")
        }
        select.reset()
    }

    @Test func aDamagedStoreIsRefusedAtOpenByQuickCheck() throws {
        let temp = try TemporaryStore()
        let store = try temp.open { $0.generationSize = 1_000_000 }
        var batch = StoreBatch()
        for n in 0..<20_000 {
            batch.record(StoreFixtures.entry(StoreFixtures.orders, Int64(n), .published, eventID: "e\(n)", entity: "c\(n)"))
        }
        try store.commitAndWait(batch)
        store.close()
        // Everything into the database file (else the WAL's copies of the pages would hide the damage).
        let db = try SQLiteDatabase(path: temp.path, mode: .readWriteCreate)
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        // Overwrite the middle of the file (B-tree pages of the ledger) with garbage, as a disk fault would.
        let handle = try #require(FileHandle(forUpdatingAtPath: temp.path))
        let size = try handle.seekToEnd()
        #expect(size > 200_000)
        try handle.seek(toOffset: size / 2)
        handle.write(Data(repeating: 0xA5, count: 16_384))
        try handle.close()
        #expect {
            _ = try temp.open()
        } throws: { error in
            guard let e = error as? StoreError else { return false }
            return e.code == .corrupt && e.message.contains("quick_check")
        }
        #expect(StoreLock.holder(ofStore: temp.path) == nil, "a refused open releases the lock")
    }
}
