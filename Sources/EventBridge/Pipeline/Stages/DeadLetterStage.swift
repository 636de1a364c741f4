import Basics
import Contracts
import KafkaClient

/// Stage 7, dead-letter: the DLQ record of an input that failed — the original key, value and
/// headers byte for byte, plus the `eventbridge.*` headers that say what went wrong
/// (`DeadLetter/DeadLetterHeaders.swift`, docs/dlq.md) — made to fit the producer's
/// `message.max.bytes` (docs/dlq.md, "Size").
enum DeadLetterStage {
    typealias H = DeadLetterHeaders

    /// The DLQ record for an input that failed. `now` is RFC 3339. `maxBytes` is the producer's
    /// `message.max.bytes`: a record larger than that (`KafkaProducerRecord.wireSize`) is cut to
    /// fit — the value to a prefix, with the original's size and SHA-256 in headers, then the
    /// violations — and nil means it cannot fit even so (its key or the input's own headers are
    /// too large): the caller must report that, never produce it.
    ///
    /// An input that was already replayed carries `eventbridge.attempt` and `eventbridge.failed.first`
    /// from its earlier failure: the attempt is kept (a replay increments it) and the first failure
    /// time is preserved.
    static func record(for input: KafkaConsumerRecord, failure: PipelineFailure, dlqTopic: String, now: String,
                       maxBytes: Int) -> KafkaProducerRecord? {
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
        // Same key as the input: the DLQ partition follows the broker's partitioner (docs/dlq.md).
        let record = KafkaProducerRecord(topic: dlqTopic, key: input.key, value: input.value, headers: headers)
        return record.wireSize <= maxBytes ? record : fitted(record, violations: failure.violations.count, maxBytes: maxBytes)
    }

    /// `record` cut to `maxBytes`, losing as little as it can: the value to the longest prefix that
    /// fits (said in headers, with the original's size and SHA-256); when that is not enough, the
    /// violations are left out (their count said) and the message shortened, and the value is cut
    /// only if it still must be. Nil when nothing more can go.
    private static func fitted(_ record: KafkaProducerRecord, violations: Int, maxBytes: Int) -> KafkaProducerRecord? {
        if let cut = truncatingValue(record, maxBytes: maxBytes) { return cut }
        var lean = record
        lean.headers = record.headers.map { header in
            switch header.name {
            case H.violations: return KafkaHeader(name: H.violations, string: "[]")
            case H.message: return KafkaHeader(name: H.message, value: header.value.map { Array($0.prefix(1_000)) })
            default: return header
            }
        }
        if violations > 0 { lean.headers.append(KafkaHeader(name: H.violationsOmitted, string: String(violations))) }
        return lean.wireSize <= maxBytes ? lean : truncatingValue(lean, maxBytes: maxBytes)
    }

    /// `record` with its value cut to what fits beside everything else, or nil when even an empty
    /// value does not fit (or there is no value to cut).
    private static func truncatingValue(_ record: KafkaProducerRecord, maxBytes: Int) -> KafkaProducerRecord? {
        guard let value = record.value else { return nil }
        var out = record
        out.headers.append(KafkaHeader(name: H.valueTruncated, string: "true"))
        out.headers.append(KafkaHeader(name: H.valueSize, string: String(value.count)))
        out.headers.append(KafkaHeader(name: H.valueSHA256, string: SHA256.hex(value)))
        out.value = []
        let room = maxBytes - out.wireSize
        guard room >= 0 else { return nil }
        out.value = Array(value.prefix(room))
        return out
    }
}
