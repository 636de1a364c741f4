import Contracts
import EventBridge
import Foundation
import Synchronization
import Basics
import Observability
import KafkaClient

/// Creates a topic; an existing one is fine.
func createTopic(_ admin: KafkaAdmin, _ name: String, partitions: Int32) async throws {
    do {
        try await admin.createTopic(name, partitions: partitions)
    } catch where error.code == .topicAlreadyExists {
        return
    }
}

/// `produce`: N invoice events into the source topic (created with 4 partitions), as fast as the
/// producer takes them.
func runProduce(_ o: Options) async throws {
    let brokers = o.string("--brokers", "127.0.0.1:29092")
    let topic = o.string("--topic", "bench.invoices")
    let n = try o.int("--n", 500_000)
    let run = o.string("--run", "r1")
    let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: brokers), logger: .disabled)
    try await createTopic(admin, topic, partitions: Int32(try o.int("--partitions", 4)))
    let failed = Atomic<Int>(0)
    let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: brokers, ["linger.ms": "5"]), logger: .disabled) { reports in
        for r in reports { if case .failure = r.result { failed.add(1, ordering: .relaxed) } }
    }
    let start = monotonicSeconds()
    for i in 0..<n {
        try await producer.enqueueWaiting(KafkaProducerRecord(topic: topic, key: InvoiceEvents.key(i, run: run),
                                                              value: InvoiceEvents.value(i, run: run)))
    }
    try await producer.flush(timeout: .seconds(120))
    await producer.close()
    let seconds = monotonicSeconds() - start
    guard failed.load(ordering: .relaxed) == 0 else { throw BenchError("\(failed.load(ordering: .relaxed)) records failed") }
    log("produced \(n) events to \(topic) in \(String(format: "%.1f", seconds)) s")
    emit([("name", "produce"), ("events", number(n)), ("seconds", number(seconds, decimals: 3)),
          ("eventsPerSecond", number(Double(n) / seconds))])
}

/// Watches a consumer group's committed offsets on `topic` until they sum to `target` (or the
/// time limit): the time from the first commit to the last is the measured window, the same for
/// passthrough and the bridge.
struct CommitWatch {
    var firstAt: Double?
    var firstCount = 0
    /// The last sample before anything was committed (group joined, consuming started meanwhile).
    var lastZeroAt = 0.0
    var lastAt = 0.0
    var lastCount = 0

    static func run(admin: KafkaAdmin, group: String, topic: String, target: Int, limitSeconds: Double,
                    onSample: (Int) -> Void = { _ in }) async throws -> CommitWatch {
        var w = CommitWatch()
        let start = monotonicSeconds()
        while monotonicSeconds() - start < limitSeconds {
            try await Task.sleep(for: .milliseconds(100))
            let committed = (try? await admin.committedOffsets(group: group, topics: [topic])) ?? []
            let sum = committed.reduce(0) { $0 + Int($1.offset ?? 0) }
            let t = monotonicSeconds()
            onSample(sum)
            if sum == 0 { w.lastZeroAt = t }
            if sum > 0 && w.firstAt == nil { (w.firstAt, w.firstCount) = (t, sum) }
            if sum > w.lastCount { (w.lastAt, w.lastCount) = (t, sum) }
            if sum >= target { break }
        }
        return w
    }

    /// Over the commit window; when that is shorter than a second (tiny N), from the last empty sample.
    var eventsPerSecond: Double {
        guard let firstAt else { return 0 }
        if lastAt - firstAt >= 1 { return Double(lastCount - firstCount) / (lastAt - firstAt) }
        return lastAt > lastZeroAt ? Double(lastCount) / (lastAt - lastZeroAt) : 0
    }
}

/// `passthrough`: the limit. The same consumer settings, poll size, in-flight limit, acks and
/// commit discipline as the bridge (offsets stored and committed every 100 ms, only behind
/// acknowledged outputs), each record produced unchanged; no decoding, no store.
final class Passthrough: @unchecked Sendable {
    // @unchecked Sendable: `run` owns the consumer state on its thread; `stopping` is atomic.
    let stopping = Atomic<Bool>(false)
    let config: BridgeConfig
    let output: String

