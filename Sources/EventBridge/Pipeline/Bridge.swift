import Basics
import Dispatch
import Contracts
import EventStore
import Foundation
import KafkaClient
import Observability
import Synchronization

/// One bridge instance: a consumer-group member that runs every input through the pipeline
/// stages and commits offsets only behind durable outcomes (docs/design.md §2). This file is the
/// loop; the stages are in `Stages/`, and the bridge's other duties in `Bridge+*.swift`:
/// `+Input` (one input: decide, produce), `+Commit` (outcomes durable, then offsets),
/// `+Rebalance`, `+Faults` (delivery failures, backpressure), `+Metrics`.
///
/// Threads: `run()` blocks its caller, which becomes the pipeline thread (consume, dedup,
/// enqueue, offset commit, rebalance handling — all on this one thread, so the pipeline state
/// needs no locks). Each polled batch is first prepared (decoded, validated, encoded) by
/// `BatchPreparer` on up to `limits.workers` threads, which touch no pipeline state; store
/// transactions run on the store's writer thread. Delivery reports arrive on the producer's poll
/// thread and only touch the commit stage's `InFlightTracker`. `stop()` may be called from any
/// thread (the signal queue).
public final class Bridge: @unchecked Sendable {
    // @unchecked Sendable: the mutable pipeline state below is touched only on the pipeline
    // thread inside `run()` (rebalance events are delivered synchronously on that thread from
    // within `consumer.poll`); `stopping` is atomic; `loadedCatalog` is behind a Mutex;
    // `producer`, the tracker, `health` and `store` are thread-safe themselves.

    let config: BridgeConfig
    let logger: Logger
    let store: EventStore
    /// Replaced after failed deliveries (pipeline thread only).
    var producer: KafkaProducer
    /// Replaced by a reload between two polls (pipeline thread only); its dedup stage never is.
    var pipeline: EventPipeline
    let commits: CommitStage
    /// Prepares each polled batch on `limits.workers` threads (replaced with `pipeline`).
    var preparer: BatchPreparer
    /// A catalog loaded for a reload, waiting for the pipeline thread (`applyReload`).
    let loadedCatalog = Mutex<Result<BridgeCatalog, ConfigError>?>(nil)
    /// Loads reloaded catalogs off the pipeline thread, one at a time.
    let reloadQueue = DispatchQueue(label: "eventbridge.reload", qos: .utility)
    /// The whole `kafka` map (the changelog's clients take what they need from it).
    let kafkaConfig: KafkaConfig
    /// The producer's and the consumer's librdkafka properties (`BridgeConfig.clientConfigs`).
    let clients: (producer: KafkaConfig, consumer: KafkaConfig)
    /// Nil with `changelog.enabled = false` (the store is then the only copy of the state).
    let changelogWriter: ChangelogWriter?
    let follower: ChangelogFollower?
    let metricsRegistry: MetricsRegistry
    let metrics: PipelineMetrics
    var metricsServer: MetricsServer?
    /// What `/readyz` says (written on the pipeline thread and by the broker watch).
    let health: BridgeHealth
    /// The in-process reconcile behind `eventbridge_reconcile_*` and `eventbridge_exceptions_*` (with the endpoint).
    var reconciler: Reconciler?
    /// Subscriber name of each output topic, for the published-events metric.
    let subscriberOfTopic: [String: String]
    private let stopping = Atomic<Bool>(false)

