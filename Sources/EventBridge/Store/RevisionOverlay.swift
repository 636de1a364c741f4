import Foundation

/// Revisions of batches handed to `commit` but not yet committed, so the staleness guard of a
/// pipeline that keeps going while a batch commits compares against them.
///
/// Each batch gets a ticket; a later batch's revision for the same entity replaces an earlier
/// one, and completing a batch removes only the entries that are still its own.
final class RevisionOverlay: @unchecked Sendable {
    // @unchecked: `entries` and `nextTicket` are read and written only under `lock`.
    private let lock = NSLock()
    private var entries: [RevisionKey: (ticket: UInt64, revision: StoredRevision)] = [:]
    private var nextTicket: UInt64 = 1

    /// Adds a batch's revisions; returns its ticket.
    func submit(_ revisions: [RevisionKey: StoreBatch.PendingRevision]) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        let ticket = nextTicket
        nextTicket += 1
        for (key, pending) in revisions { entries[key] = (ticket, pending.revision) }
        return ticket
    }

    /// The batch is committed (its revisions are now in SQLite) or failed: drop its entries.
    func complete(_ ticket: UInt64, _ revisions: [RevisionKey: StoreBatch.PendingRevision]) {
        guard !revisions.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        for key in revisions.keys where entries[key]?.ticket == ticket { entries[key] = nil }
    }

    func revision(_ key: RevisionKey) -> StoredRevision? {
        lock.lock()
        defer { lock.unlock() }
        return entries[key]?.revision
    }
}
