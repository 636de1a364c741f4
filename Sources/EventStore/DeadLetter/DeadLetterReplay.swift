import Basics
/// One replay of a DLQ record (docs/design.md §8): which DLQ position went where, when, by whom, as
/// which attempt. The store keeps every attempt; `(dlqPosition, attempt)` is unique, so the
/// same attempt can never be recorded twice ("never twice by accident").
///
/// Kept in this file with `DeadLetterResolution`: the two rows of the DLQ bookkeeping.
public struct DeadLetterReplay: Hashable, Sendable {
    public var dlqPosition: PartitionPosition
    /// 1 for the first replay, then +1.
    public var attempt: Int
    public var replayedAtMillis: Int64
    /// Where the record was produced: the source topic or a retry topic.
    public var target: PartitionPosition
    /// Who asked (user name or tool).
    public var actor: String

    public init(dlqPosition: PartitionPosition, attempt: Int, replayedAtMillis: Int64, target: PartitionPosition, actor: String) {
        self.dlqPosition = dlqPosition
        self.attempt = attempt
        self.replayedAtMillis = replayedAtMillis
        self.target = target
        self.actor = actor
    }
}

/// A DLQ record marked as dealt with (fixed upstream, replayed, or accepted as lost), with
/// who and why. At most one per DLQ position; marking again replaces it.
public struct DeadLetterResolution: Hashable, Sendable {
    public var dlqPosition: PartitionPosition
    public var resolvedAtMillis: Int64
    public var actor: String
    public var reason: String

    public init(dlqPosition: PartitionPosition, resolvedAtMillis: Int64, actor: String, reason: String) {
        self.dlqPosition = dlqPosition
        self.resolvedAtMillis = resolvedAtMillis
        self.actor = actor
        self.reason = reason
    }
}
