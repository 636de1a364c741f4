import Testing
@testable import EventBridge
import Basics
import KafkaClient

@Suite struct InFlightTrackerTests {
    let p0 = TopicPartition(topic: "in", partition: 0)
    let p1 = TopicPartition(topic: "in", partition: 1)

    @Test func commitsOnlyTheContiguousCompletedPrefix() {
        let t = InFlightTracker<Int64>()
        let a = t.register(p0, offset: 10, outputs: 1, completion: 10)
        _ = t.register(p0, offset: 11, outputs: 0, completion: 11)  // duplicate: complete at once
        let c = t.register(p0, offset: 12, outputs: 2, completion: 12)
        #expect(t.drainCompleted().positions.isEmpty, "offset 10 is not acknowledged: nothing may commit")
        t.acknowledge(c)
        t.acknowledge(c)
        #expect(t.drainCompleted().positions.isEmpty, "12 is done but 10 is not")
        t.acknowledge(a)
        let drained = t.drainCompleted()
        #expect(drained.completions.map(\.completion) == [10, 11, 12])
        #expect(drained.positions == [p0: 13])
        #expect(t.count == 0)
    }

    /// Thousands in flight on three partitions, acknowledged out of order and drained between
    /// registrations, through many compactions of the queues (at more than 1,024 drained slots):
    /// every input comes out once, in offset order per partition, and only behind its predecessors.
    @Test func longRunsDrainInOrderThroughCompactions() {
        let t = InFlightTracker<Int64>()
        let partitions = [p0, p1, TopicPartition(topic: "in", partition: 2)]
        var rng = SystemRandomNumberGenerator()
        var pending: [(InFlightTracker<Int64>.Token, TopicPartition, Int64)] = []
        var next = [Int64](repeating: 0, count: partitions.count)
        var drained: [TopicPartition: [Int64]] = [:]
        var committed: [TopicPartition: Int64] = [:]
        var acknowledged: [TopicPartition: Set<Int64>] = [:]
        for round in 0..<40 {
            for _ in 0..<750 {
                let k = Int.random(in: 0..<partitions.count, using: &rng)
                let offset = next[k]
                next[k] += 1
                let outputs = offset % 5 == 0 ? 0 : 1
                let token = t.register(partitions[k], offset: offset, outputs: outputs, completion: offset)
                if outputs == 0 { acknowledged[partitions[k], default: []].insert(offset) } else { pending.append((token, partitions[k], offset)) }
            }
            pending.shuffle(using: &rng)
            let take = round == 39 ? pending.count : pending.count * 2 / 3
            for (token, tp, offset) in pending.prefix(take) {
                t.acknowledge(token)
                acknowledged[tp, default: []].insert(offset)
            }
            pending.removeFirst(take)
            let d = t.drainCompleted()
            for c in d.completions { drained[c.partition, default: []].append(c.completion) }
            for (tp, n) in d.positions {
                #expect(n > committed[tp] ?? 0)
                committed[tp] = n
                #expect((0..<n).allSatisfy { acknowledged[tp]?.contains($0) == true }, "commits only behind acknowledged inputs")
            }
        }
        for (k, tp) in partitions.enumerated() {
            #expect(drained[tp] == Array(0..<next[k]), "every input once, in order")
            #expect(committed[tp] == next[k])
        }
        #expect(t.count == 0)
    }

    @Test func partitionsProgressIndependently() {
        let t = InFlightTracker<Int64>()
        _ = t.register(p0, offset: 5, outputs: 1, completion: 5)
        let b = t.register(p1, offset: 7, outputs: 1, completion: 7)
        t.acknowledge(b)
        #expect(t.drainCompleted().positions == [p1: 8])
        #expect(t.count == 1)
    }

    @Test func faultsAndAbandonReportWhereToRestart() {
        let t = InFlightTracker<Int64>()
        let a = t.register(p0, offset: 100, outputs: 1, completion: 100)
        _ = t.register(p0, offset: 101, outputs: 1, completion: 101)
        t.fail(a, error: KafkaError(.messageTimedOut, message: "timed out"))
        let faults = t.takeFaults()
        #expect(faults.count == 1 && faults[0].offset == 100 && faults[0].partition == p0)
        #expect(t.abandon([p0]) == [p0: 100])
        #expect(t.count == 0)
        #expect(t.drainCompleted().completions.isEmpty)
    }

    @Test func largeOffsetsSurviveTheToken() {
        let t = InFlightTracker<Int64>()
        let big: Int64 = 1 << 40
        let k = t.register(p1, offset: big, outputs: 1, completion: big)
        t.acknowledge(k)
        #expect(t.drainCompleted().positions == [p1: big + 1])
    }
}
