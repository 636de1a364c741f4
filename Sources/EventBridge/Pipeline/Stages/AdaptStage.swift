import Contracts
import KafkaClient

/// Stage 2, adapt: a decoded input → the canonical events its source's adapter makes of it
/// (`Adapters/`), or a decision already (filtered by the adapter, or dead-lettered).
struct AdaptStage: Sendable {
    /// A configured source topic and its adapter.
    struct Source: Sendable {
        let settings: BridgeConfig.SourceSettings
        let adapter: any Adapter
    }

    /// By source topic.
    let sources: [String: Source]

    init(config: BridgeConfig, adapters: AdapterCatalog) throws {
        var sources: [String: Source] = [:]
        for s in config.sources {
            sources[s.topic] = Source(settings: s, adapter: try adapters.adapter(named: s.adapter, sourceZone: s.timeZone))
        }
        self.sources = sources
    }

    enum Outcome: Sendable {
        case events([CanonicalEvent], source: Source)
        case decided(InputDecision)
    }

    /// A record of a topic no source is configured for is dead-lettered (it cannot happen while
    /// the consumer subscribes to the sources only; a replay to a wrong topic can).
    func adapt(_ record: KafkaConsumerRecord, value: JSONValue) -> Outcome {
        guard let source = sources[record.topic] else {
            return .decided(.deadLetter(PipelineFailure(stage: .adapt, code: "adapter.no_source",
                                                        message: "no source is configured for topic \(record.topic)")))
        }
        let input = AdapterInput(
            topic: record.topic, partition: record.partition, offset: record.offset,
            timestamp: record.timestamp.kind == .notAvailable ? nil : record.timestamp.milliseconds,
            key: record.key, headers: record.headers, value: value, text: record.value)
        switch source.adapter.adapt(input) {
        case .events(let events): return .events(events, source: source)
        case .filtered(let reason): return .decided(.filtered(reason: reason))
        case .failed(let f):
            let violations = f.location.map { [Violation(instanceLocation: $0, keywordLocation: "", keyword: f.code.rawValue, message: f.message)] } ?? []
            return .decided(.deadLetter(PipelineFailure(stage: .adapt, code: f.code.rawValue, message: f.message, violations: violations)))
        }
    }
}
