import Basics
import Contracts

/// One change of the store's state as it travels through Kafka (docs/scaling.md): the bridge writes
/// every change that must follow a source partition to that partition's changelog topic, and
/// everything that is not scoped to one partition (readiness, the DLQ book, operators' requests) to
/// the group's global topic; a store that is behind (a new instance, a lost file, a failover)
/// catches up by applying them in order.
///
/// The encoding is a Kafka record key and value (nil: deleted — a tombstone, so compaction drops
/// the key): the key is a tag and the state's own key, the value compact JSON. Both are part of
/// the on-the-wire format: change them only with a new tag.
public enum StateChange: Sendable, Equatable {
    case dedupKey(DedupKey, firstSeenMillis: Int64)
    case revision(family: String, entityKey: String, StoredRevision, atMillis: Int64)
    /// An entity's last known source record (JSON text; nil: forgotten — a tombstone), and the
    /// offset of the input that wrote it in its source partition (`src`; nil in records written
    /// before 2026-12-05, and in tombstones, which carry no value).
    case entityState(scope: String, entity: String, record: [UInt8]?, sourceOffset: Int64? = nil, atMillis: Int64)
    case outcome(LedgerEntry)
    case parked(ParkedEvent)
    /// A parked event released or expired (its outcome follows as `.outcome`).
    case unparked(PartitionPosition)
    /// The partition's commit point: the next offset to consume.
    case processed(next: Int64)
    case ready(key: String, partition: TopicPartition, atMillis: Int64)
    case replay(DeadLetterReplay)
    case resolution(DeadLetterResolution)
    case request(ParkedRequest)

    /// Changes scoped to a source partition go to its changelog; the rest to the global topic.
    public var isGlobal: Bool {
        switch self {
        case .ready, .replay, .resolution, .request: return true
        default: return false
        }
    }
}

// MARK: Encoding

extension StateChange {
    /// The record key and value. `partition`: the source partition (positions inside the
    /// changelog of one partition are written as offsets only).
    public var record: (key: [UInt8], value: [UInt8]?) {
        var key: [UInt8] = []
        writeKey(into: &key)
        var value: [UInt8] = []
        return (key, writeValue(into: &value) ? value : nil)
    }

    /// Appends the record key (`record`).
    public func writeKey(into out: inout [UInt8]) {
        switch self {
        case .dedupKey(let k, _):
            out += "d:".utf8
            k.withUnsafeBytes { bytes in
                for b in bytes {
                    out.append(Hex.digit(b >> 4))
                    out.append(Hex.digit(b))
                }
            }
        case .revision(let family, let entity, _, _): out += "r:\(family)\u{1f}\(entity)".utf8
        case .entityState(let scope, let entity, _, _, _): out += "e:\(scope)\u{1f}\(entity)".utf8
        case .outcome(let e): out += "l:\(e.source.offset)".utf8
        case .parked(let p): out += "p:\(p.source.offset)".utf8
        case .unparked(let source): out += "p:\(source.offset)".utf8
        case .processed: out += "o".utf8
        case .ready(let key, _, _): out += "y:\(key)".utf8
        case .replay(let r): out += "br:\(r.dlqPosition):\(r.attempt)".utf8
        case .resolution(let r): out += "bs:\(r.dlqPosition)".utf8
        case .request(let q): out += "q:\(q.source)".utf8
        }
    }