    // Pipeline-thread state.
    var consumer: KafkaConsumer?
    var assigned: Set<TopicPartition> = []
    var paused = false
    /// Partitions stopped at a record that cannot be written (`block`): nothing of them is handled.
    var blocked: Set<TopicPartition> = []
    /// Each assigned partition's commit point and since when it stands (stuck-partition readiness).
    var progress: [TopicPartition: Progress] = [:]
    /// Per partition, the store's processed offset when it was assigned: lower offsets are skipped.
    var recordedBelow: [TopicPartition: Int64] = [:]
    /// The last offset consumed per partition (for the consumer-lag metric).
    var lastConsumed: [TopicPartition: Int64] = [:]
    var lastCommit = ContinuousClock.now
    /// When the stored offsets were last committed again (`retryFailedCommit`).
    var lastRecommit = ContinuousClock.now
    let commitInterval: Duration = .milliseconds(100)
    /// Paces rewinds after failed deliveries (reset after a minute without one).
    var rewindBackoff: Backoff
    var lastRewind = ContinuousClock.now
    /// Assigned partitions whose store state has not been checked yet (`checkAssignedState`).
    var stateUnchecked: Set<TopicPartition> = []
    /// The store file was deleted or replaced: no offset may be committed any more.
    var storeLost = false
    /// Go on from the group's committed offsets on partitions this store has no state for
    /// (`eventbridge run --accept-empty-state`). Set before `run`.
    public var acceptEmptyState = false
    /// Parked inputs whose release (or expiry) is in flight, not yet committed (`Bridge+Release`).
    var releasing: Set<PartitionPosition> = []
    /// The next number per release lane (`GateStage.releasePartition`).
    var releaseSequence: [TopicPartition: Int64] = [:]
    var lastSweep = ContinuousClock.now
    /// The last settled transaction committed readiness or resolved parked inputs: sweep at once.
    var sweepDue = false
    /// Assigned partitions whose state is being restored from the changelog: paused until done.
    var restoring: Set<TopicPartition> = []
    /// Records of a restoring partition that a poll returned anyway: consumed again from here.
    var skippedWhileRestoring: [TopicPartition: Int64] = [:]

    /// Checks and builds everything from `config` (`BridgeConfig.setUp`) before it opens the store.
    public convenience init(config: BridgeConfig, logger: Logger) throws {
        try self.init(config: config, setup: try config.setUp(), logger: logger)
    }

