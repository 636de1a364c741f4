import Basics
import Contracts
import EventStore
import KafkaClient

/// A canonical finance event ready to leave the bridge, in CloudEvents 1.0 terms (docs/design.md §7).
struct CloudEvent: Sendable, Equatable {
    /// Deterministic: the same input event always gets the same id (`EncodeStage.ceID`).
    var id: String
    var type: String
    /// The configured source URI of the input topic.
    var source: String
    /// The entity key; also the Kafka record key.
    var subject: String
    /// RFC 3339 event time, as its UTF-8 bytes (the `ce_time` header's value, shared).
    var time: [UInt8]
    /// `urn:eventbridge:contract:<type>:v<version>`.
    var dataschema: String
    /// The event data, serialized once (compact JSON, member order as normalized).
    var data: [UInt8]
    /// W3C trace context of the input, when it had one.
    var traceparent: String?
    /// Lineage: where the input came from.
    var sourceTopic: String
    var sourcePartition: Int32
    var sourceOffset: Int64
}

/// Stage 6, encode: an accepted event → one Kafka record per subscriber, in the CloudEvents
/// Kafka protocol binding (binary content mode by default, structured per subscriber). Key =
/// entity key, so one entity's events stay on one partition in order.
enum EncodeStage {
    static let contentType = "application/json"
    static let structuredContentType = "application/cloudevents+json"
    /// Header values that never change, built once.
    private static let specVersion = Array("1.0".utf8)
    private static let contentTypeBytes = Array(contentType.utf8)

    /// A source's header values as bytes (`AdaptStage.Source`).
    struct SourceBytes: Sendable {
        var uri: [UInt8]
        var topic: [UInt8]
    }

    /// The records of `event` for its routes; sets `plan.timeMillis` (for the sync-lag metric).
    /// `contract` is the newest contract when it is `plan.contract` (its texts made once), else nil.
    static func records(
        _ event: CanonicalEvent, _ accepted: ContractStage.Accepted, plan: inout PlannedEvent,
        record: KafkaConsumerRecord, source: AdaptStage.Source, contract: NewestContract?, routes: [RouteStage.Route]
    ) -> [KafkaProducerRecord] {
        let data = accepted.upcast ? JSONWriter.compact.bytes(accepted.data)
            : event.dataText.map(Array.init) ?? JSONWriter.compact.bytes(accepted.data)
        return records(type: event.type, time: event.time, data: data, traceparent: event.traceparent, plan: &plan,
                       record: record, source: source, contract: contract, routes: routes)
    }

    /// The records of an event given by its parts, `data` already serialized (the tape path's entry).
    static func records(
        type: String, time given: String?, data: [UInt8], traceparent: String?, plan: inout PlannedEvent,
        record: KafkaConsumerRecord, source: AdaptStage.Source, contract: NewestContract?, routes: [RouteStage.Route]
    ) -> [KafkaProducerRecord] {
        let time: [UInt8]
        if let given {
            (time, plan.timeMillis) = (Array(given.utf8), RFC3339.milliseconds(given))
        } else {
            (time, plan.timeMillis) = eventTime(record)
        }
        let cloudEvent = CloudEvent(
            id: plan.id, type: type, source: source.settings.sourceURI, subject: plan.entityKey, time: time,
            dataschema: contract?.dataschema ?? plan.contract.dataschema, data: data,
            traceparent: traceparent.flatMap { isValidTraceparent($0) ? $0 : nil },
            sourceTopic: record.topic, sourcePartition: record.partition, sourceOffset: record.offset)
        // Header values the source and the contract made once; the record's topic is the source's.
        let constants = ConstantBytes(
            source: source.headerBytes.uri, sourceTopic: record.topic == source.settings.topic ? source.headerBytes.topic : nil,
            type: contract.map { $0.ref.type == type ? $0.typeBytes : nil } ?? nil, dataschema: contract?.dataschemaBytes)
        return routes.map { self.record(cloudEvent, topic: $0.topic, mode: $0.mode, constants: constants) }
    }

    /// Header values already in bytes (nil: written from the event's text).
    struct ConstantBytes {
        var source: [UInt8]?
        var sourceTopic: [UInt8]?
        var type: [UInt8]?
        var dataschema: [UInt8]?

        static let none = ConstantBytes()
    }

