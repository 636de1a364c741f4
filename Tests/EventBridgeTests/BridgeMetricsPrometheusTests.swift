import Contracts
import Foundation
import Testing
@testable import EventBridge
import Observability

/// The exposition text checked by a real Prometheus parser (`prometheus_client` in the tool
/// venv that `scripts/setup` creates), through `Tests/tools/parse_metrics.py`.
@Suite struct MetricsPrometheusParserTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let script = repoRoot.appendingPathComponent("Tests/tools/parse_metrics.py").path
    static let python = (ProcessInfo.processInfo.environment["EVENTBRIDGE_TOOLS"] ?? "/usr/local/lib/eventbridge-tools")
        + "/venv/bin/python"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs the parser script with `arguments`, feeding `stdin`; returns its JSON output.
    /// Fails (never skips) when the venv is missing: `scripts/setup` creates it.
    static func parse(arguments: [String], stdin: String? = nil) throws -> JSONValue {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failure(description: "the Python tool venv is missing (\(python)); run scripts/setup to create it")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Feed stdin from another thread so a full stdout pipe cannot deadlock the exchange.
        let text = Data((stdin ?? "").utf8)
        let writer = Thread {
            input.fileHandleForWriting.write(text)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "parse_metrics.py exited \(process.terminationStatus): \(String(decoding: err, as: UTF8.self))")
        }
        return try JSONParser.parse([UInt8](out))
    }

    /// The value of the sample `name` with exactly `labels` in a parsed family.
    static func sample(_ parsed: JSONValue, family: String, name: String, labels: [String: String] = [:]) -> Double? {
        for s in parsed[family]?["samples"]?.arrayValue ?? [] where s["name"]?.stringValue == name {
            let l = s["labels"]?.objectValue
            let found = Dictionary(uniqueKeysWithValues: (l?.keys ?? []).map { ($0, l?[$0]?.stringValue ?? "") })
            if found == labels { return s["value"]?.numberValue?.doubleValue }
        }
        return nil
    }

    @Test func scrapedBridgeMetricsParseWithThePrometheusParserToTheCountedValues() throws {
        let registry = MetricsRegistry(logger: .disabled)
        let metrics = BridgeMetrics(registry: registry, version: "0.1.0")
        let server = MetricsServer(registry: registry, configuration: .init(address: "127.0.0.1:0"), logger: .disabled)
        try server.start()
        defer { server.stop() }
        let port = try #require(server.boundPort)

        let consumed = metrics.recordsConsumed(topic: "erp.finance.events")
        for _ in 0..<1234 { consumed.increment() }
        metrics.published(subscriber: "general-ledger", type: "finance.invoice.posted").add(1000)
        metrics.deadLettered(stage: "decode", code: "json.syntax").add(34)
        metrics.outcome(topic: "erp.finance.events", .published).add(1000)
        let lag = metrics.syncLag(topic: "erp.finance.events")
        for v in [0.0005, 0.002, 2, 4000, 100_000] { lag.observe(v) }
        metrics.setConsumerLagProvider { [.init(topic: "erp.finance.events", partition: 0, lag: 42)] }
        metrics.setStoreStatsProvider { .init(sizeBytes: 1 << 20, keys: ["dedup": 99]) }
        metrics.inFlight.set(17)

        let parsed = try Self.parse(arguments: ["http://127.0.0.1:\(port)/metrics"])
        let family = "eventbridge_records_consumed"   // the parser strips `_total` from counter families
        #expect(parsed[family]?["type"] == "counter")
        #expect(Self.sample(parsed, family: family, name: "eventbridge_records_consumed_total",
                            labels: ["topic": "erp.finance.events"]) == 1234)
        #expect(Self.sample(parsed, family: "eventbridge_events_published", name: "eventbridge_events_published_total",
                            labels: ["subscriber": "general-ledger", "type": "finance.invoice.posted"]) == 1000)
        #expect(Self.sample(parsed, family: "eventbridge_dlq_records", name: "eventbridge_dlq_records_total",
                            labels: ["stage": "decode", "code": "json.syntax", "workflow": "unattributed", "materiality": "high"]) == 34)
        #expect(parsed["eventbridge_sync_lag_seconds"]?["type"] == "histogram")
        let topic = ["topic": "erp.finance.events", "workflow": "unattributed", "materiality": "high"]
        #expect(Self.sample(parsed, family: "eventbridge_sync_lag_seconds", name: "eventbridge_sync_lag_seconds_bucket",
                            labels: topic.merging(["le": "0.001"]) { a, _ in a }) == 1)
        #expect(Self.sample(parsed, family: "eventbridge_sync_lag_seconds", name: "eventbridge_sync_lag_seconds_bucket",
                            labels: topic.merging(["le": "86400"]) { a, _ in a }) == 4)
        #expect(Self.sample(parsed, family: "eventbridge_sync_lag_seconds", name: "eventbridge_sync_lag_seconds_bucket",
                            labels: topic.merging(["le": "+Inf"]) { a, _ in a }) == 5)
        #expect(Self.sample(parsed, family: "eventbridge_sync_lag_seconds", name: "eventbridge_sync_lag_seconds_count",
                            labels: topic) == 5)
        #expect(Self.sample(parsed, family: "eventbridge_consumer_lag_records", name: "eventbridge_consumer_lag_records",
                            labels: ["topic": "erp.finance.events", "partition": "0"]) == 42)
        #expect(Self.sample(parsed, family: "eventbridge_store_size_bytes", name: "eventbridge_store_size_bytes") == 1_048_576)
        #expect(Self.sample(parsed, family: "eventbridge_inflight_inputs", name: "eventbridge_inflight_inputs") == 17)
        #expect(Self.sample(parsed, family: "eventbridge_up", name: "eventbridge_up") == 1)
        // Every family the registry rendered, and no other, came through the parser.
        let rendered = Set(registry.render().split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
            .map { String($0.split(separator: " ")[2]) }.map { $0.hasSuffix("_total") ? String($0.dropLast(6)) : $0 })
        #expect(Set(parsed.objectValue?.keys ?? []) == rendered)
    }

    @Test func hostileLabelValuesRoundTripThroughTheParser() throws {
        let registry = MetricsRegistry(logger: .disabled)
        var rng = SystemRandomNumberGenerator()
        let alphabet: [String] = ["a", "Z", "0", " ", "\\", "\"", "\n", "\\n", "{", "}", ",", "=", "#", "é", "€", "🧾", "\t", "\r"]
        var expected: [String: Int] = [:]
        for i in 0..<200 {
            let value = (0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? "a" }.joined()
            if expected[value] != nil { continue }
            expected[value] = i + 1
            registry.counter("hostile_total", help: "help with \\ and\nnewline", labels: ["v": value]).add(i + 1)
        }
        let parsed = try Self.parse(arguments: [], stdin: registry.render())
        #expect(parsed["hostile"]?["help"]?.stringValue == "help with \\ and\nnewline")
        let samples = parsed["hostile"]?["samples"]?.arrayValue ?? []
        #expect(samples.count == expected.count)
        for s in samples {
            let value = s["labels"]?["v"]?.stringValue ?? "<missing>"
            #expect(s["value"]?.numberValue?.doubleValue == expected[value].map(Double.init), "label value \(value.debugDescription)")
        }
    }
}
