import Observability
import EventStore
/// The metrics the bridge exposes (documented in `docs/metrics.md`), as one type the pipeline,
/// the Kafka layer, the store and the lifecycle call.
///
/// Unlabelled series are properties, ready to use. Labelled series come from factory methods;
/// each call takes the registry's lock, so a caller on the hot path obtains its child once per
/// label set and keeps it (e.g. in a dictionary keyed by topic or by subscriber and type).
/// Scrape-time values (consumer lag, store size) are fed by providers that return a value the
/// owner keeps up to date; they run on the metrics server's thread and must not block.
final class BridgeMetrics: Sendable {
    /// What became of one consumed input record (docs/design.md §2, conservation).
    enum Outcome: String, Sendable, CaseIterable {
        case published
        case deadLettered = "dead_lettered"
        case duplicate
        case filtered
        case parked
    }

    /// Consumer lag of one assigned partition (high-water mark − committed/consumed position).
    struct PartitionLag: Sendable, Equatable {
        var topic: String
        var partition: Int32
        var lag: Int64

        init(topic: String, partition: Int32, lag: Int64) {
            self.topic = topic
            self.partition = partition
            self.lag = lag
        }
    }

    /// Size of the embedded store.
    struct StoreStats: Sendable, Equatable {
        /// Bytes on disk (database file plus WAL).
        var sizeBytes: Int64
        /// Rows per kind: `dedup`, `revision`, `parked`, `ledger`, … .
        var keys: [String: Int64]

        init(sizeBytes: Int64, keys: [String: Int64]) {
            self.sizeBytes = sizeBytes
            self.keys = keys
        }
    }

    /// Bucket bounds of per-record processing time: 50 µs to 5 s.
    static let processingBuckets: [Double] = [
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
    ]
    /// Bucket bounds of sync lag (now − event time): 1 ms to 1 day.
    static let syncLagBuckets: [Double] = [
        0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 21600, 43200, 86400,
    ]
    /// Bucket bounds of offset-commit latency: 1 ms to 10 s.
    static let commitBuckets: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// The registry the metrics live in (serve it with ``MetricsServer``).
    let registry: MetricsRegistry

    /// `eventbridge_up`: 1 while the process runs.
    let up: Gauge
    /// `eventbridge_ready`: 1 when the group is joined, the store open and the broker reachable.
    let ready: Gauge
    /// `eventbridge_inflight_inputs`: inputs produced but not yet acknowledged and committed.
    let inFlight: Gauge
    /// `eventbridge_changelog_restoring_partitions`: assigned partitions paused while their state is restored.
    let restoringPartitions: Gauge
    /// `eventbridge_changelog_restore_seconds`: how long restoring one partition's state took.
    let restoreDuration: Histogram
    /// `eventbridge_changelog_restored_records_total` / `_bytes_total`: what restores read.
    let restoredRecords: Counter
    let restoredBytes: Counter
    /// `eventbridge_changelog_applied_changes_total`: changes applied from changelogs (restores and other writers).
    let changelogApplied: Counter
    /// `eventbridge_processing_duration_seconds`: consume-to-outcome time of one record.
    let processingDuration: Histogram
    /// `eventbridge_offset_commit_duration_seconds`: time of one offset commit (store commit
    /// plus broker commit).
    let commitDuration: Histogram

