/// The pipeline's revision lookups (the staleness guard, docs/design.md §6), on a read-only
/// connection of their own that stays in one read transaction — one snapshot of the store — from
/// the first lookup until `end()`.
///
/// In autocommit mode every lookup opened and closed a read transaction of its own: the file's
/// shared lock and a WAL read mark, four `fcntl` calls and about 7,000 instructions for a probe of
/// an entity the store has never seen (each new invoice, customer, payment). Inside a snapshot a
/// lookup is the B-tree probe alone.
///
/// A snapshot does not see what is committed after it began. Its owner ends it (docs/decisions.md,
/// 2026-12-05, "Revision lookups read one snapshot per batch"):
/// - whenever a commit it relies on is durable — the dedup stage lets go of pending revisions only
///   because the store now has them, so it ends the snapshot in the same step;
/// - at the end of every batch of inputs, so state written by others meanwhile (a partition's
///   changelog restored, pruning) is seen by the next batch, and the snapshot never holds back
///   the WAL's checkpoint for longer than one batch.
public final class RevisionSnapshot: Sendable {
    private let connection: LockedConnection

    init(connection: LockedConnection) {
        self.connection = connection
    }

    /// The last committed revision of an entity as of this snapshot (begun by the first lookup
    /// after `end()`).
    public func lastRevision(family: String, entityKey: String) throws -> StoredRevision? {
        try connection.withDatabase { db in
            if !db.isInTransaction { try db.execute("BEGIN DEFERRED") }
            return try StoreReader.lastRevision(db, family: family, entityKey: entityKey)
        }
    }

    /// Ends the snapshot, if one is open: the next lookup sees everything committed by then.
    public func end() {
        try? connection.withDatabase { db in
            guard db.isInTransaction else { return }
            // A read transaction ends without error; if it did not, drop it rather than keep the old snapshot.
            do { try db.execute("COMMIT") } catch { try? db.execute("ROLLBACK") }
        }
    }

    /// Whether a snapshot is open (tests).
    public var isOpen: Bool { (try? connection.withDatabase { $0.isInTransaction }) ?? false }

    func close() { connection.close() }
}
