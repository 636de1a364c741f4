import Foundation
import Basics
import KafkaClient

/// Part of the commit stage (`CommitStage`): follows every consumed input from the moment its
/// outputs are handed to the producer until the broker has acknowledged all of them, and says per
/// partition which prefix of inputs is complete.
///
/// Guarantee 1 rests here: an input's offset may be committed only when it and every input before
/// it on the same partition are complete. Inputs with no outputs (duplicates, filtered) are complete
/// at once but still wait for their predecessors.
///
/// The consumer thread registers inputs; the producer's delivery-report thread acknowledges outputs.
/// `Completion` is whatever the pipeline needs to record once the input is done (its ledger row, its
/// dedup key …).
public final class InFlightTracker<Completion: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: every stored property is read and written only while holding `lock`.

    /// Identifies one registered input in delivery reports: the partition's slot number in bits
    /// 48–62, the offset in the low 48 (offsets stay below 2^48 for any real partition). Bit 63
    /// stays clear: the producer reserves it.
    public typealias Token = UInt64

    static func token(slot: Int, offset: Int64) -> Token { UInt64(slot) << 48 | (UInt64(bitPattern: offset) & offsetMask) }
    static var offsetMask: UInt64 { (1 << 48) - 1 }

    struct Slot {
        let offset: Int64
        var remaining: Int
        /// Moved out (nil) when the slot is drained, so a drained slot holds nothing until the
        /// queue is compacted.
        var completion: Completion?
        /// Where the broker wrote each acknowledged output.
        var positions: [PartitionPosition] = []
    }

    /// A drained input: what the pipeline registered and where its outputs landed.
    public struct Completed: Sendable {
        public var partition: TopicPartition
        public var offset: Int64
        public var completion: Completion
        /// Where its outputs landed, in acknowledgement order.
        public var positions: [PartitionPosition]

        public var source: PartitionPosition { PartitionPosition(partition, offset: offset) }
    }

    struct PartitionQueue {
        /// Slots in consumption (= offset) order; `head` is the first not yet drained.
        var slots: [Slot] = []
        var head = 0

        mutating func index(of offset: Int64) -> Int? {
            var lo = head
            var hi = slots.count - 1
            while lo <= hi {
                let mid = (lo + hi) / 2
                let o = slots[mid].offset
                if o == offset { return mid }
                if o < offset { lo = mid + 1 } else { hi = mid - 1 }
            }
            return nil
        }

        /// Slots from `head` on that are complete (what a drain would take).
        var completePrefix: Int {
            var i = head
            while i < slots.count && slots[i].remaining <= 0 { i += 1 }
            return i - head
        }

        mutating func compact() {
            if head > 1024 && head * 2 > slots.count {
                slots.removeSubrange(0..<head)
                head = 0
            }
        }
    }

    /// A delivery that failed: the pipeline must not commit past this input.
    public struct Fault: Sendable {
        public let partition: TopicPartition
        public let offset: Int64
        public let error: KafkaError
    }

    private let lock = NSLock()
    private var queues: [TopicPartition: PartitionQueue] = [:]
    private var slots: [TopicPartition: Int] = [:]
    private var slotPartitions: [TopicPartition] = []
    private var inFlight = 0
    private var faults: [Fault] = []

    public init() {}

    /// Registers an input with `outputs` records about to be produced. Call before producing them.
    public func register(_ partition: TopicPartition, offset: Int64, outputs: Int, completion: Completion) -> Token {
        lock.withLock {
            queues[partition, default: PartitionQueue()].slots.append(Slot(offset: offset, remaining: outputs, completion: completion))
            inFlight += 1
            let slot: Int
            if let known = slots[partition] {
                slot = known
            } else {
                slot = slotPartitions.count
                slots[partition] = slot
                slotPartitions.append(partition)
            }
            return Self.token(slot: slot, offset: offset)
        }
    }

    /// One output of the input was acknowledged by the broker, at `position`.
    public func acknowledge(_ token: Token, position: PartitionPosition? = nil) {
        lock.withLock {
            guard let (tp, offset) = decode(token), let i = queues[tp]?.index(of: offset) else { return }
            queues[tp]?.slots[i].remaining -= 1
            if let position { queues[tp]?.slots[i].positions.append(position) }
        }
    }

    /// One output could not be delivered. The input stays incomplete; the fault is reported to the pipeline.
    public func fail(_ token: Token, error: KafkaError) {
        lock.withLock {
            // A report for an input already forgotten (abandoned after an earlier fault) is moot.
            guard let (tp, offset) = decode(token), queues[tp]?.index(of: offset) != nil else { return }
            faults.append(Fault(partition: tp, offset: offset, error: error))
        }
    }

    private func decode(_ token: Token) -> (TopicPartition, Int64)? {
        let slot = Int(token >> 48)
        guard slot < slotPartitions.count else { return nil }
        return (slotPartitions[slot], Int64(token & Self.offsetMask))
    }

    /// Faults reported since the last call.
    public func takeFaults() -> [Fault] {
        lock.withLock {
            defer { faults.removeAll() }
            return faults
        }
    }

    /// Inputs registered and not yet drained.
    public var count: Int { lock.withLock { inFlight } }

    /// Inputs of these partitions registered and not yet complete.
    public func incomplete(in partitions: Set<TopicPartition>) -> Int {
        lock.withLock {
            partitions.reduce(0) { sum, tp in
                guard let q = queues[tp] else { return sum }
                return sum + q.slots[q.head...].filter { $0.remaining > 0 }.count
            }
        }
    }

    /// Removes and returns the complete prefix of every partition: the completions in order, and per
    /// partition the next offset to commit (last drained offset + 1).
    public func drainCompleted() -> (completions: [Completed], positions: [TopicPartition: Int64]) {
        lock.withLock {
            var completions: [Completed] = []
            // Sized first (a count of the complete prefixes), so the list is not regrown and
            // its elements moved again and again as it fills.
            completions.reserveCapacity(queues.values.reduce(0) { $0 + $1.completePrefix })
            var positions: [TopicPartition: Int64] = [:]
            // Each queue is changed where it lies in the table (`values[i]`): a copy of it taken
            // out and assigned back shared its slots with the table, so compacting the copy
            // copied every undrained slot, retaining what each holds, at every drain.
            var i = queues.startIndex
            while i != queues.endIndex {
                let tp = queues.keys[i]
                if let next = Self.drain(&queues.values[i], partition: tp, into: &completions) {
                    positions[tp] = next
                }
                i = queues.index(after: i)
            }
            inFlight -= completions.count
            return (completions, positions)
        }
    }

    /// Moves the complete prefix of one partition's queue into `completions`; the next offset to
    /// commit, nil when nothing was complete.
    private static func drain(_ q: inout PartitionQueue, partition: TopicPartition, into completions: inout [Completed]) -> Int64? {
        var last: Int64? = nil
        while q.head < q.slots.count && q.slots[q.head].remaining <= 0 {
            // Moved out of the slot rather than copied: no retain of what it holds, and the
            // memory goes with the completion instead of waiting for the next compaction.
            let offset = q.slots[q.head].offset
            let completion = q.slots[q.head].completion.take()!  // each slot is drained once
            var positions: [PartitionPosition] = []
            swap(&positions, &q.slots[q.head].positions)
            completions.append(Completed(partition: partition, offset: offset, completion: completion, positions: positions))
            last = offset
            q.head += 1
        }
        guard let last else { return nil }
        q.compact()
        return last + 1
    }

    /// Forgets every undrained input of these partitions (revoked, or rewound after a fault) and
    /// returns the first forgotten offset per partition: where consumption must restart.
    @discardableResult
    public func abandon(_ partitions: some Sequence<TopicPartition>) -> [TopicPartition: Int64] {
        lock.withLock {
            var restart: [TopicPartition: Int64] = [:]
            for tp in partitions {
                guard let q = queues.removeValue(forKey: tp) else { continue }
                let left = q.slots.count - q.head
                inFlight -= left
                if left > 0 { restart[tp] = q.slots[q.head].offset }
            }
            return restart
        }
    }

    /// The partitions with registered inputs.
    public var partitions: [TopicPartition] { lock.withLock { Array(queues.keys) } }
}