    /// Registers the bridge's families in `registry` and sets `eventbridge_up` to 1.
    /// - Parameter version: the bridge version for `eventbridge_build_info`.
    init(registry: MetricsRegistry, version: String = "dev") {
        self.registry = registry
        registry.gauge("eventbridge_build_info", help: "Build information; the value is always 1.",
                       labels: ["version": version]).set(1)
        up = registry.gauge("eventbridge_up", help: "1 while the bridge process runs.")
        ready = registry.gauge("eventbridge_ready",
                               help: "1 when the consumer group is joined, the store is open and the broker is reachable.")
        inFlight = registry.gauge("eventbridge_inflight_inputs",
                                  help: "Input records produced but not yet acknowledged and committed.")
        restoringPartitions = registry.gauge("eventbridge_changelog_restoring_partitions",
                                             help: "Assigned source partitions paused while their state is restored from the changelog.")
        restoreDuration = registry.histogram("eventbridge_changelog_restore_seconds",
                                             help: "Time to restore one source partition's state from its changelog, in seconds.",
                                             buckets: [0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300])
        restoredRecords = registry.counter("eventbridge_changelog_restored_records_total", help: "Changelog records read by restores.")
        restoredBytes = registry.counter("eventbridge_changelog_restored_bytes_total", help: "Changelog bytes (keys and values) read by restores.")
        changelogApplied = registry.counter("eventbridge_changelog_applied_changes_total",
                                            help: "State changes applied from changelog topics (restores, and other writers' records).")
        processingDuration = registry.histogram(
            "eventbridge_processing_duration_seconds",
            help: "Time from consuming a record to its recorded outcome, in seconds.", buckets: Self.processingBuckets)
        commitDuration = registry.histogram(
            "eventbridge_offset_commit_duration_seconds",
            help: "Duration of one offset commit (store commit and broker commit), in seconds.",
            buckets: Self.commitBuckets)
        up.set(1)
    }

    /// `eventbridge_records_consumed_total{topic}`: input records consumed.
    func recordsConsumed(topic: String) -> Counter {
        registry.counter("eventbridge_records_consumed_total", help: "Input records consumed from source topics.",
                         labels: ["topic": topic])
    }

    /// `eventbridge_record_outcomes_total{topic,outcome}`: recorded outcomes of input records.
    /// Summed over `outcome` it equals records consumed minus those still in flight.
    func outcome(topic: String, _ outcome: Outcome) -> Counter {
        registry.counter("eventbridge_record_outcomes_total",
                         help: "Recorded outcomes of input records (published, dead-lettered, duplicate, filtered, parked).",
                         labels: ["topic": topic, "outcome": outcome.rawValue])
    }

    /// `eventbridge_events_published_total{subscriber,type}`: events acknowledged on a
    /// subscriber topic (one input may publish to several subscribers).
    func published(subscriber: String, type: String) -> Counter {
        registry.counter("eventbridge_events_published_total",
                         help: "Canonical events published to subscriber topics and acknowledged by the broker.",
                         labels: ["subscriber": subscriber, "type": type])
    }

    /// `eventbridge_dlq_records_total{stage,code}`: records written to a dead letter topic.
    func deadLettered(stage: String, code: String) -> Counter {
        registry.counter("eventbridge_dlq_records_total", help: "Records written to a dead letter topic, by stage and error code.",
                         labels: ["stage": stage, "code": code])
    }

    /// `eventbridge_duplicates_total{type}`: inputs dropped because their dedup key was seen.
    func duplicates(type: String) -> Counter {
        registry.counter("eventbridge_duplicates_total", help: "Events dropped because their dedup key was already seen.",
                         labels: ["type": type])
    }

    /// `eventbridge_parked_resolved_total{outcome}`: parked inputs released (their new outcome)
    /// or expired (`dead_lettered`).
    func parkedResolved(outcome: String) -> Counter {
        registry.counter("eventbridge_parked_resolved_total", help: "Parked inputs resolved: released (their new outcome) or expired (dead_lettered).",
                         labels: ["outcome": outcome])
    }

    /// `eventbridge_stale_events_total{type,action}`: updates older than the published
    /// revision; `action` is `duplicate` (dropped) or `dead-letter`.
    func stale(type: String, action: String) -> Counter {
        registry.counter("eventbridge_stale_events_total",
                         help: "Updates older than the last published revision of their entity, by action taken.",
                         labels: ["type": type, "action": action])
    }

    /// `eventbridge_filtered_total{type}`: valid events no subscriber wanted.
    func filtered(type: String) -> Counter {
        registry.counter("eventbridge_filtered_total", help: "Valid events that matched no subscriber.",
                         labels: ["type": type])
    }