    /// A bridge from a checked setup (`BridgeConfig.setUp`); opens the store, creates the producer.
    public init(config: BridgeConfig, setup: BridgeSetup, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let storeConfig = config.store.configuration(path: config.resolve(config.store.path))
        try FileManager.default.createDirectory(atPath: (storeConfig.path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        store = try EventStore.open(storeConfig, logger: logger.with(label: "store"))
        pipeline = try EventPipeline(config: config, catalog: setup.catalog, store: store)
        kafkaConfig = KafkaConfig(config.kafka)
        clients = (setup.producer, setup.consumer)
        metricsRegistry = MetricsRegistry(logger: logger.with(label: "metrics"))
        metrics = PipelineMetrics(registry: metricsRegistry, objectives: Objectives(registry: setup.catalog.registry, settings: config.observability))
        health = BridgeHealth(thresholds: .init(config.health), catalogDigest: setup.catalog.digest)
        if config.changelog.enabled {
            let topics = ChangelogTopics(groupId: config.groupId, sources: config.sources.map(\.topic))
            let admin = try KafkaAdmin(config: kafkaConfig.forConsumer, logger: logger.with(label: "kafka.admin"))
            let settings = config.changelog
            let adminLogger = logger.with(label: "changelog")
            try blocking { try await topics.ensure(admin: admin, create: settings.createTopics, replicationFactor: settings.replicationFactor, logger: adminLogger) }
            let session = UUID().uuidString.lowercased()
            changelogWriter = try ChangelogWriter(topics: topics, kafka: kafkaConfig, session: session, logger: logger)
            follower = ChangelogFollower(topics: topics, kafka: kafkaConfig, store: store, session: session, metrics: metrics.bridge, logger: logger)
        } else {
            changelogWriter = nil
            follower = nil
        }
        commits = CommitStage(store: store, dedup: pipeline.dedup, gate: pipeline.gate, changelog: changelogWriter,
                              entityState: pipeline.entityState)
        preparer = BatchPreparer(pipeline: pipeline, workers: config.limits.workers)
        rewindBackoff = config.retry.backoff
        subscriberOfTopic = config.subscribers.reversed().reduce(into: [:]) { $0[$1.topic] = $1.name }
        producer = try Bridge.makeProducer(clients.producer, tracker: commits.tracker, logger: logger)
    }

    /// Asks `run()` to stop: consumption stops, in-flight work finishes and is committed.
    public func stop() { stopping.store(true, ordering: .releasing) }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Per input, the time from the consumer handing over its batch to its outputs being with the
    /// producer (`eventbridge_processing_duration_seconds`): the bridge's own share of an event's
    /// latency, which the benchmarks report apart from the Kafka path's (docs/performance.md).
    public var processingDuration: Histogram { metrics.bridge.processingDuration }
    /// Its bucket bounds (for a measurement to compare with it).
    public static var processingDurationBuckets: [Double] { BridgeMetrics.processingBuckets }

    /// Runs until `stop()`; returns after a clean shutdown. Call on a dedicated thread.
    public func run() throws {
        logger.info("bridge starting", ["sources": config.sources.map(\.topic).joined(separator: ","),
                                        "group": config.groupId, "store": config.resolve(config.store.path)])
        try startMetricsServer()
        let watch = try BrokerWatch(kafka: clients.consumer, health: health, logger: logger.with(label: "kafka.watch"))
        watch.start()
        follower?.start()
        defer {
            watch.stop()
            reconciler?.stop()
            metricsServer?.stop()
            metrics.bridge.up.set(0)
        }
        var backoff = config.retry.backoff
        // Also when a `Stop` ends the run: the producer flushed, the store closed.
        defer {
            shutdownProducerAndStore()
            logger.info("bridge stopped", metrics.fields)
        }
        while !isStopping {
            do {
                try runConsumer()
                backoff.reset()
            } catch let error as RestartRequest {
                logger.warning("restarting consumption from the last committed position", ["reason": error.reason])
                backoff.sleep(while: { !self.isStopping })
            }
        }
    }

    /// One consumer session: subscribe, loop until stop or a fault, then hand everything back.
    private func runConsumer() throws {
        let consumer = try KafkaConsumer(config: clients.consumer, logger: logger.with(label: "kafka.consumer")) { [unowned self] event in
            self.rebalanced(event)
        }
        self.consumer = consumer
        defer {
            // Leaving the group revokes the assignment, which drains and commits (see `rebalanced`).
            settleCommit(sync: false)
            consumer.closeBlocking()
            self.consumer = nil
            assigned.removeAll()
            paused = false
            unblockAll()
            progress.removeAll()
            health.setStuck([])
        }
        try consumer.subscribe(topics: config.sources.map(\.topic))
        while !isStopping {
            // However the turn ends, the next one reads the store afresh (`DedupStage.endBatch`).
            defer { pipeline.dedup.endBatch() }
            applyReload()
            try handleFaults(consumer)
            takeChangelogNews(consumer)
            applyBackpressure(consumer)
            let records = try consumer.poll(maxRecords: 500, timeout: paused ? .milliseconds(20) : .milliseconds(100))
            let polledAt = ContinuousClock.now
            if !stateUnchecked.isEmpty { try checkAssignedState(consumer) }
            var prepared = preparer.prepare(records) { !isRecorded(records[$0]) }
            for i in records.indices {
                guard !isStopping else { break }
                // Moved out of the batch's array (`take`), so the array is freed empty: each
                // preparation is released once, where it is used, not again element by element
                // through the runtime's generic destroy.
                try handle(records[i], prepared: prepared[i].take(), polledAt: polledAt)
            }
            if commitDue {
                try requireStoreFile()
                commit(sync: false)
                refreshLag()
            }
            sweepParked(force: sweepDue)
            sweepDue = false
        }
        // Graceful stop: finish in-flight work and commit before leaving the group.
        drain(timeout: .seconds(30))
        commit(sync: true)
    }

    /// Waits until every registered input is complete (outputs acknowledged) or `timeout`.
    func drain(timeout: Duration, partitions: Set<TopicPartition>? = nil) {
        let tracker = commits.tracker
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let left = partitions.map { tracker.incomplete(in: $0) } ?? tracker.incomplete(in: Set(tracker.partitions))
            if left == 0 { return }
            Thread.sleep(forTimeInterval: 0.002)
        }
        logger.warning("in-flight work did not finish in time", ["inFlight": String(tracker.count)])
    }

    private func shutdownProducerAndStore() {
        close(producer)
        follower?.stop()
        if let changelogWriter { try? blocking { await changelogWriter.close() } }
        store.close()
    }
}

/// Raised inside a consumer session to start a new one.
struct RestartRequest: Error {
    var reason: String
}
