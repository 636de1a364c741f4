import Contracts
import Foundation
import Synchronization

/// One bridge instance: a consumer-group member that runs every input through the pipeline and
/// commits offsets only behind durable outcomes (design §2).
///
/// Threads: `run()` blocks its caller, which becomes the pipeline thread (consume, dedup and
/// sequencing, enqueue, offset commit, rebalance handling — all on this one thread, so the
/// pipeline state needs no locks). Each polled batch is first prepared (decoded, validated,
/// encoded) by `BatchPreparer` on up to `limits.workers` threads, which touch no pipeline state;
/// store transactions run on the store's writer thread (`commit`). Delivery reports arrive on the producer's poll thread and
/// only touch the `InFlightTracker`. `stop()` may be called from any thread (the signal queue).
public final class Bridge: @unchecked Sendable {
    // @unchecked Sendable: the mutable pipeline state below is touched only on the pipeline
    // thread inside `run()` (rebalance events are delivered synchronously on that thread from
    // within `consumer.poll`); `stopping` is atomic; `producer`, `tracker` and `store` are
    // thread-safe themselves.

    /// What the ledger needs to record for one input once it is complete.
    struct Completion: Sendable {
        var outcome: LedgerEntry.Outcome
        var events: [PlannedEvent]
        var errorCode: String?
        /// Inputs below the store's processed offset, consumed again after a restart: they
        /// already have an outcome, and only move the commit point.
        var alreadyRecorded: Bool
        /// `type@version` of the contract a dead-lettered input failed, when known.
        var contract: String? = nil

        var contractType: String? { contract.flatMap { $0.split(separator: "@").first.map(String.init) } }
        var contractVersion: Int? { contract.flatMap { $0.split(separator: "@").last.flatMap { Int($0) } } }
    }

    let config: BridgeConfig
    let logger: Logger
    let store: EventStore
    /// Replaced after a fatal producer error (pipeline thread only).
    var producer: KafkaProducer
    let tracker: InFlightTracker<Completion>
    let sequencer: Sequencer
    let processor: EventProcessor
    /// Prepares each polled batch on `limits.workers` threads.
    let preparer: BatchPreparer
    let kafkaConfig: KafkaConfig
    let metricsRegistry: MetricsRegistry
    let metrics: PipelineMetrics
    var metricsServer: MetricsServer?
    /// Subscriber name of each output topic, for the published-events metric.
    let subscriberOfTopic: [String: String]
    private let stopping = Atomic<Bool>(false)

    // Pipeline-thread state.
    var consumer: KafkaConsumer?
    var assigned: Set<KafkaTopicPartition> = []
    var paused = false
    /// Per partition, the store's processed offset when it was assigned: lower offsets are skipped.
    var recordedBelow: [KafkaTopicPartition: Int64] = [:]
    /// The last offset consumed per partition (for the consumer-lag metric).
    var lastConsumed: [KafkaTopicPartition: Int64] = [:]
    var lastCommit = ContinuousClock.now
    let commitInterval: Duration = .milliseconds(100)
    /// The store transaction handed to the writer by the last `commit` and not yet settled.
    var inFlightCommit: InFlightCommit?
    /// Paces rewinds after failed deliveries (reset after a minute without one).
    var rewindBackoff: Backoff
    var lastRewind = ContinuousClock.now