    /// `eventbridge_sync_lag_seconds{topic}`: now − event time when an event is published.
    func syncLag(topic: String) -> Histogram {
        registry.histogram("eventbridge_sync_lag_seconds",
                           help: "Time between an event's occurrence (event time) and its publication, in seconds.",
                           buckets: Self.syncLagBuckets, labels: ["topic": topic])
    }

    /// `eventbridge_replayed_records_total{topic}`: consumed records that are DLQ replays
    /// (attempt > 1).
    func replayed(topic: String) -> Counter {
        registry.counter("eventbridge_replayed_records_total", help: "Consumed records that are replays from the DLQ.",
                         labels: ["topic": topic])
    }

    /// `eventbridge_offset_commits_total{result}`: offset commits; `result` is `ok` or `error`.
    func commits(result: String) -> Counter {
        registry.counter("eventbridge_offset_commits_total", help: "Offset commits, by result (ok, error).",
                         labels: ["result": result])
    }

    /// `eventbridge_rebalances_total{kind}`: consumer group rebalances; `kind` is `assign`,
    /// `revoke` or `lost`.
    func rebalances(kind: String) -> Counter {
        registry.counter("eventbridge_rebalances_total", help: "Consumer group rebalance events, by kind (assign, revoke, lost).",
                         labels: ["kind": kind])
    }

    /// `eventbridge_delivery_rewinds_total`: failed deliveries after which the pipeline went back
    /// to the last committed position (the inputs are consumed again, nothing is dead-lettered).
    var deliveryRewinds: Counter {
        registry.counter("eventbridge_delivery_rewinds_total",
                         help: "Failed deliveries after which consumption rewound to the last committed position.")
    }

    /// Feeds `eventbridge_consumer_lag_records{topic,partition}` at scrape time (replaces an
    /// earlier provider). `provider` returns the lag the consumer last computed; it must not block.
    func setConsumerLagProvider(_ provider: @escaping @Sendable () -> [PartitionLag]) {
        registry.callback("eventbridge_consumer_lag_records",
                          help: "Records between the consumer's position and the partition's high-water mark.",
                          type: .gauge) {
            provider().map { .init(labels: ["topic": $0.topic, "partition": String($0.partition)], value: Double($0.lag)) }
        }
    }

    /// Parked events of one type: how many, and how long the oldest has waited.
    struct ParkedStats: Sendable, Equatable {
        var type: String
        var count: Int
        var oldestAgeSeconds: Double
    }

    /// Feeds `eventbridge_parked_events{type}` and `eventbridge_parked_oldest_age_seconds{type}` at
    /// scrape time (replaces an earlier provider).
    func setParkedProvider(_ provider: @escaping @Sendable () -> [ParkedStats]) {
        registry.callback("eventbridge_parked_events", help: "Events parked waiting for a prerequisite event, by type.", type: .gauge) {
            provider().map { .init(labels: ["type": $0.type], value: Double($0.count)) }
        }
        registry.callback("eventbridge_parked_oldest_age_seconds", help: "How long the oldest parked event of each type has waited, in seconds.",
                          type: .gauge) {
            provider().map { .init(labels: ["type": $0.type], value: $0.oldestAgeSeconds) }
        }
    }

    /// Feeds `eventbridge_store_size_bytes` and `eventbridge_store_keys{kind}` at scrape time
    /// (replaces an earlier provider). `provider` returns figures the store keeps; it must not
    /// block (it is called twice per scrape).
    func setStoreStatsProvider(_ provider: @escaping @Sendable () -> StoreStats) {
        registry.gauge("eventbridge_store_size_bytes", help: "Size of the embedded store on disk (database and WAL), in bytes.") {
            Double(provider().sizeBytes)
        }
        registry.callback("eventbridge_store_keys", help: "Rows in the embedded store, by kind.", type: .gauge) {
            provider().keys.sorted { $0.key < $1.key }.map { .init(labels: ["kind": $0.key], value: Double($0.value)) }
        }
    }
}
