import Foundation
import Testing
@testable import EventBridge

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
}
