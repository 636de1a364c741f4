import Basics
import Contracts
import EventStore
import Foundation

/// What the ledger records for one input once it is complete.
struct InputOutcome: Sendable {
    var outcome: LedgerEntry.Outcome
    /// The input's events: published ones, or the duplicates it was dropped as.
    var events: [PlannedEvent] = []
    var errorCode: String? = nil
    /// The contract a dead-lettered input failed, when known.
    var contract: ContractRef? = nil
    /// Inputs below the store's processed offset, consumed again after a restart: they already
    /// have an outcome, and only move the commit point.
    var alreadyRecorded = false
    /// For `parked`: what the store keeps until the release (the original record and its key).
    var park: ParkedEvent? = nil
    /// For a parked input released or expired (registered under `GateStage.releasePartition`):
    /// where it was consumed, and the key it was parked on.
    var release: (source: PartitionPosition, key: String)? = nil
    /// The operator's note for a forced release or expiry (ledger `note`).
    var note: String? = nil

    /// The outcome of an input that reaches the commit stage: its decision, and for a park the
    /// record to keep.
    init(outcome: LedgerEntry.Outcome, events: [PlannedEvent] = [], errorCode: String? = nil, contract: ContractRef? = nil,
         alreadyRecorded: Bool = false, park: ParkedEvent? = nil) {
        self.outcome = outcome
        self.events = events
        self.errorCode = errorCode
        self.contract = contract
        self.alreadyRecorded = alreadyRecorded
        self.park = park
    }
}

/// Stage 8, commit: outcomes durable first, offsets after (docs/design.md §2.1).
///
/// - The `tracker` follows each registered input until every output is acknowledged; per
///   partition only the contiguous complete prefix moves on.
/// - `handOff` records that prefix's outcomes — a ledger row per input; for published events the
///   dedup key and the revision; the processed offset per partition — in one store transaction
///   and hands it to the store's writer, so the SQLite work and its fsync run behind the pipeline.
/// - `settle` waits for that transaction, rewrites it if it failed, then lets the store answer
///   for its keys (`DedupStage.committed`) and returns the positions now safe to commit to Kafka.
///
/// At most one transaction is in flight, so offsets move in order. The bridge and the offline
/// pipeline (benchmarks, `eventbridge adapt`) record outcomes through this one stage.
/// Pipeline thread only (the tracker itself is thread-safe: delivery reports reach it directly).
final class CommitStage {
    let tracker = InFlightTracker<InputOutcome>()
    private let store: EventStore
    private let dedup: DedupStage
    private let gate: GateStage?
    /// The changelog the batch's changes go to first (nil: the store is the only copy).
    private let changelog: ChangelogWriter?
    /// The entity state stage whose pending writes go into each input's transaction (nil: none).
    private let entityState: EntityStateStage?
    private var inFlight: InFlight?

    /// A transaction on the store's writer, and what follows once it is durable.
    private struct InFlight {
        var batch: StoreBatch
        var write: PendingStoreCommit
        var keys: [DedupKey]
        var revisions: [(entity: DedupStage.EntityRef, revision: StoredRevision)]
        var states: [(entity: StateRequest.Entity, position: PartitionPosition)]
        var offsets: [PartitionPosition]
        var ready: [String]
        var resolved: [(partition: TopicPartition, key: String)]
        var released: [PartitionPosition]
    }

    /// A transaction that became durable.
    struct Settled {
        /// Next offsets to consume, per partition: commit them to Kafka now.
        var offsets: [PartitionPosition]
        /// From hand-off to durable (including a rewrite after a failure).
        var duration: Duration
        /// Parked inputs whose release or expiry is now recorded.
        var released: [PartitionPosition]
        /// Readiness keys now committed.
        var ready: [String]
    }

    init(
        store: EventStore, dedup: DedupStage, gate: GateStage? = nil, changelog: ChangelogWriter? = nil,
        entityState: EntityStateStage? = nil
    ) {
        self.store = store
        self.dedup = dedup
        self.gate = gate
        self.changelog = changelog
        self.entityState = entityState
    }

    var hasTransactionInFlight: Bool { inFlight != nil }

    /// Whether `settle` would return without waiting: nothing in flight, or the writer is done
    /// with it (durable or failed).
    var isSettled: Bool { inFlight?.write.isDone ?? true }