    /// Binary content mode: attributes as `ce_` headers, the data as the value; key = entity key.
    /// Structured mode: the whole event as one JSON object in the value.
    static func record(_ e: CloudEvent, topic: String, mode: BridgeConfig.ContentMode, constants: ConstantBytes = .none) -> KafkaProducerRecord {
        let key = Array(e.subject.utf8)
        switch mode {
        case .binary:
            // Appended into room made once (an array literal is allocated through the runtime's
            // generic path, and a traceparent made it grow).
            var headers: [KafkaHeader] = []
            headers.reserveCapacity(12)
            headers.append(KafkaHeader(name: "ce_specversion", value: specVersion))
            headers.append(KafkaHeader(name: "ce_id", string: e.id))
            headers.append(KafkaHeader(name: "ce_source", value: constants.source ?? Array(e.source.utf8)))
            headers.append(KafkaHeader(name: "ce_type", value: constants.type ?? Array(e.type.utf8)))
            headers.append(KafkaHeader(name: "ce_time", value: e.time))
            // The key's bytes: shared, not copied.
            headers.append(KafkaHeader(name: "ce_subject", value: key))
            headers.append(KafkaHeader(name: "ce_dataschema", value: constants.dataschema ?? Array(e.dataschema.utf8)))
            headers.append(KafkaHeader(name: "content-type", value: contentTypeBytes))
            headers.append(KafkaHeader(name: "ce_sourcetopic", value: constants.sourceTopic ?? Array(e.sourceTopic.utf8)))
            headers.append(KafkaHeader(name: "ce_sourcepartition", value: partitionBytes(e.sourcePartition)))
            headers.append(KafkaHeader(name: "ce_sourceoffset", value: decimalBytes(e.sourceOffset)))
            if let tp = e.traceparent { headers.append(KafkaHeader(name: "ce_traceparent", string: tp)) }
            return KafkaProducerRecord(topic: topic, key: key, value: e.data, headers: headers)
        case .structured:
            var out: [UInt8] = []
            out.reserveCapacity(e.data.count + 512)
            out.append(contentsOf: "{\"specversion\":\"1.0\",\"id\":".utf8)
            func field(_ name: String, _ value: String) {
                out.append(contentsOf: ",\"\(name)\":".utf8)
                JSONWriter.writeString(value, into: &out)
            }
            JSONWriter.writeString(e.id, into: &out)
            field("source", e.source)
            field("type", e.type)
            field("time", String(decoding: e.time, as: UTF8.self))
            field("subject", e.subject)
            field("dataschema", e.dataschema)
            field("datacontenttype", contentType)
            field("sourcetopic", e.sourceTopic)
            field("sourcepartition", String(e.sourcePartition))
            field("sourceoffset", String(e.sourceOffset))
            if let tp = e.traceparent { field("traceparent", tp) }
            out.append(contentsOf: ",\"data\":".utf8)
            out.append(contentsOf: e.data)
            out.append(UInt8(ascii: "}"))
            return KafkaProducerRecord(topic: topic, key: key, value: out,
                                       headers: [KafkaHeader(name: "content-type", string: structuredContentType)])
        }
    }

    /// `decimalBytes` of a partition number: made once for the first 256 partitions, shared.
    static func partitionBytes(_ partition: Int32) -> [UInt8] {
        partition >= 0 && partition < 256 ? smallNumbers[Int(partition)] : decimalBytes(Int64(partition))
    }

    private static let smallNumbers: [[UInt8]] = (0..<256).map { decimalBytes(Int64($0)) }

    /// `String(n).utf8` as an array, written in place (no `String` in between).
    static func decimalBytes(_ n: Int64) -> [UInt8] {
        var digits = 1
        var rest = n.magnitude
        while rest >= 10 {
            rest /= 10
            digits &+= 1
        }
        let count = digits &+ (n < 0 ? 1 : 0)
        return [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            var m = n.magnitude
            var i = count
            repeat {
                i &-= 1
                out[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m % 10)
                m /= 10
            } while m > 0
            if n < 0 { out[0] = UInt8(ascii: "-") }
            initialized = count
        }
    }

    /// The event time of an input that doesn't say: the record's timestamp, else (none, or one
    /// outside years 1–9999, which no RFC 3339 time can state) now; with its milliseconds.
    private static func eventTime(_ record: KafkaConsumerRecord) -> ([UInt8], Int64?) {
        var ms = record.timestamp.milliseconds
        if record.timestamp.kind == .notAvailable || !RFC3339.formatsExactly(milliseconds: ms) { ms = WallClock.nowMillis() }
        return (RFC3339.formatBytes(milliseconds: ms), ms)
    }

    /// True for a syntactically valid W3C `traceparent` (version 00 form).
    static func isValidTraceparent(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].count == 2, parts[1].count == 32, parts[2].count == 16, parts[3].count == 2 else { return false }
        guard parts.allSatisfy({ $0.utf8.allSatisfy(Hex.isLowercaseDigit) }) else { return false }
        return parts[0] != "ff" && parts[1] != String(repeating: "0", count: 32) && parts[2] != String(repeating: "0", count: 16)
    }

    /// Lowercase hex digits, read in place (a `StaticString`: no allocation, no lazy initialization).
    private static let hexDigits: StaticString = "0123456789abcdef"

    /// The deterministic `ce_id`: the 128-bit dedup key as a UUID-formatted string (version
    /// nibble 8, "custom", RFC 9562). The same type and dedup key always give the same id.
    static func ceID(_ key: DedupKey) -> String {
        // Written straight into the string's storage (36 bytes, one allocation).
        key.withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                let digits = Self.hexDigits.utf8Start
                var j = 0
                for i in 0..<16 {
                    var b = bytes[i]
                    if i == 6 { b = (b & 0x0F) | 0x80 }
                    if i == 8 { b = (b & 0x3F) | 0x80 }
                    if i == 4 || i == 6 || i == 8 || i == 10 {
                        out[j] = UInt8(ascii: "-")
                        j &+= 1
                    }
                    out[j] = digits[Int(b >> 4)]
                    out[j &+ 1] = digits[Int(b & 0x0F)]
                    j &+= 2
                }
                return j
            }
        }
    }
}
