import Contracts
import Foundation

/// The hot path for one input: decode → adapt → contract (validate, upcast) → rules → dedup and
/// staleness → route → CloudEvents records.
///
/// Two steps. `prepare` is everything that depends on the input alone (decode, adapt, contract,
/// keys, routes, encoding): it reads only immutable state, so the bridge runs it for a polled
/// batch on several threads. `decide` is what depends on what was published before (dedup,
/// staleness): it runs on the pipeline thread, in input order, and is the only step that reads
/// or changes the `Sequencer`.
///
/// `decide` throws only for infrastructure failures (the store unreadable), which are transient:
/// the caller retries the same input and never dead-letters it for that.
final class EventProcessor: @unchecked Sendable {
    // @unchecked: every stored property but `sequencer` is immutable and Sendable, and `prepare`
    // touches only those; `sequencer` is used by `decide` on the pipeline thread alone.
    struct Source: Sendable {
        let settings: BridgeConfig.SourceSettings
        let adapter: any Adapter
    }

    let decoder: RecordDecoder
    let registry: ContractRegistry
    let router: SubscriberRouter
    let sources: [String: Source]
    let sequencer: Sequencer
    let staleAction: BridgeConfig.StaleAction

    init(config: BridgeConfig, registry: ContractRegistry, adapters: AdapterCatalog, sequencer: Sequencer) throws {
        decoder = RecordDecoder(maxRecordBytes: config.limits.maxRecordBytes, maxDepth: config.limits.maxDepth)
        self.registry = registry
        router = SubscriberRouter(config.subscribers)
        var sources: [String: Source] = [:]
        for s in config.sources {
            sources[s.topic] = Source(settings: s, adapter: try adapters.adapter(named: s.adapter, sourceZone: s.timeZone))
        }
        self.sources = sources
        self.sequencer = sequencer
        staleAction = config.sequencing.stale
    }

