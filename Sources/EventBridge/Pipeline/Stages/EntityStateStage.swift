import Basics
import Contracts
import EventStore
import Foundation
import KafkaClient

/// Stage 2b, entity state (docs/adapters.md §7, docs/decisions.md): resolves the adapter's
/// `StateRequest`s — a partial update merged onto the entity's last known record, a tombstone
/// filtered after a delete of its key — in input order, on the pipeline thread.
///
/// The one owner of the entity state of inputs not yet committed, as `DedupStage` is of their
/// dedup keys: each input's writes live here, tagged with its source position, from the moment
/// it is decided until the store transaction that records its outcome is durable (`committed`).
/// A lookup asks this stage's pending records first, then the store. The commit stage takes an
/// input's writes into its transaction (`take`) when the input is complete; abandoning a partition
/// (revoke, rewind) forgets exactly its pending records, and its inputs are consumed again.
///
/// Without a store (offline tools: `eventbridge adapt`), state lives here only, across the inputs
/// given, in order.
final class EntityStateStage {
    /// Committed state: the running store, a read-only view of one (`eventbridge adapt --store`),
    /// or nothing (state lives here only).
    typealias CommittedLookup = (_ scope: String, _ entity: String) throws -> [UInt8]?

    private let committedState: CommittedLookup?
    /// The newest pending record per entity (nil: forgotten), and the input that wrote it.
    private var pending: [StateRequest.Entity: (record: JSONValue?, position: PartitionPosition)] = [:]
    /// Per input not yet handed to the store: its writes, with what they replaced (to undo a retry).
    private var writes: [PartitionPosition: [(write: StateWrite, previous: (record: JSONValue?, position: PartitionPosition)?)]] = [:]

    init(store: EventStore?) {
        committedState = store.map { store in { try store.entityState(scope: $0, entity: $1) } }
    }

    init(committed: CommittedLookup?) {
        committedState = committed
    }

    /// Resolves a request for `record`'s input with each entity's last known record and keeps the
    /// writes pending. Throws only when the store cannot be read (transient: the caller retries).
    func resolve(_ request: StateRequest, for record: KafkaConsumerRecord) throws -> StateResolution {
        let position = record.position
        undo(position)
        var known: [JSONValue?] = []
        known.reserveCapacity(request.entities.count)
        for entity in request.entities { known.append(request.needsLookup ? try lookup(entity) : nil) }
        let resolution = request.resolve(known)
        remember(resolution.writes, at: position)
        return resolution
    }

    /// Keeps writes resolved during preparation (inputs that needed no lookup) pending for `record`.
    func record(_ stateWrites: [StateWrite], for record: KafkaConsumerRecord) {
        let position = record.position
        undo(position)
        remember(stateWrites, at: position)
    }

    /// The last known record of an entity: pending first, then the store.
    func lookup(_ entity: StateRequest.Entity) throws -> JSONValue? {
        if let p = pending[entity] { return p.record }
        guard let committedState, let bytes = try committedState(entity.scope, entity.key) else { return nil }
        return try? JSONParser.parse(bytes)
    }

    private func remember(_ stateWrites: [StateWrite], at position: PartitionPosition) {
        guard !stateWrites.isEmpty else { return }
        var undo: [(write: StateWrite, previous: (record: JSONValue?, position: PartitionPosition)?)] = []
        for w in stateWrites {
            undo.append((w, pending[w.entity]))
            pending[w.entity] = (w.record, position)
        }
        writes[position] = undo
    }

    /// A retried decision of the same input first takes back what its earlier attempt wrote.
    private func undo(_ position: PartitionPosition) {
        guard let earlier = writes.removeValue(forKey: position) else { return }
        for (w, previous) in earlier.reversed() where pending[w.entity]?.position == position {
            pending[w.entity] = previous
        }
    }

    /// The writes of a complete input, for its store transaction (in the order it made them).
    func take(_ position: PartitionPosition) -> [StateWrite] {
        // Most inputs come from sources without entity state: no hash of the position for them.
        guard !writes.isEmpty else { return [] }
        return writes.removeValue(forKey: position)?.map(\.write) ?? []
    }

    /// The transaction holding these inputs' writes is durable: the store answers for them now
    /// (unless a later input wrote the same entity since).
    func committed(_ written: [(entity: StateRequest.Entity, position: PartitionPosition)]) {
        for (entity, position) in written where pending[entity]?.position == position {
            pending.removeValue(forKey: entity)
        }
    }

    /// Forgets the pending state of abandoned partitions (their inputs will be consumed again).
    func forget(_ partitions: Set<TopicPartition>) {
        guard !partitions.isEmpty else { return }
        pending = pending.filter { !partitions.contains($0.value.position.topicPartition) }
        writes = writes.filter { !partitions.contains($0.key.topicPartition) }
    }

    var pendingCount: Int { pending.count }

    /// JSON text of a record for the store.
    static func bytes(_ record: JSONValue?) -> [UInt8]? {
        record.map { JSONWriter.compact.bytes($0) }
    }
}