    public init(config: BridgeConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let registry = try ContractRegistry.load(directory: config.resolve(config.contractsDir))
        let adapters = try AdapterCatalog(directory: config.resolve(config.mappingsDir))
        var storeConfig = StoreConfiguration(path: config.resolve(config.store.path))
        storeConfig.dedupRetentionSeconds = config.store.dedupRetentionSeconds
        storeConfig.maxDedupKeys = config.store.maxDedupKeys
        storeConfig.ledgerRetentionSeconds = config.store.ledgerRetentionSeconds
        try FileManager.default.createDirectory(atPath: (storeConfig.path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        store = try EventStore.open(storeConfig, logger: logger.with(label: "store"))
        sequencer = Sequencer(store: store)
        processor = try EventProcessor(config: config, registry: registry, adapters: adapters, sequencer: sequencer)
        preparer = BatchPreparer(processor: processor, workers: config.limits.workers)
        kafkaConfig = KafkaConfig(config.kafka)
        rewindBackoff = Backoff(initialMs: config.retry.initialBackoffMs, maxMs: config.retry.maxBackoffMs)
        let tracker = InFlightTracker<Completion>()
        self.tracker = tracker
        metricsRegistry = MetricsRegistry(logger: logger.with(label: "metrics"))
        metrics = PipelineMetrics(registry: metricsRegistry)
        subscriberOfTopic = config.subscribers.reversed().reduce(into: [:]) { $0[$1.topic] = $1.name }
        producer = try Bridge.makeProducer(kafkaConfig, tracker: tracker, logger: logger)
    }

    /// The producer's delivery reports only touch the tracker (on the producer's poll thread).
    static func makeProducer(_ config: KafkaConfig, tracker: InFlightTracker<Completion>, logger: Logger) throws -> KafkaProducer {
        try KafkaProducer(config: config.forProducer, logger: logger.with(label: "kafka.producer")) { reports in
            for r in reports {
                switch r.result {
                case .success(let p): tracker.acknowledge(r.context, position: "\(r.topic):\(p.partition):\(p.offset)")
                case .failure(let e): tracker.fail(r.context, error: e)
                }
            }
        }
    }

    /// Asks `run()` to stop: consumption stops, in-flight work finishes and is committed.
    public func stop() { stopping.store(true, ordering: .releasing) }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Runs until `stop()`; returns after a clean shutdown. Call on a dedicated thread.
    public func run() throws {
        logger.info("bridge starting", ["sources": config.sources.map(\.topic).joined(separator: ","),
                                        "group": config.groupId, "store": config.resolve(config.store.path)])
        try startMetricsServer()
        defer {
            metricsServer?.stop()
            metrics.bridge.up.set(0)
        }
        var backoff = Backoff(initialMs: config.retry.initialBackoffMs, maxMs: config.retry.maxBackoffMs)
        while !isStopping {
            do {
                try runConsumer()
                backoff.reset()
            } catch let error as RestartRequest {
                logger.warning("restarting consumption from the last committed position", ["reason": error.reason])
                backoff.sleep(while: { !self.isStopping })
            }
        }
        shutdownProducerAndStore()
        logger.info("bridge stopped", metrics.fields)
    }

    /// One consumer session: subscribe, loop until stop or a fault, then hand everything back.
    private func runConsumer() throws {
        let consumerConfig = kafkaConfig.forConsumer.merging(["group.id": config.groupId, "enable.auto.commit": "false",
                                                  "auto.offset.reset": "earliest"])
        let consumer = try KafkaConsumer(config: consumerConfig, logger: logger.with(label: "kafka.consumer")) { [unowned self] event in
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
        }
        try consumer.subscribe(topics: config.sources.map(\.topic))
        while !isStopping {
            if let fault = tracker.takeFaults().first { try rewind(consumer, after: fault) }
            applyBackpressure(consumer)
            let records = try consumer.poll(maxRecords: 500, timeout: paused ? .milliseconds(20) : .milliseconds(100))
            let prepared = preparer.prepare(records) { !isRecorded(records[$0]) }
            for (record, prepared) in zip(records, prepared) {
                guard !isStopping else { break }
                try handle(record, prepared: prepared)
            }
            if ContinuousClock.now - lastCommit >= commitInterval {
                commit(sync: false)
                refreshLag()
            }
        }
        // Graceful stop: finish in-flight work and commit before leaving the group.
        drain(timeout: .seconds(30))
        commit(sync: true)
    }

    /// A delivery failed, so nothing at or past the failed input may commit. Waits for every other
    /// delivery report, commits the complete prefix, forgets the rest, replaces the producer and
    /// seeks each partition back to its first forgotten input: those inputs are consumed again in
    /// this session, without leaving the group (a rejoin would stall consumption for a rebalance).
    private func rewind(_ consumer: KafkaConsumer, after fault: InFlightTracker<Completion>.Fault) throws {
        logger.warning("delivery failed; rewinding to the last committed position",
                       ["position": "\(fault.partition)@\(fault.offset)", "error": "\(fault.error)"])
        if ContinuousClock.now - lastRewind > .seconds(60) { rewindBackoff.reset() }
        lastRewind = ContinuousClock.now
        waitForProducer(timeout: .seconds(30))
        commit(sync: true)
        let restart = tracker.abandon(tracker.partitions)
        sequencer.forget(Set(restart.keys))
        // A producer whose deliveries failed may be fenced or have lost its idempotence sequence
        // (PRODUCER_FENCED, OUT_OF_ORDER_SEQUENCE …) without a fatal flag: continue with a new one.
        replaceProducer()
        // Reports the old producer gave while closing are about inputs just forgotten.
        _ = tracker.takeFaults()
        metrics.bridge.deliveryRewinds.increment()
        rewindBackoff.sleep(while: { !self.isStopping })
        let positions = restart.filter { assigned.contains($0.key) }.map { KafkaPartitionOffset($0.key, offset: $0.value) }
        do {
            try consumer.seek(positions.sorted { $0.description < $1.description })
        } catch {
            throw RestartRequest(reason: "cannot rewind after a failed delivery at \(fault.partition)@\(fault.offset): \(error)")
        }
    }

    /// Pauses every assigned partition while too many inputs are in flight; resumes at half.
    private func applyBackpressure(_ consumer: KafkaConsumer) {
        let inFlight = tracker.count
        if !paused && inFlight >= config.limits.maxInFlight {
            try? consumer.pause(Array(assigned))
            paused = true
            logger.debug("paused: in-flight limit reached", ["inFlight": String(inFlight)])
        } else if paused && inFlight < config.limits.maxInFlight / 2 {
            try? consumer.resume(Array(assigned))
            paused = false
        }
        if paused && ContinuousClock.now - lastCommit >= commitInterval { commit(sync: false) }
    }

    /// Waits until every registered input is complete (outputs acknowledged) or `timeout`.
    func drain(timeout: Duration, partitions: Set<KafkaTopicPartition>? = nil) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let left = partitions.map { tracker.incomplete(in: $0) } ?? tracker.incomplete(in: Set(tracker.partitions))
            if left == 0 { return }
            Thread.sleep(forTimeInterval: 0.002)
        }
        logger.warning("in-flight work did not finish in time", ["inFlight": String(tracker.count)])
    }

