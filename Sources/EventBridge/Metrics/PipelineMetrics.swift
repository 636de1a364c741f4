import Basics
import Foundation
import Synchronization
import Observability
import KafkaClient
import EventStore

/// The pipeline's view of the Prometheus metrics (`BridgeMetrics`): labelled children are looked
/// up once and cached here, on the pipeline thread, so the hot path never takes the registry's
/// lock. Also keeps the plain totals for the closing log line.
final class PipelineMetrics: @unchecked Sendable {
    // @unchecked Sendable: the caches and totals are touched only on the pipeline thread; the
    // values the metrics server reads (`lag`) are behind a Mutex.
    let bridge: BridgeMetrics
    private var consumedBy: [String: Counter] = [:]
    private var outcomeBy: [String: Counter] = [:]
    private var publishedBy: [String: Counter] = [:]
    private var deadLetteredBy: [String: Counter] = [:]
    private var duplicatesBy: [String: Counter] = [:]
    private var filteredBy: [String: Counter] = [:]
    private var staleBy: [String: Counter] = [:]
    private var releasedBy: [String: Counter] = [:]
    private var replayedBy: [String: Counter] = [:]
    private var syncLagBy: [TopicType: Histogram] = [:]
    /// Per contract type: events synced, objective breaches, and the objective in seconds.
    private var syncedBy: [String: (synced: Counter, breaches: Counter, objective: Double)] = [:]
    private let lag = LagSnapshot()

    var consumed = 0
    var published = 0
    var deadLettered = 0
    var duplicates = 0
    var filtered = 0
    var commits = 0

    init(registry: MetricsRegistry, objectives: Objectives = .none) {
        bridge = BridgeMetrics(registry: registry, version: EventBridgeVersion.version, objectives: objectives)
        bridge.setConsumerLagProvider { [lag] in lag.value.withLock { $0 } }
    }

    /// A cache key of two strings that allocates nothing (no concatenation per event).
    private struct TopicType: Hashable {
        var topic: String
        var type: String
    }

    private func cached<K: Hashable, T>(_ cache: inout [K: T], _ key: K, _ make: () -> T) -> T {
        if let hit = cache[key] { return hit }
        let made = make()
        cache[key] = made
        return made
    }

    func consumed(_ record: KafkaConsumerRecord) {
        consumed += 1
        cached(&consumedBy, record.topic) { bridge.recordsConsumed(topic: record.topic) }.increment()
        if record.headers.contains(where: { $0.name == DeadLetterHeaders.replayOf }) {
            cached(&replayedBy, record.topic) { bridge.replayed(topic: record.topic) }.increment()
        }
    }

    /// A parked input was resolved (released, or expired to the DLQ), with its new outcome.
    func released(outcome: LedgerEntry.Outcome) {
        cached(&releasedBy, outcome.rawValue) { bridge.parkedResolved(outcome: outcome.rawValue) }.increment()
    }

    /// An update older than the published revision of its entity, dropped (`duplicate`) or dead-lettered.
    func stale(type: String, action: String) {
        cached(&staleBy, type + "\u{0}" + action) { bridge.stale(type: type, action: action) }.increment()
    }

    /// now − event time (`ce_time`) of events being published from `topic`, each against its
    /// contract's sync-lag objective; and each event counted as synced for its workflow.
    func syncLag(_ topic: String, _ events: [PlannedEvent]) {
        let now = WallClock.nowSeconds()
        for event in events {
            let type = event.type
            let workflow = cached(&syncedBy, type) {
                (bridge.eventsSynced(type: type), bridge.syncLagBreaches(type: type),
                 Double(bridge.objectives.entry(forType: type).objective.syncLagSeconds))
            }
            workflow.synced.increment()
            guard let millis = event.timeMillis else { continue }
            let lag = max(0, now - Double(millis) / 1000)
            cached(&syncLagBy, TopicType(topic: topic, type: type)) { bridge.syncLag(topic: topic, type: type) }.observe(lag)
            if workflow.objective > 0, lag > workflow.objective { workflow.breaches.increment() }
        }
    }

    func outcome(_ topic: String, _ outcome: BridgeMetrics.Outcome) {
        cached(&outcomeBy, topic + "\u{0}" + outcome.rawValue) { bridge.outcome(topic: topic, outcome) }.increment()
    }

    func published(subscriber: String, type: String) {
        cached(&publishedBy, subscriber + "\u{0}" + type) { bridge.published(subscriber: subscriber, type: type) }.increment()
    }

    func deadLettered(_ failure: PipelineFailure) {
        deadLettered += 1
        let stage = failure.stage.rawValue
        let type = failure.contract?.type
        cached(&deadLetteredBy, stage + "\u{0}" + failure.code + "\u{0}" + (type ?? "")) {
            bridge.deadLettered(stage: stage, code: failure.code, type: type)
        }.increment()
    }

    func duplicate(type: String) {
        duplicates += 1
        cached(&duplicatesBy, type) { bridge.duplicates(type: type) }.increment()
    }

    func filtered(type: String) {
        filtered += 1
        cached(&filteredBy, type) { bridge.filtered(type: type) }.increment()
    }

    func setLag(_ value: [BridgeMetrics.PartitionLag]) { lag.value.withLock { $0 = value } }

    var fields: [String: String] {
        ["consumed": String(consumed), "published": String(published), "deadLettered": String(deadLettered),
         "duplicates": String(duplicates), "filtered": String(filtered), "commits": String(commits)]
    }
}

/// The latest consumer-lag figures: written by the pipeline thread, read by the metrics server.
final class LagSnapshot: Sendable {
    let value = Mutex<[BridgeMetrics.PartitionLag]>([])
}
