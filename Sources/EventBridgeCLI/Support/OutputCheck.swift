import EventBridge

/// `reconcile`'s second question: does every output the ledger names exist? A published input
/// names `topic:partition:offset` per subscriber, a dead-lettered one its DLQ position; each must
/// lie below its partition's high-water mark (read from fetch responses, see `PartitionProbe`).
///
/// Large ranges are sampled: every offset up to `exhaustive` inputs per partition, beyond that
/// `exhaustive / 2` evenly spaced plus the newest `exhaustive / 2` (where a lost write is likeliest).
struct OutputCheck {
    struct Missing: Hashable {
        var input: SourcePosition
        var output: String
        var reason: String
    }

    var checkedInputs = 0
    var checkedOutputs = 0
    var sampled = false
    var missing: [Missing] = []

    static let exhaustive: Int64 = 4_000

    /// The offsets of `[0, end)` to look at.
    static func sample(end: Int64) -> [Int64] {
        guard end > exhaustive else { return Array(0..<end) }
        let half = exhaustive / 2
        let step = max(1, (end - half) / half)
        return Array(stride(from: 0, to: end - half, by: Int(step))) + Array((end - half)..<end)
    }

    /// Looks up the sampled ledger rows of every committed range and checks their outputs.
    static func run(store: StoreReader, committed: [(KafkaTopicPartition, Int64)], probe: PartitionProbe) throws -> OutputCheck {
        var check = OutputCheck()
        var named: [(SourcePosition, String, SourcePosition?)] = []
        for (tp, end) in committed {
            let offsets = sample(end: end)
            if Int64(offsets.count) < end { check.sampled = true }
            for offset in offsets {
                guard let entry = try store.ledgerEntry(at: SourcePosition(tp, offset: offset)) else { continue }
                check.checkedInputs += 1
                for output in entry.outputs + (entry.dlqPosition.map { [$0] } ?? []) {
                    named.append((entry.source, output, SourcePosition(parsing: output)))
                }
            }
        }
        let partitions = Set(named.compactMap { $0.2?.partition })
        let highWater = try probe.probe(Array(partitions).sorted()).mapValues(\.high)
        for (input, output, position) in named {
            check.checkedOutputs += 1
            guard let position else {
                check.missing.append(Missing(input: input, output: output, reason: "not a topic:partition:offset"))
                continue
            }
            guard let high = highWater[position.partition] else {
                check.missing.append(Missing(input: input, output: output, reason: "partition did not answer or does not exist"))
                continue
            }
            if position.offset >= high {
                check.missing.append(Missing(input: input, output: output, reason: "beyond the high-water mark \(high)"))
            }
        }
        return check
    }
}

extension SourcePosition {
    /// `topic:partition:offset` (the topic may itself contain ':').
    init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let offset = Int64(parts[parts.count - 1]), let partition = Int32(parts[parts.count - 2]),
              partition >= 0, offset >= 0 else { return nil }
        self.init(topic: parts.dropLast(2).joined(separator: ":"), partition: partition, offset: offset)
    }
}
