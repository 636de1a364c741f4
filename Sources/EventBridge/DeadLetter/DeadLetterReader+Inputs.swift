import Basics

/// One entry per failed input, whatever copies a crash left in the DLQ topic (docs/dlq.md,
/// "Identity"): every view of the DLQ — `dlq list`, `stats`, `show`, `resolve`, `replay` — goes
/// through here, so a copy is never counted, resolved or replayed as an input of its own.
extension DeadLetterReader {
    /// Calls `body` once per failed input of `topic`, with its earliest-written DLQ record and
    /// `copies` filled (that record first). Reads the topic twice: an index of input ids, then the
    /// records. A record written between the two reads is shown alone, or skipped as a copy of an
    /// input already indexed. `body` returns false to stop early.
    public func forEachInput(topic: String, partitions: [Int32], _ body: (DeadLetterEntry) throws -> Bool) throws {
        let index = try copyIndex(topic: topic, partitions: partitions)
        try forEach(topic: topic, partitions: partitions) { record in
            let copies = index[record.inputID] ?? [record.position]
            guard copies.first == record.position else { return true }
            var entry = record
            entry.copies = copies
            return try body(entry)
        }
    }

    /// Every input id of `topic` with its DLQ positions, the earliest written first (by the record's
    /// timestamp, then position): a later copy never displaces the record a replay was booked on.
    public func copyIndex(topic: String, partitions: [Int32]) throws -> [String: [PartitionPosition]] {
        var written: [String: [(millis: Int64, position: PartitionPosition)]] = [:]
        try forEach(topic: topic, partitions: partitions) { e in
            let millis = e.record.timestamp.kind == .notAvailable ? Int64.max : e.record.timestamp.milliseconds
            written[e.inputID, default: []].append((millis, e.position))
            return true
        }
        return written.mapValues { copies in copies.sorted { ($0.millis, $0.position) < ($1.millis, $1.position) }.map(\.position) }
    }
}