    /// As the bridge's `processingDuration`: per input, from the poll that returned it to its
    /// record being with the producer.
    let processingDuration = MetricsRegistry(logger: .disabled).histogram(
        "passthrough_processing_duration_seconds", help: "Poll to produce.", buckets: Bridge.processingDurationBuckets)

    init(config: BridgeConfig, output: String) {
        self.config = config
        self.output = output
    }

    private var lastCommit = ContinuousClock.now

    private func commit(_ tracker: InFlightTracker<Int>, _ consumer: KafkaConsumer) throws {
        lastCommit = ContinuousClock.now
        let (done, positions) = tracker.drainCompleted()
        guard !done.isEmpty else { return }
        try consumer.store(positions.map { PartitionPosition($0.key, offset: $0.value) })
        try consumer.commitAsync()
    }

    private func enqueue(_ out: KafkaProducerRecord, token: UInt64, _ producer: KafkaProducer,
                         _ tracker: InFlightTracker<Int>, _ consumer: KafkaConsumer) throws {
        while true {
            do {
                try producer.enqueue(out, context: token)
                return
            } catch where error.isRetriable {
                if ContinuousClock.now - lastCommit >= .milliseconds(100) { try commit(tracker, consumer) }
                Thread.sleep(forTimeInterval: 0.001)
            }
        }
    }

    func run() throws {
        let kafka = KafkaConfig(config.kafka)
        let tracker = InFlightTracker<Int>()
        let producer = try KafkaProducer(config: kafka.forProducer, logger: .disabled) { reports in
            for r in reports {
                switch r.result {
                case .success(let p): tracker.acknowledge(r.context, position: PartitionPosition(topic: r.topic, partition: p.partition, offset: p.offset))
                case .failure(let e): tracker.fail(r.context, error: e)
                }
            }
        }
        let consumer = try KafkaConsumer(config: kafka.merging(["group.id": config.groupId, "enable.auto.commit": "false",
                                                                "auto.offset.reset": "earliest"]), logger: .disabled)
        try consumer.subscribe(topics: config.sources.map(\.topic))
        var paused = false
        while !stopping.load(ordering: .relaxed) {
            if !tracker.takeFaults().isEmpty { throw BenchError("a delivery failed") }
            let inFlight = tracker.count
            if !paused && inFlight >= config.limits.maxInFlight {
                try consumer.pause(try consumer.assignment())
                paused = true
            } else if paused && inFlight < config.limits.maxInFlight / 2 {
                try consumer.resume(try consumer.assignment())
                paused = false
            }
            let records = try consumer.poll(maxRecords: 500, timeout: paused ? .milliseconds(20) : .milliseconds(100))
            let polledAt = ContinuousClock.now
            for r in records {
                let token = tracker.register(r.topicPartition, offset: r.offset, outputs: 1, completion: 0)
                try enqueue(KafkaProducerRecord(topic: output, key: r.key, value: r.value, headers: r.headers),
                            token: token, producer, tracker, consumer)
                processingDuration.observe(ContinuousClock.now - polledAt)
            }
            if ContinuousClock.now - lastCommit >= .milliseconds(100) { try commit(tracker, consumer) }
        }
        try commit(tracker, consumer)
        consumer.closeBlocking()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await producer.close(timeout: .seconds(10))
            done.signal()
        }
        done.wait()
    }
}

/// Runs `body` on a thread of its own (the pipeline blocks its thread) and returns its result when awaited.
func onThread(_ name: String, _ body: @escaping @Sendable () throws -> Void) -> Task<Void, any Error> {
    let (stream, continuation) = AsyncStream<Result<Void, any Error>>.makeStream()
    let thread = Thread {
        ThreadName.setCurrent(name)  // what the per-thread CPU breakdown reads
        continuation.yield(Result { try body() })
        continuation.finish()
    }
    thread.name = name
    thread.stackSize = 8 << 20
    thread.start()
    return Task {
        for await result in stream { try result.get() }
    }
}

