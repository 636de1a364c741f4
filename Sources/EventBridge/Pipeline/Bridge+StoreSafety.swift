import Basics
import EventStore
import KafkaClient

/// The store is the truth the Kafka offsets follow (docs/decisions.md), so the bridge stops — it
/// does not restart — when that truth is gone: a store file deleted or replaced under it, or a
/// partition the group has consumed but this store knows nothing of (docs/store.md, "Safety").
extension Bridge {
    /// Stops `run` for the operator to act (exit 1): restarting would not help.
    struct Stop: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// False (once, logged critical) when the store's file is no longer the one the bridge opened;
    /// from then on no offset is committed to Kafka (`settleCommit`), since the outcomes behind it
    /// went to a file nobody will read again.
    func storeFileHolds() -> Bool {
        guard !storeLost else { return false }
        do {
            try store.verifyFile()
            return true
        } catch {
            storeLost = true
            logger.critical("the store was deleted or replaced under the running bridge; stopping without committing offsets",
                            ["error": "\(error)"])
            return false
        }
    }

    /// Throws `Stop` once the store's file is gone (`storeFileHolds`).
    func requireStoreFile() throws {
        guard storeFileHolds() else {
            throw Stop(reason: "the store \(config.resolve(config.store.path)) was deleted or replaced while the bridge ran")
        }
    }

    /// Checks newly assigned partitions before any of their records is handled: one for which the
    /// group has committed offsets but this store holds no processed offset has lost its state
    /// (dedup keys, revisions, ledger: a new host, a wiped volume). Without `acceptEmptyState` the
    /// bridge stops; with it, the committed offsets are recorded as the store's starting point, so
    /// the acceptance is asked once.
    func checkAssignedState(_ consumer: KafkaConsumer) throws {
        let partitions = stateUnchecked
        stateUnchecked.removeAll()
        let processed = try store.reader.processedOffsets()
        // What `startProcessing` read may be missing (its read failed): read again here, where a
        // failure ends the run with the error before any of these partitions' records is handled,
        // so no input the store recorded is processed again.
        for tp in partitions {
            if let next = processed[tp] { recordedBelow[tp] = max(recordedBelow[tp] ?? next, next) }
        }
        let unknown = partitions.filter { processed[$0] == nil }.sorted()
        guard !unknown.isEmpty else { return }
        let committed: [PartitionPosition]
        do {
            committed = try consumer.committedBlocking(unknown, timeout: .seconds(10))
        } catch {
            throw RestartRequest(reason: "cannot read the group's committed offsets to check the store's state: \(error)")
        }
        let stateless = committed.filter { $0.offset > 0 }
        guard !stateless.isEmpty else { return }
        let list = stateless.map(\.description).joined(separator: ", ")
        guard acceptEmptyState else {
            throw Stop(reason: "the group \(config.groupId) has committed offsets for \(list) but the store \(config.resolve(config.store.path)) "
                           + "has no state for them (a new or wiped store): the dedup keys and revisions of what was published are gone. "
                           + "Restore the store, or start once with --accept-empty-state to go on from the committed offsets "
                           + "(events published before may then be published again)")
        }
        var batch = StoreBatch()
        for position in stateless { batch.setProcessedOffset(next: position.offset, for: position.topicPartition) }
        // Like every state change: the changelog first (a later owner restores the acceptance), then the store.
        try changelogWriter?.write(batch.stateChanges).wait()
        try store.commitAndWait(batch)
        for position in stateless { recordedBelow[position.topicPartition] = position.offset }
        logger.warning("accepted empty state for partitions the group had consumed (--accept-empty-state)", ["partitions": list])
    }
}
