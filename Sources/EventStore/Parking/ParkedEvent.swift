import Basics
/// An event waiting for a prerequisite (readiness gating, docs/design.md §6).
///
/// The store is the only holder of a parked event once the input's offset is committed, so it
/// keeps everything needed to finish the job later: the canonical event (`payload`, opaque to
/// the store) and the original record byte for byte (`recordKey`, `recordValue`,
/// `recordHeaders`, `recordTimestampMillis`) for a DLQ record if the deadline passes.
public struct ParkedEvent: Hashable, Sendable {
    public var source: PartitionPosition
    /// What it waits for, as a key the pipeline chooses, e.g. `finance.customer.ready|C-42`.
    public var prerequisite: String
    public var eventType: String
    public var entityKey: String
    /// When it goes to the DLQ with `prerequisite.timeout`, Unix milliseconds.
    public var deadlineMillis: Int64
    public var parkedAtMillis: Int64
    /// The canonical event, in whatever encoding the pipeline uses (e.g. JSON text bytes).
    public var payload: [UInt8]
    public var recordKey: [UInt8]?
    public var recordValue: [UInt8]?
    public var recordHeaders: [RecordHeader]
    public var recordTimestampMillis: Int64?
    /// Park order, assigned by the store when committed (0 until then). Release order.
    public internal(set) var sequence: Int64 = 0

    /// A Kafka record header: a name and optional bytes.
    public struct RecordHeader: Hashable, Sendable {
        public var name: String
        public var value: [UInt8]?
        public init(name: String, value: [UInt8]?) {
            self.name = name
            self.value = value
        }
    }

    public init(
        source: PartitionPosition, prerequisite: String, eventType: String, entityKey: String,
        deadlineMillis: Int64, parkedAtMillis: Int64, payload: [UInt8], recordKey: [UInt8]? = nil,
        recordValue: [UInt8]? = nil, recordHeaders: [RecordHeader] = [], recordTimestampMillis: Int64? = nil
    ) {
        self.source = source
        self.prerequisite = prerequisite
        self.eventType = eventType
        self.entityKey = entityKey
        self.deadlineMillis = deadlineMillis
        self.parkedAtMillis = parkedAtMillis
        self.payload = payload
        self.recordKey = recordKey
        self.recordValue = recordValue
        self.recordHeaders = recordHeaders
        self.recordTimestampMillis = recordTimestampMillis
    }

    // MARK: Header encoding (on-disk format)

    /// Headers as one blob: per header, name length (u32 LE), name UTF-8, value length (u32 LE,
    /// 0xFFFFFFFF for a null value), value bytes.
    static func encode(_ headers: [RecordHeader]) -> [UInt8] {
        var out = [UInt8]()
        func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        for header in headers {
            let name = Array(header.name.utf8)
            u32(UInt32(truncatingIfNeeded: name.count))
            out.append(contentsOf: name)
            if let value = header.value {
                u32(UInt32(truncatingIfNeeded: value.count))
                out.append(contentsOf: value)
            } else {
                u32(UInt32.max)
            }
        }
        return out
    }

    /// Decodes `encode`'s output; stops at the first malformed entry (returns what was read).
    static func decode(_ bytes: [UInt8]) -> [RecordHeader] {
        var headers = [RecordHeader]()
        var index = 0
        func u32() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for shift in 0..<4 { value |= UInt32(bytes[index + shift]) << UInt32(8 * shift) }
            index += 4
            return value
        }
        while index < bytes.count {
            guard let nameCount = u32(), index + Int(nameCount) <= bytes.count else { break }
            let name = String(decoding: bytes[index..<(index + Int(nameCount))], as: UTF8.self)
            index += Int(nameCount)
            guard let valueCount = u32() else { break }
            if valueCount == UInt32.max {
                headers.append(RecordHeader(name: name, value: nil))
                continue
            }
            guard index + Int(valueCount) <= bytes.count else { break }
            headers.append(RecordHeader(name: name, value: Array(bytes[index..<(index + Int(valueCount))])))
            index += Int(valueCount)
        }
        return headers
    }
}
