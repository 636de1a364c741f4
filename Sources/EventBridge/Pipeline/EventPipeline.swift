import Basics
import Contracts
import EventStore
import KafkaClient

/// The hot path for one input, stage by stage (`Stages/`, docs/architecture.md):
/// decode → adapt → contract → [dedup keys] → route → encode, then dedup/staleness.
///
/// Two steps. `prepare` is everything that depends on the input alone: it reads only immutable
/// state, so the bridge runs it for a polled batch on several threads (`BatchPreparer`).
/// `decide` is what depends on what was published before (the dedup stage): it runs on the
/// pipeline thread, in input order. Dead-lettering and commit happen in the bridge (or the
/// offline pipeline) once the decision is made.
///
/// `decide` throws only for infrastructure failures (the store unreadable), which are transient:
/// the caller retries the same input and never dead-letters it for that.
final class EventPipeline: @unchecked Sendable {
    // @unchecked: every stored property but `dedup`, `gate` and `entityState` is immutable and
    // Sendable, and `prepare` touches only those; `dedup`, `gate` and `entityState` are used by
    // `decide` on the pipeline thread alone.
    let decode: DecodeStage
    let adapt: AdaptStage
    let contract: ContractStage
    let route: RouteStage
    let dedup: DedupStage
    /// The readiness state (pipeline thread); kept, like `dedup`, across a reload.
    let gate: GateStage
    /// Last known entity states for partial updates (pipeline thread); kept, like `dedup`, across a reload.
    let entityState: EntityStateStage
    /// The prerequisite rules `prepare` reads: of this pipeline's catalog (a reload rebuilds them,
    /// `gate` keeps the state).
    let gateRules: GateStage.Rules
    /// The producer's `message.max.bytes`: an output larger than this dead-letters its input
    /// (`publish.too_large`) instead of failing its delivery; DLQ records are cut to it.
    let maxMessageBytes: Int
    /// Every contract type as the tape path sees it (`TapeType`), by the type's bytes.
    let tapeTypes: BytesTable<TapeType>

    convenience init(
        config: BridgeConfig, registry: ContractRegistry, adapters: AdapterCatalog, store: EventStore?,
        entityState: EntityStateStage? = nil
    ) throws {
        try self.init(config: config, registry: registry, adapters: adapters, dedup: DedupStage(store: store, staleAction: config.sequencing.stale),
                      gate: GateStage(rules: try GateStage.Rules(config: config.sequencing, registry: registry), store: store),
                      entityState: entityState ?? EntityStateStage(store: store))
    }

    convenience init(config: BridgeConfig, catalog: BridgeCatalog, store: EventStore?) throws {
        try self.init(config: config, registry: catalog.registry, adapters: catalog.adapters, store: store)
    }

    /// Stages built around existing dedup, gate and entity-state stages: a reload swaps the immutable
    /// stages and keeps the pending keys and revisions of events in flight, readiness and parked
    /// counts, and known entity states (`Bridge+Reload.swift`).
    init(config: BridgeConfig, registry: ContractRegistry, adapters: AdapterCatalog, dedup: DedupStage, gate: GateStage,
         entityState: EntityStateStage) throws {
        decode = DecodeStage(maxRecordBytes: config.limits.maxRecordBytes, maxDepth: config.limits.maxDepth)
        adapt = try AdaptStage(config: config, adapters: adapters)
        contract = ContractStage(registry: registry)
        route = RouteStage(config.subscribers)
        self.dedup = dedup
        self.gate = gate
        self.entityState = entityState
        gateRules = try GateStage.Rules(config: config.sequencing, registry: registry)
        maxMessageBytes = KafkaProducer.maxMessageBytes(config.clientConfigs.producer) ?? KafkaConfig.defaultMaxMessageBytes
        tapeTypes = Self.tapeTypes(registry, route: route, gateRules: gateRules)
    }

    /// What an input comes to before the dedup state is consulted.
    enum Prepared: Sendable {
        /// Decided already: dead-lettered, or filtered by the adapter.
        case decided(InputDecision)
        /// The input's canonical events, in order, each ready to publish or failing the input.
        case events([PreparedEvent])
        /// Prepared, and the input changes entity state: `decide` keeps the writes pending
        /// (`EntityStateStage`) before deciding the rest.
        /// (Only this case is boxed: the others, by far the most common, are made without an allocation.)
        indirect case withState([StateWrite], then: Prepared)
        /// The adapter needs entity state: `decide` resolves it in input order, then prepares the
        /// outcome (contract, keys, routes, encoding) on the pipeline thread.
        case needsState(StateRequest, source: AdaptStage.Source, declaredVersion: Int?)
    }

    enum PreparedEvent: Sendable {
        /// Valid, keyed, with its outputs (none when no subscriber wants it).
        case ready(plan: PlannedEvent, outputs: [KafkaProducerRecord])
        /// Fails the whole input when reached (it has no entity key).
        case failure(PipelineFailure)
    }

    /// Decode, adapt, contract, keys, routes and encoding. Thread-safe: reads immutable state only.
    /// A canonical input that holds takes the tape path (`EventPipeline+Tape.swift`); the rest,
    /// and every failure, take the `JSONValue` path.
    func prepare(_ record: KafkaConsumerRecord) -> Prepared {
        prepareOnTape(record) ?? prepareParsed(record)
    }

