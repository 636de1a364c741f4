import Basics
import Contracts
import Observability

extension Objectives {
    /// `base` plus the `workflow` and `materiality` labels of `type` (`unattributed` for nil or a
    /// type outside the catalog): label values only ever come from the catalog.
    func labels(_ type: String?, _ base: [String: String]) -> [String: String] {
        let entry = entry(forType: type)
        var labels = base
        labels["workflow"] = entry.workflow
        labels["materiality"] = entry.materiality.rawValue
        return labels
    }

    /// Every (workflow, materiality) pair a series can carry: the catalog's, and `unattributed`.
    var labelPairs: [[String: String]] {
        workflows.map { ["workflow": $0.workflow, "materiality": $0.materiality.rawValue] }
            + [["workflow": unattributed.workflow, "materiality": unattributed.materiality.rawValue]]
    }
}

/// The finance view of the metrics (docs/metrics.md, "Materiality and objectives"): events synced
/// and sync-lag objective breaches per workflow, the objectives themselves, and what the
/// in-process reconcile finds (completeness of committed inputs, open exceptions and their age).
extension BridgeMetrics {
    func labels(_ type: String?, _ base: [String: String] = [:]) -> [String: String] { objectives.labels(type, base) }

    /// Objective gauges, and the per-workflow counters at 0 so `rate()` and `increase()` see their
    /// first event (a series that appears at 1 shows no increase).
    func registerObjectives() {
        for w in objectives.workflows {
            registry.gauge("eventbridge_sync_lag_objective_seconds",
                           help: "Sync-lag objective of each workflow and materiality (the strictest of its contracts), in seconds.",
                           labels: ["workflow": w.workflow, "materiality": w.materiality.rawValue]).set(Double(w.syncLagSeconds))
            let pair = ["workflow": w.workflow, "materiality": w.materiality.rawValue]
            _ = eventsSynced(pair)
            _ = syncLagBreaches(pair)
        }
    }

    /// `eventbridge_events_synced_total{workflow,materiality}`: canonical events published (each
    /// once, whatever the number of subscribers) of contract `type`.
    func eventsSynced(type: String) -> Counter { eventsSynced(labels(type)) }

    /// `eventbridge_sync_lag_breaches_total{workflow,materiality}`: events of `type` published later
    /// than their contract's sync-lag objective after their event time.
    func syncLagBreaches(type: String) -> Counter { syncLagBreaches(labels(type)) }

    private func eventsSynced(_ labels: [String: String]) -> Counter {
        registry.counter("eventbridge_events_synced_total",
                         help: "Canonical events published (once each, whatever the subscribers), by workflow and materiality.",
                         labels: labels)
    }

    private func syncLagBreaches(_ labels: [String: String]) -> Counter {
        registry.counter("eventbridge_sync_lag_breaches_total",
                         help: "Events published later than their contract's sync-lag objective, by workflow and materiality.",
                         labels: labels)
    }

    /// `eventbridge_reconcile_runs_total{result}`: passes of the in-process reconcile, `ok` or `error`.
    func reconcileRuns(result: String) -> Counter {
        registry.counter("eventbridge_reconcile_runs_total", help: "Passes of the in-process reconcile, by result (ok, error).",
                         labels: ["result": result])
    }

    /// Feeds the reconcile families at scrape time from the last pass (`provider` returns what
    /// the reconciler keeps; nil before its first pass). Replaces an earlier provider.
    func setReconcileProvider(_ provider: @escaping @Sendable () -> ReconcileSnapshot?) {
        let pairs = objectives.labelPairs
        registry.callback("eventbridge_reconcile_checked_inputs",
                          help: "Committed inputs the in-process reconcile accounts for (from the ledger's first offset to the commit point), by source topic.",
                          type: .gauge) {
            provider()?.byTopic.map { .init(labels: ["topic": $0.topic], value: Double($0.checked)) } ?? []
        }
        registry.callback("eventbridge_reconcile_missing_inputs",
                          help: "Committed inputs with no recorded outcome in the store, by source topic.", type: .gauge) {
            provider()?.byTopic.map { .init(labels: ["topic": $0.topic], value: Double($0.missing)) } ?? []
        }
        registry.callback("eventbridge_reconcile_completeness_ratio",
                          help: "Committed inputs with an outcome / committed inputs (1 when nothing is missing).", type: .gauge) {
            provider().map { [.init(value: $0.completeness)] } ?? []
        }
        registry.callback("eventbridge_reconcile_last_success_timestamp_seconds",
                          help: "When the in-process reconcile last completed, in Unix seconds.", type: .gauge) {
            provider().map { [.init(value: Double($0.atMillis) / 1000)] } ?? []
        }
        registry.callback("eventbridge_exceptions_open",
                          help: "Dead-lettered inputs not resolved or replayed yet (DLQ depth from the store), by workflow, materiality and code.",
                          type: .gauge) {
            provider()?.exceptions.map { .init(labels: ["workflow": $0.workflow, "materiality": $0.materiality.rawValue, "code": $0.code],
                                               value: Double($0.count)) } ?? []
        }
        registry.callback("eventbridge_exceptions_oldest_age_seconds",
                          help: "Age of the oldest open exception of each workflow and materiality, in seconds (0 when none is open).",
                          type: .gauge) {
            guard let snapshot = provider() else { return [] }
            let now = WallClock.nowSeconds()
            var oldest: [[String: String]: Int64] = [:]
            for e in snapshot.exceptions {
                let key = ["workflow": e.workflow, "materiality": e.materiality.rawValue]
                oldest[key] = min(oldest[key] ?? Int64.max, e.oldestAtMillis)
            }
            var samples = pairs.map { pair in
                MetricsRegistry.Sample(labels: pair, value: oldest[pair].map { max(0, now - Double($0) / 1000) } ?? 0)
            }
            for (pair, at) in oldest where !pairs.contains(pair) {
                samples.append(.init(labels: pair, value: max(0, now - Double(at) / 1000)))
            }
            return samples
        }
    }
}
