import Contracts
import EventBridge
import Foundation
import Synchronization
import Observability
import KafkaClient

/// `latency`: the bridge running, events produced at a fixed rate; an independent consumer of the
/// output topic measures, per event, from the moment the source record was handed to the producer
/// to the moment the bridge's output arrived (so both producers' lingering, the bridge and the
/// measuring consumer's fetch are included). Events sent during the warm-up (group join) are not counted.
/// `--passthrough`: the passthrough instead of the bridge, the same way — the latency of the Kafka
/// path alone (two produces, two fetches), the baseline the bridge's latency is compared with.
/// `--partitions N` (default 4): of the source and output topics. `--broker-pid P`: the broker's
/// CPU over the run is reported (`brokerCpuPercent`, of one core), because Tansu's memory storage
/// costs more the longer and more numerous its partitions are: at 1,000/s on 4 partitions it needs
/// more than one of this machine's two cores after about 20 s (docs/performance.md, twelfth
/// session), and a measurement then compares CPU contention with the broker, not the bridge.
/// Each run also reports the runner's own share, `processingP50Ms`/`processingP99Ms`: per input,
/// from the poll that returned it to its outputs being with the producer (the bridge's
/// `eventbridge_processing_duration_seconds`, the same histogram for the passthrough; quantiles
/// interpolated within its buckets, warm-up left out). The rest of the latency is the Kafka path's.
func runLatency(_ o: Options) async throws {
    let passthrough = o.flag("--passthrough")
    let brokers = o.string("--brokers", "127.0.0.1:29092")
    let rate = Double(try o.int("--rate", 5_000))
    let seconds = Double(try o.int("--seconds", 30))
    let warmup = Double(try o.int("--warmup", 8))
    let tag = o.string("--tag", "\(getpid())")
    let partitions = Int32(try o.int("--partitions", 4))
    let brokerPID = Int32(try o.int("--broker-pid", 0))
    let source = "bench.latency.in.\(tag)"
    let output = "bench.latency.out.\(tag)"
    let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("bridgebench-latency-\(tag)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let config = try benchConfig(o, brokers: brokers, source: source, output: output, group: "bench.latency.\(tag)",
                                 store: dir.appendingPathComponent("store.sqlite").path)
    let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: brokers), logger: .disabled)
    for t in [source, output] { try await createTopic(admin, t, partitions: partitions) }
    try await createTopic(admin, "\(source).dlq", partitions: 1)

    // index → send time; (partition, offset) of the source record → index
    let sent = Mutex<[Double]>([])
    let positions = Mutex<[UInt64: Int]>([:])
    let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: brokers, ["linger.ms": "5"]), logger: .disabled) { reports in
        positions.withLock { map in
            for r in reports { if case .success(let p) = r.result { map[UInt64(p.partition) << 48 | UInt64(p.offset)] = Int(r.context) } }
        }
    }
    let stop: @Sendable () -> Void
    let worker: Task<Void, any Error>
    // Per input, poll → with the producer: the runner's own share of the latency (the rest is the
    // Kafka path's), from the same histogram the bridge exports as a metric.
    let processing: Histogram
    if passthrough {
        let runner = Passthrough(config: config, output: output)
        stop = { runner.stopping.store(true, ordering: .relaxed) }
        worker = onThread("passthrough") { try runner.run() }
        processing = runner.processingDuration
    } else {
        let bridge = try Bridge(config: config, logger: Logger(label: "bridge", level: config.logLevel))
        stop = { bridge.stop() }
        worker = onThread("eb-pipeline") { try bridge.run() }
        processing = bridge.processingDuration
    }

    let measurer = try KafkaConsumer(config: KafkaConfig(bootstrapServers: brokers, [
        "group.id": "bench.latency.measure.\(tag)", "auto.offset.reset": "earliest", "fetch.wait.max.ms": "5",
        "session.timeout.ms": "6000", "heartbeat.interval.ms": "1000"]), logger: .disabled)
    try measurer.subscribe(topics: [output])
    let total = Int(rate * (warmup + seconds))
    let latencies = Mutex<[Double]>([])
    let received = Atomic<Int>(0)
    // When every event was sent and nothing has arrived for 15 s, the rest will not come (e.g. the
    // bridge dead-letters them): stop waiting instead of sitting out the whole deadline.
    let sendingDone = Atomic<Bool>(false)
    let measuring = onThread("measure") {
        let deadline = monotonicSeconds() + warmup + seconds + 60
        var lastArrival = monotonicSeconds()
        while received.load(ordering: .relaxed) < total && monotonicSeconds() < deadline {
            if sendingDone.load(ordering: .relaxed) && monotonicSeconds() - lastArrival > 15 { break }
            guard let records = try? measurer.poll(maxRecords: 500, timeout: .milliseconds(20)) else { continue }
            let now = monotonicSeconds()
            if !records.isEmpty { lastArrival = now }
            for r in records {
                received.add(1, ordering: .relaxed)
                let index: Int?
                if passthrough {
                    // The record is the source record: its key ends with the index (`InvoiceEvents.key`).
                    index = r.key.flatMap { key in key.lastIndex(of: UInt8(ascii: "-")).flatMap { Int(String(decoding: key[($0 + 1)...], as: UTF8.self)) } }
                } else if let p = r.header("ce_sourcepartition").flatMap({ UInt64(String(decoding: $0, as: UTF8.self)) }),
                    let off = r.header("ce_sourceoffset").flatMap({ UInt64(String(decoding: $0, as: UTF8.self)) }) {
                    index = positions.withLock { $0[p << 48 | off] }
                } else {
                    index = nil
                }
                // An index this run has not sent (a topic left by an earlier run with the same tag) is not counted.
                guard let i = index, i < total, let at = sent.withLock({ i < $0.count ? $0[i] : nil }) else { continue }
                if at >= sent.withLock({ $0[0] }) + warmup { latencies.withLock { $0.append(now - at) } }
            }
        }
        measurer.closeBlocking()
    }

    let start = monotonicSeconds()
    let brokerCPUAtStart = processCPUSeconds(pid: brokerPID)
    var peakCurrent = 0
    var processingAtWarmup = processing.cumulativeCounts
    for i in 0..<total {
        while Double(i) > (monotonicSeconds() - start) * rate { try await Task.sleep(for: .microseconds(500)) }
        if i == Int(rate * warmup) { processingAtWarmup = processing.cumulativeCounts }
        sent.withLock { $0.append(monotonicSeconds()) }
        try await producer.enqueueWaiting(KafkaProducerRecord(topic: source, key: InvoiceEvents.key(i, run: tag),
                                                              value: InvoiceEvents.value(i, run: tag)), context: UInt64(i))
        if i % 5_000 == 0 { peakCurrent = max(peakCurrent, memoryMiB().current) }
    }
    try await producer.flush(timeout: .seconds(30))
    sendingDone.store(true, ordering: .relaxed)
    try await measuring.value
    let brokerCPU = processCPUSeconds(pid: brokerPID).flatMap { end in brokerCPUAtStart.map { (end - $0) / (monotonicSeconds() - start) * 100 } }
    let processed = processing.cumulativeCounts
    func processingMs(_ q: Double) -> Double {
        (Histogram.quantile(q, upperBounds: processing.upperBounds, cumulative: processed, since: processingAtWarmup) ?? 0) * 1000
    }
    stop()
    try await worker.value
    await producer.close()

    let sorted = latencies.withLock { $0 }.sorted()
    let arrived = received.load(ordering: .relaxed)
    guard !sorted.isEmpty else {
        throw BenchError("latency: \(arrived) of \(total) outputs arrived and none after the warm-up; nothing to measure (the bridge's log says what became of the inputs)")
    }
    if arrived < total { log("latency: only \(arrived) of \(total) outputs arrived; the percentiles are of those") }
    func percentile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))] * 1000
    }
    let achieved = Double(total) / (monotonicSeconds() - start)
    log("latency\(passthrough ? " (passthrough)" : "") at \(Int(rate))/s, \(partitions) partition(s)\(brokerCPU.map { ", broker CPU \(Int($0.rounded())) %" } ?? ""): \(sorted.count) samples, p50 \(String(format: "%.1f", percentile(0.5))) ms, p99 \(String(format: "%.1f", percentile(0.99))) ms, p99.9 \(String(format: "%.1f", percentile(0.999))) ms; of which poll to producer p50 \(String(format: "%.2f", processingMs(0.5))) ms, p99 \(String(format: "%.2f", processingMs(0.99))) ms")
    emit([("name", .string(passthrough ? "latency.passthrough" : "latency")), ("rate", number(rate)), ("samples", number(sorted.count)), ("received", number(received.load(ordering: .relaxed))),
          ("sent", number(total)), ("p50Ms", number(percentile(0.5), decimals: 2)), ("p99Ms", number(percentile(0.99), decimals: 2)),
          ("p999Ms", number(percentile(0.999), decimals: 2)), ("maxMs", number(percentile(1.0), decimals: 2)),
          ("overallRate", number(achieved)), ("peakRssMiB", number(memoryMiB().peak)), ("partitions", number(Int(partitions))),
          ("processingP50Ms", number(processingMs(0.5), decimals: 3)), ("processingP99Ms", number(processingMs(0.99), decimals: 3))]
         + (brokerCPU.map { [("brokerCpuPercent", number($0))] } ?? []))
}
