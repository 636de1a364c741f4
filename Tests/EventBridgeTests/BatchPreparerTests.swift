import Contracts
import Foundation
import Testing
@testable import EventBridge
import KafkaClient

/// Preparing a polled batch on several threads (`BatchPreparer`) must decide exactly what
/// processing it input by input on one thread decides: same outcomes, same records byte for
/// byte, same failures — including duplicates and stale updates inside one batch, whose dedup
/// happens after the parallel step, in input order.
@Suite struct BatchPreparerTests {
    private typealias S = AdapterTestSupport

    /// The example configuration's sources, fed with the demo traffic of the four mapped formats,
    /// every catalog example as a canonical event, stale and broken variants, and undecodable
    /// records — the whole corpus twice, so the second copy meets the first as duplicates.
    private static func corpus() throws -> [KafkaConsumerRecord] {
        var records: [KafkaConsumerRecord] = []
        var offsets: [String: Int64] = [:]
        func add(_ topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = []) {
            let offset = offsets[topic, default: 0]
            offsets[topic] = offset + 1
            records.append(KafkaConsumerRecord(topic: topic, partition: Int32(offset % 3), offset: offset,
                                               timestamp: KafkaTimestamp(kind: .createTime, milliseconds: 1_772_442_060_000 + offset),
                                               key: key, value: value, headers: headers))
        }
        let traffic: [(file: String, topic: String)] = [
            ("stripe.jsonl", "billing.stripe.events"), ("salesforce-cdc.jsonl", "crm.salesforce.cdc"),
            ("debezium.jsonl", "legacy.erp.debezium"), ("sap-s4hana.jsonl", "erp.sap.businesspartner"),
        ]
        var canonical: [[UInt8]] = []
        let examples = S.repositoryRoot + "/contracts/examples"
        for name in try FileManager.default.contentsOfDirectory(atPath: examples).sorted() where name.hasSuffix(".json") {
            let type = String(name.dropLast(".vN.json".count))
            var data = try JSONParser.parse(String(contentsOfFile: examples + "/" + name, encoding: .utf8))
            canonical.append(JSONWriter.compact.bytes(["type": .string(type), "data": data]))
            if case .object(var o) = data, o["revision"] != nil {
                // An older revision of the same entity: stale once the example is published.
                o["revision"] = 0
                data = .object(o)
                canonical.append(JSONWriter.compact.bytes(["type": .string(type), "data": data]))
            }
            if case .object(var o) = data, let first = o.members.first {
                o[first.key] = nil
                canonical.append(JSONWriter.compact.bytes(["type": .string(type), "data": .object(o)]))
            }
        }
        canonical.append(Array("{\"type\": \"finance.invoice.posted\", \"data\": ".utf8))
        canonical.append(Array("{\"type\": \"finance.unknown.thing\", \"data\": {}}".utf8))
        for _ in 0..<2 {
            for (file, topic) in traffic {
                let text = try String(contentsOfFile: S.repositoryRoot + "/examples/traffic/" + file, encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let o = try JSONParser.parse(String(line))
                    let headers = (o["headers"]?.objectValue?.members ?? []).map { KafkaHeader(name: $0.key, value: $0.value.stringValue.map { Array($0.utf8) }) }
                    let value = o["value"].flatMap { $0.isNull ? nil : JSONWriter.compact.bytes($0) }
                    add(topic, key: o["key"]?.stringValue.map { Array($0.utf8) }, value: value, headers: headers)
                }
            }
            for value in canonical { add("erp.finance.events", key: nil, value: value) }
            add("erp.finance.events", key: nil, value: nil)
        }
        return records
    }

    /// Everything a decision says, as text (record bytes as hex).
    private static func fingerprint(_ d: InputDecision) -> String {
        func hex(_ b: [UInt8]?) -> String { b.map { $0.map { String($0, radix: 16) }.joined() } ?? "nil" }
        switch d {
        case .publish(let events, let outputs):
            let records = outputs.map { o in
                "\(o.topic)|\(hex(o.key))|\(hex(o.value))|" + o.headers.map { "\($0.name)=\(hex($0.value))" }.joined(separator: ";")
            }
            return "publish \(events.map { "\($0.id) \($0.type)@\($0.version) \($0.entityKey)" }) \(records)"
        case .deadLetter(let f): return "dlq \(f.stage) \(f.code) \(f.message) \(f.contract?.description ?? "-") \(f.violations.count)"
        case .duplicate(let reason, let events): return "duplicate \(reason) \(events.map(\.id))"
        case .filtered(let reason, let types): return "filtered \(reason) \(types)"
        case .park(let events, let requirement): return "parked \(events.map(\.id)) \(requirement.key) \(requirement.deadlineSeconds)"
        }
    }

    private static func processor() throws -> EventPipeline {
        let config = try BridgeConfig.load(path: S.repositoryRoot + "/examples/bridge.json", environment: ["EVENTBRIDGE_BOOTSTRAP": "127.0.0.1:9092"])
        let registry = try ContractRegistry.load(directory: config.resolve(config.contractsDir))
        let adapters = try AdapterCatalog(directory: config.resolve(config.mappingsDir))
        return try EventPipeline(config: config, registry: registry, adapters: adapters, store: nil)
    }

    @Test(arguments: [1, 2, 4, 7])
    func parallelPreparationDecidesWhatSequentialProcessingDecides(workers: Int) throws {
        let records = try Self.corpus()
        let sequential = try Self.processor()
        let expected = try records.map { Self.fingerprint(try sequential.process($0)) }
        // Every kind of outcome occurs, so the comparison covers each path.
        for kind in ["publish", "dlq", "duplicate", "filtered"] {
            #expect(expected.contains { $0.hasPrefix(kind + " ") }, "the corpus has no \(kind) outcome")
        }
        #expect(expected.filter { $0.hasPrefix("duplicate revision") }.count > 0, "the corpus has no stale update")

        let parallel = try Self.processor()
        let preparer = BatchPreparer(pipeline: parallel, workers: workers)
        var got: [String] = []
        // Polled batches of up to 500 (as the bridge polls), some records left out as already recorded.
        var start = 0
        for size in [1, 3, 500, 64, 500, 500, 500] where start < records.count {
            let batch = Array(records[start..<min(start + size, records.count)])
            let results = preparer.prepare(batch) { $0 % 5 != 4 }
            for (i, (record, result)) in zip(batch, results).enumerated() {
                #expect((result == nil) == (i % 5 == 4), "slot \(i) of the batch at \(start)")
                got.append(Self.fingerprint(try parallel.decide(result?.prepared ?? parallel.prepare(record), of: record)))
            }
            start += batch.count
        }
        #expect(start == records.count, "the batch sizes cover the corpus")
        #expect(got.count == expected.count)
        for (i, (g, e)) in zip(got, expected).enumerated() where g != e {
            Issue.record("record \(i) (\(records[i].topic)@\(records[i].offset)): parallel \(g.prefix(300)) vs sequential \(e.prefix(300))")
            break
        }
    }
}
