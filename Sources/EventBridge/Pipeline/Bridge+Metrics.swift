import Basics
import Foundation
import KafkaClient
import Observability
import EventStore

extension Bridge {
    /// Starts the Prometheus endpoint when the config has an address (loopback by default).
    func startMetricsServer() throws {
        guard let address = config.metrics.address else { return }
        let metrics = self.metrics
        let store = self.store
        let storePath = config.resolve(config.store.path)
        metrics.bridge.setStoreStatsProvider {
            func fileSize(_ path: String) -> Int64 {
                ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
            }
            let size = fileSize(storePath)
            let wal = fileSize(storePath + "-wal")
            return BridgeMetrics.StoreStats(sizeBytes: size + wal, keys: ["dedup": Int64(store.dedupKeyCount)])
        }
        let reader = store.reader
        metrics.bridge.setParkedProvider {
            let now = WallClock.nowMillis()
            return ((try? reader.parkedSummary()) ?? []).map {
                .init(type: $0.type, count: $0.count, oldestAgeSeconds: Double(max(0, now - $0.oldestParkedAtMillis)) / 1000)
            }
        }
        let server = MetricsServer(registry: metricsRegistry, configuration: .init(address: address), logger: logger.with(label: "metrics"),
                                   readiness: { metrics.isReady.load(ordering: .relaxed) ? .ready : .notReady("no partitions assigned yet") })
        try server.start()
        metricsServer = server
        logger.info("metrics endpoint listening", ["address": server.boundAddress ?? address])
    }

    /// Consumer lag per assigned partition from the watermarks the last fetches reported
    /// (no broker round trip), for the metrics server to read.
    func refreshLag() {
        guard let consumer else { return }
        var out: [BridgeMetrics.PartitionLag] = []
        for tp in assigned {
            guard let wm = try? consumer.cachedWatermarks(tp) else { continue }
            let position = lastConsumed[tp].map { $0 + 1 } ?? wm.low
            out.append(.init(topic: tp.topic, partition: tp.partition, lag: max(0, wm.high - position)))
        }
        metrics.setLag(out)
        metrics.bridge.inFlight.set(commits.tracker.count)
    }
}
