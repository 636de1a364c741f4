import Basics
import Contracts
import EventStore
import Foundation
import KafkaClient
import Observability
import Testing
import TestSupport
@testable import EventBridge

/// The whole bridge — consume, decode … encode, dedup, produce, commit — against librdkafka's
/// in-process mock cluster: no broker process. Checked from outside with the project's own
/// Kafka client: what reached the subscriber and DLQ topics, what the store recorded, and where
/// the group's offsets were committed.
@Suite(.serialized) struct BridgeMockClusterTests {
    private typealias S = AdapterTestSupport
    let logger = KafkaTestSupport.logger

    private struct Run {
        let cluster: KafkaMockCluster
        let directory: URL
        let config: BridgeConfig
        let source = "erp.finance.events"
        let output = "finance.gl.events"
        var dlq: String { source + ".dlq" }

        init(logger: Logger) throws {
            cluster = try KafkaMockCluster(brokers: 1, logger: logger)
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventbridge-mock-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let document: JSONValue = [
                "kafka": ["bootstrap.servers": .string(cluster.bootstrapServers), "session.timeout.ms": "6000",
                          "heartbeat.interval.ms": "500", "topic.metadata.refresh.interval.ms": "1000"],
                "groupId": .string(KafkaTestSupport.unique("bridge")),
                "contracts": .string(S.repositoryRoot + "/contracts"), "mappings": .string(S.repositoryRoot + "/mappings"),
                "store": ["path": .string(directory.appendingPathComponent("bridge.sqlite").path)],
                "sources": [["topic": "erp.finance.events", "adapter": "canonical", "source": "urn:test:erp"]],
                "subscribers": [["name": "gl", "topic": "finance.gl.events", "types": ["finance.*"]]],
                "retry": ["initialBackoff": "50ms", "maxBackoff": "500ms"],
                "metrics": ["enabled": false],
                "log": ["level": "warning"],
            ]
            config = try BridgeConfig.parse(document, baseDirectory: directory.path)
            try cluster.createTopic(source, partitions: 2)
            try cluster.createTopic(dlq, partitions: 2)
            try cluster.createTopic(output, partitions: 2)
        }

