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
/// A write's changes of one changelog partition are packed into as few records as fit
/// (`ChangelogPacking`; at most `chunkBytes` each): one record per partition for a usual commit
/// batch, rather than three per input.
///
/// Each record carries `eventbridge.writer` = this process's session id, so the follower can tell
/// this session's own records (already in its store) from everyone else's, and
/// `eventbridge.batch` = `<write number>:<records of this write in this changelog partition>`: a
/// reader applies a write's records of a partition only once it has all of them, so a restore never
/// sees half of a commit (a writer killed between two acknowledgements, one that lost its partitions).
public final class ChangelogWriter: @unchecked Sendable {
    // @unchecked: `current` is read and replaced only under `lock`; the rest is immutable or
    // thread-safe itself.
    public static let writerHeader = "eventbridge.writer"
    public static let batchHeader = "eventbridge.batch"

    let topics: ChangelogTopics
    let session: String
    private let pending: PendingWrites
    private let config: KafkaConfig
    private let logger: Logger
    private let lock = NSLock()
    private var current: KafkaProducer

    public init(topics: ChangelogTopics, kafka: KafkaConfig, session: String, logger: Logger) throws {
        self.topics = topics
        self.session = session
        pending = PendingWrites()
        config = kafka.forProducer.merging(["acks": "all", "enable.idempotence": "true", "linger.ms": "2"])
        self.logger = logger.with(label: "changelog")
        current = try Self.makeProducer(config, pending, self.logger)
    }

    private static func makeProducer(_ config: KafkaConfig, _ pending: PendingWrites, _ logger: Logger) throws -> KafkaProducer {
        try KafkaProducer(config: config, logger: logger) { reports in
            for r in reports {
                switch r.result {
                case .success: pending.report(r.context, failure: nil)
                case .failure(let e): pending.report(r.context, failure: e)
                }
            }
        }
    }

    /// The producer to write with: after a failed delivery a new one, since an idempotent
    /// producer whose deliveries failed may have lost its sequence (as the bridge's own, see
    /// `Bridge+Faults.swift`).
    private func producer() -> KafkaProducer {
        lock.lock()
        defer { lock.unlock() }
        guard pending.takeFailure() else { return current }
        do {
            let old = current
            current = try Self.makeProducer(config, pending, logger)
            logger.warning("replaced the changelog producer after a failed delivery")
            Task.detached { await old.close(timeout: .seconds(5)) }
        } catch {
            logger.error("cannot create a new changelog producer; keeping the old one", ["error": "\(error)"])
        }
        return current
    }

    /// The most bytes packed into one record: well under the producer's `message.max.bytes`
    /// (the record's key, headers and framing come on top).
    static func chunkBytes(maxMessageBytes: Int) -> Int { max(4_096, min(256 * 1_024, maxMessageBytes / 2)) }

    /// Enqueues the changes; wait on the result before committing what they describe.
    public func write(_ changes: [(partition: TopicPartition?, change: StateChange)]) -> ChangelogWrite {
        let producer = producer()
        // Per changelog partition (in the order they first appear), its changes in order.
        var order: [TopicPartition?] = []
        var grouped: [TopicPartition?: [StateChange]] = [:]
        for (partition, change) in changes {
            if grouped[partition] == nil { order.append(partition) }
            grouped[partition, default: []].append(change)
        }
        let limit = Self.chunkBytes(maxMessageBytes: producer.maxMessageBytes)
        let packed = order.map { (partition: $0, chunks: ChangelogPacking.pack(grouped[$0] ?? [], limit: limit)) }
        let write = pending.open(count: packed.reduce(0) { $0 + $1.chunks.count })
        let header = KafkaHeader(name: Self.writerHeader, string: session)
        for (partition, chunks) in packed {
            let batch = KafkaHeader(name: Self.batchHeader, string: "\(write.id):\(chunks.count)")
            for (n, value) in chunks.enumerated() {
                let record = KafkaProducerRecord(
                    topic: partition.map { topics.changelog(of: $0.topic) } ?? topics.global, partition: partition?.partition ?? 0,
                    key: ChangelogPacking.key(writer: session, write: write.id, chunk: n), value: value, headers: [header, batch])
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
        }
        return write
    }

    public func close() async { await producer().close(timeout: .seconds(10)) }
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
    private var failed = false

    /// True once after a delivery failed (the writer then starts a new producer).
    func takeFailure() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        defer { failed = false }
        return failed
    }

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
        if let failure {
            failed = true
            if write.error == nil { write.error = failure }
        }
        write.remaining -= 1
        // A failure finishes the write at once: nothing of it may count.
        let finished = write.remaining <= 0 || failure != nil
        if finished { open[id] = nil }
        lock.unlock()
        if finished { write.finish() }
    }
}