    /// `prepare` on the `JSONValue` path: the reference for every input.
    func prepareParsed(_ record: KafkaConsumerRecord) -> Prepared {
        let decoded = decode.decode(record.value)
        let value = (try? decoded.get()) ?? .null
        switch adapt.adapt(record, decoded: decoded) {
        case .decided(let decision): return .decided(decision)
        case .events(let events, let source):
            return prepare(events, source: source, record: record, declared: ContractStage.declaredVersion(record, value))
        case .needsState(let request, let source):
            let declared = ContractStage.declaredVersion(record, value)
            guard request.needsLookup else {
                let resolution = request.resolveWithoutState()
                return .withState(resolution.writes, then: prepare(resolution.outcome, source: source, record: record, declared: declared))
            }
            return .needsState(request, source: source, declaredVersion: declared)
        }
    }

    /// An adapter's outcome (after its state was resolved) prepared as above.
    private func prepare(_ outcome: AdapterOutcome, source: AdaptStage.Source, record: KafkaConsumerRecord, declared: Int?) -> Prepared {
        switch adapt.outcome(outcome, source: source) {
        case .decided(let decision): return .decided(decision)
        case .events(let events, let source): return prepare(events, source: source, record: record, declared: declared)
        case .needsState:
            return .decided(.deadLetter(PipelineFailure(stage: .adapt, code: AdapterFailure.Code.transform.rawValue,
                                                        message: "the adapter asked for entity state twice")))
        }
    }

    /// Contract, keys, routes and encoding of an input's canonical events.
    private func prepare(
        _ events: [CanonicalEvent], source: AdaptStage.Source, record: KafkaConsumerRecord, declared: Int?
    ) -> Prepared {
        // Contracts: every event of the input must hold, or the input fails as a whole.
        var accepted: [(event: CanonicalEvent, accepted: ContractStage.Accepted)] = []
        accepted.reserveCapacity(events.count)
        for event in events {
            switch contract.hold(event, declaredVersion: declared) {
            case .failure(let f): return .decided(.deadLetter(f))
            case .success(let ok): accepted.append((event, ok))
            }
        }
        // Keys, routes and the CloudEvents records (used unless `decide` finds a duplicate).
        var prepared: [PreparedEvent] = []
        prepared.reserveCapacity(accepted.count)
        for (event, ok) in accepted {
            var plan: PlannedEvent
            switch DedupStage.plan(event, ok) {
            case .failure(let f):
                prepared.append(.failure(f))
                continue
            case .success(let p): plan = p
            }
            plan.requirement = gateRules.requirement(contract: ok.contract, data: ok.data, topic: record.topic)
            plan.readinessKey = gateRules.readinessKey(type: event.type, entityKey: plan.entityKey)
            let routes = route.select(type: event.type, data: ok.data)
            let outputs = routes.isEmpty ? []
                : EncodeStage.records(event, ok, plan: &plan, record: record, source: source,
                                      contract: contract.registry.newest(event.type).flatMap { $0.ref == plan.contract ? $0 : nil }, routes: routes)
            if let large = outputs.first(where: { $0.wireSize > maxMessageBytes }) {
                prepared.append(.failure(PipelineFailure(
                    stage: .publish, code: FailureCode.publishTooLarge,
                    message: "the CloudEvent for \(large.topic) is \(large.wireSize) bytes; the producer's message.max.bytes is \(maxMessageBytes)",
                    contract: plan.contract)))
                continue
            }
            prepared.append(.ready(plan: plan, outputs: outputs))
        }
        return .events(prepared)
    }

    /// How an input reaches `decide`: consumed, or released from the store (parked before; `force`:
    /// by an operator, without its prerequisite).
    enum Arrival: Sendable, Equatable {
        case consumed
        case released(force: Bool)
    }

    /// Dedup, staleness and readiness gating, in input order (pipeline thread only).
    func decide(_ prepared: Prepared, of record: KafkaConsumerRecord, arrival: Arrival = .consumed) throws -> InputDecision {
        switch prepared {
        case .decided(let decision): return decision
        case .withState(let writes, let then):
            entityState.record(writes, for: record)
            return try decide(then, of: record, arrival: arrival)
        case .needsState(let request, let source, let declared):
            let resolution = try entityState.resolve(request, for: record)
            return try decide(prepare(resolution.outcome, source: source, record: record, declared: declared), of: record, arrival: arrival)
        case .events(let events):
            let partition = record.topicPartition
            let decision = try dedup.decide(events, of: record) { planned in
                switch arrival {
                case .consumed: return try gate.admit(planned, of: partition)
                case .released(let force): return try gate.admit(planned, of: partition, release: true, force: force)
                }
            }
            switch decision {
            case .publish(let events, _): gate.didPublish(events, partition: partition)
            case .park(_, let requirement): gate.didPark(requirement.key, partition: partition)
            default: break
            }
            return decision
        }
    }

    /// Both steps, one after the other.
    func process(_ record: KafkaConsumerRecord) throws -> InputDecision {
        try decide(prepare(record), of: record)
    }

    /// The DLQ topic of a record's source (nil for a topic no source is configured for).
    func dlqTopic(of record: KafkaConsumerRecord) -> String? { adapt.sources[record.topic]?.settings.dlqTopic }
}
