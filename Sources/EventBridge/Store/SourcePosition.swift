/// A source topic partition: the unit that input state is scoped by (design §11).
public struct SourcePartition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic):\(partition)" }

    public static func < (a: SourcePartition, b: SourcePartition) -> Bool {
        a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition
    }
}

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
