import Basics
import EventStore
import Foundation
import KafkaClient
import Observability
import Testing
import TestSupport
@testable import EventBridge

/// Restoring from a changelog never applies half of a write: a writer killed between two
/// acknowledgements (or one that lost its partitions mid-commit) leaves records that a restore
/// must not turn into a store that knows a dedup key but not the processed offset that goes with it.
@Suite struct ChangelogFollowerTests {
    let logger = KafkaTestSupport.logger

    @Test func aRestoreAppliesWholeWritesAndSkipsHalfOnes() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        let source = TopicPartition(topic: "erp", partition: 0)
        let topics = ChangelogTopics(groupId: KafkaTestSupport.unique("g"), sources: ["erp"])
        try cluster.createTopic(topics.changelog(of: "erp"), partitions: 1)
        try cluster.createTopic(topics.global, partitions: 1)
        let kafka = KafkaConfig(bootstrapServers: cluster.bootstrapServers)
        func key(_ i: Int) -> DedupKey { DedupKey(family: "t", values: [String(i)]) }

        // A whole write: three keys and the processed offset.
        let writer = try ChangelogWriter(topics: topics, kafka: kafka, session: "a", logger: logger)
        try writer.write((0..<3).map { (source, StateChange.dedupKey(key($0), firstSeenMillis: WallClock.nowMillis())) }
                         + [(source, .processed(next: 3))]).wait()
        await writer.close()
        // Half a write of another session: two of the three records it announced.
        let producer = try KafkaProducer(config: kafka, logger: logger)
        for i in 10..<12 {
            let (k, v) = StateChange.dedupKey(key(i), firstSeenMillis: WallClock.nowMillis()).record
            _ = try await producer.send(KafkaProducerRecord(topic: topics.changelog(of: "erp"), partition: 0, key: k, value: v, headers: [
                KafkaHeader(name: ChangelogWriter.writerHeader, string: "b"), KafkaHeader(name: ChangelogWriter.batchHeader, string: "7:3"),
            ]))
        }
        await producer.close()

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventbridge-follower-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var settings = StoreConfiguration(path: directory.appendingPathComponent("s.sqlite").path)
        settings.pruneIntervalSeconds = 0
        let store = try EventStore.open(settings, logger: .disabled)
        defer { store.close() }
        let follower = ChangelogFollower(topics: topics, kafka: kafka, store: store, session: "restorer",
                                         metrics: BridgeMetrics(registry: MetricsRegistry(logger: .disabled)), logger: logger)
        try follower.catchUp([source], includeGlobal: true, timeout: .seconds(30))
        #expect(try (0..<3).allSatisfy { try store.contains(key($0)) })
        #expect(try store.reader.processedOffsets() == [source: 3])
        #expect(try !store.contains(key(10)) && !store.contains(key(11)), "half a write was applied")
        // The whole write is one packed record; the half one, two records of the unpacked kind.
        #expect(try store.reader.changelogPositions()[topics.changelog(of: source)] == 3)
    }

    /// A reader that stops between two records of one write (a CLI's view refreshed while a bridge
    /// writes, a restore cut short by a kill) applies the write whole when a later reader reads the
    /// rest — the records read before are kept in the store, not skipped with the position. The
    /// later reader is a CLI's catch-up, or a bridge's follower restoring the partition.
    @Test(arguments: [false, true])
    func aWriteReadInPartIsAppliedWholeByTheNextReader(restoredByABridge: Bool) async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        let source = TopicPartition(topic: "erp", partition: 0)
        let topics = ChangelogTopics(groupId: KafkaTestSupport.unique("g"), sources: ["erp"])
        let changelog = topics.changelog(of: source)
        try cluster.createTopic(changelog.topic, partitions: 1)
        try cluster.createTopic(topics.global, partitions: 1)
        let kafka = KafkaConfig(bootstrapServers: cluster.bootstrapServers)
        func key(_ i: Int) -> DedupKey { DedupKey(family: "t", values: [String(i)]) }
        let producer = try KafkaProducer(config: kafka, logger: logger)
        // One write of three records (two keys and the processed offset), produced in two parts.
        let write: [StateChange] = [.dedupKey(key(1), firstSeenMillis: WallClock.nowMillis()),
                                    .dedupKey(key(2), firstSeenMillis: WallClock.nowMillis()), .processed(next: 2)]
        func produce(_ changes: ArraySlice<StateChange>) async throws {
            for change in changes {
                let (k, v) = change.record
                _ = try await producer.send(KafkaProducerRecord(topic: changelog.topic, partition: 0, key: k, value: v, headers: [
                    KafkaHeader(name: ChangelogWriter.writerHeader, string: "w"), KafkaHeader(name: ChangelogWriter.batchHeader, string: "1:3"),
                ]))
            }
        }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventbridge-follower-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var settings = StoreConfiguration(path: directory.appendingPathComponent("s.sqlite").path)
        settings.pruneIntervalSeconds = 0
        func read(asABridge: Bool) throws {
            let store = try EventStore.open(settings, logger: .disabled)
            defer { store.close() }
            let follower = ChangelogFollower(topics: topics, kafka: kafka, store: store, session: "reader-\(UUID().uuidString)",
                                             metrics: BridgeMetrics(registry: MetricsRegistry(logger: .disabled)), logger: logger)
            guard asABridge else { return try follower.catchUp([source], includeGlobal: true, timeout: .seconds(30)) }
            follower.start()
            defer { follower.stop() }
            follower.follow([source])
            let deadline = ContinuousClock.now + .seconds(30)
            while !follower.takeRestored().contains(source) {
                guard ContinuousClock.now < deadline else { throw KafkaError(.timedOut, message: "restore did not finish") }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }

        try await produce(write[0..<2])
        try read(asABridge: false)
        var store = try EventStore.open(settings, logger: .disabled)
        #expect(try !store.contains(key(1)), "half a write was applied")
        #expect(try store.reader.changelogPositions()[changelog] == 2)
        #expect(try store.reader.changelogPartialRecords(of: [changelog]).map(\.offset) == [0, 1])
        store.close()

        try await produce(write[2...])
        await producer.close()
        try read(asABridge: restoredByABridge)
        store = try EventStore.open(settings, logger: .disabled)
        defer { store.close() }
        #expect(try store.contains(key(1)) && store.contains(key(2)), "the write's first records were skipped")
        #expect(try store.reader.processedOffsets() == [source: 2])
        #expect(try store.reader.changelogPositions()[changelog] == 3)
        #expect(try store.reader.changelogPartialRecords(of: [changelog]).isEmpty, "a completed write's records were kept")
    }
}
