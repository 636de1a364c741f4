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

        let restorer = try Restorer(topics: topics, kafka: kafka, logger: logger)
        defer { withExtendedLifetime(restorer) {} }  // its deinit closes the store
        let (store, metrics, follower) = (restorer.store, restorer.metrics, restorer.follower)
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

    /// Writes shaped as the commit stage makes them — per input a dedup key, a revision and a
    /// ledger row, then the partition's processed offset — and large enough that each takes
    /// several records (a writer catching up on a backlog), then a lower processed offset from
    /// an owner that re-consumed recorded inputs. A fresh store restored from them has every
    /// outcome and key, and a processed offset past every outcome: the next owner skips all of
    /// them (docs/scaling.md).
    @Test func largeWritesRestoreTheirProcessedOffsetWithTheirOutcomes() async throws {
        let bootstrap = KafkaTestSupport.broker ?? ""
        let logger = KafkaTestSupport.logger
        let source = KafkaTestSupport.unique("src")
        let topics = ChangelogTopics(groupId: KafkaTestSupport.unique("restore"), sources: [source])
        let kafka = KafkaConfig(bootstrapServers: bootstrap)
        let admin = try KafkaAdmin(config: kafka, logger: logger)
        try await admin.createTopic(source, partitions: 2, replicationFactor: 1)
        try await topics.ensure(admin: admin, create: true, replicationFactor: 1, logger: logger)
        let partitions = [TopicPartition(topic: source, partition: 0), TopicPartition(topic: source, partition: 1)]

        let writer = try ChangelogWriter(topics: topics, kafka: kafka, session: "writer", logger: logger)
        let now = WallClock.nowMillis()
        var next: [TopicPartition: Int64] = [:]
        var records = 0
        for size in [2_500, 6_000, 1, 9_000, 40] {
            var batch = StoreBatch()
            for tp in partitions {
                let first = next[tp] ?? 0
                for offset in first..<first + Int64(size) {
                    let id = "CUST-\(tp.partition)-\(offset)"
                    batch.insertDedupKey(DedupKey(family: "finance.customer", values: [id, "2"]), partition: tp, firstSeenMillis: now)
                    batch.setRevision(.integer(2), family: "finance.customer", entityKey: id, partition: tp, atMillis: now)
                    batch.record(LedgerEntry(source: PartitionPosition(tp, offset: offset), outcome: .published, eventID: UUID().uuidString,
                                             eventType: "finance.customer.upserted", entityKey: id, contractVersion: 1,
                                             outputs: [PartitionPosition(topic: "gl", partition: tp.partition, offset: offset)], atMillis: now))
                }
                next[tp] = first + Int64(size)
                batch.setProcessedOffset(next: first + Int64(size), for: tp)
            }
            let changes = batch.stateChanges
            records += changes.count
            try writer.write(changes).wait()
        }
        await writer.close()
        // The next owner re-consumed recorded inputs from behind the group's committed offset
        // (a Kafka commit lost in a rebalance) and wrote the processed offsets it passed.
        let behind = try ChangelogWriter(topics: topics, kafka: kafka, session: "next-owner", logger: logger)
        var skipped = StoreBatch()
        for tp in partitions { skipped.setProcessedOffset(next: 2_500, for: tp) }
        try behind.write(skipped.stateChanges).wait()
        await behind.close()

        let restorer = try Restorer(topics: topics, kafka: kafka, logger: logger)
        defer { withExtendedLifetime(restorer) {} }  // its deinit closes the store
        let (store, metrics, follower) = (restorer.store, restorer.metrics, restorer.follower)
        try follower.catchUp(Set(partitions), includeGlobal: false, timeout: .seconds(300))

        let processed = try store.reader.processedOffsets()
        for tp in partitions {
            let end = try #require(next[tp])
            #expect(processed[tp] == end, "\(tp): processed \(processed[tp] ?? -1) of \(end)")
            let report = try store.reader.reconcile(tp, offsets: 0...(end - 1))
            #expect(report.gaps.isEmpty && report.counts[.published] == Int(end))
        }
        #expect(store.dedupKeyCount == Int(next.values.reduce(0, +)))
        // Several records per write: the case a restore must assemble before applying.
        let read = metrics.restoredRecords.value
        #expect(read > 5 * partitions.count, "\(read) records for \(records) changes")
    }

    private static func key(_ i: Int) -> DedupKey { DedupKey(family: "bench", values: [String(i)]) }
}

/// A fresh store in a directory of its own, and a follower to restore it from the changelog.
private final class Restorer {
    let directory: URL
    let store: EventStore
    let metrics = BridgeMetrics(registry: MetricsRegistry(logger: .disabled))
    let follower: ChangelogFollower

    init(topics: ChangelogTopics, kafka: KafkaConfig, logger: Logger) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventbridge-restore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var settings = StoreConfiguration(path: directory.appendingPathComponent("store.sqlite").path)
        settings.pruneIntervalSeconds = 0
        store = try EventStore.open(settings, logger: .disabled)
        follower = ChangelogFollower(topics: topics, kafka: kafka, store: store, session: "restorer", metrics: metrics, logger: logger)
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}
