import Foundation
import Testing
@testable import EventBridge
import Basics
import KafkaClient
import TestSupport

/// Against the real broker named by `EVENTBRIDGE_TEST_BROKER` (e.g. 127.0.0.1:9092).
/// Every test creates its own topics and groups.
@Suite(
    .enabled(if: KafkaTestSupport.broker != nil, "set EVENTBRIDGE_TEST_BROKER=HOST:PORT to run against a broker"),
    .serialized)
struct KafkaIntegrationTests {
    let bootstrap = KafkaTestSupport.broker ?? ""
    let logger = KafkaTestSupport.logger

    private func makeTopic(partitions: Int32) async throws -> String {
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: bootstrap), logger: logger)
        let topic = KafkaTestSupport.unique("it")
        try await admin.createTopic(topic, partitions: partitions, replicationFactor: 1)
        return topic
    }

    /// 10,000 records: keys, headers, null keys, tombstones, empty values; back byte-identical
    /// and in order per partition.
    @Test func tenThousandRecordsComeBackByteIdenticalAndInOrderPerPartition() async throws {
        let topic = try await makeTopic(partitions: 3)
        let reports = KafkaTestCollector<KafkaDeliveryReport>()
        let producer = try KafkaProducer(config: KafkaTestSupport.producerConfig(bootstrap: bootstrap), logger: logger) {
            reports.append(contentsOf: $0)
        }
        var sent: [KafkaProducerRecord] = []
        for i in 0..<10_000 {
            let key: [UInt8]? = i % 7 == 0 ? nil : Array("key-\(i % 50)".utf8)
            let value: [UInt8]? = i % 11 == 0 ? nil : (i % 13 == 0 ? [] : Array("value-\(i)-\(String(repeating: "x", count: i % 100))".utf8) + [0, 255, 10])
            var headers: [KafkaHeader] = []
            if i % 3 == 0 { headers.append(KafkaHeader(name: "trace", string: "t-\(i)")) }
            if i % 5 == 0 { headers.append(KafkaHeader(name: "null-header", value: nil)) }
            if i % 9 == 0 { headers.append(KafkaHeader(name: "trace", value: [1, 2, 3])) }
            let record = KafkaProducerRecord(topic: topic, partition: Int32(i % 3), key: key, value: value, headers: headers)
            sent.append(record)
            try await producer.enqueueWaiting(record, context: UInt64(i))
        }
        try await producer.flush(timeout: .seconds(20))
        #expect(reports.count == 10_000)
        #expect(reports.all.allSatisfy { $0.isDelivered })
        // Reports per partition arrive in enqueue order.
        for partition in Int32(0)..<3 {
            let contexts = reports.all.filter { $0.partition == partition }.map(\.context)
            #expect(contexts == contexts.sorted())
        }
        await producer.close()

        let consumer = try KafkaConsumer(
            config: KafkaTestSupport.consumerConfig(bootstrap: bootstrap, group: KafkaTestSupport.unique("g")), logger: logger)
        try consumer.subscribe(topics: [topic])
        let received = try await KafkaTestSupport.consume(consumer, count: 10_000)
        await consumer.close()
        #expect(received.count == 10_000)
        for partition in Int32(0)..<3 {
            let expected = sent.filter { $0.partition == partition }
            let got = received.filter { $0.partition == partition }
            #expect(got.map(\.offset) == Array(0..<Int64(got.count)))
            #expect(got.map(\.key) == expected.map(\.key))
            #expect(got.map(\.value) == expected.map(\.value))
            #expect(got.map(\.headers) == expected.map(\.headers))
            #expect(got.allSatisfy { $0.timestamp.kind != .notAvailable })
        }
    }

    private func produce(_ topic: String, count: Int, partitions: Int32, from start: Int = 0) async throws {
        let producer = try KafkaProducer(config: KafkaTestSupport.producerConfig(bootstrap: bootstrap), logger: logger)
        for i in start..<(start + count) {
            try await producer.enqueueWaiting(
                KafkaProducerRecord(topic: topic, partition: Int32(i) % partitions, key: "k\(i)", value: "v\(i)"))
        }
        try await producer.flush(timeout: .seconds(10))
        await producer.close()
    }

    private func consumer(group: String, _ extra: [String: String] = [:], onRebalance: KafkaConsumer.RebalanceHandler? = nil) throws -> KafkaConsumer {
        try KafkaConsumer(
            config: KafkaTestSupport.consumerConfig(bootstrap: bootstrap, group: group, extra), logger: logger, onRebalance: onRebalance)
    }

    /// A consumer restarted after committing continues at the committed offset: no gap, and
    /// only the uncommitted records are seen again.
    @Test func restartedConsumerContinuesAtTheCommittedOffset() async throws {
        let topic = try await makeTopic(partitions: 1)
        let group = KafkaTestSupport.unique("g")
        try await produce(topic, count: 100, partitions: 1)

        let first = try consumer(group: group)
        try first.subscribe(topics: [topic])
        let seen = try await KafkaTestSupport.consume(first, count: 100)
        #expect(seen.count == 100)
        // Outcomes durable for the first 60 only.
        try first.store(after: Array(seen.prefix(60)))
        try await first.commit()
        let committed = try await first.committed([TopicPartition(topic: topic, partition: 0)])
        #expect(committed.map(\.offset) == [60])
        await first.close()

        try await produce(topic, count: 20, partitions: 1, from: 100)
        let second = try consumer(group: group)
        try second.subscribe(topics: [topic])
        let again = try await KafkaTestSupport.consume(second, count: 60)
        #expect(again.map(\.offset) == Array(60..<120))
        #expect(again.first.map { String(decoding: $0.value ?? [], as: UTF8.self) } == "v60")
        await second.close()

        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: bootstrap), logger: logger)
        let offsets = try await admin.committedOffsets(group: group, topics: [topic])
        #expect(offsets.map(\.partition) == [TopicPartition(topic: topic, partition: 0)] && offsets.map(\.offset) == [60])
    }

    /// Two members of one group split the partitions; the cooperative-sticky assignor is used so
    /// the second join moves partitions incrementally.
    @Test(arguments: ["range", "cooperative-sticky"])
    func twoConsumersInOneGroupSplitThePartitions(assignor: String) async throws {
        let topic = try await makeTopic(partitions: 4)
        let group = KafkaTestSupport.unique("g")
        let events = KafkaTestCollector<KafkaRebalanceEvent>()
        let settings = ["partition.assignment.strategy": assignor]
        let a = try consumer(group: group, settings) { events.append($0) }
        let b = try consumer(group: group, settings)
        try a.subscribe(topics: [topic])
        _ = try await KafkaTestSupport.poll([a], until: { try a.assignment().count == 4 })
        try b.subscribe(topics: [topic])
        _ = try await KafkaTestSupport.poll([a, b], until: {
            try a.assignment().count == 2 && b.assignment().count == 2
        })
        let split = try a.assignment() + b.assignment()
        #expect(Set(split).count == 4)
        #expect(try a.assignment().count == 2)
        #expect(events.all.contains { $0.kind == .revoked })
        #expect(events.all.allSatisfy { $0.isCooperative == (assignor == "cooperative-sticky") })

        try await produce(topic, count: 40, partitions: 4)
        var received: [KafkaConsumerRecord] = []
        let deadline = ContinuousClock.now + .seconds(15)
        while received.count < 40 && ContinuousClock.now < deadline {
            received += try await a.nextBatch(timeout: .milliseconds(50))
            received += try await b.nextBatch(timeout: .milliseconds(50))
        }
        #expect(received.count == 40)
        await a.close()
        await b.close()
    }

    /// Pause stops delivery from a partition; resume restarts it where it stopped.
    @Test func pauseStopsDeliveryAndResumeRestartsIt() async throws {
        let topic = try await makeTopic(partitions: 1)
        let partition = TopicPartition(topic: topic, partition: 0)
        let c = try consumer(group: KafkaTestSupport.unique("g"))
        try c.subscribe(topics: [topic])
        try await produce(topic, count: 10, partitions: 1)
        let before = try await KafkaTestSupport.consume(c, count: 10)
        #expect(before.count == 10)

        try c.pause([partition])
        try await produce(topic, count: 10, partitions: 1, from: 10)
        let whilePaused = try await KafkaTestSupport.drain(c, for: .seconds(2))
        #expect(whilePaused.isEmpty)

        try c.resume([partition])
        let after = try await KafkaTestSupport.consume(c, count: 10)
        #expect(after.map(\.offset) == Array(10..<20))
        #expect(try c.cachedWatermarks(partition)?.high == 20)
        await c.close()
    }

    /// close() leaves the group: the next member gets every partition within seconds, not
    /// after the session timeout.
    @Test func closeLeavesTheGroupSoANewMemberGetsAllPartitionsQuickly() async throws {
        let topic = try await makeTopic(partitions: 3)
        let group = KafkaTestSupport.unique("g")
        // Without a clean leave the coordinator would wait for the session (6 s) to expire
        // before handing the partitions over.
        let settings = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]
        let events = KafkaTestCollector<KafkaRebalanceEvent>()
        let first = try consumer(group: group, settings) { events.append($0) }
        try first.subscribe(topics: [topic])
        _ = try await KafkaTestSupport.poll([first], until: { try first.assignment().count == 3 })
        #expect(try first.assignment().count == 3)
        await first.close()
        // Closing revoked the partitions through the handler before leaving.
        #expect(events.all.last?.kind == .revoked)

        let started = ContinuousClock.now
        let second = try consumer(group: group, settings)
        try second.subscribe(topics: [topic])
        _ = try await KafkaTestSupport.poll([second], until: { try second.assignment().count == 3 }, timeout: .seconds(25))
        let took = ContinuousClock.now - started
        #expect(try second.assignment().count == 3)
        print("close-handover: new member had all partitions after \(took)")
        #expect(took < .seconds(6), "hand-over took \(took)")
        await second.close()
    }

    /// The rebalance handler sees a revocation before the partitions move and can commit
    /// there (re-entering the consumer from its own poll).
    @Test func revokeHandlerCommitsStoredOffsetsBeforePartitionsMove() async throws {
        let topic = try await makeTopic(partitions: 2)
        let group = KafkaTestSupport.unique("g")
        try await produce(topic, count: 10, partitions: 2)
        let box = KafkaTestCollector<KafkaConsumer>()
        let commits = KafkaTestCollector<String>()
        let c = try consumer(group: group) { event in
            guard event.kind == .revoked, let me = box.all.first else { return }
            do {
                try me.commitBlocking()
                commits.append("ok")
            } catch {
                commits.append("\(error)")
            }
        }
        box.append(c)
        try c.subscribe(topics: [topic])
        let records = try await KafkaTestSupport.consume(c, count: 10)
        try c.store(after: records)
        await c.close()
        #expect(commits.all == ["ok"])
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: bootstrap), logger: logger)
        let offsets = try await admin.committedOffsets(group: group, topics: [topic])
        #expect(offsets.map(\.offset) == [5, 5])
    }

    /// Admin: create (with configs), list, describe, delete.
    @Test func adminCreatesDescribesListsAndDeletesTopics() async throws {
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: bootstrap), logger: logger)
        let topic = KafkaTestSupport.unique("adm")
        try await admin.createTopic(topic, partitions: 2, replicationFactor: 1, configs: ["cleanup.policy": "compact"])
        await #expect(throws: KafkaError.self) { try await admin.createTopic(topic, partitions: 2) }
        #expect(try await admin.listTopics().contains(topic))
        let described = try await admin.describeTopics([topic, topic + "-missing"])
        #expect(described[0].partitions.map(\.id) == [0, 1])
        #expect(described[0].error == nil)
        #expect(described[1].error == "UNKNOWN_TOPIC_OR_PART")
        try await admin.deleteTopics([topic])
        let deadline = ContinuousClock.now + .seconds(10)
        while try await admin.listTopics().contains(topic) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await !admin.listTopics().contains(topic))
    }
}
