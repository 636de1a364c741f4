import Contracts

/// Builds DLQ records: the original key, value and headers byte for byte, plus the
/// `eventbridge.*` headers that say what went wrong (design §8, docs/dlq.md).
public enum DeadLetterRecord {
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

    /// The DLQ record for an input that failed. `now` is RFC 3339.
    ///
    /// An input that was already replayed carries `eventbridge.attempt` and `eventbridge.failed.first`
    /// from its earlier failure: the attempt is kept (a replay increments it) and the first failure
    /// time is preserved.
    public static func make(for input: KafkaConsumerRecord, failure: PipelineFailure, dlqTopic: String, now: String) -> KafkaProducerRecord {
        var headers = input.headers.filter { !errorHeaders.contains($0.name) && $0.name != attempt && $0.name != failedFirst }
        let priorAttempt = input.header(attempt).flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 1
        let firstFailure = input.header(failedFirst).map { String(decoding: $0, as: UTF8.self) } ?? now
        let violationsJSON = JSONWriter.compact.string(.array(failure.violations.map(\.json)))
        headers.append(KafkaHeader(name: stage, string: failure.stage.rawValue))
        headers.append(KafkaHeader(name: code, string: failure.code))
        headers.append(KafkaHeader(name: message, string: failure.message))
        headers.append(KafkaHeader(name: violations, string: violationsJSON))
        if let c = failure.contract { headers.append(KafkaHeader(name: contract, string: c)) }
        headers.append(KafkaHeader(name: sourceTopic, string: input.topic))
        headers.append(KafkaHeader(name: sourcePartition, string: String(input.partition)))
        headers.append(KafkaHeader(name: sourceOffset, string: String(input.offset)))
        if input.timestamp.kind != .notAvailable {
            headers.append(KafkaHeader(name: sourceTimestamp, string: RFC3339.format(milliseconds: input.timestamp.milliseconds)))
        }
        headers.append(KafkaHeader(name: attempt, string: String(priorAttempt)))
        headers.append(KafkaHeader(name: failedFirst, string: firstFailure))
        headers.append(KafkaHeader(name: failedLast, string: now))
        // Same partition as the input keeps a source partition's failures in order.
        return KafkaProducerRecord(topic: dlqTopic, key: input.key, value: input.value, headers: headers)
    }
}

extension DeadLetterRecord {
    /// The record a replay produces to the source topic: the original key, value and headers, the
    /// error headers removed, `eventbridge.attempt` one higher, `eventbridge.replay.of` naming the
    /// DLQ record; `eventbridge.failed.first` is kept so a second failure still knows the first.
    public static func replay(of entry: DeadLetterEntry) -> KafkaProducerRecord {
        var headers = entry.record.headers.filter { !errorHeaders.contains($0.name) && $0.name != attempt && $0.name != replayOf }
        headers.append(KafkaHeader(name: attempt, string: String(entry.attempt + 1)))
        headers.append(KafkaHeader(name: replayOf, string: entry.position.description))
        return KafkaProducerRecord(topic: entry.sourceTopic ?? "", key: entry.record.key, value: entry.record.value, headers: headers)
    }
}
