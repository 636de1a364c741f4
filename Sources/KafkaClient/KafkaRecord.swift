import Basics
/// One record header. Kafka allows repeated names and a null value.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    /// The value bytes, or nil for a null header value.
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// A header with a UTF-8 string value.
    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }
}

/// A record timestamp and what it means.
public struct KafkaTimestamp: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// The record carries no timestamp.
        case notAvailable
        /// Set by the producer (`CreateTime`).
        case createTime
        /// Set by the broker when appended (`LogAppendTime`).
        case logAppendTime
    }

    public var kind: Kind
    /// Milliseconds since the Unix epoch (UTC); -1 when not available.
    public var milliseconds: Int64

    public init(kind: Kind, milliseconds: Int64) {
        self.kind = kind
        self.milliseconds = milliseconds
    }

    public static let notAvailable = KafkaTimestamp(kind: .notAvailable, milliseconds: -1)
}

/// A record to produce.
///
/// A nil `key` is a null key (the partitioner picks a partition); a nil `value` is a null value,
/// a tombstone for compacted topics. Both are normal records.
public struct KafkaProducerRecord: Sendable, Hashable {
    public var topic: String
    /// The partition to write to, or nil to let the configured partitioner choose by key.
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// The CreateTime in milliseconds since the epoch, or nil for "now".
    public var timestamp: Int64?

    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// A record with a UTF-8 key and value.
    public init(topic: String, partition: Int32? = nil, key: String?, value: String?, headers: [KafkaHeader] = []) {
        self.init(
            topic: topic, partition: partition, key: key.map { Array($0.utf8) }, value: value.map { Array($0.utf8) },
            headers: headers)
    }
}

extension KafkaProducerRecord {
    /// The size librdkafka holds against `message.max.bytes` when the record is produced: the
    /// largest per-record framing of the v2 message format (36 bytes), key, value, and each header
    /// as name and value with their zigzag-varint lengths. A record with `wireSize` ≤ the
    /// producer's `maxMessageBytes` is accepted; one byte more is `messageSizeTooLarge`.
    public var wireSize: Int {
        var size = 36 + (key?.count ?? 0) + (value?.count ?? 0)
        for header in headers {
            let name = header.name.utf8.count
            let value = header.value?.count ?? 0
            size += name + value + Self.varintSize(name) + Self.varintSize(value)
        }
        return size
    }

    /// Bytes of the zigzag varint of a non-negative length (7 bits per byte of 2·n).
    @inline(__always)
    static func varintSize(_ n: Int) -> Int {
        if n < 64 { return 1 }
        var v = UInt64(n) << 1
        var bytes = 1
        while v >= 0x80 {
            v >>= 7
            bytes += 1
        }
        return bytes
    }
}

/// A record consumed from a partition: every byte as the broker returned it.
///
/// A nil `key` is a null key; a nil `value` is a tombstone. Neither is an error.
public struct KafkaConsumerRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var timestamp: KafkaTimestamp
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(
        topic: String, partition: Int32, offset: Int64, timestamp: KafkaTimestamp = .notAvailable,
        key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// Where this record is: `{topic, partition, offset}`.
    public var position: PartitionPosition { PartitionPosition(topic: topic, partition: partition, offset: offset) }

    /// The position to store or commit once this record's outcome is durable (offset + 1).
    public var nextPosition: PartitionPosition { PartitionPosition(topicPartition, offset: offset + 1) }

    /// The value of the first header with this name (nil when absent or null).
    public func header(_ name: String) -> [UInt8]? {
        headers.first { $0.name == name }?.value ?? nil
    }
}
