import Basics
/// The writes of one pipeline batch, committed as one SQLite transaction by
/// `EventStore.commit(_:)`. A value: build it on the pipeline's thread, hand it over, done.
///
/// A batch should line up with an offset commit: record every input's outcome, then set the
/// processed offsets, then commit the batch, and only then commit the offsets to Kafka.
///
/// The store does not read uncommitted batches: until its commit returns, the keys and revisions a
/// batch holds are answered by the pipeline's dedup stage, their one owner.
public struct StoreBatch: Sendable {
    struct PendingKey: Sendable {
        var key: DedupKey
        var partition: TopicPartition
        var firstSeenMillis: Int64
    }

    struct PendingRevision: Sendable {
        var revision: StoredRevision
        var partition: TopicPartition
        var atMillis: Int64
    }

    struct PendingState: Sendable {
        /// Nil: the state is forgotten (deleted).
        var record: [UInt8]?
        var partition: TopicPartition
        /// The offset in `partition` of the input that wrote it (nil: not known).
        var sourceOffset: Int64?
        var atMillis: Int64
    }

    private(set) var dedupKeys: [PendingKey] = []
    private(set) var entityStates: [EntityStateKey: PendingState] = [:]
    private(set) var dedupKeySet = DedupKeySet()
    private(set) var revisions: [RevisionKey: PendingRevision] = [:]
    private(set) var outcomes: [LedgerEntry] = []
    private(set) var offsets: [TopicPartition: Int64] = [:]
    private(set) var parks: [ParkedEvent] = []
    private(set) var releases: [PartitionPosition] = []
    private(set) var readiness: [ExactText: (partition: TopicPartition, atMillis: Int64)] = [:]
    private(set) var requests: [ParkedRequest] = []
    private(set) var changelogPositions: [TopicPartition: Int64] = [:]
    private(set) var partialRecords: [ChangelogPartialRecord] = []
    private(set) var completedWrites: [ChangelogWriteID] = []
    /// Set by `EventStore.apply`: changes restored from a changelog may already be in the store.
    var restoring = false
    private(set) var replays: [DeadLetterReplay] = []
    private(set) var resolutions: [DeadLetterResolution] = []

    public init() {}

    /// A batch with room for `inputs` inputs' ledger rows, dedup keys and revisions (one of each
    /// an input is the usual case), so filling it does not grow its tables step by step.
    public init(reservingFor inputs: Int) {
        outcomes.reserveCapacity(inputs)
        dedupKeys.reserveCapacity(inputs)
        dedupKeySet = DedupKeySet(minimumCapacity: inputs)
        revisions.reserveCapacity(inputs)
    }

    /// Nothing to write.
    public var isEmpty: Bool {
        dedupKeys.isEmpty && revisions.isEmpty && entityStates.isEmpty && outcomes.isEmpty && offsets.isEmpty && parks.isEmpty
            && releases.isEmpty && readiness.isEmpty && replays.isEmpty && resolutions.isEmpty && requests.isEmpty
            && changelogPositions.isEmpty && partialRecords.isEmpty && completedWrites.isEmpty
    }

    /// Number of ledger entries (inputs) in the batch.
    public var outcomeCount: Int { outcomes.count }

    // MARK: Dedup

    /// Adds a dedup key first seen now. Returns false (and changes nothing) when the batch
    /// already holds it. Does not look at committed keys (`EventStore.contains`).
    @discardableResult
    public mutating func insertDedupKey(_ key: DedupKey, partition: TopicPartition, firstSeenMillis: Int64) -> Bool {
        guard dedupKeySet.insert(key) else { return false }
        dedupKeys.append(PendingKey(key: key, partition: partition, firstSeenMillis: firstSeenMillis))
        return true
    }

    /// True when this batch already inserted `key`.
    public func containsDedupKey(_ key: DedupKey) -> Bool { dedupKeySet.contains(key) }

    // MARK: Revisions

