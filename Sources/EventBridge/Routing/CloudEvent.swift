import Contracts

/// A canonical finance event ready to leave the bridge, in CloudEvents 1.0 terms (design §7).
public struct CloudEvent: Sendable, Equatable {
    /// Deterministic: the same input event always gets the same id (see `EventIdentity`).
    public var id: String
    public var type: String
    /// The configured source URI of the input topic.
    public var source: String
    /// The entity key; also the Kafka record key.
    public var subject: String
    /// RFC 3339 event time.
    public var time: String
    /// `urn:eventbridge:contract:<type>:v<version>`.
    public var dataschema: String
    /// The event data, serialized once (compact JSON, member order as normalized).
    public var data: [UInt8]
    /// W3C trace context of the input, when it had one.
    public var traceparent: String?
    /// Lineage: where the input came from.
    public var sourceTopic: String
    public var sourcePartition: Int32
    public var sourceOffset: Int64

    public static func dataschema(type: String, version: Int) -> String { "urn:eventbridge:contract:\(type):v\(version)" }
}

/// Encodes `CloudEvent`s as Kafka records with the CloudEvents Kafka protocol binding.
public enum CloudEventEncoder {
    public static let contentType = "application/json"
    public static let structuredContentType = "application/cloudevents+json"

    /// Binary content mode: attributes as `ce_` headers, the data as the value; key = entity key.
    /// Structured mode: the whole event as one JSON object in the value.
    public static func record(_ e: CloudEvent, topic: String, mode: BridgeConfig.ContentMode) -> KafkaProducerRecord {
        let key = Array(e.subject.utf8)
        switch mode {
        case .binary:
            var headers: [KafkaHeader] = [
                KafkaHeader(name: "ce_specversion", string: "1.0"),
                KafkaHeader(name: "ce_id", string: e.id),
                KafkaHeader(name: "ce_source", string: e.source),
                KafkaHeader(name: "ce_type", string: e.type),
                KafkaHeader(name: "ce_time", string: e.time),
                KafkaHeader(name: "ce_subject", string: e.subject),
                KafkaHeader(name: "ce_dataschema", string: e.dataschema),
                KafkaHeader(name: "content-type", string: contentType),
                KafkaHeader(name: "ce_sourcetopic", string: e.sourceTopic),
                KafkaHeader(name: "ce_sourcepartition", string: String(e.sourcePartition)),
                KafkaHeader(name: "ce_sourceoffset", string: String(e.sourceOffset)),
            ]
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
            field("time", e.time)
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

    /// True for a syntactically valid W3C `traceparent` (version 00 form).
    public static func isValidTraceparent(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].count == 2, parts[1].count == 32, parts[2].count == 16, parts[3].count == 2 else { return false }
        let hex = Set("0123456789abcdef")
        guard parts.allSatisfy({ $0.allSatisfy { hex.contains($0) } }) else { return false }
        return parts[0] != "ff" && parts[1] != String(repeating: "0", count: 32) && parts[2] != String(repeating: "0", count: 16)
    }
}
