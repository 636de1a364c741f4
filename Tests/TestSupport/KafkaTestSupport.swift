import Foundation
import Synchronization
import Observability
import KafkaClient

/// Shared helpers of the Kafka test suites.
public enum KafkaTestSupport {
    /// The real broker for integration tests (`EVENTBRIDGE_TEST_BROKER`), or nil.
    public static let broker: String? = {
        guard let value = ProcessInfo.processInfo.environment["EVENTBRIDGE_TEST_BROKER"], !value.isEmpty else { return nil }
        return value
    }()

    /// Logs warnings and worse to stderr (librdkafka's chatter stays quiet).
    public static let logger = Logger(label: "kafka-test", level: .warning)

    /// A topic (or group) name no other test uses.
    public static func unique(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.lowercased())"
    }

    /// Consumer settings that make a Tansu group join take about a second.
    public static func consumerConfig(bootstrap: String, group: String, _ extra: [String: String] = [:]) -> KafkaConfig {
        KafkaConfig(bootstrapServers: bootstrap, [
            "group.id": group,
            "session.timeout.ms": "2000",
            "heartbeat.interval.ms": "500",
            "auto.offset.reset": "earliest",
            "topic.metadata.refresh.interval.ms": "1000",
        ]).merging(extra)
    }

    public static func producerConfig(bootstrap: String, _ extra: [String: String] = [:]) -> KafkaConfig {
        KafkaConfig(bootstrapServers: bootstrap, ["linger.ms": "5"]).merging(extra)
    }

    /// Polls until `count` records arrived or `timeout` passed.
    public static func consume(
        _ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(20)
    ) async throws -> [KafkaConsumerRecord] {
        var records: [KafkaConsumerRecord] = []
        let deadline = ContinuousClock.now + timeout
        while records.count < count && ContinuousClock.now < deadline {
            records += try await consumer.nextBatch(maxRecords: 1000, timeout: .milliseconds(200))
        }
        return records
    }

    /// Polls for `duration`, returning whatever arrives.
    public static func drain(_ consumer: KafkaConsumer, for duration: Duration) async throws -> [KafkaConsumerRecord] {
        var records: [KafkaConsumerRecord] = []
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            records += try await consumer.nextBatch(maxRecords: 1000, timeout: .milliseconds(100))
        }
        return records
    }

    /// Polls (serving rebalances) until `condition` holds or `timeout` passes.
    public static func poll(
        _ consumers: [KafkaConsumer], until condition: () throws -> Bool, timeout: Duration = .seconds(20)
    ) async throws -> [KafkaConsumerRecord] {
        var records: [KafkaConsumerRecord] = []
        let deadline = ContinuousClock.now + timeout
        while try !condition() && ContinuousClock.now < deadline {
            for consumer in consumers {
                records += try await consumer.nextBatch(maxRecords: 1000, timeout: .milliseconds(50))
            }
        }
        return records
    }
}

/// Collects values from any thread (delivery handlers, rebalance handlers).
public final class KafkaTestCollector<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    public init() {}

    public func append(_ value: Value) { values.withLock { $0.append(value) } }
    public func append(contentsOf more: [Value]) { values.withLock { $0 += more } }
    public var all: [Value] { values.withLock { $0 } }
    public var count: Int { values.withLock { $0.count } }
}
