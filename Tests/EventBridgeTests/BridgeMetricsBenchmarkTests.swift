import Foundation
import Synchronization
import Testing
@testable import EventBridge
import Observability
import TestSupport

/// Cost of the metrics on the hot path and of a scrape; opt-in
/// (`EVENTBRIDGE_METRICS_BENCH=1 swift test -c release --filter MetricsBenchmark`).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["EVENTBRIDGE_METRICS_BENCH"] != nil,
                "set EVENTBRIDGE_METRICS_BENCH=1 to run the metrics benchmarks"))
struct MetricsBenchmarkTests {
    /// A registry shaped like a busy bridge: 4 topics × 12 partitions, 3 subscribers × 20 types,
    /// 30 DLQ codes, the histograms, lag and store callbacks.
    static func busyBridge() -> (BridgeMetrics, Counter, Histogram) {
        let metrics = BridgeMetrics(registry: MetricsRegistry(logger: .disabled))
        let topics = ["erp", "billing", "crm", "legacy"]
        for t in topics {
            metrics.recordsConsumed(topic: t).add(1000)
            metrics.syncLag(topic: t).observe(0.5)
            for o in BridgeMetrics.Outcome.allCases { metrics.outcome(topic: t, o).increment() }
        }
        for s in ["gl", "customers", "treasury"] {
            for i in 0..<20 { metrics.published(subscriber: s, type: "finance.type\(i).posted").increment() }
        }
        for i in 0..<30 { metrics.deadLettered(stage: "contract", code: "schema.code\(i)").increment() }
        let lags = topics.flatMap { t in (0..<12).map { BridgeMetrics.PartitionLag(topic: t, partition: Int32($0), lag: 5) } }
        metrics.setConsumerLagProvider { lags }
        metrics.setStoreStatsProvider { .init(sizeBytes: 1 << 30, keys: ["dedup": 3_000_000, "parked": 12]) }
        return (metrics, metrics.recordsConsumed(topic: "erp"), metrics.processingDuration)
    }

    @Test func hotPathIncrementAndObserveCost() {
        let (_, counter, histogram) = Self.busyBridge()
        let n = 10_000_000
        let clock = ContinuousClock()
        let inc = clock.measure { for _ in 0..<n { counter.increment() } }
        let obs = clock.measure { for i in 0..<n { histogram.observe(Double(i & 1023) * 0.000_01) } }
        print("metrics bench: counter.increment \(Self.nanos(inc, n)) ns, histogram.observe \(Self.nanos(obs, n)) ns")
        #expect(counter.value >= n)
    }

    @Test func scrapeCostAndConcurrentScrapesUnderIncrements() throws {
        let (metrics, counter, _) = Self.busyBridge()
        let clock = ContinuousClock()
        let renders = 2000
        var size = 0
        let render = clock.measure { for _ in 0..<renders { size = metrics.registry.render().utf8.count } }
        print("metrics bench: render \(size) bytes in \(Self.nanos(render, renders) / 1000) µs")

        let server = MetricsServer(registry: metrics.registry, configuration: .init(address: "127.0.0.1:0"), logger: .disabled)
        try server.start()
        defer { server.stop() }
        let port = try #require(server.boundPort)
        let stop = Atomic<Bool>(false)
        let counted = Atomic<Int>(0)
        let pipeline = Thread {
            var local = 0
            while !stop.load(ordering: .relaxed) {
                for _ in 0..<1000 { counter.increment() }
                local += 1000
            }
            counted.store(local, ordering: .relaxed)
        }
        pipeline.start()
        let scrapes = clock.measure {
            DispatchQueue.concurrentPerform(iterations: 100) { _ in _ = try? HTTPTestClient.request(port: port, "/metrics") }
        }
        stop.store(true, ordering: .relaxed)
        while counted.load(ordering: .relaxed) == 0 { Thread.sleep(forTimeInterval: 0.001) }
        print("metrics bench: 100 concurrent scrapes in \(scrapes) while the pipeline thread counted")
    }

    static func nanos(_ d: Duration, _ n: Int) -> Int {
        let (s, atto) = d.components
        return Int((Double(s) * 1e9 + Double(atto) / 1e9) / Double(n))
    }
}
