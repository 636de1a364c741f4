import Basics
import Observability
import KafkaClient
/// Reads the exact high-water mark of partitions, and their first record, without joining a group.
///
/// Why not ListOffsets (`KafkaConsumer.queryWatermarks`): some brokers answer "latest" wrongly
/// (the local Tansu broker reports too low an offset when the last batch held several records,
/// environment.md); the high-water mark a fetch response carries is right everywhere. So the probe
/// assigns each partition at its beginning, fetches once with a small fetch size, and reads the
/// watermarks the fetch reported (`cachedWatermarks`). The first record it sees per partition is
/// the partition's oldest (DLQ topics are append-only): `status` uses it for "oldest age".
///
/// Lives with the DLQ code because the DLQ commands, `status` and `reconcile` use it; it only
/// uses the public Kafka API.
public struct PartitionProbe: Sendable {
    /// What one partition looks like.
    public struct Result: Sendable, Hashable {
        public var low: Int64
        public var high: Int64
        /// The first record's timestamp (ms), nil for an empty partition or one without timestamps.
        public var firstTimestampMillis: Int64?
        /// The first record, when the partition holds any (for headers such as `eventbridge.failed.last`).
        public var first: KafkaConsumerRecord?
        /// Records held (the offset range; compacted topics can hold fewer).
        public var depth: Int64 { max(0, high - low) }
    }

    let kafka: KafkaConfig
    let logger: Logger

    public init(kafka: KafkaConfig, logger: Logger) {
        self.kafka = kafka.forConsumer
        self.logger = logger
    }

    /// Probes every partition; partitions that did not answer within `timeout` are missing from
    /// the result (the caller says so rather than guessing).
    public func probe(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) throws(KafkaError) -> [TopicPartition: Result] {
        guard !partitions.isEmpty else { return [:] }
        let consumer = try KafkaConsumer(
            config: kafka.merging([
                "group.id": "eventbridge-probe", "enable.partition.eof": "false",
                // One small fetch per partition is enough: the response carries the watermarks.
                "max.partition.fetch.bytes": "4096", "fetch.wait.max.ms": "50",
            ]),
            logger: logger)
        defer { consumer.closeBlocking() }
        try consumer.assign(partitions.map { PartitionPosition($0, offset: 0) })
        var firsts: [TopicPartition: KafkaConsumerRecord] = [:]
        var results: [TopicPartition: Result] = [:]
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for record in try consumer.poll(maxRecords: 500, timeout: .milliseconds(100)) where firsts[record.topicPartition] == nil {
                firsts[record.topicPartition] = record
            }
            for tp in partitions where results[tp] == nil {
                guard let wm = try? consumer.cachedWatermarks(tp) else { continue }
                // A non-empty partition is complete once its first record arrived.
                let first = firsts[tp]
                if wm.high > wm.low && first == nil { continue }
                results[tp] = Result(
                    low: wm.low, high: wm.high,
                    firstTimestampMillis: first.flatMap { $0.timestamp.kind == .notAvailable ? nil : $0.timestamp.milliseconds },
                    first: first)
                // Stop fetching what is known.
                try? consumer.pause([tp])
            }
            if results.count == partitions.count { break }
        }
        return results
    }
}
