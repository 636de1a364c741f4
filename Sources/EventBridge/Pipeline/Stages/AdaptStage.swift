import Basics
import Contracts
import KafkaClient

/// Stage 2, adapt: a decoded input → the canonical events its source's adapter makes of it
/// (`Adapters/`), or a decision already (filtered by the adapter, or dead-lettered).
struct AdaptStage: Sendable {
    /// A configured source topic and its adapter (a class: every input takes its source along).
    final class Source: Sendable {
        let settings: BridgeConfig.SourceSettings
        let adapter: any Adapter
        /// The source's header values (`ce_source`, `ce_sourcetopic`) as bytes, made once.
        let headerBytes: EncodeStage.SourceBytes
        /// Canonical input: the tape path may prepare it (`EventPipeline.prepareOnTape`).
        let isCanonical: Bool

        init(settings: BridgeConfig.SourceSettings, adapter: any Adapter) {
            self.settings = settings
            self.adapter = adapter
            headerBytes = EncodeStage.SourceBytes(uri: Array(settings.sourceURI.utf8), topic: Array(settings.topic.utf8))
            isCanonical = adapter is CanonicalAdapter
        }
    }

    /// By source topic (looked up for every input: by the topic's bytes, `BytesTable`).
    let sources: BytesTable<Source>

    init(config: BridgeConfig, adapters: AdapterCatalog) throws {
        sources = BytesTable(try config.sources.map { s in
            (s.topic, Source(settings: s, adapter: try adapters.adapter(named: s.adapter, sourceZone: s.timeZone, sourceSystem: s.sourceSystem)))
        })
    }

    enum Outcome: Sendable {
        case events([CanonicalEvent], source: Source)
        case decided(InputDecision)
        /// The adapter needs entity state (`EntityStateStage` resolves it in input order).
        case needsState(StateRequest, source: Source)
    }

    /// The source of a record's topic, or the failure of a record no source is configured for (it
    /// cannot happen while the consumer subscribes to the sources only; a replay to a wrong topic can).
    func source(of record: KafkaConsumerRecord) -> Result<Source, PipelineFailure> {
        guard let source = sources[record.topic] else {
            return .failure(PipelineFailure(stage: .adapt, code: "adapter.no_source",
                                            message: "no source is configured for topic \(record.topic)"))
        }
        return .success(source)
    }

    /// Adapts a record the decode stage read (`decoded`). A tombstone or an undecodable value
    /// reaches the adapter only when it asks for it (`Adapter.handlesTombstones`,
    /// `acceptsUndecodedValue`); otherwise the decode failure stands.
    func adapt(_ record: KafkaConsumerRecord, decoded: Result<JSONValue, PipelineFailure>) -> Outcome {
        let source: Source
        switch self.source(of: record) {
        case .failure(let f):
            if case .failure(let decodeFailure) = decoded { return .decided(.deadLetter(decodeFailure)) }
            return .decided(.deadLetter(f))
        case .success(let s): source = s
        }
        var input = AdapterInput(
            topic: record.topic, partition: record.partition, offset: record.offset,
            timestamp: record.timestamp.kind == .notAvailable ? nil : record.timestamp.milliseconds,
            key: record.key, headers: record.headers, value: .null, text: record.value)
        switch decoded {
        case .success(let value):
            input.value = value
        case .failure(let f):
            if record.value == nil && f.code == FailureCode.recordTombstone && source.adapter.handlesTombstones {
                input.isTombstone = true
            } else if record.value != nil && f.stage == .decode && f.code.hasPrefix("json.")
                && source.adapter.acceptsUndecodedValue(headers: record.headers) {
                input.isJSON = false
            } else {
                return .decided(.deadLetter(f))
            }
        }
        return outcome(source.adapter.adapt(input), source: source)
    }

    /// An adapter outcome as the stage's outcome.
    func outcome(_ outcome: AdapterOutcome, source: Source) -> Outcome {
        switch outcome {
        case .events(let events): return .events(events, source: source)
        case .filtered(let reason): return .decided(.filtered(reason: reason))
        case .needsState(let request): return .needsState(request, source: source)
        case .failed(let f):
            let violations = f.location.map { [Violation(instanceLocation: $0, keywordLocation: "", keyword: f.code.rawValue, message: f.message)] } ?? []
            let stage: PipelineStage = f.code == .unexpectedTombstone ? .decode : .adapt
            return .decided(.deadLetter(PipelineFailure(stage: stage, code: f.code.rawValue, message: f.message, violations: violations)))
        }
    }
}
