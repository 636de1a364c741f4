import CRdKafka

/// One call to `rd_kafka_produceva` for one record (Swift cannot call the variadic
/// `rd_kafka_producev`). librdkafka copies key, value and headers (`RD_KAFKA_MSG_F_COPY`), so
/// the Swift buffers only need to live for the call.
enum RDKafkaProduce {
    /// A valid pointer for zero-length keys and values: an empty array's buffer may have a nil
    /// base address, and NULL would turn an empty value into a null one (a tombstone).
    /// `nonisolated(unsafe)`: allocated once, never written or freed; only its address is used
    /// (with a length of zero, librdkafka reads nothing through it).
    nonisolated(unsafe) private static let emptyByte: UnsafeMutableRawPointer = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    /// Enqueues `record` on `handle` with the integer `opaque`. Returns the error (the
    /// `rd_kafka_error_t` is always destroyed), nil on success.
    static func produce(_ handle: OpaquePointer, _ record: KafkaProducerRecord, opaque: UnsafeMutableRawPointer?) -> KafkaError? {
        // Headers go in an rd_kafka_headers_t that librdkafka owns once the call succeeds.
        var headers: OpaquePointer?
        if !record.headers.isEmpty {
            headers = rd_kafka_headers_new(record.headers.count)
            for header in record.headers {
                if let value = header.value {
                    _ = value.withUnsafeBytes { rd_kafka_header_add(headers, header.name, -1, $0.baseAddress ?? UnsafeRawPointer(emptyByte), $0.count) }
                } else {
                    _ = rd_kafka_header_add(headers, header.name, -1, nil, 0)
                }
            }
        }
        let error: OpaquePointer? = record.topic.withCString { topic in
            withBytes(record.key) { key, keyCount in
                withBytes(record.value) { value, valueCount in
                    var vus = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 7)
                    var n = 0
                    func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                        vus[n].vtype = type
                        fill(&vus[n])
                        n += 1
                    }
                    add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topic }
                    add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = record.partition ?? -1 }
                    add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                    add(RD_KAFKA_VTYPE_VALUE) { $0.u.mem.ptr = value; $0.u.mem.size = valueCount }
                    add(RD_KAFKA_VTYPE_KEY) { $0.u.mem.ptr = key; $0.u.mem.size = keyCount }
                    add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                    if let timestamp = record.timestamp {
                        add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp }
                    }
                    if let headers {
                        vus.append(rd_kafka_vu_t())
                        add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers }
                    }
                    return rd_kafka_produceva(handle, vus, n)
                }
            }
        }
        guard let error else { return nil }
        // On failure the headers were not taken over.
        if let headers { rd_kafka_headers_destroy(headers) }
        return KafkaError.consuming(error)
    }

    /// Calls `body` with a pointer to the bytes (nil for a nil array) and their count.
    private static func withBytes<T>(_ bytes: [UInt8]?, _ body: (UnsafeMutableRawPointer?, Int) -> T) -> T {
        guard let bytes else { return body(nil, 0) }
        return bytes.withUnsafeBytes { buffer in
            body(UnsafeMutableRawPointer(mutating: buffer.baseAddress ?? UnsafeRawPointer(emptyByte)), buffer.count)
        }
    }
}
