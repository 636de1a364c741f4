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