    /// Both steps, one after the other.
    func process(_ record: KafkaConsumerRecord) throws -> InputDecision {
        try decide(prepare(record), of: record)
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
    func prepare(_ record: KafkaConsumerRecord) -> Prepared {
        guard let source = sources[record.topic] else {
            return .decided(.deadLetter(PipelineFailure(stage: .adapt, code: "adapter.no_source", message: "no source is configured for topic \(record.topic)")))
        }
        let value: JSONValue
        switch decoder.decode(record.value) {
        case .failure(let f): return .decided(.deadLetter(f))
        case .success(let v): value = v
        }
        let input = AdapterInput(
            topic: record.topic, partition: record.partition, offset: record.offset,
            timestamp: record.timestamp.kind == .notAvailable ? nil : record.timestamp.milliseconds,
            key: record.key, headers: record.headers, value: value, text: record.value)
        let events: [CanonicalEvent]
        switch source.adapter.adapt(input) {
        case .filtered(let reason): return .decided(.filtered(reason: reason))
        case .failed(let f):
            let violations = f.location.map { [Violation(instanceLocation: $0, keywordLocation: "", keyword: f.code.rawValue, message: f.message)] } ?? []
            return .decided(.deadLetter(PipelineFailure(stage: .adapt, code: f.code.rawValue, message: f.message, violations: violations)))
        case .events(let e): events = e
        }

        // Contracts: every event of the input must hold, or the input fails as a whole.
        var accepted: [(event: CanonicalEvent, contract: Contract, data: JSONValue, upcast: Bool)] = []
        accepted.reserveCapacity(events.count)
        let declared = declaredVersion(record, value)
        for event in events {
            switch holdToContract(event, declaredVersion: declared) {
            case .failure(let f): return .decided(.deadLetter(f))
            case .success(let ok): accepted.append((event, ok.contract, ok.data, ok.upcast))
            }
        }

        // Keys, routes and the CloudEvents records (used unless `decide` finds a duplicate).
        var prepared: [PreparedEvent] = []
        prepared.reserveCapacity(accepted.count)
        for (event, contract, data, upcast) in accepted {
            guard let entityKey = contract.entityKey(of: data) else {
                prepared.append(.failure(PipelineFailure(stage: .sequence, code: FailureCode.eventNoKey,
                                                         message: "the event has no entity key at \(contract.key)", contract: contract.id)))
                continue
            }
            let dedupText = contract.dedupKey(of: data) ?? entityKey
            let dedupKey = DedupKey(family: event.type, values: [dedupText])
            let entity = Sequencer.EntityRef(family: event.type, key: entityKey)
            let revision = contract.revision(of: data).flatMap { StoredRevision(json: $0.json) }
            var plan = PlannedEvent(id: EventIdentity.ceID(dedupKey), type: event.type, version: contract.version, entityKey: entityKey,
                                    dedupKey: dedupKey, entity: revision == nil ? nil : entity, revision: revision)
            let routes = router.select(type: event.type, data: data)
            var outputs: [KafkaProducerRecord] = []
            if !routes.isEmpty {
                let time = event.time ?? eventTime(record)
                plan.timeMillis = RFC3339.milliseconds(time)
                let cloudEvent = CloudEvent(
                    id: plan.id, type: event.type, source: source.settings.sourceURI, subject: entityKey,
                    time: time, dataschema: CloudEvent.dataschema(type: event.type, version: contract.version),
                    data: upcast ? JSONWriter.compact.bytes(data) : event.dataText.map(Array.init) ?? JSONWriter.compact.bytes(data),
                    traceparent: event.traceparent.flatMap { CloudEventEncoder.isValidTraceparent($0) ? $0 : nil },
                    sourceTopic: record.topic, sourcePartition: record.partition, sourceOffset: record.offset)
                outputs.reserveCapacity(routes.count)
                for r in routes {
                    let route = router.routes[r]
                    outputs.append(CloudEventEncoder.record(cloudEvent, topic: route.topic, mode: route.mode))
                }
            }
            prepared.append(.ready(plan: plan, outputs: outputs))
        }
        return .events(prepared)
    }

    /// Dedup and staleness against what was published before, in input order; remembers what this
    /// input publishes. Pipeline thread only.
    func decide(_ prepared: Prepared, of record: KafkaConsumerRecord) throws -> InputDecision {
        let events: [PreparedEvent]
        switch prepared {
        case .decided(let decision): return decision
        case .events(let e): events = e
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
            if try sequencer.isDuplicate(plan.dedupKey) {
                duplicates.append(plan)
                continue
            }
            if let entity = plan.entity, let revision = plan.revision, let last = try sequencer.lastRevision(entity), revision < last {
                let reason = "revision \(revision) of \(plan.type) \(plan.entityKey) is older than the published \(last)"
                if staleAction == .deadLetter {
                    return .deadLetter(PipelineFailure(stage: .sequence, code: FailureCode.eventStale, message: reason,
                                                       contract: "\(plan.type)@\(plan.version)"))
                }
                staleReason = reason
                duplicates.append(plan)
                continue
            }
            if eventOutputs.isEmpty {
                unrouted.append(plan.type)
                continue
            }
            planned.append(plan)
            outputs.append(contentsOf: eventOutputs)
        }
        if !outputs.isEmpty {
            for p in planned {
                sequencer.remember(key: p.dedupKey, entity: p.entity, revision: p.revision, partition: record.topicPartition)
            }
            return .publish(events: planned, outputs: outputs)
        }
        if !duplicates.isEmpty {
            return .duplicate(reason: staleReason ?? "already published (same dedup key)", events: duplicates)
        }
        return .filtered(reason: unrouted.isEmpty ? "no events" : "no subscriber for \(unrouted.joined(separator: ", "))",
                         unroutedTypes: unrouted)
    }

    /// An input that names its contract version (`ce_dataschema` header, or `dataschema` in a
    /// canonical envelope: `urn:eventbridge:contract:<type>:v<N>`) is held to that version and
    /// upcast to the latest. Otherwise it is validated against the latest version, and an event that
    /// doesn't fit it but fits an older version is upcast from the newest older version it fits.
    private func holdToContract(_ event: CanonicalEvent, declaredVersion: Int?) -> Result<(contract: Contract, data: JSONValue, upcast: Bool), PipelineFailure> {
        guard let family = registry.family(event.type) else {
            return .failure(PipelineFailure(stage: .contract, code: FailureCode.contractUnknownType,
                                            message: "no contract for event type '\(event.type)'"))
        }
        let latest = family.latest
        if let declaredVersion, declaredVersion != latest.version {
            guard let declared = family.contract(version: declaredVersion) else {
                return .failure(PipelineFailure(stage: .contract, code: FailureCode.contractUnknownVersion,
                                                message: "\(event.type) has no version \(declaredVersion) (versions: \(family.versions.map(\.version)))"))
            }
            let report = declared.validate(event.data)
            guard report.isValid else { return .failure(failure(report, contract: declared)) }
            switch family.upcast(event.data, from: declaredVersion, to: latest.version) {
            case .success(let upcast): return .success((latest, upcast, true))
            case .failure(let e): return .failure(PipelineFailure(stage: .upcast, code: e.code, message: e.description, contract: declared.id))
            }
        }
        let report = latest.validate(event.data)
        if report.isValid { return .success((latest, event.data, false)) }
        for older in family.versions.dropLast().reversed() where older.validate(event.data).isValid {
            switch family.upcast(event.data, from: older.version, to: latest.version) {
            case .success(let upcast): return .success((latest, upcast, true))
            case .failure(let e):
                return .failure(PipelineFailure(stage: .upcast, code: e.code, message: e.description, contract: older.id))
            }
        }
        return .failure(failure(report, contract: latest))
    }

    private func failure(_ report: ValidationReport, contract: Contract) -> PipelineFailure {
        let code = report.errorCode ?? "schema.invalid"
        let stage: PipelineStage = code.hasPrefix("rule.") ? .rules : .contract
        let first = report.violations.first.map { "\($0.instanceLocation.description.isEmpty ? "/" : $0.instanceLocation.description): \($0.message)" } ?? "invalid"
        let more = report.violations.count > 1 ? " (and \(report.violations.count - 1) more)" : ""
        return PipelineFailure(stage: stage, code: code, message: "\(contract.id): \(first)\(more)",
                               violations: report.violations, contract: contract.id)
    }

    /// The version an input names for itself, from `ce_dataschema` or an envelope's `dataschema`.
    private func declaredVersion(_ record: KafkaConsumerRecord, _ value: JSONValue) -> Int? {
        let text = record.header("ce_dataschema").flatMap { String(validating: $0, as: UTF8.self) } ?? value["dataschema"]?.stringValue
        guard let text, let v = text.range(of: ":v", options: .backwards) else { return nil }
        return Int(text[v.upperBound...])
    }

    private func eventTime(_ record: KafkaConsumerRecord) -> String {
        record.timestamp.kind == .notAvailable ? RFC3339.now() : RFC3339.format(milliseconds: record.timestamp.milliseconds)
    }
}

/// Deterministic event ids: the same type and dedup key always give the same `ce_id`.
public enum EventIdentity {
    /// The 128-bit dedup key as a UUID-formatted string (version nibble 8: "custom", RFC 9562).
    public static func ceID(_ key: DedupKey) -> String {
        var bytes = key.bytes
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
