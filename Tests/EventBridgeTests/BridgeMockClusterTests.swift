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

        init(logger: Logger, sequencing: JSONValue = ["gating": false], brokers: Int = 1) throws {
            cluster = try KafkaMockCluster(brokers: brokers, logger: logger)
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
                "sequencing": sequencing,
                "metrics": ["enabled": false],
                "log": ["level": "warning"],
            ]
            config = try BridgeConfig.parse(document, baseDirectory: directory.path)
            try cluster.createTopic(source, partitions: 2)
            try cluster.createTopic(dlq, partitions: 2)
            try cluster.createTopic(output, partitions: 2)
            // The mock cluster has no CreateTopics API: the changelog topics the bridge would create.
            let topics = ChangelogTopics(groupId: config.groupId, sources: [source])
            try cluster.createTopic(topics.changelog(of: source), partitions: 2)
            try cluster.createTopic(topics.global, partitions: 1)
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

        /// Loses the store, as a machine that is replaced does.
        func deleteStore() throws {
            for suffix in ["", "-wal", "-shm"] {
                let path = config.resolve(config.store.path) + suffix
                if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            }
        }
    }

    private static func example(_ file: String, _ change: (inout JSONObject) -> Void) throws -> JSONObject {
        let text = try String(contentsOfFile: S.repositoryRoot + "/contracts/examples/" + file, encoding: .utf8)
        guard case .object(var data) = try JSONParser.parse(text) else { throw CocoaError(.fileReadCorruptFile) }
        change(&data)
        return data
    }

    private static func invoice(_ id: String, revision: Int = 1, customer: String? = nil) throws -> [UInt8] {
        let data = try example("finance.invoice.posted.v2.json") {
            $0["invoiceId"] = .string(id)
            $0["revision"] = .number(JSONNumber(revision))
            if let customer { $0["customerId"] = .string(customer) }
        }
        return JSONWriter.compact.bytes(["type": "finance.invoice.posted", "data": .object(data)])
    }

    private static func customerReady(_ id: String) throws -> [UInt8] {
        let data = try example("finance.customer.ready.v1.json") { $0["customerId"] = .string(id) }
        return JSONWriter.compact.bytes(["type": "finance.customer.ready", "data": .object(data)])
    }

    /// Readiness gating end to end: invoices of a customer that is not ready are parked (their
    /// offsets commit), released in source order once `finance.customer.ready` arrives — before a
    /// later invoice of the same customer — and dead-lettered with the timeout code when it never does.
    @Test func invoicesWaitForTheirCustomerAndTimeOutWithoutIt() async throws {
        let run = try Run(logger: logger, sequencing: ["gating": true, "deadline": "4s"])
        defer { run.close() }
        // One partition keeps the source order: C-1's invoices, C-2's invoice, C-1 ready, C-1's later invoice.
        let inputs: [(key: String?, value: [UInt8]?)] = [
            ("C-1", try Self.invoice("INV-1", customer: "C-1")), ("C-1", try Self.invoice("INV-2", customer: "C-1")),
            ("C-2", try Self.invoice("INV-9", customer: "C-2")),
        ]
        let producer = try KafkaProducer(config: KafkaTestSupport.producerConfig(bootstrap: run.cluster.bootstrapServers), logger: logger)
        for (key, value) in inputs {
            _ = try await producer.send(KafkaProducerRecord(topic: run.source, partition: 0, key: key.map { Array($0.utf8) }, value: value))
        }
        let bridge = try Bridge(config: run.config, logger: logger)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread { try? bridge.run(); finished.signal() }
        thread.start()
        defer {
            bridge.stop()
            _ = finished.wait(timeout: .now() + 60)
        }
        func outcomes() -> [Int64: String] {
            guard let reader = try? run.store() else { return [:] }
            defer { reader.close() }
            var out: [Int64: String] = [:]
            for o in 0..<6 { if let e = try? reader.ledgerEntry(at: PartitionPosition(topic: run.source, partition: 0, offset: Int64(o))) { out[Int64(o)] = e.outcome.rawValue } }
            return out
        }
        func waitFor(_ what: String, _ condition: () -> Bool) {
            let deadline = ContinuousClock.now + .seconds(30)
            while !condition() && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.1) }
            #expect(condition(), "timed out waiting for \(what): \(outcomes())")
        }
        waitFor("three parked inputs") { outcomes() == [0: "parked", 1: "parked", 2: "parked"] }
        // Parked inputs are done as far as Kafka is concerned: their offsets are committed.
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: run.cluster.bootstrapServers), logger: logger)
        var committed: Int64? = nil
        for _ in 0..<50 where committed != 3 {
            committed = try await admin.committedOffsets(group: run.config.groupId, topics: [run.source]).first?.offset ?? nil
            if committed != 3 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(committed == 3)

        for (key, value) in [("C-1", try Self.customerReady("C-1")), ("C-1", try Self.invoice("INV-3", customer: "C-1"))] {
            _ = try await producer.send(KafkaProducerRecord(topic: run.source, partition: 0, key: Array(key.utf8), value: value))
        }
        await producer.close()
        waitFor("C-1's invoices released and INV-9 expired") {
            outcomes() == [0: "published", 1: "published", 2: "dead_lettered", 3: "published", 4: "published"]
        }
        // The subscriber got C-1's invoices in source order, after the customer; INV-9 is in the DLQ as it came.
        let published = try await run.consume(run.output, count: 4, logger: logger)
        let order = published.sorted { ($0.timestamp.milliseconds, $0.offset) < ($1.timestamp.milliseconds, $1.offset) }
            .compactMap { $0.header("ce_subject").map { String(decoding: $0, as: UTF8.self) } }
        #expect(order.filter { $0.hasPrefix("INV") } == ["INV-1", "INV-2", "INV-3"], "\(order)")
        #expect(order.first == "C-1", "\(order)")
        let dead = try await run.consume(run.dlq, count: 1, logger: logger)
        #expect(dead.count == 1)
        #expect(dead.first?.header(DeadLetterHeaders.code).map { String(decoding: $0, as: UTF8.self) } == "sequencing.prerequisite_timeout")
        #expect(dead.first?.value == inputs[2].value)
        #expect(dead.first?.header(DeadLetterHeaders.sourceOffset).map { String(decoding: $0, as: UTF8.self) } == "2")
        let reader = try run.store()
        defer { reader.close() }
        #expect(try reader.parkedEvents().isEmpty)
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

    /// The store is a cache of the changelog: a bridge whose store is gone restores the partitions'
    /// dedup keys, outcomes and commit points from it before it processes them, so an upstream
    /// re-send is still a duplicate and the ledger still answers for the earlier inputs.
    @Test func aLostStoreIsRestoredFromTheChangelog() async throws {
        let run = try Run(logger: logger)
        defer { run.close() }
        try await run.produce((0..<10).map { ("INV-\($0)", try Self.invoice("INV-\($0)")) }, logger: logger)
        try run.runBridge(logger: logger) { run.recordedInputs() == 10 }
        try run.deleteStore()
        try await run.produce((0..<12).map { ("INV-\($0)", try Self.invoice("INV-\($0)")) }, logger: logger)
        try run.runBridge(logger: logger) { run.recordedInputs() == 22 }
        let published = try await run.consume(run.output, count: 12, logger: logger)
        #expect(published.count == 12, "each event once, although the second bridge started with no store")
        let reader = try run.store()
        defer { reader.close() }
        var counts: [LedgerEntry.Outcome: Int] = [:]
        for (tp, next) in try reader.processedOffsets() {
            for (o, n) in try reader.reconcile(tp, offsets: 0...(next - 1)).counts { counts[o, default: 0] += n }
        }
        #expect(counts == [.published: 12, .duplicate: 10], "every input of both runs has its outcome in the restored store")
    }

    /// An offset commit the broker refuses (here: every commit of the first three) is sent again
    /// at the next commit interval, so the group's committed offsets reach the end although no
    /// further input arrives. Before, they stayed behind until the next record (CI, stop 18: a
    /// rebalance refused the last commits of a partition and `reconcile` waited for ever).
    @Test func aRefusedOffsetCommitIsRetriedWithoutNewInput() async throws {
        let run = try Run(logger: logger)
        defer { run.close() }
        try await run.produce((0..<10).map { ("INV-\($0)", try Self.invoice("INV-\($0)")) }, logger: logger)
        // INVALID_COMMIT_OFFSET_SIZE (28): refused, not retried by librdkafka, no rejoin.
        run.cluster.pushRequestErrors(Array(repeating: .rdKafka(28), count: 3), api: .offsetCommit)
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: run.cluster.bootstrapServers), logger: logger)
        let group = run.config.groupId, source = run.source
        func committed() throws -> Int64 {
            try blocking { try await admin.committedOffsets(group: group, topics: [source]) }.reduce(0) { $0 + ($1.offset ?? 0) }
        }
        try run.runBridge(logger: logger) { try run.recordedInputs() == 10 && committed() == 10 }
        let final = try committed()
        #expect(final == 10, "the refused commits were not sent again: \(final) committed")
    }

    /// The consumer loop does not wait for the store's writer: with the changelog's broker slow to
    /// acknowledge (every response delayed by 500 ms), each commit's transaction takes over half a
    /// second, yet inputs arriving meanwhile are published within a poll. Before, the loop waited for
    /// the previous transaction at every commit interval, so an input arriving then waited too: the
    /// bridge's p99 latency at 1,000/s was ~60 ms above the passthrough's (docs/performance.md).
    @Test func aSlowChangelogDoesNotDelayPublishing() async throws {
        let run = try Run(logger: logger, brokers: 2)
        defer { run.close() }
        // Inputs, outputs and the DLQ on broker 1; the changelog topics on broker 2, which is slow.
        let topics = ChangelogTopics(groupId: run.config.groupId, sources: [run.source])
        for p: Int32 in 0...1 {
            for topic in [run.source, run.output, run.dlq] { try run.cluster.setPartitionLeader(topic: topic, partition: p, broker: 1) }
            try run.cluster.setPartitionLeader(topic: topics.changelog(of: run.source), partition: p, broker: 2)
        }
        try run.cluster.setPartitionLeader(topic: topics.global, partition: 0, broker: 2)
        try run.cluster.setBrokerRoundTrip(2, milliseconds: 500)
        // One input per partition first: once both are recorded, both partitions are restored and
        // consumed, and 40 more inputs arrive 50 ms apart. One producer sends all, so its metadata
        // (from a slow broker too) is known before the timed inputs.
        let inputs = 40
        let cluster = run.cluster, source = run.source, log = logger
        let recorded: @Sendable () -> Int = { run.recordedInputs() }
        Thread.detachNewThread {
            let semaphore = DispatchSemaphore(value: 0)
            Task {
                defer { semaphore.signal() }
                guard let producer = try? KafkaProducer(config: KafkaTestSupport.producerConfig(bootstrap: cluster.bootstrapServers), logger: log) else { return }
                for p in 0..<2 {
                    _ = try? await producer.send(KafkaProducerRecord(topic: source, partition: Int32(p), key: Array("INV-warm-\(p)".utf8), value: try Self.invoice("INV-warm-\(p)")))
                }
                while recorded() < 2 { try? await Task.sleep(for: .milliseconds(50)) }
                for i in 0..<inputs {
                    // The record's timestamp is when it was sent; the output's is when the bridge produced it.
                    _ = try? await producer.send(KafkaProducerRecord(topic: source, partition: Int32(i % 2), key: Array("INV-\(i)".utf8),
                                                                     value: try Self.invoice("INV-\(i)"), timestamp: WallClock.nowMillis()))
                    try? await Task.sleep(for: .milliseconds(50))
                }
                await producer.close()
            }
            semaphore.wait()
        }
        try run.runBridge(logger: logger) { run.recordedInputs() == inputs + 2 }
        try run.cluster.setBrokerRoundTrip(2, milliseconds: 0)
        let sourceRecords = try await run.consume(run.source, count: inputs + 2, logger: logger)
        let outputs = try await run.consume(run.output, count: inputs + 2, logger: logger)
        #expect(outputs.count == inputs + 2)
        func created(_ r: KafkaConsumerRecord) -> Int64? { r.timestamp.kind == .notAvailable ? nil : r.timestamp.milliseconds }
        var sent: [String: Int64] = [:]
        for r in sourceRecords { if let key = r.key, let t = created(r) { sent[String(decoding: key, as: UTF8.self)] = t } }
        var delays: [Int64] = []
        for r in outputs {
            guard let subject = r.headers.first(where: { $0.name == "ce_subject" }).map({ String(decoding: $0.value ?? [], as: UTF8.self) }),
                  !subject.hasPrefix("INV-warm"), let input = sent[subject], let output = created(r) else { continue }
            delays.append(output - input)
        }
        #expect(delays.count == inputs, "every timed input has its output: \(delays.count)")
        // A poll (100 ms at most) and the producer's linger; a wait for the changelog would add ≥ 500 ms.
        #expect((delays.max() ?? .max) < 300, "input-to-output delays (ms): \(delays.sorted())")
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
