import Dispatch
import Foundation
import Basics
import EventStore

/// Check-and-insert of `options.keys` keys in batches, like the pipeline: every 100th input is a
/// re-sent earlier key (a duplicate, from anywhere in the history). Reports throughput over each
/// million keys (the 4M–5M segment is "at 5 M keys"), then start-up time and lookup rates.
func runDedupBenchmark(_ options: Options, _ configuration: StoreConfiguration) throws {
    var store = try EventStore.open(configuration, logger: .disabled)
    let partition = TopicPartition(topic: "bench", partition: 0)
    let milestones = Set(stride(from: 1_000_000, through: options.keys, by: 1_000_000)).union([options.keys])
    var inserted = 0
    var inputs = 0
    var duplicates = 0
    var offset: Int64 = 0
    var windowStart = now()
    var windowInputs = 0
    var random = XorShift(seed: 42)
    let started = now()

    while inserted < options.keys {
        var batch = StoreBatch()
        let at = WallClock.nowMillis()
        var inputsInBatch = 0
        for _ in 0..<options.batch where inserted < options.keys {
            inputsInBatch += 1
            inputs += 1
            offset += 1
            let resend = inputs % 100 == 0 && inserted > 0
            let candidate = resend ? key(Int.random(in: 0..<inserted, using: &random)) : key(inserted)
            if try store.checkAndInsert(candidate, partition: partition, atMillis: at, into: &batch) {
                inserted += 1
            } else {
                duplicates += 1
            }
            if options.ledger {
                batch.record(LedgerEntry(
                    source: PartitionPosition(partition, offset: offset), outcome: resend ? .duplicate : .published,
                    eventID: candidate.description, eventType: "finance.bench", entityKey: "E-\(offset % 100_000)",
                    contractVersion: 1, outputs: [PartitionPosition(topic: "out", partition: 0, offset: offset)], atMillis: at))
            }
        }
        batch.setProcessedOffset(next: offset + 1, for: partition)
        try store.commitAndWait(batch)
        windowInputs += inputsInBatch

        guard let milestone = milestones.first(where: { inserted >= $0 && inserted - options.batch < $0 }) else { continue }
        let rate = Double(windowInputs) / (now() - windowStart)
        emit([("name", "\"dedup_check_insert\""), ("keys", String(milestone)), ("ops_per_s", String(Int(rate))),
              ("batch", String(options.batch)), ("durability", "\"\(options.durabilityName)\""), ("ledger", String(options.ledger)),
              ("segment_inputs", String(windowInputs)), ("rss_mib", String(residentMiB()))])
        log(String(format: "%9d keys: %8.0f check-and-insert/s over the last %d inputs (rss %d MiB)", milestone, rate, windowInputs, residentMiB()))
        windowStart = now()
        windowInputs = 0
    }
    let total = now() - started
    log(String(format: "%d inputs (%d duplicates) in %.1f s: %.0f/s overall", inputs, duplicates, total, Double(inputs) / total))
    emit([("name", "\"dedup_check_insert_overall\""), ("keys", String(inserted)), ("ops_per_s", String(Int(Double(inputs) / total))),
          ("duplicates", String(duplicates))])

    // Start-up: close, reopen, ready for lookups.
    store.close()
    let openStarted = now()
    store = try EventStore.open(configuration, logger: .disabled)
    let openSeconds = now() - openStarted
    emit([("name", "\"startup\""), ("keys", String(store.dedupKeyCount)), ("ops_per_s", String(Int(1 / openSeconds))),
          ("seconds", String(format: "%.3f", openSeconds)), ("rss_mib", String(residentMiB()))])
    log(String(format: "start-up with %d keys: %.3f s (rss %d MiB)", store.dedupKeyCount, openSeconds, residentMiB()))

    // Lookups alone: new keys (memory only) and old keys (Bloom hit + one SQLite lookup).
    let probes = min(200_000, inserted)
    for (name, base) in [("lookup_new", options.keys + 1), ("lookup_existing", 0)] {
        var hits = 0
        let lookupStarted = now()
        for i in 0..<probes where try store.contains(key(base == 0 ? Int.random(in: 0..<inserted, using: &random) : base + i)) {
            hits += 1
        }
        let rate = Double(probes) / (now() - lookupStarted)
        emit([("name", "\"\(name)\""), ("keys", String(inserted)), ("ops_per_s", String(Int(rate))), ("hits", String(hits))])
        log(String(format: "%@: %.0f/s (%d of %d were duplicates)", name, rate, hits, probes))
    }
    let stats = try store.reader.stats()
    log("store file \(stats.fileBytes / 1_048_576) MiB, \(stats.dedupGenerations) generations")
    store.close()
}