    /// Appends the record value (`record`): compact JSON; false, and nothing appended, for a
    /// tombstone. The changes every input makes (dedup key, revision, outcome, processed offset)
    /// are written directly; the others through `JSONValue`.
    @discardableResult
    public func writeValue(into out: inout [UInt8]) -> Bool {
        var o = CompactObject()
        switch self {
        case .dedupKey(_, let at):
            o.int("at", at, &out)
        case .revision(_, _, let revision, let at):
            o.key("rev", &out)
            switch revision {
            case .integer(let value): out += String(value).utf8
            default: JSONWriter.compact.write(revision.json, into: &out)
            }
            o.int("at", at, &out)
        case .outcome(let e):
            o.string("outcome", e.outcome.rawValue, &out)
            if let v = e.eventID { o.string("id", v, &out) }
            if let v = e.eventType { o.string("type", v, &out) }
            if let v = e.entityKey { o.string("entity", v, &out) }
            if let v = e.contractVersion { o.int("version", Int64(v), &out) }
            if !e.outputs.isEmpty {
                o.key("outputs", &out)
                out.append(UInt8(ascii: "["))
                for (i, position) in e.outputs.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    JSONWriter.writeString(position.description, into: &out)
                }
                out.append(UInt8(ascii: "]"))
            }
            if let v = e.dlqPosition { o.string("dlq", v.description, &out) }
            if let v = e.errorCode { o.string("code", v, &out) }
            o.int("at", e.atMillis, &out)
            if let v = e.note { o.string("note", v, &out) }
        case .processed(let next):
            o.int("next", next, &out)
        case .entityState(_, _, let record, let offset, let at):
            guard let record else { return false }
            o.string("record", String(decoding: record, as: UTF8.self), &out)
            o.int("at", at, &out)
            if let offset { o.int("src", offset, &out) }
        case .parked(let p):
            JSONWriter.compact.write(Self.parkedJSON(p), into: &out)
            return true
        case .unparked:
            return false
        case .ready(_, let partition, let at):
            o.string("part", partition.description, &out)
            o.int("at", at, &out)
        case .replay(let r):
            o.int("at", r.replayedAtMillis, &out)
            o.string("target", r.target.description, &out)
            o.string("actor", r.actor, &out)
        case .resolution(let r):
            o.int("at", r.resolvedAtMillis, &out)
            o.string("actor", r.actor, &out)
            o.string("reason", r.reason, &out)
        case .request(let q):
            o.string("action", q.action.rawValue, &out)
            o.string("actor", q.actor, &out)
            o.string("reason", q.reason, &out)
            o.int("at", q.atMillis, &out)
        }
        o.close(&out)
        return true
    }

    /// A compact JSON object written member by member (names are ASCII, need no escapes).
    private struct CompactObject {
        var empty = true

        mutating func key(_ name: StaticString, _ out: inout [UInt8]) {
            out.append(empty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            empty = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
        }

        mutating func int(_ name: StaticString, _ value: Int64, _ out: inout [UInt8]) {
            key(name, &out)
            out += String(value).utf8
        }

        mutating func string(_ name: StaticString, _ value: String, _ out: inout [UInt8]) {
            key(name, &out)
            JSONWriter.writeString(value, into: &out)
        }

        func close(_ out: inout [UInt8]) { out += empty ? "{}".utf8 : "}".utf8 }
    }

    private static func parkedJSON(_ p: ParkedEvent) -> JSONValue {
        var o = JSONObject()
        o["waits"] = .string(p.prerequisite)
        o["type"] = .string(p.eventType)
        o["entity"] = .string(p.entityKey)
        o["deadline"] = .int(p.deadlineMillis)
        o["parkedAt"] = .int(p.parkedAtMillis)
        if let k = p.recordKey { o["key"] = .string(Base64.encode(k)) }
        if let v = p.recordValue { o["value"] = .string(Base64.encode(v)) }
        if let t = p.recordTimestampMillis { o["ts"] = .int(t) }
        o["headers"] = .array(p.recordHeaders.map { h in
            h.value.map { ["name": .string(h.name), "value": .string(Base64.encode($0))] } ?? ["name": .string(h.name)]
        })
        return .object(o)
    }
}

// MARK: Decoding