/// `passthrough` and `bridge`: consume the whole source topic with a fresh group, produce to a
/// fresh output topic; report events/s over the commit window and the peak RSS.
func runThroughput(_ o: Options, bridge useBridge: Bool) async throws {
    let brokers = o.string("--brokers", "127.0.0.1:29092")
    let source = o.string("--source", "bench.invoices")
    let n = try o.int("--n", 500_000)
    let tag = o.string("--tag", "\(getpid())")
    let output = o.string("--output", "bench.out.\(useBridge ? "bridge" : "passthrough").\(tag)")
    let group = "bench.\(useBridge ? "bridge" : "passthrough").\(tag)"
    let limit = Double(try o.int("--limit-seconds", 600))
    let dir = URL(fileURLWithPath: o.string("--dir", NSTemporaryDirectory())).appendingPathComponent("bridgebench-\(tag)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let config = try benchConfig(o, brokers: brokers, source: source, output: output, group: group,
                                 store: dir.appendingPathComponent("store.sqlite").path)
    let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: brokers), logger: .disabled)
    try await createTopic(admin, output, partitions: 4)
    try await createTopic(admin, "\(source).dlq", partitions: 1)

    let stop: @Sendable () -> Void
    let worker: Task<Void, any Error>
    if useBridge {
        let bridge = try Bridge(config: config, logger: Logger(label: "bridge", level: config.logLevel))
        stop = { bridge.stop() }
        worker = onThread("eb-pipeline") { try bridge.run() }
    } else {
        let passthrough = Passthrough(config: config, output: output)
        stop = { passthrough.stopping.store(true, ordering: .relaxed) }
        worker = onThread("passthrough") { try passthrough.run() }
    }
    let started = monotonicSeconds()
    let cpuStarted = processCPUSeconds()
    let threadsStarted = threadCPUSeconds()
    var peakCurrent = 0
    var peakAnonymous = 0
    let watch = try await CommitWatch.run(admin: admin, group: group, topic: source, target: n, limitSeconds: limit) { _ in
        let memory = memoryMiB()
        peakCurrent = max(peakCurrent, memory.current)
        peakAnonymous = max(peakAnonymous, memory.anonymous)
    }
    // Per kind of thread, up to the last commit (the threads are still there; shutdown is not in it).
    let byThread = cpuMicrosByThread(before: threadsStarted, after: threadCPUSeconds(), processSeconds: processCPUSeconds() - cpuStarted,
                                     events: watch.lastCount, runner: useBridge ? "eb-pipeline" : "passthrough")
    stop()
    try await worker.value
    // CPU time of the whole process (pipeline, librdkafka, store writer) per committed event: how
    // much work each event costs, which machine load does not change the way it changes events/s.
    let cpuMicrosPerEvent = (processCPUSeconds() - cpuStarted) * 1e6 / Double(max(watch.lastCount, 1))
    let name = useBridge ? "bridge" : "passthrough"
    let rate = watch.eventsPerSecond
    log("\(name): \(watch.lastCount)/\(n) committed, \(Int(rate)) events/s, \(String(format: "%.1f", cpuMicrosPerEvent)) CPU µs/event, peak RSS \(memoryMiB().peak) MiB (anonymous \(peakAnonymous) MiB)")
    emit([("name", .string(name)), ("events", number(n)), ("committed", number(watch.lastCount)),
          ("windowSeconds", number((watch.lastAt - (watch.firstAt ?? watch.lastAt)), decimals: 3)),
          ("wallSeconds", number(monotonicSeconds() - started, decimals: 3)),
          ("eventsPerSecond", number(rate)), ("cpuMicrosPerEvent", number(cpuMicrosPerEvent, decimals: 1)),
          ("peakRssMiB", number(memoryMiB().peak)), ("maxSampledRssMiB", number(peakCurrent)),
          ("maxSampledAnonymousMiB", number(peakAnonymous)),
          ("cpuMicrosPerEventByThread", .object(JSONObject(byThread.map { JSONObject.Member(key: $0.0, value: number($0.1, decimals: 2)) })))])
}
