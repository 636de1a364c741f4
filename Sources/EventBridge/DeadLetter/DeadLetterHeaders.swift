/// The headers the bridge adds to a DLQ record (docs/dlq.md): written by the dead-letter stage,
/// read back by the DLQ tools (`DeadLetterEntry`), stripped again by a replay.
public enum DeadLetterHeaders {
    public static let prefix = "eventbridge."
    public static let stage = "eventbridge.error.stage"
    public static let code = "eventbridge.error.code"
    public static let message = "eventbridge.error.message"
    public static let violations = "eventbridge.error.violations"
    public static let contract = "eventbridge.contract"
    public static let sourceTopic = "eventbridge.source.topic"
    public static let sourcePartition = "eventbridge.source.partition"
    public static let sourceOffset = "eventbridge.source.offset"
    public static let sourceTimestamp = "eventbridge.source.timestamp"
    public static let attempt = "eventbridge.attempt"
    public static let failedFirst = "eventbridge.failed.first"
    public static let failedLast = "eventbridge.failed.last"
    public static let replayOf = "eventbridge.replay.of"

    /// The error headers that a replay strips again (the lineage of replays is kept in
    /// `eventbridge.attempt`, `eventbridge.failed.first` and `eventbridge.replay.of`).
    public static let errorHeaders: Set<String> = [stage, code, message, violations, contract, sourceTopic, sourcePartition,
                                                   sourceOffset, sourceTimestamp, failedLast]
}