extension StateChange {
    /// The change a changelog record holds, `source`: the partition whose changelog it came from
    /// (nil for the global topic). Nil for a record this build does not know (skipped, not fatal:
    /// a newer bridge may write tags an older one ignores).
    public init?(key: [UInt8], value: [UInt8]?, source: TopicPartition?) {
        let text = String(decoding: key, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") ?? (text == "o" ? text.endIndex : nil) else { return nil }
        let tag = text[..<colon]
        let rest = colon == text.endIndex ? "" : String(text[text.index(after: colon)...])
        let doc = value.flatMap { try? JSONParser.parse($0) }
        func int(_ name: String) -> Int64? { doc?[name]?.numberValue?.int64 }
        func str(_ name: String) -> String? { doc?[name]?.stringValue }
        switch tag {
        case "d":
            guard let key = DedupKey(hex: rest), let at = int("at") else { return nil }
            self = .dedupKey(key, firstSeenMillis: at)
        case "r":
            let parts = rest.split(separator: "\u{1f}", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let at = int("at"), let rev = doc?["rev"] else { return nil }
            guard let revision = StoredRevision(json: rev) else { return nil }
            self = .revision(family: String(parts[0]), entityKey: String(parts[1]), revision, atMillis: at)
        case "e":
            let parts = rest.split(separator: "\u{1f}", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            guard doc != nil else {
                self = .entityState(scope: String(parts[0]), entity: String(parts[1]), record: nil, atMillis: 0)
                return
            }
            guard let record = str("record"), let at = int("at") else { return nil }
            self = .entityState(scope: String(parts[0]), entity: String(parts[1]), record: Array(record.utf8), sourceOffset: int("src"), atMillis: at)
        case "l":
            guard let source, let offset = Int64(rest), let outcome = str("outcome").flatMap(LedgerEntry.Outcome.init(rawValue:)),
                  let at = int("at") else { return nil }
            self = .outcome(LedgerEntry(
                source: PartitionPosition(source, offset: offset), outcome: outcome, eventID: str("id"), eventType: str("type"),
                entityKey: str("entity"), contractVersion: int("version").map { Int($0) },
                outputs: (doc?["outputs"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(PartitionPosition.init(parsing:)) },
                dlqPosition: str("dlq").flatMap(PartitionPosition.init(parsing:)), errorCode: str("code"), atMillis: at, note: str("note")))
        case "p":
            guard let source, let offset = Int64(rest) else { return nil }
            let position = PartitionPosition(source, offset: offset)
            guard let doc else {
                self = .unparked(position)
                return
            }
            guard let waits = str("waits"), let deadline = int("deadline"), let parkedAt = int("parkedAt") else { return nil }
            let headers = (doc["headers"]?.arrayValue ?? []).compactMap { h -> ParkedEvent.RecordHeader? in
                guard let name = h["name"]?.stringValue else { return nil }
                return ParkedEvent.RecordHeader(name: name, value: h["value"]?.stringValue.flatMap(Base64.decode))
            }
            self = .parked(ParkedEvent(
                source: position, prerequisite: waits, eventType: str("type") ?? "", entityKey: str("entity") ?? "",
                deadlineMillis: deadline, parkedAtMillis: parkedAt, payload: [], recordKey: str("key").flatMap(Base64.decode),
                recordValue: str("value").flatMap(Base64.decode), recordHeaders: headers, recordTimestampMillis: int("ts")))
        case "o":
            guard let next = int("next") else { return nil }
            self = .processed(next: next)
        case "y":
            guard let part = str("part"), let at = int("at"), let partition = Self.topicPartition(part) else { return nil }
            self = .ready(key: rest, partition: partition, atMillis: at)
        case "br":
            guard let split = rest.lastIndex(of: ":"), let dlq = PartitionPosition(parsing: rest[..<split]), let attempt = Int(rest[rest.index(after: split)...]),
                  let at = int("at"), let target = str("target").flatMap(PartitionPosition.init(parsing:)) else { return nil }
            self = .replay(DeadLetterReplay(dlqPosition: dlq, attempt: attempt, replayedAtMillis: at, target: target, actor: str("actor") ?? ""))
        case "bs":
            guard let dlq = PartitionPosition(parsing: rest), let at = int("at") else { return nil }
            self = .resolution(DeadLetterResolution(dlqPosition: dlq, resolvedAtMillis: at, actor: str("actor") ?? "", reason: str("reason") ?? ""))
        case "q":
            guard let position = PartitionPosition(parsing: rest), let action = str("action").flatMap(ParkedRequest.Action.init(rawValue:)),
                  let at = int("at") else { return nil }
            self = .request(ParkedRequest(source: position, action: action, actor: str("actor") ?? "", reason: str("reason") ?? "", atMillis: at))
        default:
            return nil
        }
    }

    /// `topic:partition`.
    static func topicPartition(_ text: String) -> TopicPartition? {
        guard let colon = text.lastIndex(of: ":"), let p = Int32(text[text.index(after: colon)...]), p >= 0 else { return nil }
        return TopicPartition(topic: String(text[..<colon]), partition: p)
    }
}

extension JSONValue {
    fileprivate static func int(_ v: Int64) -> JSONValue { .number(JSONNumber(v)) }
    fileprivate static func int(_ v: Int) -> JSONValue { .number(JSONNumber(v)) }
}
