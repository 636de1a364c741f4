import Basics

/// One record of a changelog write that has not been read whole yet (docs/scaling.md, "Whole
/// writes"). A write's records of one changelog partition are applied together, once all of them
/// are read; until then the records read so far are kept in the store, in the transaction that
/// moves the changelog position past them. Otherwise a reader that stops between two records of
/// one write — a CLI refreshing its view, a bridge killed or losing the partition — would resume
/// after the first ones and never apply the write.
public struct ChangelogPartialRecord: Sendable, Equatable {
    /// The write the record belongs to.
    public var write: ChangelogWriteID
    /// How many records the write has on this changelog partition.
    public var expected: Int
    public var offset: Int64
    public var key: [UInt8]
    /// Nil: a tombstone.
    public var value: [UInt8]?

    public init(write: ChangelogWriteID, expected: Int, offset: Int64, key: [UInt8], value: [UInt8]?) {
        self.write = write
        self.expected = expected
        self.offset = offset
        self.key = key
        self.value = value
    }
}

/// A write on one changelog partition: the writer's session and its write number.
public struct ChangelogWriteID: Hashable, Sendable {
    public var changelog: TopicPartition
    public var writer: String
    public var write: String

    public init(changelog: TopicPartition, writer: String, write: String) {
        self.changelog = changelog
        self.writer = writer
        self.write = write
    }
}
