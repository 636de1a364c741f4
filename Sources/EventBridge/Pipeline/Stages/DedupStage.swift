import Basics
import Contracts
import EventStore
import KafkaClient

/// Stage 4, dedup and staleness (docs/design.md §6): drops an event already published (same
/// dedup key) and one older than the revision already published for its entity.
///
/// The one owner of the dedup keys and revisions of events that are published but not yet
/// committed: they live here, tagged with their source partition, from the moment an input is
/// decided until the store transaction that records its outcome is durable (`committed`). Only
/// then does the store answer for them. Writing them to the store any earlier would turn a crash
/// between "key stored" and "output acknowledged" into a lost event (docs/decisions.md).
/// Abandoning a partition (revoke, rewind) forgets exactly its pending state.
///
/// `plan` is pure and runs on the preparation threads; everything else belongs to the pipeline
/// thread (not thread-safe).
final class DedupStage {
    /// (type family, entity key): what a revision belongs to.
    struct EntityRef: Hashable, Sendable {
        let family: String
        let key: String
        /// Both strings hashed once (with the process's seeded `Hasher`), where the plan is made —
        /// a preparing thread — so the pipeline thread's lookups (staleness, remember, committed)
        /// hash one word instead of two strings (~1,000 instructions each).
        private let digest: Int

        init(family: String, key: String) {
            self.family = family
            self.key = key
            var hasher = Hasher()
            hasher.combineUTF8(family)
            hasher.combineUTF8(key)
            digest = hasher.finalize()
        }

        /// Equal when the bytes are, as the store's `revisions` table compares them (`ExactText`).
        static func == (a: EntityRef, b: EntityRef) -> Bool {
            a.digest == b.digest && a.family.hasSameUTF8(as: b.family) && a.key.hasSameUTF8(as: b.key)
        }

        func hash(into hasher: inout Hasher) { hasher.combine(digest) }

        /// The digest is a seeded hash already: mixed (`HashWord`), it places the entity in a table.
        func _rawHashValue(seed: Int) -> Int { HashWord.raw(UInt64(truncatingIfNeeded: digest), seed: seed) }
    }

    /// Nil: no durable layer, every key stays pending (benchmarks compare the store with an in-memory set).
    private let store: EventStore?
    private let staleAction: BridgeConfig.StaleAction
    // `@exclusivity(unchecked)`: read and written by the pipeline thread alone, never passed
    // `inout` while read (docs/decisions.md, 2026-12-05); the run-time check cost four calls an input.
    @exclusivity(unchecked) private var pendingKeys: [DedupKey: TopicPartition] = [:]
    @exclusivity(unchecked) private var pendingRevisions: [EntityRef: (revision: StoredRevision, partition: TopicPartition)] = [:]

    init(store: EventStore?, staleAction: BridgeConfig.StaleAction) {
        self.store = store
        self.staleAction = staleAction
        // Sized for a commit window from the start (100 ms at some 40,000 inputs/s), as a
        // running bridge's tables are: grown from empty, they were rehashed a dozen times while
        // the first inputs were decided (about 1 MB for both).
        pendingKeys.reserveCapacity(Self.initialCapacity)
        pendingRevisions.reserveCapacity(Self.initialCapacity)
    }

    static let initialCapacity = 4_096

    /// The keys of an accepted event: entity key, dedup key, `ce_id`, revision. Fails when the
    /// event has no entity key. Pure: safe on any thread.
    static func plan(_ event: CanonicalEvent, _ accepted: ContractStage.Accepted) -> Result<PlannedEvent, PipelineFailure> {
        let contract = accepted.contract
        guard let entityKey = contract.entityKey(of: accepted.data) else {
            return .failure(PipelineFailure(stage: .sequence, code: FailureCode.eventNoKey,
                                            message: "the event has no entity key at \(contract.key)", contract: contract.ref))
        }
        // A revision the guard cannot compare fails the input: skipping the guard would publish it
        // unrecorded, and a later, lower revision would overwrite it (docs/design.md §6).
        var revision: StoredRevision? = nil
        if let value = contract.revision.resolve(in: accepted.data) {
            guard let r = StoredRevision(json: value) else { return .failure(unusableRevision(value, event, entityKey, contract)) }
            revision = r
        }
        return .success(plan(type: event.type, contract: contract.ref, entityKey: entityKey,
                             dedupText: contract.dedupKey(of: accepted.data) ?? entityKey, revision: revision))
    }