    /// Records `revision` as the last published revision of the entity. It never moves back: the
    /// highest per entity wins, in the batch as in a restore (`StoreWriter`). The pipeline checks
    /// staleness before calling this, so its revisions only rise; a restore applies a changelog
    /// where a lower one can follow a higher one (a writer that went on after its partition moved).
    public mutating func setRevision(
        _ revision: StoredRevision, family: String, entityKey: String, partition: TopicPartition, atMillis: Int64
    ) {
        // One hash on the common path (a new entity, or a higher revision); the rare lower one is put back.
        let key = RevisionKey(family: family, entityKey: entityKey)
        if let earlier = revisions.updateValue(PendingRevision(revision: revision, partition: partition, atMillis: atMillis), forKey: key),
           revision < earlier.revision {
            revisions[key] = earlier
        }
    }

    // MARK: Entity state

    /// Records `record` (JSON text) as the last known source record of an entity, or forgets it
    /// (`nil`: nothing is known any more), as of the input at `sourceOffset` in `partition`.
    ///
    /// A record only moves forward, as revisions and processed offsets do: a write of an older
    /// input of the same source partition than the one already in this batch or in the store is
    /// ignored — in a restore, an instance that had not yet noticed it lost the partition may have
    /// written after the next owner (docs/scaling.md). A write whose offset is not known (changelogs
    /// written before 2026-12-05) replaces whatever is there, as before; so does forgetting in the
    /// store, and a forgetting read from a changelog carries no offset (a Kafka tombstone has no
    /// value). The pipeline's entity state stage writes in input order.
    public mutating func setEntityState(
        _ record: [UInt8]?, scope: String, entity: String, partition: TopicPartition, sourceOffset: Int64? = nil, atMillis: Int64
    ) {
        let key = EntityStateKey(scope: scope, entity: entity)
        if let offset = sourceOffset, let earlier = entityStates[key], earlier.partition == partition,
           let earlierOffset = earlier.sourceOffset, offset < earlierOffset {
            return
        }
        entityStates[key] = PendingState(record: record, partition: partition, sourceOffset: sourceOffset, atMillis: atMillis)
    }

    // MARK: Ledger and offsets

    /// Records the outcome of one input. A later entry for the same source position (in this or
    /// a later batch) replaces it — that is how a released parked event's `parked` becomes
    /// `published` or `dead_lettered`.
    public mutating func record(_ entry: LedgerEntry) { outcomes.append(entry) }

    /// Sets the partition's commit point: the next offset to consume (last processed + 1),
    /// as Kafka's committed offset. Stored in the same transaction as the outcomes. It never
    /// moves back: the highest per partition wins, in the batch as in the store. A restore
    /// applies many writes in one batch, and a changelog can hold a lower offset after a higher
    /// one (an owner that re-consumed recorded inputs from behind the group's committed offset).
    public mutating func setProcessedOffset(next: Int64, for partition: TopicPartition) {
        offsets[partition] = max(next, offsets[partition] ?? next)
    }

    // MARK: Parking

    /// Parks an event (also record a `parked` ledger entry for its source position).
    public mutating func park(_ event: ParkedEvent) { parks.append(event) }

    /// Removes a parked event (released or expired) and any operator request about it; record its
    /// new outcome with `record(_:)`.
    public mutating func release(_ source: PartitionPosition) { releases.append(source) }

    /// Remembers that the prerequisite `key` (`type|entity`) was published, from `partition`.
    public mutating func setReady(_ key: String, partition: TopicPartition, atMillis: Int64) {
        if readiness[ExactText(key)] == nil { readiness[ExactText(key)] = (partition, atMillis) }
    }

    // MARK: DLQ bookkeeping

    /// Records a DLQ replay (also possible outside the pipeline with `DeadLetterBook`).
    public mutating func recordReplay(_ replay: DeadLetterReplay) { replays.append(replay) }

    /// Marks a DLQ record resolved.
    public mutating func markResolved(_ resolution: DeadLetterResolution) { resolutions.append(resolution) }

    /// Records an operator's request about a parked event (replacing an earlier one).
    public mutating func request(_ request: ParkedRequest) { requests.append(request) }

    // MARK: Changelog

    /// Sets how far this store has applied a changelog partition (the next offset to read).
    public mutating func setChangelogPosition(next: Int64, for changelog: TopicPartition) {
        changelogPositions[changelog] = max(next, changelogPositions[changelog] ?? 0)
    }

    /// Keeps records of a changelog write read in part (`ChangelogPartialRecord`).
    mutating func keepPartial(_ records: [ChangelogPartialRecord]) { partialRecords += records }

