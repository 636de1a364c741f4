import EventBridge
import Foundation

/// `core`: the pipeline without a broker, on this thread — decode, validate (schema and rules),
/// normalize, dedup and staleness, route, encode — with the store commit every 100 ms as the
/// bridge does (`--memory`: an in-memory dedup set instead of the store).
func runCore(_ o: Options) throws {
    let n = try o.int("--n", 100_000)
    let memory = o.flag("--memory")
    let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("bridgebench-core-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let config = try benchConfig(o, brokers: "127.0.0.1:1", source: "bench.invoices", output: "bench.ledger", group: "core",
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
    for r in records {
        for out in try pipeline.process(r) {
            outputs += 1
            outputBytes += out.value?.count ?? 0
        }
        let t = monotonicSeconds()
        if t - lastCommit >= 0.1 {
            try pipeline.commit()
            lastCommit = t
        }
    }
    try pipeline.commit()
    let seconds = monotonicSeconds() - start
    guard outputs == n else { throw BenchError("expected \(n) outputs, got \(outputs): the generated events must all publish") }
    let rate = Double(n) / seconds
    log("core (\(memory ? "in-memory dedup" : "store")): \(n) events in \(String(format: "%.2f", seconds)) s = \(Int(rate))/s")
    emit([("name", .string(memory ? "core.memory" : "core.store")), ("events", number(n)),
          ("averageInputBytes", number(bytes / max(n, 1))), ("averageOutputBytes", number(outputBytes / max(outputs, 1))),
          ("seconds", number(seconds, decimals: 3)), ("eventsPerSecond", number(rate)), ("peakRssMiB", number(memoryMiB().peak))])
}
