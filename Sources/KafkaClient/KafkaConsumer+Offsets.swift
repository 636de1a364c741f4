import CRdKafka
import Basics
import Observability

/// The low and high watermarks of a partition: the first offset still held, and the offset the
/// next record will get (the end; lag = high − committed).
public struct KafkaWatermarks: Sendable, Hashable {
    public var low: Int64
    public var high: Int64

    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }
}

extension KafkaConsumer {
    /// Stores positions (next offsets to consume) for the next commit. Partitions must be
    /// assigned to this member.
    public func store(_ positions: [PartitionPosition]) throws(KafkaError) {
        guard !positions.isEmpty else { return }
        try withHandle("store offsets") { handle throws(KafkaError) in
            let list = RDKafkaPartitionList(positions)
            try KafkaError.check(rd_kafka_offsets_store(handle, list.pointer), "store offsets")
            try list.checkPartitions("store offset")
        }
    }

    /// Stores the position after each record (offset + 1), keeping the highest per partition.
    public func store(after records: [KafkaConsumerRecord]) throws(KafkaError) {
        var highest: [TopicPartition: Int64] = [:]
        for record in records {
            highest[record.topicPartition] = max(highest[record.topicPartition] ?? Int64.min, record.offset + 1)
        }
        try store(highest.map { PartitionPosition($0.key, offset: $0.value) })
    }

    /// Commits the stored offsets and waits for the broker's answer (blocks the caller; usable
    /// inside the rebalance handler). A commit with nothing stored succeeds.
    public func commitBlocking() throws(KafkaError) {
        try withHandle("commit") { handle throws(KafkaError) in
            let err = rd_kafka_commit(handle, nil, 0)
            guard err != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }
            try KafkaError.check(err, "commit")
        }
    }

    /// Commits the stored offsets and awaits the broker's answer, off the cooperative pool.
    public func commit() async throws(KafkaError) {
        try await client.run { [self] () throws(KafkaError) in try commitBlocking() }
    }

    /// Starts a commit of the stored offsets and returns at once; a failure is logged by the
    /// consumer's service thread (the next commit retries the same offsets).
    public func commitAsync() throws(KafkaError) {
        try withHandle("commit") { handle throws(KafkaError) in
            let err = rd_kafka_commit(handle, nil, 1)
            guard err != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }
            try KafkaError.check(err, "commit")
        }
    }

    /// The group's committed positions for these partitions; a partition without one is left out.
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [PartitionPosition] {
        try await client.run { [self] () throws(KafkaError) in try committedBlocking(partitions, timeout: timeout) }
    }

    /// ``committed(_:timeout:)`` for a caller on its own thread (blocks it up to `timeout`).
    public func committedBlocking(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) throws(KafkaError) -> [PartitionPosition] {
        let ms = timeout.rdKafkaMilliseconds
        return try withHandle("committed") { handle throws(KafkaError) in
            let list = RDKafkaPartitionList(partitions)
            try KafkaError.check(rd_kafka_committed(handle, list.pointer, ms), "committed offsets")
            try list.checkPartitions("committed offset")
            return list.entries
        }
    }

    /// The watermarks last seen in fetch responses (no request; nil before the first fetch).
    /// The high watermark from fetches is exact even where a broker's ListOffsets is not.
    public func cachedWatermarks(_ partition: TopicPartition) throws(KafkaError) -> KafkaWatermarks? {
        try withHandle("watermarks") { handle throws(KafkaError) in
            var low: Int64 = -1
            var high: Int64 = -1
            let err = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
            return KafkaWatermarks(low: max(low, 0), high: high)
        }
    }

    /// Polls a batch on the calling thread (the handle is already exclusively ours).
    static func pollBatch(handle: OpaquePointer, maxRecords: Int, timeout: Duration, logger: Logger) throws(KafkaError) -> [KafkaConsumerRecord] {
        var records: [KafkaConsumerRecord] = []
        let deadline = ContinuousClock.now + timeout
        // Topic names are cached per topic handle: one String per batch and topic, not per record.
        var lastTopic: (OpaquePointer, String)?
        while records.count < maxRecords {
            // Wait for the first record; after that take only what is already fetched.
            let wait = records.isEmpty ? (deadline - ContinuousClock.now).rdKafkaMilliseconds : 0
            guard let message = rd_kafka_consumer_poll(handle, wait) else {
                if records.isEmpty && ContinuousClock.now < deadline { continue }
                break
            }
            defer { rd_kafka_message_destroy(message) }
            if let error = RDKafkaMessage.error(message, consumed: true) {
                if error.code == .rdKafka(RD_KAFKA_RESP_ERR__PARTITION_EOF.rawValue) { continue }
                if error.isFatal { throw error }
                logger.warning("consumer error", ["error": error.description])
                continue
            }
            var topic: String?
            if let rkt = message.pointee.rkt {
                if let lastTopic, lastTopic.0 == rkt {
                    topic = lastTopic.1
                } else {
                    let name = RDKafkaMessage.topicName(message)
                    lastTopic = (rkt, name)
                    topic = name
                }
            }
            records.append(RDKafkaMessage.record(message, topic: topic))
        }
        return records
    }
}
