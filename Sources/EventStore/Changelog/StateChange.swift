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
        func json(_ v: JSONValue) -> [UInt8] { JSONWriter.compact.bytes(v) }
        switch self {
        case .dedupKey(let k, let at):
            return (Array("d:\(k.description)".utf8), json(["at": .int(at)]))
        case .revision(let family, let entity, let revision, let at):
            let r: JSONValue
            switch revision {
            case .integer(let i): r = .int(i)
            case .text(let s): r = .string(s)
            }
            return (Array("r:\(family)\u{1f}\(entity)".utf8), json(["rev": r, "at": .int(at)]))
        case .outcome(let e):
            return (Array("l:\(e.source.offset)".utf8), json(Self.outcomeJSON(e)))
        case .parked(let p):
            return (Array("p:\(p.source.offset)".utf8), json(Self.parkedJSON(p)))
        case .unparked(let source):
            return (Array("p:\(source.offset)".utf8), nil)
        case .processed(let next):
            return (Array("o".utf8), json(["next": .int(next)]))
        case .ready(let key, let partition, let at):
            return (Array("y:\(key)".utf8), json(["part": .string(partition.description), "at": .int(at)]))
        case .replay(let r):
            return (Array("br:\(r.dlqPosition):\(r.attempt)".utf8), json([
                "at": .int(r.replayedAtMillis), "target": .string(r.target.description), "actor": .string(r.actor)]))
        case .resolution(let r):
            return (Array("bs:\(r.dlqPosition)".utf8), json(["at": .int(r.resolvedAtMillis), "actor": .string(r.actor), "reason": .string(r.reason)]))
        case .request(let q):
            return (Array("q:\(q.source)".utf8), json([
                "action": .string(q.action.rawValue), "actor": .string(q.actor), "reason": .string(q.reason), "at": .int(q.atMillis)]))
        }
    }

    private static func outcomeJSON(_ e: LedgerEntry) -> JSONValue {
        var o = JSONObject()
        o["outcome"] = .string(e.outcome.rawValue)
        if let v = e.eventID { o["id"] = .string(v) }
        if let v = e.eventType { o["type"] = .string(v) }
        if let v = e.entityKey { o["entity"] = .string(v) }
        if let v = e.contractVersion { o["version"] = .int(v) }
        if !e.outputs.isEmpty { o["outputs"] = .array(e.outputs.map { .string($0.description) }) }
        if let v = e.dlqPosition { o["dlq"] = .string(v.description) }
        if let v = e.errorCode { o["code"] = .string(v) }
        o["at"] = .int(e.atMillis)
        if let v = e.note { o["note"] = .string(v) }
        return .object(o)
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
            let revision: StoredRevision
            if let i = rev.numberValue?.int64 { revision = .integer(i) } else if let s = rev.stringValue { revision = .text(s) } else { return nil }
            self = .revision(family: String(parts[0]), entityKey: String(parts[1]), revision, atMillis: at)
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
