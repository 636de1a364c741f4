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
