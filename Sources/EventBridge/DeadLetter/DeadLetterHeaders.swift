/// The headers the bridge adds to a DLQ record (docs/dlq.md): written by the dead-letter stage,
/// read back by the DLQ tools (`DeadLetterEntry`), stripped again by a replay.
enum DeadLetterHeaders {
    static let prefix = "eventbridge."
    static let stage = "eventbridge.error.stage"
    static let code = "eventbridge.error.code"
    static let message = "eventbridge.error.message"
    static let violations = "eventbridge.error.violations"
    static let contract = "eventbridge.contract"
    static let sourceTopic = "eventbridge.source.topic"
    static let sourcePartition = "eventbridge.source.partition"
    static let sourceOffset = "eventbridge.source.offset"
    static let sourceTimestamp = "eventbridge.source.timestamp"
    static let attempt = "eventbridge.attempt"
    static let failedFirst = "eventbridge.failed.first"
    static let failedLast = "eventbridge.failed.last"
    static let replayOf = "eventbridge.replay.of"

    /// The error headers that a replay strips again (the lineage of replays is kept in
    /// `eventbridge.attempt`, `eventbridge.failed.first` and `eventbridge.replay.of`).
    static let errorHeaders: Set<String> = [stage, code, message, violations, contract, sourceTopic, sourcePartition,
                                                   sourceOffset, sourceTimestamp, failedLast]
}
