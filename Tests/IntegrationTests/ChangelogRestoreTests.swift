import Basics
import EventStore
import Foundation
import Testing
@testable import EventBridge
import KafkaClient
import Observability
import TestSupport

/// Restoring a partition's state from its changelog topic against the real broker: a fresh store
/// that reads N dedup keys back answers for every one of them, and how long it took. The normal
/// run restores 100,000 keys; `EVENTBRIDGE_RESTORE_KEYS=1000000` measures a million (docs/scaling.md).
@Suite(.enabled(if: KafkaTestSupport.broker != nil, "set EVENTBRIDGE_TEST_BROKER (scripts/test does)"))
struct ChangelogRestoreTests {
    @Test func aFreshStoreRestoresAPartitionsDedupKeysFromTheChangelog() async throws {
        let n = Int(ProcessInfo.processInfo.environment["EVENTBRIDGE_RESTORE_KEYS"] ?? "") ?? 100_000
        let bootstrap = KafkaTestSupport.broker ?? ""
        let logger = KafkaTestSupport.logger
        let group = KafkaTestSupport.unique("restore")
        let source = KafkaTestSupport.unique("src")
        let topics = ChangelogTopics(groupId: group, sources: [source])
        let kafka = KafkaConfig(bootstrapServers: bootstrap)
        let admin = try KafkaAdmin(config: kafka, logger: logger)
        try await admin.createTopic(source, partitions: 1, replicationFactor: 1)
        try await topics.ensure(admin: admin, create: true, replicationFactor: 1, logger: logger)
        let partition = TopicPartition(topic: source, partition: 0)

        // The changelog as a bridge writes it: batches of dedup keys, packed.
        let writer = try ChangelogWriter(topics: topics, kafka: kafka, session: "writer", logger: logger)
        let now = WallClock.nowMillis()
        var key = 0
        let written = ContinuousClock.now
        while key < n {
            let batch = (key..<min(key + 20_000, n)).map { i in
                (partition: Optional(partition), change: StateChange.dedupKey(Self.key(i), firstSeenMillis: now))
            }
            try writer.write(batch).wait()
            key += batch.count
        }
        await writer.close()
        let writeSeconds = (ContinuousClock.now - written).seconds

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventbridge-restore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var settings = StoreConfiguration(path: directory.appendingPathComponent("store.sqlite").path)
        settings.pruneIntervalSeconds = 0
        let store = try EventStore.open(settings, logger: .disabled)
        defer { store.close() }
        let registry = MetricsRegistry(logger: .disabled)
        let metrics = BridgeMetrics(registry: registry)
        let follower = ChangelogFollower(topics: topics, kafka: kafka, store: store, session: "restorer", metrics: metrics, logger: logger)
        let started = ContinuousClock.now
        try follower.catchUp([partition], includeGlobal: false, timeout: .seconds(600))
        let seconds = (ContinuousClock.now - started).seconds

        #expect(store.dedupKeyCount == n)
        #expect(try (0..<n).filter { $0 % 997 == 0 }.allSatisfy { try store.contains(Self.key($0)) })
        #expect(try !store.contains(Self.key(n + 1)))
        // Packed (`ChangelogPacking`): far fewer records than keys; every one of them read.
        let records = try store.reader.changelogPositions()[topics.changelog(of: partition)] ?? 0
        #expect(records > 0 && records < Int64(n) / 100)
        #expect(metrics.restoredRecords.value == Int(records))
        print("changelog restore: \(n) dedup keys in \(String(format: "%.2f", seconds)) s = \(Int(Double(n) / seconds)) keys/s; "
              + "\(records) records, \(metrics.restoredBytes.value / 1_048_576) MiB read; written in \(String(format: "%.2f", writeSeconds)) s")
    }

    private static func key(_ i: Int) -> DedupKey { DedupKey(family: "bench", values: [String(i)]) }
}
