import Basics
import EventStore
import Foundation
import KafkaClient
import Observability

/// Writes state changes to the changelog topics (docs/scaling.md) with an idempotent producer
/// (`acks=all`): per source partition to its changelog partition, the rest to the global topic.
/// `write` returns at once; `ChangelogWrite.wait()` blocks until the broker acknowledged every
/// record (the store commits the batch only then), or throws the first delivery error.
///
/// Each record carries `eventbridge.writer` = this process's session id, so the follower can tell
/// this session's own records (already in its store) from everyone else's.
public final class ChangelogWriter: Sendable {
    public static let writerHeader = "eventbridge.writer"

    let topics: ChangelogTopics
    let session: String
    private let producer: KafkaProducer
    private let pending: PendingWrites

    public init(topics: ChangelogTopics, kafka: KafkaConfig, session: String, logger: Logger) throws {
        self.topics = topics
        self.session = session
        let pending = PendingWrites()
        self.pending = pending
        producer = try KafkaProducer(config: kafka.forProducer.merging(["acks": "all", "enable.idempotence": "true", "linger.ms": "2"]),
                                     logger: logger.with(label: "changelog")) { reports in
            for r in reports {
                switch r.result {
                case .success: pending.report(r.context, failure: nil)
                case .failure(let e): pending.report(r.context, failure: e)
                }
            }
        }
    }

    /// Enqueues the changes; wait on the result before committing what they describe.
    public func write(_ changes: [(partition: TopicPartition?, change: StateChange)]) -> ChangelogWrite {
        let write = pending.open(count: changes.count)
        let header = KafkaHeader(name: Self.writerHeader, string: session)
        for (partition, change) in changes {
            let (key, value) = change.record
            let record = KafkaProducerRecord(
                topic: partition.map { topics.changelog(of: $0.topic) } ?? topics.global, partition: partition?.partition ?? 0,
                key: key, value: value, headers: [header])
            var backoff = Backoff.queueFull
            while true {
                do {
                    try producer.enqueue(record, context: write.id)
                    break
                } catch where error.code == .queueFull {
                    backoff.sleep()
                } catch {
                    pending.report(write.id, failure: error)
                    break
                }
            }
        }
        return write
    }

    public func close() async { await producer.close(timeout: .seconds(10)) }
}

/// A write to the changelog, done when every record is acknowledged.
public final class ChangelogWrite: @unchecked Sendable {
    // @unchecked: `remaining` and `error` are read and written under the owning `PendingWrites`
    // lock only; `done` is a semaphore.
    let id: UInt64
    var remaining: Int
    var error: KafkaError?
    private let done = DispatchSemaphore(value: 0)

    init(id: UInt64, count: Int) {
        self.id = id
        remaining = count
        if count == 0 { done.signal() }
    }

    func finish() { done.signal() }

    /// Blocks until every record is acknowledged; throws the first delivery error.
    public func wait() throws {
        done.wait()
        done.signal()
        if let error { throw error }
    }
}

/// Open writes by id, counted down by delivery reports (on the producer's poll thread).
final class PendingWrites: @unchecked Sendable {
    // @unchecked: `next` and `open` (and the writes' counters) are touched only under `lock`.
    private let lock = NSLock()
    private var next: UInt64 = 1
    private var open: [UInt64: ChangelogWrite] = [:]

    func open(count: Int) -> ChangelogWrite {
        lock.lock()
        defer { lock.unlock() }
        let write = ChangelogWrite(id: next, count: count)
        next += 1
        if count > 0 { open[write.id] = write }
        return write
    }

    func report(_ id: UInt64, failure: KafkaError?) {
        lock.lock()
        guard let write = open[id] else {
            lock.unlock()
            return
        }
        if let failure, write.error == nil { write.error = failure }
        write.remaining -= 1
        // A failure finishes the write at once: nothing of it may count.
        let finished = write.remaining <= 0 || failure != nil
        if finished { open[id] = nil }
        lock.unlock()
        if finished { write.finish() }
    }
}
