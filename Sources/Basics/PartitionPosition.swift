/// A topic and one of its partitions: the unit Kafka orders records in, and the unit input state
/// is scoped by (docs/design.md §11).
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (a: TopicPartition, b: TopicPartition) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }

    /// `topic:partition`.
    public var description: String { "\(topic):\(partition)" }
}

/// A position in a partition: a record's `{topic, partition, offset}` (an input, an output, a
/// DLQ record), or a commit point (then `offset` is the next offset to consume, as in Kafka).
public struct PartitionPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topicPartition: TopicPartition
    public var offset: Int64

    public init(_ topicPartition: TopicPartition, offset: Int64) {
        self.topicPartition = topicPartition
        self.offset = offset
    }

    public init(topic: String, partition: Int32, offset: Int64) {
        self.init(TopicPartition(topic: topic, partition: partition), offset: offset)
    }

    public var topic: String { topicPartition.topic }
    public var partition: Int32 { topicPartition.partition }

    /// `topic:partition:offset`: how positions are written for people (CLI, logs) and in the
    /// store's text columns.
    public var description: String { "\(topicPartition.topic):\(topicPartition.partition):\(offset)" }

    /// Reads `topic:partition:offset` (the topic may itself contain colons); nil when the last two
    /// parts are not a partition and an offset ≥ 0.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let partition = Int32(parts[parts.count - 2]), let offset = Int64(parts[parts.count - 1]),
              partition >= 0, offset >= 0
        else { return nil }
        let topic = parts.dropLast(2).joined(separator: ":")
        guard !topic.isEmpty else { return nil }
        self.init(topic: topic, partition: partition, offset: offset)
    }

    public static func < (a: PartitionPosition, b: PartitionPosition) -> Bool {
        a.topicPartition != b.topicPartition ? a.topicPartition < b.topicPartition : a.offset < b.offset
    }
}
