import Basics
import EventStore
import Foundation
import KafkaClient
import Observability

/// The operating commands' view of the state of *every* partition, wherever it is processed
/// (docs/scaling.md): a store file of its own next to the bridge's (`<store>.view`), brought up to
/// the changelog topics' ends before each command, so `status`, `trace`, `reconcile`, `dlq …` and
/// `parked …` answer the same on any instance, or on a machine with only the config. What a
/// command records (DLQ replays and resolutions, requests about parked events) goes to the global
/// changelog first (`mirror`), then into the view.
public enum ChangelogView {
    /// Catches the view up and returns its path.
    public static func refresh(_ config: BridgeConfig, logger: Logger, timeout: Duration = .seconds(120)) throws -> String {
        let path = config.resolve(config.store.path) + ".view"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var settings = config.store.configuration(path: path)
        settings.pruneIntervalSeconds = 0
        let store = try EventStore.open(settings, logger: .disabled)
        defer { store.close() }
        let kafka = KafkaConfig(config.kafka)
        let topics = ChangelogTopics(groupId: config.groupId, sources: config.sources.map(\.topic))
        let admin = try KafkaAdmin(config: kafka.forConsumer, logger: logger)
        let described = try blocking { try await admin.describeTopics(config.sources.map(\.topic) + topics.all) }
        let existing = Set(described.filter { $0.error == nil }.map(\.name))
        let partitions = described.filter { t in existing.contains(topics.changelog(of: t.name)) }
            .flatMap { t in t.partitions.map { TopicPartition(topic: t.name, partition: $0.id) } }
        let follower = ChangelogFollower(topics: topics, kafka: kafka, store: store, session: "view-" + UUID().uuidString.lowercased(),
                                         metrics: BridgeMetrics(registry: MetricsRegistry(logger: .disabled)), logger: logger)
        try follower.catchUp(Set(partitions), includeGlobal: existing.contains(topics.global), timeout: timeout)
        return path
    }

    /// Writes one change an operating command records to the global changelog and waits for the
    /// acknowledgement (the running bridges and every other view see it from there).
    public static func mirror(_ config: BridgeConfig, logger: Logger) throws -> @Sendable (StateChange) throws -> Void {
        let topics = ChangelogTopics(groupId: config.groupId, sources: config.sources.map(\.topic))
        let writer = try ChangelogWriter(topics: topics, kafka: KafkaConfig(config.kafka), session: "cli-" + UUID().uuidString.lowercased(),
                                         logger: logger)
        return { change in try writer.write([(nil, change)]).wait() }
    }
}
