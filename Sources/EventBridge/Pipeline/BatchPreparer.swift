import Dispatch
import Synchronization
import KafkaClient

/// Runs `EventPipeline.prepare` — decode, adapt, contract, rules, keys, routes, encoding, the
/// bulk of the work per input — for a polled batch on up to `workers` threads. The results come
/// back in input order; dedup, sequencing and producing then run on the pipeline thread as before,
/// so parallelism changes how fast a batch is ready, never what is decided or in which order.
struct BatchPreparer {
    /// One input's preparation.
    struct Result: Sendable {
        var prepared: EventPipeline.Prepared
    }

    let pipeline: EventPipeline
    let workers: Int
    /// Below this many inputs a batch is prepared on the calling thread. Handing a batch to the
    /// workers means waiting for the slowest of them: on a busy machine a worker descheduled in
    /// the middle of an input holds up the whole batch. For the small batches of a moderate rate
    /// that wait costs more than the parallelism saves (at 1,000 events/s: p99 from poll to
    /// producer 3.6–3.8 ms with two workers, 2.5 ms on the calling thread alone); a backlog's full
    /// polls (500) still go to the workers (docs/decisions.md, 2026-12-05).
    static let parallelThreshold = 128

    /// Prepares `records[i]` for each `i` where `wanted(i)`; the others stay nil. The calling
    /// thread takes part, so with `workers` 1 everything runs on it.
    func prepare(_ records: [KafkaConsumerRecord], wanted: (Int) -> Bool) -> [Result?] {
        let indices = records.indices.filter(wanted)
        var results = [Result?](repeating: nil, count: records.count)
        let threads = min(workers, indices.count)
        if threads <= 1 || indices.count < Self.parallelThreshold {
            for i in indices { results[i] = Self.prepare(records[i], pipeline) }
            return results
        }
        let next = Atomic<Int>(0)
        let pipeline = pipeline
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = Slots(buffer: buffer)
            records.withUnsafeBufferPointer { input in
                let input = Input(buffer: input)
                indices.withUnsafeBufferPointer { todo in
                    let todo = Input(buffer: todo)
                    DispatchQueue.concurrentPerform(iterations: threads) { _ in
                        while true {
                            let k = next.add(1, ordering: .relaxed).oldValue
                            guard k < todo.buffer.count else { return }
                            let i = todo.buffer[k]
                            slots.buffer[i] = Self.prepare(input.buffer[i], pipeline)
                        }
                    }
                }
            }
        }
        return results
    }

    private static func prepare(_ record: KafkaConsumerRecord, _ pipeline: EventPipeline) -> Result {
        Result(prepared: pipeline.prepare(record))
    }

    // Each worker writes only the slots of the indices it took from `next` (each index is taken
    // once), and the caller reads them after `concurrentPerform` returns, which orders the writes
    // before the reads.
    private struct Slots: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Result?>
    }

    private struct Input<Element>: @unchecked Sendable {
        let buffer: UnsafeBufferPointer<Element>
    }
}
