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
    // @unchecked: every stored property but `dedup` is immutable and Sendable, and `prepare`
    // touches only those; `dedup` is used by `decide` on the pipeline thread alone.
    let decode: DecodeStage
    let adapt: AdaptStage
    let contract: ContractStage
    let route: RouteStage
    let dedup: DedupStage
    let gate: GateStage

    init(config: BridgeConfig, registry: ContractRegistry, adapters: AdapterCatalog, store: EventStore?) throws {
        decode = DecodeStage(maxRecordBytes: config.limits.maxRecordBytes, maxDepth: config.limits.maxDepth)
        adapt = try AdaptStage(config: config, adapters: adapters)
        contract = ContractStage(registry: registry)
        route = RouteStage(config.subscribers)
        dedup = DedupStage(store: store, staleAction: config.sequencing.stale)
        gate = GateStage(rules: try GateStage.Rules(config: config.sequencing, registry: registry), store: store)
    }

    /// What an input comes to before the dedup state is consulted.
    enum Prepared: Sendable {
        /// Decided already: dead-lettered, or filtered by the adapter.
        case decided(InputDecision)
        /// The input's canonical events, in order, each ready to publish or failing the input.
        case events([PreparedEvent])
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
        let value: JSONValue
        switch decode.decode(record.value) {
        case .failure(let f): return .decided(.deadLetter(f))
        case .success(let v): value = v
        }
        let events: [CanonicalEvent], source: AdaptStage.Source
        switch adapt.adapt(record, value: value) {
        case .decided(let decision): return .decided(decision)
        case .events(let e, let s): (events, source) = (e, s)
        }
        // Contracts: every event of the input must hold, or the input fails as a whole.
        var accepted: [(event: CanonicalEvent, accepted: ContractStage.Accepted)] = []
        accepted.reserveCapacity(events.count)
        let declared = ContractStage.declaredVersion(record, value)
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
            plan.requirement = gate.rules.requirement(contract: ok.contract, data: ok.data, topic: record.topic)
            plan.readinessKey = gate.rules.readinessKey(type: event.type, entityKey: plan.entityKey)
            let routes = route.select(type: event.type, data: ok.data).map { route.routes[$0] }
            let outputs = routes.isEmpty ? []
                : EncodeStage.records(event, ok, plan: &plan, record: record, sourceURI: source.settings.sourceURI, routes: routes)
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
