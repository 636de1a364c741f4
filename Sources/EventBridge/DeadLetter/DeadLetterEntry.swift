import Contracts
import Foundation
import Basics
import Observability
import KafkaClient

/// One DLQ record as the operating tools see it: the original record plus what the bridge said
/// about it (the `eventbridge.*` headers, see docs/dlq.md). Built from hostile bytes: every
/// header may be missing or malformed, and nothing here traps.
public struct DeadLetterEntry: Sendable {
    public var record: KafkaConsumerRecord
    public var position: PartitionPosition { PartitionPosition(topic: record.topic, partition: record.partition, offset: record.offset) }

    /// Every DLQ record of the same input (`inputID`), the earliest written first: more than one
    /// when a crash between the DLQ acknowledgement and the store commit made the bridge dead-letter
    /// the input again. Filled by `DeadLetterReader.forEachInput`; empty when not grouped.
    public var copies: [PartitionPosition] = []

    public init(_ record: KafkaConsumerRecord) { self.record = record }

    func text(_ name: String) -> String? {
        record.header(name).flatMap { String(validating: $0, as: UTF8.self) }
    }

    public var stage: String? { text(DeadLetterHeaders.stage) }
    public var code: String? { text(DeadLetterHeaders.code) }
    public var message: String? { text(DeadLetterHeaders.message) }
    public var contract: String? { text(DeadLetterHeaders.contract) }
    public var attempt: Int { text(DeadLetterHeaders.attempt).flatMap { Int($0) } ?? 1 }
    public var failedFirst: String? { text(DeadLetterHeaders.failedFirst) }
    public var failedLast: String? { text(DeadLetterHeaders.failedLast) }

    /// Where the failed input was consumed, `topic:partition:offset`.
    public var source: String? {
        guard let t = text(DeadLetterHeaders.sourceTopic), let p = text(DeadLetterHeaders.sourcePartition),
              let o = text(DeadLetterHeaders.sourceOffset) else { return nil }
        return "\(t):\(p):\(o)"
    }

    /// Where the failed input was consumed, when the headers say so.
    public var sourcePosition: PartitionPosition? {
        guard let t = sourceTopic, let p = sourcePartition, let o = text(DeadLetterHeaders.sourceOffset).flatMap({ Int64($0) }), o >= 0
        else { return nil }
        return PartitionPosition(topic: t, partition: p, offset: o)
    }

    /// The failed input's deterministic id: the `eventbridge.dlq.id` header, else (records written
    /// before it existed) the same id computed from the source headers, else this record's position.
    public var inputID: String {
        text(DeadLetterHeaders.id) ?? sourcePosition.map(DeadLetterHeaders.inputID(of:)) ?? "dlq:" + position.description
    }

    /// This record and its copies: every DLQ position of the input (just this one when not grouped).
    public var allPositions: [PartitionPosition] { copies.isEmpty ? [position] : copies }

    /// True when the record holds only a prefix of the input's value (docs/dlq.md, "Size").
    public var isTruncated: Bool { text(DeadLetterHeaders.valueTruncated) == "true" }

    public var sourceTopic: String? { text(DeadLetterHeaders.sourceTopic) }
    /// The source partition the input was consumed from (nil when missing or not a partition number).
    public var sourcePartition: Int32? { text(DeadLetterHeaders.sourcePartition).flatMap { Int32($0) }.flatMap { $0 >= 0 ? $0 : nil } }

    /// Every violation recorded with the failure (empty when none or unreadable).
    public var violations: [JSONValue] {
        guard let bytes = record.header(DeadLetterHeaders.violations), let v = try? JSONParser.parse(bytes) else { return [] }
        return v.arrayValue ?? []
    }

    /// The time of the last failure in milliseconds since the epoch: the header, else the record's timestamp.
    public var failedAtMillis: Int64? {
        if let t = failedLast, let ms = DeadLetterEntry.millis(rfc3339: t) { return ms }
        return record.timestamp.kind == .notAvailable ? nil : record.timestamp.milliseconds
    }

    static func millis(rfc3339 text: String) -> Int64? { RFC3339.milliseconds(text) }

    public var json: JSONValue {
        [
            "position": .string(position.description), "source": source.map { .string($0) } ?? .null,
            "stage": stage.map { .string($0) } ?? .null, "code": code.map { .string($0) } ?? .null,
            "message": message.map { .string($0) } ?? .null, "contract": contract.map { .string($0) } ?? .null,
            "attempt": .number(JSONNumber(attempt)), "failedFirst": failedFirst.map { .string($0) } ?? .null,
            "failedLast": failedLast.map { .string($0) } ?? .null, "violations": .array(violations),
            "id": .string(inputID), "copies": .number(JSONNumber(allPositions.count)),
            "otherCopies": .array(allPositions.filter { $0 != position }.map { .string($0.description) }),
            "truncated": .bool(isTruncated),
        ]
    }
}

/// Pages through DLQ topics from the beginning without joining a group and without holding more
/// than one poll's worth of records: `forEach` hands records over as they arrive and stops at the
/// high-water marks the fetches reported when it started reading.
public struct DeadLetterReader {
    let kafka: KafkaConfig
    let logger: Logger

    public init(kafka: KafkaConfig, logger: Logger) {
        self.kafka = kafka.forConsumer
        self.logger = logger
    }

    /// Calls `body` for every record of `topic`, in offset order per partition; `body` returns
    /// false to stop early. `partitions` comes from the topic's metadata.
    public func forEach(topic: String, partitions: [Int32], from start: [Int32: Int64] = [:],
                        _ body: (DeadLetterEntry) throws -> Bool) throws {
        let consumer = try KafkaConsumer(config: kafka.merging(["group.id": "eventbridge-dlq-reader", "enable.partition.eof": "false"]),
                                         logger: logger)
        defer { consumer.closeBlocking() }
        try consumer.assign(partitions.map { PartitionPosition(topic: topic, partition: $0, offset: start[$0] ?? 0) })
        var next: [Int32: Int64] = Dictionary(uniqueKeysWithValues: partitions.map { ($0, start[$0] ?? 0) })
        var idlePolls = 0
        while true {
            let batch = try consumer.poll(maxRecords: 500, timeout: .milliseconds(200))
            for r in batch {
                next[r.partition] = r.offset + 1
                if try !body(DeadLetterEntry(r)) { return }
            }
            // Done when every partition has reached the high-water mark its last fetch reported.
            var done = true
            for p in partitions {
                let wm = try? consumer.cachedWatermarks(TopicPartition(topic: topic, partition: p))
                guard let high = wm?.high, high >= 0 else {
                    done = false
                    continue
                }
                if (next[p] ?? 0) < high { done = false }
            }
            if done { return }
            idlePolls = batch.isEmpty ? idlePolls + 1 : 0
            if idlePolls > 50 { return }  // 10 s without a record and no watermark: an empty or unreachable topic
        }
    }
}
