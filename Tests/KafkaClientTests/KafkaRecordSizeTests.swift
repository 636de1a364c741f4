import Foundation
import Testing
@testable import KafkaClient
import KafkaClient
import TestSupport

/// A record either fits `message.max.bytes` or is refused at once, and that refusal is permanent:
/// `wireSize` is librdkafka's own per-record check, so the bridge can make a DLQ record fit before it
/// produces it, and an error that no retry can cure is never mistaken for a transient one.
@Suite struct KafkaRecordSizeTests {
    let logger = KafkaTestSupport.logger

    @Test func wireSizeIsExactlyLibrdkafkasLimit() async throws {
        let topic = KafkaTestSupport.unique("size")
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        try cluster.createTopic(topic, partitions: 1)
        let limit = 5_000
        let producer = try KafkaProducer(
            config: KafkaTestSupport.producerConfig(bootstrap: cluster.bootstrapServers, ["message.max.bytes": String(limit)]), logger: logger)
        #expect(producer.maxMessageBytes == limit)
        let shapes: [(key: [UInt8]?, headers: [KafkaHeader])] = [
            (nil, []),
            (Array("customer-42".utf8), []),
            (Array(repeating: 7, count: 300), [KafkaHeader(name: "a", string: "b"), KafkaHeader(name: "long-name-header", value: nil)]),
            (Array("k".utf8), (0..<40).map { KafkaHeader(name: "h\($0)", value: Array(repeating: 1, count: $0 * 3)) }),
        ]
        for shape in shapes {
            var record = KafkaProducerRecord(topic: topic, partition: 0, key: shape.key, value: [], headers: shape.headers)
            let overhead = record.wireSize
            record.value = Array(repeating: UInt8(ascii: "x"), count: limit - overhead)
            #expect(record.wireSize == limit)
            try producer.enqueue(record)
            record.value?.append(UInt8(ascii: "x"))
            #expect(record.wireSize == limit + 1)
            #expect {
                try producer.enqueue(record)
            } throws: { error in
                guard let e = error as? KafkaError else { return false }
                return e.code == .messageSizeTooLarge && e.isRecordRejected && !e.isRetriable
            }
        }
        await producer.close()
    }

    /// The zigzag varint's length, against encoding it seven bits at a time.
    @Test func varintSizesAreTheEncodedLengths() {
        func encoded(_ n: Int) -> Int {
            var v = UInt64(n) << 1
            var out = [UInt8]()
            repeat {
                out.append(UInt8(v & 0x7F) | (v >= 0x80 ? 0x80 : 0))
                v >>= 7
            } while v > 0
            return out.count
        }
        for n in Array(0..<20_000) + [1 << 20, (1 << 20) - 1, 1 << 27, (1 << 27) - 1, Int(Int32.max)] {
            #expect(KafkaProducerRecord.varintSize(n) == encoded(n), "\(n)")
        }
    }

    @Test func errorsNoRetryCanCureAreRecordRejections() {
        for code: KafkaError.Code in [.messageSizeTooLarge, .rdKafka(18), .rdKafka(87), .rdKafka(32)] {
            #expect(KafkaError(code, message: "").isRecordRejected, "\(code)")
        }
        for code: KafkaError.Code in [.messageTimedOut, .queueFull, .transport, .rdKafka(19), .fatal] {
            #expect(!KafkaError(code, message: "").isRecordRejected, "\(code)")
        }
    }
}
