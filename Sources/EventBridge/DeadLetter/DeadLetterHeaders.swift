import Basics
import EventStore

/// The headers the bridge adds to a DLQ record (docs/dlq.md): written by the dead-letter stage,
/// read back by the DLQ tools (`DeadLetterEntry`), stripped again by a replay.
enum DeadLetterHeaders {
    static let prefix = "eventbridge."
    /// The failed input's deterministic id (`inputID(of:)`): every DLQ record of one input carries
    /// the same, so copies a crash left behind are recognized as one entry.
    static let id = "eventbridge.dlq.id"
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
    /// Set (to `true`) when the DLQ record carries only a prefix of the input's value, because the
    /// whole would not fit in a record the producer may write (`message.max.bytes`).
    static let valueTruncated = "eventbridge.value.truncated"
    /// The size of the input's value in bytes (on a truncated record: of the original).
    static let valueSize = "eventbridge.value.size"
    /// The SHA-256 of the input's value, lowercase hex (on a truncated record: of the original).
    static let valueSHA256 = "eventbridge.value.sha256"
    /// Set when the violations did not fit either: `[]` was written instead of this many.
    static let violationsOmitted = "eventbridge.error.violations.omitted"

    /// The error headers that a replay strips again (the lineage of replays is kept in
    /// `eventbridge.attempt`, `eventbridge.failed.first` and `eventbridge.replay.of`).
    static let errorHeaders: Set<String> = [id, stage, code, message, violations, contract, sourceTopic, sourcePartition,
                                            sourceOffset, sourceTimestamp, failedLast, valueTruncated, valueSize, valueSHA256,
                                            violationsOmitted]

    /// The deterministic id of the input consumed at `source`, formatted like a `ce_id` (a UUID of
    /// version 8): the same input always gets the same id, different inputs different ones.
    static func inputID(of source: PartitionPosition) -> String {
        EncodeStage.ceID(DedupKey(family: "eventbridge.dlq", values: [source.description]))
    }
}
