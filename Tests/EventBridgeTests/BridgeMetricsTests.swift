import Observability
import Testing
@testable import EventBridge

@Suite struct BridgeMetricsTests {
    @Test func bridgeMetricsRegisterEveryFamilyUnderItsDocumentedName() {
        let registry = MetricsRegistry(logger: .disabled)
        let metrics = BridgeMetrics(registry: registry, version: "1.2.3")
        metrics.recordsConsumed(topic: "erp").increment()
        metrics.outcome(topic: "erp", .deadLettered).increment()
        metrics.published(subscriber: "gl", type: "finance.invoice.posted").increment()
        metrics.deadLettered(stage: "decode", code: "json.syntax").increment()
        metrics.duplicates(type: "t").increment()
        metrics.stale(type: "t", action: "duplicate").increment()
        metrics.filtered(type: "t").increment()
        metrics.syncLag(topic: "erp").observe(2)
        metrics.replayed(topic: "erp").increment()
        metrics.commits(result: "ok").increment()
        metrics.rebalances(kind: "assign").increment()
        metrics.setConsumerLagProvider { [.init(topic: "erp", partition: 3, lag: 17)] }
        metrics.setStoreStatsProvider { .init(sizeBytes: 4096, keys: ["dedup": 10, "parked": 1]) }
        metrics.setParkedProvider { [.init(type: "finance.invoice.posted", count: 1, oldestAgeSeconds: 42)] }
        metrics.inFlight.set(5)
        metrics.processingDuration.observe(0.0001)
        metrics.commitDuration.observe(0.01)
        metrics.ready.set(1)
        let text = registry.render()
        for line in [
            "eventbridge_build_info{version=\"1.2.3\"} 1", "eventbridge_up 1", "eventbridge_ready 1",
            "eventbridge_records_consumed_total{topic=\"erp\"} 1",
            "eventbridge_record_outcomes_total{outcome=\"dead_lettered\",topic=\"erp\"} 1",
            "eventbridge_events_published_total{subscriber=\"gl\",type=\"finance.invoice.posted\"} 1",
            "eventbridge_dlq_records_total{code=\"json.syntax\",stage=\"decode\"} 1",
            "eventbridge_duplicates_total{type=\"t\"} 1", "eventbridge_stale_events_total{action=\"duplicate\",type=\"t\"} 1",
            "eventbridge_filtered_total{type=\"t\"} 1", "eventbridge_sync_lag_seconds_count{topic=\"erp\"} 1",
            "eventbridge_replayed_records_total{topic=\"erp\"} 1", "eventbridge_offset_commits_total{result=\"ok\"} 1",
            "eventbridge_rebalances_total{kind=\"assign\"} 1",
            "eventbridge_consumer_lag_records{partition=\"3\",topic=\"erp\"} 17", "eventbridge_store_size_bytes 4096",
            "eventbridge_store_keys{kind=\"dedup\"} 10", "eventbridge_parked_events{type=\"finance.invoice.posted\"} 1",
            "eventbridge_parked_oldest_age_seconds{type=\"finance.invoice.posted\"} 42", "eventbridge_inflight_inputs 5",
            "eventbridge_processing_duration_seconds_bucket{le=\"0.0001\"} 1",
            "eventbridge_offset_commit_duration_seconds_count 1",
        ] {
            #expect(text.contains(line + "\n"), "missing: \(line)")
        }
    }
}
