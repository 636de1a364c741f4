import EventBridge
import Basics
import EventStore

/// `reconcile`'s second question: does every output the ledger names exist? A published input
/// names one position per subscriber, a dead-lettered one its DLQ position; each must
/// lie below its partition's high-water mark (read from fetch responses, see `PartitionProbe`).
///
/// Large ranges are sampled: every offset up to `exhaustive` inputs per partition, beyond that
/// `exhaustive / 2` evenly spaced plus the newest `exhaustive / 2` (where a lost write is likeliest).
struct OutputCheck {
    struct Missing: Hashable {
        var input: PartitionPosition
        var output: PartitionPosition
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
    static func run(store: StoreReader, committed: [(TopicPartition, Int64)], probe: PartitionProbe) throws -> OutputCheck {
        var check = OutputCheck()
        var named: [(input: PartitionPosition, output: PartitionPosition)] = []
        for (tp, end) in committed {
            let offsets = sample(end: end)
            if Int64(offsets.count) < end { check.sampled = true }
            for offset in offsets {
                guard let entry = try store.ledgerEntry(at: PartitionPosition(tp, offset: offset)) else { continue }
                check.checkedInputs += 1
                for output in entry.outputs + (entry.dlqPosition.map { [$0] } ?? []) {
                    named.append((entry.source, output))
                }
            }
        }
        let partitions = Set(named.map(\.output.topicPartition))
        let highWater = try probe.probe(Array(partitions).sorted()).mapValues(\.high)
        for (input, output) in named {
            check.checkedOutputs += 1
            guard let high = highWater[output.topicPartition] else {
                check.missing.append(Missing(input: input, output: output, reason: "partition did not answer or does not exist"))
                continue
            }
            if output.offset >= high {
                check.missing.append(Missing(input: input, output: output, reason: "beyond the high-water mark \(high)"))
            }
        }
        return check
    }
}