    /// The keys of an accepted event from its key texts and its comparable revision (the tape path
    /// reads them from the input).
    static func plan(type: String, contract: ContractRef, entityKey: String, dedupText: String, revision: StoredRevision?) -> PlannedEvent {
        plan(type: type, contract: contract, entityKey: entityKey, dedupKey: DedupKey(family: type, value: dedupText), revision: revision)
    }

    /// `plan` with the dedup key made already (the tape path hashes the key text's bytes).
    static func plan(type: String, contract: ContractRef, entityKey: String, dedupKey: DedupKey, revision: StoredRevision?) -> PlannedEvent {
        PlannedEvent(
            id: EncodeStage.ceID(dedupKey), contract: contract, entityKey: entityKey, dedupKey: dedupKey,
            entity: revision == nil ? nil : EntityRef(family: type, key: entityKey), revision: revision)
    }

    private static func unusableRevision(_ value: JSONValue, _ event: CanonicalEvent, _ entityKey: String, _ contract: Contract) -> PipelineFailure {
        let text = JSONWriter.compact.string(value)
        if case .number(let n) = value, n.isIntegral {
            return PipelineFailure(stage: .sequence, code: FailureCode.eventRevisionOutOfRange,
                                   message: "revision \(text) of \(event.type) \(entityKey) at \(contract.revision) is beyond the 64-bit "
                                       + "range the staleness guard compares (\(JSONNumber.integer64Range))", contract: contract.ref)
        }
        return PipelineFailure(stage: .sequence, code: FailureCode.eventRevisionInvalid,
                               message: "revision \(text) of \(event.type) \(entityKey) at \(contract.revision) is neither an integer nor a "
                                   + "string: the staleness guard cannot compare it", contract: contract.ref)
    }

    /// Dedup and staleness against what was published before, in input order; remembers what this
    /// input publishes. `gate` may still park what would be published (its keys are then not
    /// remembered: the release decides again). Throws only when the store cannot be read
    /// (transient: retry the input).
    func decide(_ events: [EventPipeline.PreparedEvent], of record: KafkaConsumerRecord,
                gate: ([PlannedEvent]) throws -> GateStage.Requirement? = { _ in nil }) throws -> InputDecision {
        // One event (most inputs): its records are published as they are, not copied into a new array.
        if events.count == 1, case .ready(let plan, let eventOutputs) = events[0] {
            switch try verdict(plan, outputs: eventOutputs) {
            case .deadLetter(let failure): return .deadLetter(failure)
            case .duplicate(let reason, let plan): return .duplicate(reason: reason ?? Self.alreadyPublished, events: [plan])
            case .unrouted: return .filtered(reason: "no subscriber for \(plan.type)", unroutedTypes: [plan.type])
            case .publish:
                let planned = [plan]
                if let requirement = try gate(planned) { return .park(events: planned, requirement: requirement) }
                remember(plan, partition: record.topicPartition)
                return .publish(events: planned, outputs: eventOutputs)
            }
        }
        var planned: [PlannedEvent] = []
        var outputs: [KafkaProducerRecord] = []
        var duplicates: [PlannedEvent] = []
        var staleReason: String? = nil
        var unrouted: [String] = []
        for prepared in events {
            let plan: PlannedEvent, eventOutputs: [KafkaProducerRecord]
            switch prepared {
            case .failure(let f): return .deadLetter(f)
            case .ready(let p, let o): (plan, eventOutputs) = (p, o)
            }
            switch try verdict(plan, outputs: eventOutputs) {
            case .deadLetter(let failure): return .deadLetter(failure)
            case .duplicate(let reason, let plan):
                if let reason { staleReason = reason }
                duplicates.append(plan)
            case .unrouted: unrouted.append(plan.type)
            case .publish:
                planned.append(plan)
                outputs.append(contentsOf: eventOutputs)
            }
        }
        if !outputs.isEmpty {
            if let requirement = try gate(planned) { return .park(events: planned, requirement: requirement) }
            for p in planned { remember(p, partition: record.topicPartition) }
            return .publish(events: planned, outputs: outputs)
        }
        if !duplicates.isEmpty {
            return .duplicate(reason: staleReason ?? Self.alreadyPublished, events: duplicates)
        }
        return .filtered(reason: unrouted.isEmpty ? "no events" : "no subscriber for \(unrouted.joined(separator: ", "))",
                         unroutedTypes: unrouted)
    }

