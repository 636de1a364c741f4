/// A source topic partition: the unit that input state is scoped by (design §11). The Kafka
/// layer's type, so the pipeline hands partitions to the store without converting.
public typealias SourcePartition = KafkaTopicPartition

/// One input record's position: source topic, partition and offset. The ledger's key.
///
/// Kept in this file with `SourcePartition`: the two are one concept at two granularities.
public struct SourcePosition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var partition: SourcePartition
    public var offset: Int64

    public init(_ partition: SourcePartition, offset: Int64) {
        self.partition = partition
        self.offset = offset
    }

    public init(topic: String, partition: Int32, offset: Int64) {
        self.init(SourcePartition(topic: topic, partition: partition), offset: offset)
    }

    /// `topic:partition:offset`, the notation used in ledger outputs and DLQ positions.
    public var description: String { "\(partition.topic):\(partition.partition):\(offset)" }

    public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset
    }
}