    /// Forgets the kept records of writes now read whole (and applied in this batch).
    mutating func forgetPartial(_ writes: [ChangelogWriteID]) { completedWrites += writes }

    /// The batch's state changes for the changelog, in the order to write them: per source
    /// partition (nil: the global topic). Parks come before releases, as the writer applies them.
    public var stateChanges: [(partition: TopicPartition?, change: StateChange)] {
        var out: [(partition: TopicPartition?, change: StateChange)] = []
        out.reserveCapacity(dedupKeys.count + outcomes.count + revisions.count + entityStates.count + offsets.count + 4)
        for k in dedupKeys { out.append((k.partition, .dedupKey(k.key, firstSeenMillis: k.firstSeenMillis))) }
        for (key, r) in revisions.sorted(by: { ($0.key.family, $0.key.entityKey) < ($1.key.family, $1.key.entityKey) }) {
            out.append((r.partition, .revision(family: key.family, entityKey: key.entityKey, r.revision, atMillis: r.atMillis)))
        }
        for (key, s) in entityStates.sorted(by: { ($0.key.scope, $0.key.entity) < ($1.key.scope, $1.key.entity) }) {
            out.append((s.partition, .entityState(scope: key.scope, entity: key.entity, record: s.record, sourceOffset: s.sourceOffset,
                                                  atMillis: s.atMillis)))
        }
        for e in outcomes { out.append((e.source.topicPartition, .outcome(e))) }
        for p in parks { out.append((p.source.topicPartition, .parked(p))) }
        for r in releases { out.append((r.topicPartition, .unparked(r))) }
        for (tp, next) in offsets.sorted(by: { $0.key < $1.key }) { out.append((tp, .processed(next: next))) }
        for (key, r) in readiness.sorted(by: { $0.key < $1.key }) { out.append((nil, .ready(key: key.string, partition: r.partition, atMillis: r.atMillis))) }
        for r in replays { out.append((nil, .replay(r))) }
        for r in resolutions { out.append((nil, .resolution(r))) }
        for q in requests { out.append((nil, .request(q))) }
        return out
    }

    /// Adds one change read from a changelog (restore).
    mutating func apply(_ change: StateChange, partition: TopicPartition?) {
        switch change {
        case .dedupKey(let key, let at): if let partition { insertDedupKey(key, partition: partition, firstSeenMillis: at) }
        case .revision(let family, let entity, let revision, let at):
            if let partition { setRevision(revision, family: family, entityKey: entity, partition: partition, atMillis: at) }
        case .entityState(let scope, let entity, let record, let offset, let at):
            if let partition { setEntityState(record, scope: scope, entity: entity, partition: partition, sourceOffset: offset, atMillis: at) }
        case .outcome(let entry): record(entry)
        case .parked(let event): park(event)
        case .unparked(let source): release(source)
        case .processed(let next): if let partition { setProcessedOffset(next: next, for: partition) }
        case .ready(let key, let from, let at): setReady(key, partition: from, atMillis: at)
        case .replay(let r): recordReplay(r)
        case .resolution(let r): markResolved(r)
        case .request(let q): request(q)
        }
    }
}

/// (type family, entity key): the key of the last-revision table. Equal when the bytes are, as in
/// the table (`ExactText`).
struct RevisionKey: Hashable, Sendable {
    var family: String
    var entityKey: String

    static func == (a: RevisionKey, b: RevisionKey) -> Bool { a.family.hasSameUTF8(as: b.family) && a.entityKey.hasSameUTF8(as: b.entityKey) }

    func hash(into hasher: inout Hasher) {
        hasher.combineUTF8(family)
        hasher.combineUTF8(entityKey)
    }
}

/// (scope, entity key): the key of the entity state table. Equal when the bytes are, as in the
/// table (`ExactText`).
struct EntityStateKey: Hashable, Sendable {
    var scope: String
    var entity: String

    static func == (a: EntityStateKey, b: EntityStateKey) -> Bool { a.scope.hasSameUTF8(as: b.scope) && a.entity.hasSameUTF8(as: b.entity) }

    func hash(into hasher: inout Hasher) {
        hasher.combineUTF8(scope)
        hasher.combineUTF8(entity)
    }
}
