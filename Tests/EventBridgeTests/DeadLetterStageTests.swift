import Basics
import Contracts
import Foundation
import KafkaClient
import Testing
@testable import EventBridge

/// The DLQ record of an input (docs/dlq.md): the original bytes and headers plus what went wrong,
/// named by the input's deterministic id, and always small enough to be written — a value too large
/// for `message.max.bytes` is truncated, and the headers say so with the original's size and SHA-256.
@Suite struct DeadLetterStageTests {
    private let failure = PipelineFailure(stage: .decode, code: "json.syntax", message: "unexpected end of input at line 1")

    private func input(key: [UInt8]? = Array("k-1".utf8), value: [UInt8]?, offset: Int64 = 17) -> KafkaConsumerRecord {
        KafkaConsumerRecord(topic: "erp.finance.events", partition: 2, offset: offset, key: key, value: value,
                            headers: [KafkaHeader(name: "traceparent", string: "00-abc")])
    }

    private func header(_ r: KafkaProducerRecord, _ name: String) -> String? {
        r.headers.last { $0.name == name }?.value.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func aSmallRecordKeepsTheOriginalBytesAndNamesItsInput() throws {
        let value = Array(#"{"broken": "#.utf8)
        let dlq = try #require(DeadLetterStage.record(for: input(value: value), failure: failure, dlqTopic: "erp.finance.events.dlq",
                                                       now: "2026-12-04T10:00:00Z", maxBytes: 1_000_000))
        #expect(dlq.value == value && dlq.key == Array("k-1".utf8))
        #expect(header(dlq, "traceparent") == "00-abc")
        #expect(header(dlq, DeadLetterHeaders.valueTruncated) == nil)
        let id = try #require(header(dlq, DeadLetterHeaders.id))
        #expect(id == DeadLetterHeaders.inputID(of: PartitionPosition(topic: "erp.finance.events", partition: 2, offset: 17)))
        #expect(id != DeadLetterHeaders.inputID(of: PartitionPosition(topic: "erp.finance.events", partition: 2, offset: 18)))
        #expect(id.count == 36)
    }

    @Test func aValueTooLargeIsTruncatedToFitWithTheOriginalsSizeAndHash() throws {
        let value = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        for limit in [1_000_000, 10_000, 2_000] {
            let dlq = try #require(DeadLetterStage.record(for: input(value: value), failure: failure, dlqTopic: "d", now: "2026-12-04T10:00:00Z",
                                                           maxBytes: limit))
            #expect(dlq.wireSize <= limit, "\(limit): \(dlq.wireSize)")
            #expect(dlq.wireSize > limit - 64, "the prefix uses the room there is")
            let kept = try #require(dlq.value)
            #expect(kept.count < value.count && Array(value.prefix(kept.count)) == kept)
            #expect(header(dlq, DeadLetterHeaders.valueTruncated) == "true")
            #expect(header(dlq, DeadLetterHeaders.valueSize) == "3000000")
            #expect(header(dlq, DeadLetterHeaders.valueSHA256) == SHA256.hex(value))
            #expect(dlq.key == Array("k-1".utf8), "the key is never cut")
        }
    }

    @Test func violationsThatDoNotFitAreLeftOutAndCounted() throws {
        let many = PipelineFailure(stage: .contract, code: "schema.required", message: "many",
                                   violations: (0..<5_000).map { Violation(instanceLocation: JSONPointer(tokens: ["lines", String($0)]), keywordLocation: "/required",
                                                                             keyword: "required", message: String(repeating: "m", count: 40)) })
        let dlq = try #require(DeadLetterStage.record(for: input(value: Array(repeating: 65, count: 50_000)), failure: many, dlqTopic: "d",
                                                       now: "2026-12-04T10:00:00Z", maxBytes: 20_000))
        #expect(dlq.wireSize <= 20_000)
        #expect(header(dlq, DeadLetterHeaders.violations) == "[]")
        #expect(header(dlq, DeadLetterHeaders.violationsOmitted) == "5000")
    }

    @Test func aRecordThatCannotFitEvenEmptyIsReportedNotCut() {
        let hugeKey = [UInt8](repeating: 1, count: 2_000)
        #expect(DeadLetterStage.record(for: input(key: hugeKey, value: [1, 2, 3]), failure: failure, dlqTopic: "d", now: "2026-12-04T10:00:00Z",
                                       maxBytes: 1_500) == nil)
    }
}
