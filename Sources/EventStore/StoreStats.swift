import Foundation

/// What `status` and the `store size` metric show.
public struct StoreStats: Hashable, Sendable {
    /// Database file plus WAL, bytes.
    public var fileBytes: Int64
    public var walBytes: Int64
    /// Dedup keys held (live generations).
    public var dedupKeys: Int64
    public var dedupGenerations: Int
    public var parkedEvents: Int64
    /// Ledger rows (a count over the smallest index: proportional to the ledger's size).
    public var ledgerRows: Int64
    public var partitions: Int
}

extension StoreReader {
    /// Sizes and counts from one snapshot.
    public func stats() throws -> StoreStats {
        try connection.read { db in
            let path = db.path
            func size(_ file: String) -> Int64 {
                let attributes = try? FileManager.default.attributesOfItem(atPath: file)
                return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            }
            let wal = size(path + "-wal")
            return StoreStats(
                fileBytes: size(path) + wal,
                walBytes: wal,
                dedupKeys: try db.scalar("SELECT coalesce(sum(count), 0) FROM dedup_generations WHERE dropping = 0") ?? 0,
                dedupGenerations: Int(try db.scalar("SELECT count(*) FROM dedup_generations WHERE dropping = 0") ?? 0),
                parkedEvents: try db.scalar("SELECT count(*) FROM parked") ?? 0,
                ledgerRows: try db.scalar("SELECT count(*) FROM ledger") ?? 0,
                partitions: Int(try db.scalar("SELECT count(*) FROM partitions") ?? 0))
        }
    }
}
