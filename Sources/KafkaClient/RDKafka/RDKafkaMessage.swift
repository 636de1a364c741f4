import CRdKafka

/// Conversions from librdkafka's `rd_kafka_message_t` to the layer's values.
///
/// Every pointer is checked: a NULL payload (tombstone), NULL key or NULL header value becomes
/// nil, never a crash. Bytes are copied once, straight from librdkafka's buffers.
enum RDKafkaMessage {
    /// Copies `length` bytes at `pointer`, or nil for a NULL pointer.
    static func bytes(_ pointer: UnsafeRawPointer?, _ length: Int) -> [UInt8]? {
        guard let pointer else { return nil }
        guard length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    /// The topic name of a message's topic handle ("" if it has none).
    static func topicName(_ message: UnsafePointer<rd_kafka_message_t>) -> String {
        guard let rkt = message.pointee.rkt, let name = rd_kafka_topic_name(rkt) else { return "" }
        return String(cString: name)
    }

    /// The message's timestamp and its type.
    static func timestamp(_ message: UnsafePointer<rd_kafka_message_t>) -> KafkaTimestamp {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ms = rd_kafka_message_timestamp(message, &type)
        switch type {
        case RD_KAFKA_TIMESTAMP_CREATE_TIME: return KafkaTimestamp(kind: .createTime, milliseconds: ms)
        case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME: return KafkaTimestamp(kind: .logAppendTime, milliseconds: ms)
        default: return .notAvailable
        }
    }

    /// The message's headers in order (empty when it has none).
    static func headers(_ message: UnsafePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        // The API takes a mutable pointer but only parses headers lazily into the message it owns.
        let err = rd_kafka_message_headers(message, &list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var headers: [KafkaHeader] = []
        headers.reserveCapacity(rd_kafka_header_cnt(list))
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { break }
            let headerName = name.map { String(cString: $0) } ?? ""
            headers.append(KafkaHeader(name: headerName, value: bytes(value, size)))
            index += 1
        }
        return headers
    }

    /// A consumed record. `topic` may be passed in when the caller already knows it.
    static func record(_ message: UnsafePointer<rd_kafka_message_t>, topic: String? = nil) -> KafkaConsumerRecord {
        let m = message.pointee
        return KafkaConsumerRecord(
            topic: topic ?? topicName(message),
            partition: m.partition,
            offset: m.offset,
            timestamp: timestamp(message),
            key: bytes(m.key, m.key_len),
            value: bytes(m.payload, m.len),
            headers: headers(message))
    }

    /// The error a message carries, or nil. `consumed` says whether it came from a consumer
    /// (whose error messages carry a description) or is a producer delivery report (whose
    /// payload is the record's own value and must not be read as text).
    static func error(_ message: UnsafePointer<rd_kafka_message_t>, consumed: Bool) -> KafkaError? {
        let err = message.pointee.err
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        var text = String(cString: rd_kafka_err2str(err))
        if consumed, let detail = rd_kafka_message_errstr(message) {
            text = String(cString: detail)
        }
        return KafkaError.rdKafka(err, message: text, isFatal: err == RD_KAFKA_RESP_ERR__FATAL)
    }
}
