import Contracts
import KafkaClient

/// What an adapter sees of one consumed record: its position, metadata and the value already
/// decoded as JSON.
///
/// Tombstones (a null Kafka value) and values that are not JSON reach an adapter only when it asks
/// for them (`Adapter.handlesTombstones`, `Adapter.acceptsUndecodedValue`); otherwise the decode
/// stage records them first. `value` is a parsed JSON document (which may itself be the JSON
/// literal `null`) unless `isTombstone` or `!isJSON`.
public struct AdapterInput: Sendable {
    /// One Kafka record header (the Kafka layer's type: the pipeline hands headers over unchanged).
    public typealias Header = KafkaHeader

    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// The record timestamp in milliseconds since the Unix epoch, when the broker supplied one.
    public var timestamp: Int64?
    public var key: [UInt8]?
    /// Headers in record order.
    public var headers: [Header]
    /// The decoded record value.
    public var value: JSONValue
    /// The record value's bytes, `value`'s text (nil when the caller has only the document).
    public var text: [UInt8]?
    /// The record value is null (a Kafka tombstone); `value` is JSON `null`.
    public var isTombstone = false
    /// False when the value's bytes (`text`) are not JSON; `value` is JSON `null` then.
    public var isJSON = true

    public init(
        topic: String, partition: Int32 = 0, offset: Int64 = 0, timestamp: Int64? = nil,
        key: [UInt8]? = nil, headers: [Header] = [], value: JSONValue, text: [UInt8]? = nil
    ) {
        self.text = text
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.headers = headers
        self.value = value
    }

    /// The value of the last header called `name` (Kafka's "last wins", as `rd_kafka_header_get_last`);
    /// nil when there is none or its value is null.
    public func header(_ name: String) -> [UInt8]? {
        for h in headers.reversed() where h.name == name { return h.value }
        return nil
    }

    /// The last header called `name` as text; nil when absent, null, empty or not valid UTF-8.
    public func headerString(_ name: String) -> String? {
        guard let bytes = header(name), !bytes.isEmpty else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