    /// Waits until librdkafka has no record left in flight (every delivery report arrived).
    func waitForProducer(timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        while producer.outstandingCount > 0 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.005) }
    }

    /// After failed deliveries the idempotent producer may be unusable (fenced, or its sequence
    /// lost across a broker restart): close it and start a new one.
    private func replaceProducer() {
        logger.warning("replacing the producer after failed deliveries")
        let old = producer
        do {
            producer = try Bridge.makeProducer(kafkaConfig, tracker: tracker, logger: logger)
        } catch {
            logger.error("cannot create a new producer; keeping the old one", ["error": "\(error)"])
            return
        }
        close(old)
    }

    private func close(_ producer: KafkaProducer) {
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await producer.close(timeout: .seconds(10))
            done.signal()
        }
        done.wait()
    }

    private func shutdownProducerAndStore() {
        close(producer)
        store.close()
    }
}

/// A store transaction on the writer, with what follows once it is durable.
struct InFlightCommit {
    var batch: StoreBatch
    var write: PendingStoreCommit
    var keys: [DedupKey]
    var entities: [Sequencer.EntityRef]
    var offsets: [KafkaPartitionOffset]
}

/// Raised inside a consumer session to start a new one after a delivery fault.
struct RestartRequest: Error {
    var reason: String
}

/// Exponential backoff with jitter for transient faults.
struct Backoff {
    let initialMs: Int
    let maxMs: Int
    var currentMs: Int

    init(initialMs: Int, maxMs: Int) {
        self.initialMs = initialMs
        self.maxMs = maxMs
        currentMs = initialMs
    }

    mutating func reset() { currentMs = initialMs }

    /// Sleeps the current backoff (in small steps, returning early when `condition` turns false) and doubles it.
    mutating func sleep(while condition: () -> Bool) {
        let total = Double(currentMs) * Double.random(in: 0.8...1.2) / 1000
        let end = Date().addingTimeInterval(total)
        while Date() < end && condition() { Thread.sleep(forTimeInterval: min(0.05, total)) }
        currentMs = min(maxMs, currentMs * 2)
    }
}
