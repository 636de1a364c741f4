import Observability

/// The health families (docs/metrics.md, "Health"): what `/readyz` reasons about, as numbers to
/// alert on.
extension BridgeMetrics {
    /// `eventbridge_unwritable_records_total{topic}`: records that could not be written even cut to
    /// `message.max.bytes` (their partition stops there: `/readyz` names it).
    public func unwritableRecords(topic: String) -> Counter {
        registry.counter("eventbridge_unwritable_records_total",
                         help: "Records that could not be written even truncated; each blocks its source partition.",
                         labels: ["topic": topic])
    }

    /// `eventbridge_store_commit_failures_total`: failed store transactions (each is written again).
    public var storeCommitFailures: Counter {
        registry.counter("eventbridge_store_commit_failures_total",
                         help: "Store transactions that failed and were written again; offsets wait meanwhile.")
    }

    /// `eventbridge_catalog_reloads_total{result}`: catalog reloads, `ok` or `error` (the old catalog stays).
    public func catalogReloads(result: String) -> Counter {
        registry.counter("eventbridge_catalog_reloads_total", help: "Catalog reloads (SIGHUP, eventbridge reload), by result (ok, error).",
                         labels: ["result": result])
    }

    /// Feeds the scrape-time health gauges: `eventbridge_stuck_partitions`,
    /// `eventbridge_broker_reachable` and `eventbridge_catalog_info{digest}` (value 1, the running
    /// catalog). The providers must not block.
    public func setHealthProviders(stuckPartitions: @escaping @Sendable () -> Int, brokerReachable: @escaping @Sendable () -> Bool,
                                   catalogDigest: @escaping @Sendable () -> String) {
        registry.gauge("eventbridge_stuck_partitions",
                       help: "Assigned partitions with records behind their commit point that has not moved for health.stuckPartitionAfter.") {
            Double(stuckPartitions())
        }
        registry.gauge("eventbridge_broker_reachable",
                       help: "1 while the broker answered within health.brokerUnreachableAfter, else 0.") { brokerReachable() ? 1 : 0 }
        registry.callback("eventbridge_catalog_info", help: "The running contract and mapping catalog; the value is always 1.", type: .gauge) {
            [.init(labels: ["digest": catalogDigest()], value: 1)]
        }
    }
}
