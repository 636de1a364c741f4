import EventBridge
import Foundation
import KafkaClient
import EventStore

/// `core`: the pipeline without a broker, on this thread — decode, validate (schema and rules),
/// normalize, dedup and staleness, route, encode — with the store commit every 100 ms as the
/// bridge does (`--memory`: an in-memory dedup set instead of the store). One thread unless
/// `--workers N` prepares each batch of 500 on N threads, as the bridge does.
func runCore(_ o: Options) throws {
    let n = try o.int("--n", 100_000)
    let memory = o.flag("--memory")
    let workers = try o.int("--workers", 1)
    let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("bridgebench-core-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let config = try benchConfig(o, workers: workers, brokers: "127.0.0.1:1", source: "bench.invoices", output: "bench.ledger", group: "core",
                                 store: dir.appendingPathComponent("store.sqlite").path)
    let store = memory ? nil : try EventStore.open(StoreConfiguration(path: config.resolve(config.store.path)), logger: .disabled)
    defer { store?.close() }
    let pipeline = try OfflinePipeline(config: config, store: store)

    let now = Int64(Date().timeIntervalSince1970 * 1000)
    var records: [KafkaConsumerRecord] = []
    records.reserveCapacity(n)
    for i in 0..<n {
        records.append(KafkaConsumerRecord(topic: "bench.invoices", partition: Int32(i % 4), offset: Int64(i / 4),
                                           timestamp: KafkaTimestamp(kind: .createTime, milliseconds: now),
                                           key: InvoiceEvents.key(i, run: "core"), value: InvoiceEvents.value(i, run: "core"), headers: []))
    }
    let bytes = records.reduce(0) { $0 + ($1.value?.count ?? 0) }
    var outputs = 0
    var outputBytes = 0
    let start = monotonicSeconds()
    var lastCommit = start
    for start in stride(from: 0, to: records.count, by: 500) {
        // Polled batches of 500, as the bridge polls; `--workers` prepares them in parallel.
        for out in try pipeline.process(batch: Array(records[start..<min(start + 500, records.count)])) {
            outputs += 1
            outputBytes += out.value?.count ?? 0
        }
        let t = monotonicSeconds()
        if t - lastCommit >= 0.1 {
            try pipeline.commit()
            lastCommit = t
        }
    }
    try pipeline.commit(wait: true)
    let seconds = monotonicSeconds() - start
    guard outputs == n else { throw BenchError("expected \(n) outputs, got \(outputs): the generated events must all publish") }
    let rate = Double(n) / seconds
    log("core (\(memory ? "in-memory dedup" : "store"), \(workers) worker\(workers == 1 ? "" : "s")): \(n) events in \(String(format: "%.2f", seconds)) s = \(Int(rate))/s")
    emit([("name", .string(memory ? "core.memory" : "core.store")), ("workers", number(workers)), ("events", number(n)),
          ("averageInputBytes", number(bytes / max(n, 1))), ("averageOutputBytes", number(outputBytes / max(outputs, 1))),
          ("seconds", number(seconds, decimals: 3)), ("eventsPerSecond", number(rate)), ("peakRssMiB", number(memoryMiB().peak))])
}
