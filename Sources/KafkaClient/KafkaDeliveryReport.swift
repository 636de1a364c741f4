import CRdKafka

/// The outcome of producing one record, as librdkafka reported it.
///
/// Reports for records of one partition arrive in the order the records were enqueued.
public struct KafkaDeliveryReport: Sendable {
    /// Where a delivered record was written.
    public struct Position: Sendable, Hashable {
        public var partition: Int32
        public var offset: Int64
        public var timestamp: KafkaTimestamp

        public init(partition: Int32, offset: Int64, timestamp: KafkaTimestamp) {
            self.partition = partition
            self.offset = offset
            self.timestamp = timestamp
        }
    }

    /// The caller's context value given to ``KafkaProducer/enqueue(_:context:)``.
    public var context: UInt64
    public var topic: String
    /// The partition the record was (or was to be) written to; -1 when none was chosen.
    public var partition: Int32
    /// The position on success, or why delivery failed (after librdkafka's own retries).
    public var result: Result<Position, KafkaError>

    public init(context: UInt64, topic: String, partition: Int32, result: Result<Position, KafkaError>) {
        self.context = context
        self.topic = topic
        self.partition = partition
        self.result = result
    }

    /// Whether the broker acknowledged the record.
    public var isDelivered: Bool {
        if case .success = result { return true }
        return false
    }

    /// The delivery error, if any.
    public var error: KafkaError? {
        if case .failure(let error) = result { return error }
        return nil
    }

    /// Builds a report from a delivery-report message; `context` is decoded by the caller from
    /// the message opaque.
    init(message: UnsafePointer<rd_kafka_message_t>, context: UInt64) {
        let m = message.pointee
        self.context = context
        topic = RDKafkaMessage.topicName(message)
        partition = m.partition
        if let error = RDKafkaMessage.error(message, consumed: false) {
            result = .failure(error)
        } else {
            result = .success(Position(partition: m.partition, offset: m.offset, timestamp: RDKafkaMessage.timestamp(message)))
        }
    }
}
