import Contracts

/// Dedup and staleness decisions (design §6) over two layers: the store (durable, committed
/// outcomes) and the events this process has published but not yet committed (pending).
///
/// A dedup key or revision enters the store only in the transaction that records its input's
/// outcome, after the broker acknowledged the outputs. Until then it lives here, tagged with its
/// source partition, so that a duplicate arriving while the original is in flight is still caught,
/// and so that abandoning a partition (revoke, rewind) forgets exactly its pending state.
/// Owned by the pipeline thread; not thread-safe.
final class Sequencer {
    struct EntityRef: Hashable {
        var family: String
        var key: String
    }

    /// Nil: no durable layer, every key stays pending (benchmarks compare the store with an in-memory set).
    private let store: EventStore?
    private var pendingKeys: [DedupKey: KafkaTopicPartition] = [:]
    private var pendingRevisions: [EntityRef: (revision: StoredRevision, partition: KafkaTopicPartition)] = [:]
    private static let noBatch = StoreBatch()

    init(store: EventStore?) { self.store = store }

    /// True when an event with this key was published before (committed or in flight).
    func isDuplicate(_ key: DedupKey) throws -> Bool {
        if pendingKeys[key] != nil { return true }
        return try store?.isDuplicate(key, pending: Self.noBatch) ?? false
    }

    /// The newest revision published for the entity (in flight first, then committed).
    func lastRevision(_ entity: EntityRef) throws -> StoredRevision? {
        if let pending = pendingRevisions[entity] { return pending.revision }
        return try store?.lastRevision(family: entity.family, entityKey: entity.key, pending: Self.noBatch)
    }

    /// Remembers a published event until its outcome is committed.
    func remember(key: DedupKey, entity: EntityRef?, revision: StoredRevision?, partition: KafkaTopicPartition) {
        pendingKeys[key] = partition
        if let entity, let revision { pendingRevisions[entity] = (revision, partition) }
    }

    /// The outcome holding these keys is committed: the store answers for them from now on.
    func committed(keys: [DedupKey], entities: [EntityRef]) {
        for k in keys { pendingKeys.removeValue(forKey: k) }
        for e in entities { pendingRevisions.removeValue(forKey: e) }
    }

    /// Forgets the pending state of abandoned partitions (their inputs will be consumed again).
    func forget(_ partitions: Set<KafkaTopicPartition>) {
        guard !partitions.isEmpty else { return }
        pendingKeys = pendingKeys.filter { !partitions.contains($0.value) }
        pendingRevisions = pendingRevisions.filter { !partitions.contains($0.value.partition) }
    }

    var pendingCount: Int { pendingKeys.count }
}