    private static let alreadyPublished = "already published (same dedup key)"

    /// What dedup and staleness make of one event: dead-lettered (stale, when the config says
    /// so), a duplicate (with the staleness reason when it is an older revision), no subscriber,
    /// or published.
    private enum Verdict {
        case deadLetter(PipelineFailure)
        case duplicate(staleReason: String?, PlannedEvent)
        case unrouted
        case publish
    }

    private func verdict(_ plan: PlannedEvent, outputs: [KafkaProducerRecord]) throws -> Verdict {
        if try isDuplicate(plan.dedupKey) { return .duplicate(staleReason: nil, plan) }
        if let entity = plan.entity, let revision = plan.revision, let last = try lastRevision(entity), revision < last {
            var plan = plan
            plan.droppedAsStale = true
            let reason = "revision \(revision) of \(plan.type) \(plan.entityKey) is older than the published \(last)"
            if staleAction == .deadLetter {
                return .deadLetter(PipelineFailure(stage: .sequence, code: FailureCode.eventStale, message: reason, contract: plan.contract))
            }
            return .duplicate(staleReason: reason, plan)
        }
        return outputs.isEmpty ? .unrouted : .publish
    }

    /// True when an event with this key was published before (in flight here, or committed).
    private func isDuplicate(_ key: DedupKey) throws -> Bool {
        if pendingKeys[key] != nil { return true }
        return try store?.contains(key) ?? false
    }

    /// The newest revision published for the entity (in flight here first, then committed: read
    /// from the store's snapshot, which `committed`, `forget` and `endBatch` end).
    private func lastRevision(_ entity: EntityRef) throws -> StoredRevision? {
        if let pending = pendingRevisions[entity] { return pending.revision }
        return try store?.revisions.lastRevision(family: entity.family, entityKey: entity.key)
    }

    /// The batch of inputs is decided: the store's snapshot ends, so the next batch reads what was
    /// committed meanwhile — e.g. a partition's state restored from its changelog before the
    /// partition was handed to the pipeline (`RevisionSnapshot`).
    func endBatch() { store?.revisions.end() }

    private func remember(_ event: PlannedEvent, partition: TopicPartition) {
        pendingKeys[event.dedupKey] = partition
        if let entity = event.entity, let revision = event.revision { pendingRevisions[entity] = (revision, partition) }
    }

    /// The transaction holding these keys and revisions is durable: the store answers for them
    /// from now on. An entity whose pending revision is no longer the one committed — a newer one
    /// was published while the transaction was written — keeps it: the store holds only the older.
    func committed(keys: [DedupKey], revisions: [(entity: EntityRef, revision: StoredRevision)]) {
        // Pending revisions go because the store has them now; a snapshot begun before this
        // commit would not show them, so it ends here, in the same step.
        store?.revisions.end()
        for k in keys { pendingKeys.removeValue(forKey: k) }
        for (e, revision) in revisions where pendingRevisions[e]?.revision == revision {
            pendingRevisions.removeValue(forKey: e)
        }
    }

    /// Forgets the pending state of abandoned partitions (their inputs will be consumed again).
    func forget(_ partitions: Set<TopicPartition>) {
        guard !partitions.isEmpty else { return }
        store?.revisions.end()
        pendingKeys = pendingKeys.filter { !partitions.contains($0.value) }
        pendingRevisions = pendingRevisions.filter { !partitions.contains($0.value.partition) }
    }

    var pendingCount: Int { pendingKeys.count }
}
