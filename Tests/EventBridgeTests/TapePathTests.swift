import Basics
import Contracts
import Foundation
import Testing
@testable import EventBridge
import KafkaClient

/// The tape path (`EventPipeline+Tape.swift`) against the `JSONValue` path, the reference: for
/// every canonical input it answers, its preparation — keys, `ce_id`, revision, gating, routes,
/// every record byte and header — is the general path's; the inputs it leaves to the general path
/// include every failure. Run on the example configuration (field filters, structured mode,
/// readiness gating) with the catalog's examples in many envelopes and broken variants.
@Suite struct TapePathTests {
    private typealias S = AdapterTestSupport

    /// The example configuration's pipeline; `producer`: extra producer properties.
    private static func pipeline(producer: [String: JSONValue] = [:]) throws -> EventPipeline {
        var json = try JSONParser.parse(String(contentsOfFile: S.repositoryRoot + "/examples/bridge.json", encoding: .utf8))
        if case .object(var root) = json, case .object(var kafka)? = root["kafka"] {
            for (k, v) in producer { kafka[k] = v }
            root["kafka"] = .object(kafka)
            json = .object(root)
        }
        let config = try BridgeConfig.parse(json, baseDirectory: S.repositoryRoot + "/examples", environment: ["EVENTBRIDGE_BOOTSTRAP": "127.0.0.1:9092"])
        let registry = try ContractRegistry.load(directory: config.resolve(config.contractsDir))
        let adapters = try AdapterCatalog(directory: config.resolve(config.mappingsDir))
        return try EventPipeline(config: config, registry: registry, adapters: adapters, store: nil)
    }

    /// Everything a preparation says, as text (record bytes as hex).
    static func fingerprint(_ p: EventPipeline.Prepared) -> String {
        func hex(_ b: [UInt8]?) -> String { b.map { $0.map { String($0, radix: 16) }.joined() } ?? "nil" }
        switch p {
        case .decided(let d): return "decided \(d.outcomeName)"
        case .withState(let writes, let then): return "state \(writes.count) writes, then \(fingerprint(then))"
        case .needsState(_, let source, let declared): return "needs state of \(source.settings.topic) v\(declared.map(String.init) ?? "-")"
        case .events(let events):
            return events.map { e in
                switch e {
                case .failure(let f): return "failure \(f.code)"
                case .ready(let plan, let outputs):
                    let records = outputs.map { o in
                        "\(o.topic)|\(o.partition.map(String.init) ?? "-")|\(hex(o.key))|\(hex(o.value))|" + o.headers.map { "\($0.name)=\(hex($0.value))" }.joined(separator: ";")
                    }
                    return "ready \(plan.id) \(plan.contract) \(plan.entityKey) \(plan.dedupKey) \(plan.entity.map { "\($0.family)/\($0.key)" } ?? "-") "
                        + "\(plan.revision.map { "\($0)" } ?? "-") \(plan.timeMillis.map(String.init) ?? "-") \(plan.requirement.map { "\($0.key)/\($0.deadlineSeconds)" } ?? "-") "
                        + "\(plan.readinessKey ?? "-") \(records)"
                }
            }.joined(separator: " ; ")
        }
    }

