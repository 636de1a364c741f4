import Basics
import Contracts
import KafkaClient

/// Stage 7, dead-letter: the DLQ record of an input that failed — the original key, value and
/// headers byte for byte, plus the `eventbridge.*` headers that say what went wrong
/// (`DeadLetter/DeadLetterHeaders.swift`, docs/dlq.md).
enum DeadLetterStage {
    typealias H = DeadLetterHeaders

    /// The DLQ record for an input that failed. `now` is RFC 3339.
    ///
    /// An input that was already replayed carries `eventbridge.attempt` and `eventbridge.failed.first`
    /// from its earlier failure: the attempt is kept (a replay increments it) and the first failure
    /// time is preserved.
    static func record(for input: KafkaConsumerRecord, failure: PipelineFailure, dlqTopic: String, now: String) -> KafkaProducerRecord {
        var headers = input.headers.filter { !H.errorHeaders.contains($0.name) && $0.name != H.attempt && $0.name != H.failedFirst }
        let priorAttempt = input.header(H.attempt).flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 1
        let firstFailure = input.header(H.failedFirst).map { String(decoding: $0, as: UTF8.self) } ?? now
        let violationsJSON = JSONWriter.compact.string(.array(failure.violations.map(\.json)))
        headers.append(KafkaHeader(name: H.id, string: H.inputID(of: input.position)))
        headers.append(KafkaHeader(name: H.stage, string: failure.stage.rawValue))
        headers.append(KafkaHeader(name: H.code, string: failure.code))
        headers.append(KafkaHeader(name: H.message, string: failure.message))
        headers.append(KafkaHeader(name: H.violations, string: violationsJSON))
        if let c = failure.contract { headers.append(KafkaHeader(name: H.contract, string: c.description)) }
        headers.append(KafkaHeader(name: H.sourceTopic, string: input.topic))
        headers.append(KafkaHeader(name: H.sourcePartition, string: String(input.partition)))
        headers.append(KafkaHeader(name: H.sourceOffset, string: String(input.offset)))
        if input.timestamp.kind != .notAvailable {
            headers.append(KafkaHeader(name: H.sourceTimestamp, string: RFC3339.format(milliseconds: input.timestamp.milliseconds)))
        }
        headers.append(KafkaHeader(name: H.attempt, string: String(priorAttempt)))
        headers.append(KafkaHeader(name: H.failedFirst, string: firstFailure))
        headers.append(KafkaHeader(name: H.failedLast, string: now))
        // Same partition as the input keeps a source partition's failures in order.
        return KafkaProducerRecord(topic: dlqTopic, key: input.key, value: input.value, headers: headers)
    }
}
