import Foundation
import Testing
@testable import KafkaClient
import Observability
import KafkaClient
import TestSupport

/// Kafka behaviour against librdkafka's in-process mock cluster: no broker process needed.
@Suite struct KafkaMockTests {
    let logger = KafkaTestSupport.logger

    private func cluster(topic: String, partitions: Int32 = 3) throws -> KafkaMockCluster {
        let cluster = try KafkaMockCluster(brokers: 3, logger: logger)
        try cluster.createTopic(topic, partitions: partitions, replicationFactor: 3)
        return cluster
    }

    private func consumeAll(_ cluster: KafkaMockCluster, topic: String, count: Int) async throws -> [KafkaConsumerRecord] {
        let consumer = try KafkaConsumer(
            config: KafkaTestSupport.consumerConfig(bootstrap: cluster.bootstrapServers, group: KafkaTestSupport.unique("g")),
            logger: logger)
        try consumer.subscribe(topics: [topic])
        let records = try await KafkaTestSupport.consume(consumer, count: count)
        await consumer.close()
        return records
    }

    @Test func sendReturnsThePositionAndRecordsComeBack() async throws {
        let topic = KafkaTestSupport.unique("mock")
        let cluster = try cluster(topic: topic)
        let producer = try KafkaProducer(config: KafkaTestSupport.producerConfig(bootstrap: cluster.bootstrapServers), logger: logger)
        var positions: [KafkaDeliveryReport.Position] = []
        for i in 0..<5 {
            let record = KafkaProducerRecord(
                topic: topic, partition: 1, key: i == 0 ? nil : "k\(i)", value: i == 1 ? nil : "v\(i)",
                headers: [KafkaHeader(name: "h", string: "\(i)")])
            positions.append(try await producer.send(record))
        }
        #expect(positions.map(\.offset) == [0, 1, 2, 3, 4])
        #expect(positions.allSatisfy { $0.partition == 1 })
        await producer.close()

        let records = try await consumeAll(cluster, topic: topic, count: 5)
        #expect(records.map(\.offset) == [0, 1, 2, 3, 4])
        #expect(records[0].key == nil)
        #expect(records[1].value == nil)
        #expect(records[2].value == Array("v2".utf8))
        #expect(records[3].header("h") == Array("3".utf8))
    }

    @Test func injectedRetriableProduceErrorsAreRetriedAndRecordsArrive() async throws {
        let topic = KafkaTestSupport.unique("mock")
        let cluster = try cluster(topic: topic, partitions: 1)
        cluster.pushRequestErrors(
            [.rdKafka(19), .rdKafka(19), .rdKafka(7), .rdKafka(6)], api: .produce)  // NOT_ENOUGH_REPLICAS ×2, REQUEST_TIMED_OUT, NOT_LEADER
        let reports = KafkaTestCollector<KafkaDeliveryReport>()
        let producer = try KafkaProducer(
            config: KafkaTestSupport.producerConfig(bootstrap: cluster.bootstrapServers, ["retry.backoff.ms": "10"]), logger: logger
        ) { reports.append(contentsOf: $0) }
        for i in 0..<100 {
            try producer.enqueue(KafkaProducerRecord(topic: topic, key: "k", value: "v\(i)"), context: UInt64(i))
        }
        try await producer.flush(timeout: .seconds(20))
        await producer.close()
        #expect(reports.count == 100)
        #expect(reports.all.allSatisfy { $0.isDelivered })
        #expect(reports.all.map(\.context) == Array(0..<100))

        let records = try await consumeAll(cluster, topic: topic, count: 100)
        // Idempotence: retried batches are written once, in order.
        #expect(records.map { String(decoding: $0.value ?? [], as: UTF8.self) } == (0..<100).map { "v\($0)" })
    }

    @Test func permanentProduceErrorsSurfaceAsTypedErrors() async throws {
        let topic = KafkaTestSupport.unique("mock")
        let cluster = try cluster(topic: topic, partitions: 1)
        // TOPIC_AUTHORIZATION_FAILED is not retriable: the record fails with that code.
        cluster.pushRequestErrors([.rdKafka(29)], api: .produce)
        let producer = try KafkaProducer(config: KafkaTestSupport.producerConfig(bootstrap: cluster.bootstrapServers), logger: logger)
        await #expect {
            try await producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "v"))
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.code == .rdKafka(29) && error.name == "TOPIC_AUTHORIZATION_FAILED" && !error.isRetriable
        }
        await producer.close()
    }

    @Test func brokersDownThenUpLoseNoRecord() async throws {
        let topic = KafkaTestSupport.unique("mock")
        let cluster = try cluster(topic: topic)
        let reports = KafkaTestCollector<KafkaDeliveryReport>()
        let producer = try KafkaProducer(
            config: KafkaTestSupport.producerConfig(bootstrap: cluster.bootstrapServers, ["reconnect.backoff.max.ms": "200"]),
            logger: Logger(label: "kafka-test", level: .critical)
        ) { reports.append(contentsOf: $0) }
        for i in 0..<300 {
            if i == 100 { try cluster.setBrokerDown(-1) }
            if i == 200 {
                try await Task.sleep(for: .milliseconds(500))
                // The records of the outage are held, not failed.
                #expect(producer.outstandingCount >= 100)
                #expect(reports.all.allSatisfy { $0.isDelivered })
                try cluster.setBrokerUp(-1)
            }
            try await producer.enqueueWaiting(KafkaProducerRecord(topic: topic, key: "k\(i % 10)", value: "v\(i)"), context: UInt64(i))
        }
        try await producer.flush(timeout: .seconds(30))
        await producer.close()
        #expect(reports.count == 300)
        #expect(reports.all.allSatisfy { $0.isDelivered })

        let records = try await consumeAll(cluster, topic: topic, count: 300)
        #expect(Set(records.map { String(decoding: $0.value ?? [], as: UTF8.self) }) == Set((0..<300).map { "v\($0)" }))
        #expect(records.count == 300)
    }

    @Test func aFullQueueIsBackpressureNotLoss() async throws {
        let topic = KafkaTestSupport.unique("mock")
        let cluster = try cluster(topic: topic, partitions: 1)
        let reports = KafkaTestCollector<KafkaDeliveryReport>()
        let producer = try KafkaProducer(
            config: KafkaTestSupport.producerConfig(bootstrap: cluster.bootstrapServers, ["queue.buffering.max.messages": "10"]),
            logger: logger
        ) { reports.append(contentsOf: $0) }
        var queueFullErrors: [KafkaError] = []
        for i in 0..<200 {
            let record = KafkaProducerRecord(topic: topic, key: nil, value: "v\(i)")
            let failure: KafkaError?
            do {
                try producer.enqueue(record, context: UInt64(i))
                failure = nil
            } catch {
                failure = error
            }
            guard let failure else { continue }
            try #require(failure.code == .queueFull)
            queueFullErrors.append(failure)
            try await producer.enqueueWaiting(record, context: UInt64(i))
        }
        try await producer.flush(timeout: .seconds(10))
        await producer.close()
        #expect(!queueFullErrors.isEmpty)
        #expect(queueFullErrors.allSatisfy { $0.isRetriable && !$0.isFatal })
        #expect(reports.all.map(\.context) == Array(0..<200))
    }
}