    /// Canonical inputs: every example in envelopes (compact, pretty, with time, subject,
    /// traceparent, dataschema) and header-typed, plus broken variants and malformed inputs.
    static func corpus() throws -> [KafkaConsumerRecord] {
        var records: [KafkaConsumerRecord] = []
        func add(_ value: [UInt8]?, headers: [KafkaHeader] = []) {
            let offset = Int64(records.count)
            records.append(KafkaConsumerRecord(topic: "erp.finance.events", partition: Int32(offset % 3), offset: offset,
                                               timestamp: KafkaTimestamp(kind: .createTime, milliseconds: 1_772_442_060_000 + offset),
                                               key: nil, value: value, headers: headers))
        }
        func h(_ name: String, _ value: String) -> KafkaHeader { KafkaHeader(name: name, string: value) }
        let examples = S.repositoryRoot + "/contracts/examples"
        for name in try FileManager.default.contentsOfDirectory(atPath: examples).sorted() where name.hasSuffix(".json") {
            let type = String(name.dropLast(".vN.json".count))
            let version = Int(String(name.dropLast(".json".count).split(separator: "v").last ?? "")) ?? 1
            let data = try JSONParser.parse(String(contentsOfFile: examples + "/" + name, encoding: .utf8))
            let envelope: JSONValue = ["type": .string(type), "data": data]
            add(JSONWriter.compact.bytes(envelope))
            add(JSONWriter.pretty.bytes(envelope))
            // The type with an escape: found among the catalog's types by its text, not its bytes.
            let escaped = String(format: "\\u%04x", Int(type.utf8.first ?? 0x66)) + type.dropFirst()
            add(Array(#"{"type":"\#(escaped)","data":"#.utf8) + JSONWriter.compact.bytes(data) + [UInt8(ascii: "}")])
            add(JSONWriter.compact.bytes(data), headers: [h("ce_type", type)])
            add(JSONWriter.compact.bytes(data), headers: [h("ce_type", type), h("ce_time", "2026-03-01T10:00:00+01:00"), h("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")])
            add(JSONWriter.compact.bytes(data), headers: [h("ce_type", type), h("ce_time", "yesterday")])
            add(JSONWriter.compact.bytes(data), headers: [h("ce_type", "Not A Type")])
            add(JSONWriter.compact.bytes(data), headers: [h("ce_type", type), h("ce_dataschema", "urn:eventbridge:contract:\(type):v\(version)")])
            for extra: (String, JSONValue) in [
                ("time", "2026-03-01T10:00:00Z"), ("time", "2026-03-01"), ("time", .null), ("time", 7), ("subject", "S-1"), ("subject", 3),
                ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), ("traceparent", "garbage"),
                ("dataschema", .string("urn:eventbridge:contract:\(type):v1")), ("dataschema", .string("urn:eventbridge:contract:\(type):v\(version)")),
                ("dataschema", "urn:eventbridge:contract:x:v9"),
            ] {
                var o = envelope.objectValue ?? JSONObject()
                o[extra.0] = extra.1
                add(JSONWriter.compact.bytes(.object(o)))
            }
            // Broken and unusual data: each member removed, each replaced by a string with an escape.
            for member in data.objectValue?.members ?? [] {
                var o = data.objectValue ?? JSONObject()
                o[member.key] = nil
                add(JSONWriter.compact.bytes(["type": .string(type), "data": .object(o)]))
                if case .string(let s) = member.value {
                    o[member.key] = .string(s + "\u{e9}\n")
                    add(JSONWriter.compact.bytes(["type": .string(type), "data": .object(o)]))
                }
            }
            // An older revision and a customer from elsewhere (gating reads the prerequisite key).
            if case .object(var o) = data, o["revision"] != nil {
                o["revision"] = 0
                add(JSONWriter.compact.bytes(["type": .string(type), "data": .object(o)]))
                o["revision"] = .number(JSONNumber(literal: "3.0")!)
                add(JSONWriter.compact.bytes(["type": .string(type), "data": .object(o)]))
                // Beyond Int64 (kept exactly), beyond 64 bits, not a number: the guard's range.
                for literal in ["9223372036854775808", "18446744073709551615", "18446744073709551616", "1e400"] {
                    o["revision"] = .number(JSONNumber(literal: literal)!)
                    add(JSONWriter.compact.bytes(["type": .string(type), "data": .object(o)]))
                }
                o["revision"] = true
                add(JSONWriter.compact.bytes(["type": .string(type), "data": .object(o)]))
            }
            if case .object(var o) = data, o["customerId"] != nil {
                o["customerId"] = "CUST-elsewhere"
                add(JSONWriter.compact.bytes(["type": .string(type), "data": .object(o)]))
            }
            if case .object(var o) = data, o["currency"] != nil {
                o["currency"] = "USD"
                add(JSONWriter.compact.bytes(["type": .string(type), "data": .object(o)]))
            }
        }
        for text in [
            #"{"type": "finance.invoice.posted", "data": "#, #"{"type":"finance.unknown.thing","data":{}}"#, #"[1,2]"#, #""x""#,
            #"{"type":"finance.invoice.posted"}"#, #"{"type":"finance.invoice.posted","data":null}"#, #"{"type":7,"data":{}}"#,
            #"{"ty\u0070e":"finance.invoice.posted","data":{}}"#, #"{"type":"finance.invoice.posted","type":"x","data":{}}"#,
            #"{"type":"finance.inv\u006fice.posted","data":{}}"#,
        ] {
            add(Array(text.utf8))
        }
        add(nil)
        add([])
        return records
    }

    @Test func theTapePathPreparesWhatTheGeneralPathPrepares() throws {
        let pipeline = try Self.pipeline()
        var taken = 0
        var left = 0
        var escapedTypes = 0
        var headerTyped = 0
        for (n, record) in try Self.corpus().enumerated() {
            let general = Self.fingerprint(pipeline.prepareParsed(record))
            guard let onTape = pipeline.prepareOnTape(record) else {
                left += 1
                continue
            }
            taken += 1
            if (record.value ?? []).starts(with: Array(#"{"type":"\u"#.utf8)) { escapedTypes += 1 }
            if record.header("ce_type") != nil { headerTyped += 1 }
            let fast = Self.fingerprint(onTape)
            #expect(fast == general, "record \(n): \(String(decoding: record.value ?? [], as: UTF8.self).prefix(300))\ntape:    \(fast.prefix(600))\ngeneral: \(general.prefix(600))")
            #expect(fast.hasPrefix("ready "), "record \(n): the tape path answered something else than a ready event")
        }
        #expect(taken > 150 && left > 150, "taken \(taken), left \(left)")
        #expect(escapedTypes > 10, "a type written with an escape is read on the tape too (\(escapedTypes))")
        #expect(headerTyped > 10, "header-typed inputs are read on the tape too (\(headerTyped))")
    }

    /// An output over the producer's `message.max.bytes` is the general path's `publish.too_large`:
    /// the tape declines it rather than hand the producer a record it must refuse.
    @Test func anOutputTooLargeToProduceIsLeftToTheGeneralPath() throws {
        let pipeline = try Self.pipeline(producer: ["message.max.bytes": "1000"])
        let data = try JSONParser.parse(String(contentsOfFile: S.repositoryRoot + "/contracts/examples/finance.invoice.posted.v2.json", encoding: .utf8))
        let value = JSONWriter.compact.bytes(["type": "finance.invoice.posted", "data": data])
        let record = KafkaConsumerRecord(topic: "erp.finance.events", partition: 0, offset: 1, timestamp: KafkaTimestamp(kind: .createTime, milliseconds: 1),
                                         key: nil, value: value, headers: [])
        #expect(pipeline.prepareOnTape(record) == nil)
        #expect(Self.fingerprint(pipeline.prepare(record)) == "failure publish.too_large")
        #expect(try Self.fingerprint(Self.pipeline().prepare(record)).hasPrefix("ready "))
    }

    /// An input without a time takes its record's timestamp; one outside years 1–9999 (a producer
    /// can set any 64-bit value) takes the time of preparation on both paths — never a trap, never a
    /// wrapped year.
    @Test func aRecordTimestampOutsideYearsOneTo9999GivesTheTimeOfPreparation() throws {
        let pipeline = try Self.pipeline()
        let data = try JSONParser.parse(String(contentsOfFile: S.repositoryRoot + "/contracts/examples/finance.invoice.posted.v2.json", encoding: .utf8))
        for (stamp, expected) in [(Int64(1_772_442_060_000), "2026-03-02T09:01:00.000Z"), (-300_000_000_000_000, nil), (.min, nil), (300_000_000_000_000, nil)] {
            let record = KafkaConsumerRecord(topic: "erp.finance.events", partition: 0, offset: 1, timestamp: KafkaTimestamp(kind: .createTime, milliseconds: stamp),
                                             key: nil, value: JSONWriter.compact.bytes(["type": "finance.invoice.posted", "data": data]), headers: [])
            let before = WallClock.nowMillis()
            for prepared in [pipeline.prepareParsed(record), try #require(pipeline.prepareOnTape(record))] {
                guard case .events(let events) = prepared, case .ready(_, let outputs)? = events.first, let output = outputs.first else {
                    Issue.record("\(stamp): \(Self.fingerprint(prepared))")
                    continue
                }
                let header = output.headers.last { $0.name == "ce_time" }?.value
                let time = try #require(header.map { String(decoding: $0, as: UTF8.self) })
                if let expected {
                    #expect(time == expected)
                } else {
                    let ms = try #require(RFC3339.milliseconds(time))
                    #expect(ms >= before && ms <= WallClock.nowMillis(), "\(stamp) → \(time)")
                }
            }
        }
    }

    /// `prepare` takes the tape for a valid canonical invoice, and the general path for the same
    /// invoice when its totals don't add up (whose failure carries the violations).
    @Test func prepareTakesTheTapeOnlyForInputsThatHold() throws {
        let pipeline = try Self.pipeline()
        let data = try JSONParser.parse(String(contentsOfFile: S.repositoryRoot + "/contracts/examples/finance.invoice.posted.v2.json", encoding: .utf8))
        var broken = data.objectValue ?? JSONObject()
        broken["grossTotal"] = "0.01"
        for (value, fast) in [(data, true), (JSONValue.object(broken), false)] {
            let record = KafkaConsumerRecord(topic: "erp.finance.events", partition: 0, offset: 1, timestamp: KafkaTimestamp(kind: .createTime, milliseconds: 1),
                                             key: nil, value: JSONWriter.compact.bytes(["type": "finance.invoice.posted", "data": value]), headers: [])
            #expect((pipeline.prepareOnTape(record) != nil) == fast)
            #expect(Self.fingerprint(pipeline.prepare(record)) == Self.fingerprint(pipeline.prepareParsed(record)))
        }
    }
}
