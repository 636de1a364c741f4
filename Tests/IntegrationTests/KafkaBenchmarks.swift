import Foundation
import Testing
@testable import EventBridge
import KafkaClient
import TestSupport

/// Throughput of the client layer against the real broker. Opt-in (it moves 100 MB):
/// `EVENTBRIDGE_KAFKA_BENCH=1 EVENTBRIDGE_TEST_BROKER=127.0.0.1:9092 swift test -c release --filter KafkaBenchmarks`.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["EVENTBRIDGE_KAFKA_BENCH"] != nil && KafkaTestSupport.broker != nil,
        "set EVENTBRIDGE_KAFKA_BENCH=1 and EVENTBRIDGE_TEST_BROKER to run the Kafka benchmarks"))
struct KafkaBenchmarks {
    static func rate(_ count: Int, _ duration: Duration) -> Int {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return Int(Double(count) / max(seconds, 1e-9))
    }

    /// 200,000 records of 512 bytes through `enqueueWaiting` (reports to a batch handler), then
    /// back through `nextBatch`.
    @Test func produceAndConsumeTwoHundredThousandRecords() async throws {
        let bootstrap = KafkaTestSupport.broker ?? ""
        let logger = KafkaTestSupport.logger
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: bootstrap), logger: logger)
        let topic = KafkaTestSupport.unique("bench")
        try await admin.createTopic(topic, partitions: 4, replicationFactor: 1)
        let delivered = KafkaTestCollector<Int>()
        let producer = try KafkaProducer(config: KafkaTestSupport.producerConfig(bootstrap: bootstrap), logger: logger) {
            delivered.append($0.count)
        }
        let value = [UInt8](repeating: 65, count: 512)
        let n = 200_000
        let start = ContinuousClock.now
        for i in 0..<n {
            let record = KafkaProducerRecord(topic: topic, key: Array("k\(i % 1000)".utf8), value: value)
            try await producer.enqueueWaiting(record, context: UInt64(i))
        }
        try await producer.flush(timeout: .seconds(60))
        let produced = ContinuousClock.now - start
        await producer.close()
        #expect(delivered.all.reduce(0, +) == n)

        let consumer = try KafkaConsumer(
            config: KafkaTestSupport.consumerConfig(bootstrap: bootstrap, group: KafkaTestSupport.unique("g")), logger: logger)
        try consumer.subscribe(topics: [topic])
        let first = try await KafkaTestSupport.consume(consumer, count: 1)
        let consumeStart = ContinuousClock.now
        let rest = try await KafkaTestSupport.consume(consumer, count: n - first.count, timeout: .seconds(60))
        let consumed = ContinuousClock.now - consumeStart
        await consumer.close()
        #expect(first.count + rest.count == n)
        print("KafkaBenchmarks: produce \(KafkaBenchmarks.rate(n, produced)) records/s, consume \(KafkaBenchmarks.rate(rest.count, consumed)) records/s")
    }
}