        /// Runs the bridge on its own thread until `until` holds (or 60 s), then stops it cleanly.
        func runBridge(logger: Logger, until done: () throws -> Bool) throws {
            let bridge = try Bridge(config: config, logger: logger)
            let finished = DispatchSemaphore(value: 0)
            let failure = KafkaTestCollector<String>()
            let thread = Thread {
                do { try bridge.run() } catch { failure.append("\(error)") }
                finished.signal()
            }
            thread.start()
            let deadline = ContinuousClock.now + .seconds(60)
            while try !done() && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.1) }
            bridge.stop()
            #expect(finished.wait(timeout: .now() + 60) == .success, "the bridge did not stop")
            #expect(failure.all.isEmpty, "the bridge failed: \(failure.all)")
        }

        func produce(_ values: [(key: String?, value: [UInt8]?)], logger: Logger) async throws {
            let producer = try KafkaProducer(config: KafkaTestSupport.producerConfig(bootstrap: cluster.bootstrapServers), logger: logger)
            for (i, v) in values.enumerated() {
                _ = try await producer.send(KafkaProducerRecord(topic: source, partition: Int32(i % 2), key: v.key.map { Array($0.utf8) }, value: v.value))
            }
            await producer.close()
        }

        func consume(_ topic: String, count: Int, logger: Logger) async throws -> [KafkaConsumerRecord] {
            let consumer = try KafkaConsumer(
                config: KafkaTestSupport.consumerConfig(bootstrap: cluster.bootstrapServers, group: KafkaTestSupport.unique("check")), logger: logger)
            try consumer.subscribe(topics: [topic])
            var records = try await KafkaTestSupport.consume(consumer, count: count)
            records += try await KafkaTestSupport.drain(consumer, for: .milliseconds(500))  // nothing more may come
            await consumer.close()
            return records
        }

        func store() throws -> StoreReader { try StoreReader.open(path: config.resolve(config.store.path)) }

        /// Inputs with a recorded outcome (all partitions).
        func recordedInputs() -> Int {
            guard let reader = try? store() else { return 0 }
            defer { reader.close() }
            let processed = (try? reader.processedOffsets()) ?? [:]
            return processed.values.reduce(0) { $0 + Int($1) }
        }

        func close() { try? FileManager.default.removeItem(at: directory) }
    }

    private static func invoice(_ id: String, revision: Int = 1) throws -> [UInt8] {
        let text = try String(contentsOfFile: S.repositoryRoot + "/contracts/examples/finance.invoice.posted.v2.json", encoding: .utf8)
        guard case .object(var data) = try JSONParser.parse(text) else { throw CocoaError(.fileReadCorruptFile) }
        data["invoiceId"] = .string(id)
        data["revision"] = .number(JSONNumber(revision))
        return JSONWriter.compact.bytes(["type": "finance.invoice.posted", "data": .object(data)])
    }

    @Test func publishesDeadLettersAndCommitsBehindDurableOutcomes() async throws {
        let run = try Run(logger: logger)
        defer { run.close() }
        var inputs: [(key: String?, value: [UInt8]?)] = []
        for i in 0..<20 { inputs.append(("INV-\(i)", try Self.invoice("INV-\(i)"))) }
        inputs.append(("INV-3", try Self.invoice("INV-3")))                              // re-sent: a duplicate
        inputs.append((nil, Array("{\"type\": \"finance.invoice.posted\", ".utf8)))       // json.syntax
        inputs.append((nil, Array("{\"type\": \"finance.unknown\", \"data\": {}}".utf8))) // contract.unknown_type
        inputs.append(("INV-x", nil))                                                     // record.tombstone
        try await run.produce(inputs, logger: logger)

        try run.runBridge(logger: logger) { run.recordedInputs() == inputs.count }

        // Every input has exactly one outcome, and the group's offsets sit at the end.
        let reader = try run.store()
        defer { reader.close() }
        var counts: [LedgerEntry.Outcome: Int] = [:]
        for (tp, next) in try reader.processedOffsets() {
            let report = try reader.reconcile(tp, offsets: 0...(next - 1))
            #expect(report.missing == 0, "\(tp) has inputs without an outcome")
            for (outcome, n) in report.counts { counts[outcome, default: 0] += n }
        }
        #expect(counts == [.published: 20, .duplicate: 1, .deadLettered: 3])
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: run.cluster.bootstrapServers), logger: logger)
        let committed = try await admin.committedOffsets(group: run.config.groupId, topics: [run.source])
        #expect(committed.map(\.offset) == [12, 12], "committed: \(committed)")

        // The subscriber got each invoice once, as a CloudEvent keyed by the invoice id.
        let published = try await run.consume(run.output, count: 20, logger: logger)
        #expect(published.count == 20)
        #expect(Set(published.compactMap { $0.key.map { String(decoding: $0, as: UTF8.self) } }) == Set((0..<20).map { "INV-\($0)" }))
        #expect(published.allSatisfy { $0.header("ce_type").map { String(decoding: $0, as: UTF8.self) } == "finance.invoice.posted" })
        #expect(Set(published.compactMap { $0.header("ce_id") }).count == 20)

        // The DLQ kept the failed inputs byte for byte, with the reason.
        let dead = try await run.consume(run.dlq, count: 3, logger: logger)
        #expect(dead.count == 3)
        let codes = dead.compactMap { $0.header(DeadLetterHeaders.code).map { String(decoding: $0, as: UTF8.self) } }
        #expect(Set(codes) == ["json.syntax", "contract.unknown_type", "record.tombstone"])
        #expect(dead.contains { $0.value == Array("{\"type\": \"finance.invoice.posted\", ".utf8) })
        #expect(dead.contains { $0.value == nil && $0.key == Array("INV-x".utf8) })
    }

    @Test func aRestartedBridgeRepublishesNothing() async throws {
        let run = try Run(logger: logger)
        defer { run.close() }
        try await run.produce((0..<10).map { ("INV-\($0)", try Self.invoice("INV-\($0)")) }, logger: logger)
        try run.runBridge(logger: logger) { run.recordedInputs() == 10 }
        // The same events again (an upstream re-send) and two new ones; then a second bridge run.
        try await run.produce((0..<12).map { ("INV-\($0)", try Self.invoice("INV-\($0)")) }, logger: logger)
        try run.runBridge(logger: logger) { run.recordedInputs() == 22 }
        let published = try await run.consume(run.output, count: 12, logger: logger)
        #expect(published.count == 12, "each event once, across restarts")
    }
}