    /// Drains the tracker's complete prefix into one transaction and hands it to the store's
    /// writer. Call `settle` first: at most one transaction may be in flight.
    func handOff(nowMillis: Int64 = WallClock.nowMillis()) {
        precondition(inFlight == nil, "settle the transaction in flight first")
        let (drained, next) = tracker.drainCompleted()
        guard !drained.isEmpty else { return }
        // Consumed inputs first, releases after: a release replaces its input's `parked` row, so
        // when both are in one transaction the park must be written first.
        let hasReleases = drained.contains { GateStage.isReleasePartition($0.partition) }
        let completed = !hasReleases ? drained
            : drained.filter { !GateStage.isReleasePartition($0.partition) } + drained.filter { GateStage.isReleasePartition($0.partition) }
        var batch = StoreBatch(reservingFor: completed.count)
        var keys: [DedupKey] = []
        var revisions: [(entity: DedupStage.EntityRef, revision: StoredRevision)] = []
        var states: [(entity: StateRequest.Entity, position: PartitionPosition)] = []
        var ready: [String] = []
        var resolved: [(partition: TopicPartition, key: String)] = []
        var released: [PartitionPosition] = []
        for c in completed where !c.completion.alreadyRecorded {
            // Entity state follows the source whatever became of the input (docs/adapters.md §7).
            // Read where it lies (`c.completion.…`): a local copy retained every field of it.
            let events = c.completion.events
            let source = c.completion.release?.source ?? c.source
            for w in entityState?.take(c.source) ?? [] {
                batch.setEntityState(EntityStateStage.bytes(w.record), scope: w.entity.scope, entity: w.entity.key,
                                     partition: source.topicPartition, sourceOffset: source.offset, atMillis: nowMillis)
                states.append((w.entity, c.source))
            }
            let isDLQ = c.completion.outcome == .deadLettered
            batch.record(LedgerEntry(
                source: source, outcome: c.completion.outcome,
                eventID: events.count == 1 ? events[0].id : events.isEmpty ? nil : events.map(\.id).joined(separator: ","),
                eventType: events.first?.type ?? c.completion.contract?.type, entityKey: events.first?.entityKey,
                contractVersion: events.first?.version ?? c.completion.contract?.version,
                outputs: isDLQ ? [] : c.positions, dlqPosition: isDLQ ? c.positions.first : nil,
                errorCode: c.completion.errorCode, atMillis: nowMillis, note: c.completion.note))
            if let release = c.completion.release {
                resolved.append((source.topicPartition, release.key))
                released.append(source)
                if c.completion.outcome != .parked { batch.release(source) }
            }
            if let park = c.completion.park { batch.park(park) }
            guard c.completion.outcome == .published else { continue }
            for e in events {
                batch.insertDedupKey(e.dedupKey, partition: source.topicPartition, firstSeenMillis: nowMillis)
                keys.append(e.dedupKey)
                if let entity = e.entity, let revision = e.revision {
                    batch.setRevision(revision, family: entity.family, entityKey: entity.key, partition: source.topicPartition, atMillis: nowMillis)
                    revisions.append((entity, revision))
                }
                if let key = e.readinessKey {
                    batch.setReady(key, partition: source.topicPartition, atMillis: nowMillis)
                    ready.append(key)
                }
            }
        }
        let offsets = next.filter { !GateStage.isReleasePartition($0.key) }
        for (partition, offset) in offsets { batch.setProcessedOffset(next: offset, for: partition) }
        // With a changelog, the store commits the batch only once the changelog has it: the state
        // can then always be rebuilt by whichever instance gets the partition next.
        var after: (@Sendable () throws -> Void)? = nil
        if let logged = changelog?.write(batch.stateChanges) { after = { try logged.wait() } }
        inFlight = InFlight(batch: batch, write: store.commitInBackground(batch, after: after),
                            keys: keys, revisions: revisions, states: states,
                            offsets: offsets.map { PartitionPosition($0.key, offset: $0.value) }.sorted(),
                            ready: ready, resolved: resolved, released: released)
    }

    /// Waits for the transaction in flight. When it failed, writes it again (blocking) and throws
    /// if that fails too — the transaction stays in flight, nothing of it is stored, and the caller
    /// backs off and calls `settle` again. Nil when nothing was in flight.
    func settle() throws -> Settled? {
        guard let pending = inFlight else { return nil }
        let started = ContinuousClock.now
        var duration = pending.write.duration
        do {
            try pending.write.wait()
            duration = pending.write.duration
        } catch {
            if let changelog { try changelog.write(pending.batch.stateChanges).wait() }
            try store.commitAndWait(pending.batch)
            duration = ContinuousClock.now - started
        }
        inFlight = nil
        dedup.committed(keys: pending.keys, revisions: pending.revisions)
        gate?.committed(ready: pending.ready, resolved: pending.resolved)
        entityState?.committed(pending.states)
        return Settled(offsets: pending.offsets, duration: duration, released: pending.released, ready: pending.ready)
    }
}
