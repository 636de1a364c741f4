import Basics
import EventStore
import Foundation
import KafkaClient
import Observability

/// Keeps the store level with the changelog topics (docs/scaling.md), on a thread of its own with
/// a consumer of its own (manual assignment, no group).
///
/// - A source partition newly assigned to this instance is *restored*: its changelog partition is
///   read from the store's recorded position to the end it had when the restore began, every record
///   applied in order — this instance's earlier writes included — and the partition is reported
///   restored (`takeRestored`); the bridge keeps it paused until then. Other partitions flow.
/// - After that the partition is *followed*: records this session wrote itself are already in the
///   store and skipped; anyone else's (an operator's tool, an instance that has not noticed it lost
///   the partition) are applied.
/// - The global topic (readiness, DLQ book, operators' requests) is followed from the start;
///   readiness other instances published is handed to the gate (`takeReady`).
///
/// The positions reached are stored with the changes, in one transaction, so a crash resumes
/// where the store stands. A write's records of one partition are applied together once all are
/// read; the records read of a write not read whole yet are stored too, in the same transaction
/// (`ChangelogPartialRecord`), so a reader that stops between two records of one write — a CLI's
/// view, a bridge that is killed or loses the partition — applies it whole when it reads the rest.
final class ChangelogFollower: @unchecked Sendable {
    // @unchecked: `mailbox` and `results` are touched only under `lock`; everything else below
    // the lock is confined to the follower thread (`run`), or immutable.
    private let topics: ChangelogTopics
    private let store: EventStore
    private let session: String
    private let logger: Logger
    private let metrics: BridgeMetrics
    private let consumerConfig: KafkaConfig
    private let lock = NSLock()
    private var mailbox: [(follow: Bool, partitions: Set<TopicPartition>)] = []
    private var restoredOut: [TopicPartition] = []
    private var readyOut: [String] = []
    private var requestsArrived = false
    private var stopping = false
    private var thread: Thread?
    private let stopped = DispatchSemaphore(value: 0)

    /// Per followed changelog partition: the next offset to read, and while restoring, since when
    /// and up to where.
    private struct Followed {
        var next: Int64
        var restoring: (started: ContinuousClock.Instant, target: Int64?, records: Int, bytes: Int)?
    }

    private var followed: [TopicPartition: Followed] = [:]
    private var assigned: [TopicPartition: Int64] = [:]
    /// Records of a write not all read yet, per changelog partition, writer and write number.
    private var incomplete: [ChangelogWriteID: PartialWrite] = [:]

    private struct PartialWrite {
        /// Records the write has on this changelog partition, and how many are read.
        var expected: Int
        var read = 0
        var changes: [(partition: TopicPartition?, change: StateChange)] = []
        /// Read since the last store transaction: kept in the next one unless the write completes.
        var unsaved: [ChangelogPartialRecord] = []
        /// Some of its records are kept in the store (forget them when the write completes).
        var saved = false
    }

    init(topics: ChangelogTopics, kafka: KafkaConfig, store: EventStore, session: String, metrics: BridgeMetrics, logger: Logger) {
        self.topics = topics
        self.store = store
        self.session = session
        self.metrics = metrics
        self.logger = logger.with(label: "changelog")
        consumerConfig = kafka.forConsumer.merging([
            "group.id": topics.groupId + ".changelog-follower", "enable.auto.commit": "false", "enable.partition.eof": "false",
            "fetch.wait.max.ms": "50",
        ])
    }

    func start() {
        let t = Thread { [self] in
            ThreadName.setCurrent("eb-changelog")
            run()
        }
        t.name = "eb-changelog"
        thread = t
        t.start()
    }

    func stop() {
        lock.withLock { stopping = true }
        if thread != nil { stopped.wait() }
    }

    /// Restore, then follow, the changelogs of these source partitions.
    func follow(_ sources: Set<TopicPartition>) { lock.withLock { mailbox.append((true, sources)) } }

    /// Stop following these (revoked) source partitions.
    func unfollow(_ sources: Set<TopicPartition>) { lock.withLock { mailbox.append((false, sources)) } }

    /// Source partitions whose restore finished since the last call.
    func takeRestored() -> [TopicPartition] { lock.withLock { defer { restoredOut.removeAll() }; return restoredOut } }

    /// Readiness keys other writers published, applied since the last call.
    func takeReady() -> [String] { lock.withLock { defer { readyOut.removeAll() }; return readyOut } }

    /// True when operators' requests arrived since the last call.
    func takeRequests() -> Bool { lock.withLock { defer { requestsArrived = false }; return requestsArrived } }

    private var isStopping: Bool { lock.withLock { stopping } }

    /// On the calling thread: reads these source partitions' changelogs and the global topic to the
    /// ends they have now, applying everything (a read-only view of all partitions: the CLI).
    func catchUp(_ sources: Set<TopicPartition>, includeGlobal: Bool, timeout: Duration) throws {
        let consumer = try KafkaConsumer(config: consumerConfig, logger: logger)
        defer { consumer.closeBlocking() }
        let positions = try store.reader.changelogPositions()
        var partitions = sources.map(topics.changelog(of:))
        if includeGlobal { partitions.append(TopicPartition(topic: topics.global, partition: 0)) }
        for changelog in partitions {
            followed[changelog] = Followed(next: positions[changelog] ?? 0, restoring: (ContinuousClock.now, nil, 0, 0))
        }
        try loadPartialWrites(of: Set(partitions))
        assigned = followed.mapValues(\.next)
        try consumer.assign(assigned.map { PartitionPosition($0.key, offset: $0.value) }.sorted())
        let deadline = ContinuousClock.now + timeout
        while followed.values.contains(where: { $0.restoring != nil }) {
            guard ContinuousClock.now < deadline else {
                throw KafkaError(.timedOut, message: "the changelog topics did not answer within \(timeout)")
            }
            try step(consumer)
        }
    }

    // MARK: The follower thread

    private func run() {
        defer { stopped.signal() }
        var consumer: KafkaConsumer?
        var backoff = Backoff.faults(initialMs: 200, maxMs: 5_000)
        while !isStopping {
            do {
                if consumer == nil {
                    consumer = try KafkaConsumer(config: consumerConfig, logger: logger)
                    let positions = try store.reader.changelogPositions()
                    let global = TopicPartition(topic: topics.global, partition: 0)
                    followed[global] = followed[global] ?? Followed(next: positions[global] ?? 0, restoring: nil)
                    assigned = [:]
                }
                guard let c = consumer else { continue }
                try applyMailbox(c)
                try step(c)
                backoff.reset()
            } catch {
                logger.warning("changelog follower: \(error); reconnecting")
                consumer?.closeBlocking()
                consumer = nil
                backoff.sleep(while: { !self.isStopping })
            }
        }
        consumer?.closeBlocking()
    }

    private func applyMailbox(_ consumer: KafkaConsumer) throws {
        let commands = lock.withLock { defer { mailbox.removeAll() }; return mailbox }
        guard !commands.isEmpty || assigned.count != followed.count else { return }
        if !commands.isEmpty {
            let positions = try store.reader.changelogPositions()
            var restarted = Set<TopicPartition>()
            for (follow, sources) in commands {
                for source in sources {
                    let changelog = topics.changelog(of: source)
                    if follow {
                        followed[changelog] = Followed(next: positions[changelog] ?? 0,
                                                       restoring: (ContinuousClock.now, nil, 0, 0))
                        restarted.insert(changelog)
                    } else {
                        followed.removeValue(forKey: changelog)
                        restarted.remove(changelog)
                        incomplete = incomplete.filter { $0.key.changelog != changelog }
                    }
                }
            }
            try loadPartialWrites(of: restarted)
        }
        assigned = followed.mapValues(\.next)
        try consumer.assign(assigned.map { PartitionPosition($0.key, offset: $0.value) }.sorted())
        metrics.restoringPartitions.set(followed.values.filter { $0.restoring != nil }.count)
    }

    private func step(_ consumer: KafkaConsumer) throws {
        let records = try consumer.poll(maxRecords: 5_000, timeout: .milliseconds(100))
        var changes: [(partition: TopicPartition?, change: StateChange)] = []
        var touched: [TopicPartition: Int64] = [:]
        var ready: [String] = []
        var requests = false
        var completed: [ChangelogWriteID] = []
        for r in records {
            let changelog = r.topicPartition
            guard var f = followed[changelog], r.offset >= f.next else { continue }
            f.next = r.offset + 1
            touched[changelog] = f.next
            let own = r.header(ChangelogWriter.writerHeader).map { String(decoding: $0, as: UTF8.self) } == session
            if var restoring = f.restoring {
                restoring.records += 1
                restoring.bytes += (r.key?.count ?? 0) + (r.value?.count ?? 0)
                f.restoring = restoring
            }
            followed[changelog] = f
            // This session's own records are in the store already, unless the partition is being restored.
            if own && f.restoring == nil { continue }
            let source = topics.source(of: changelog)
            guard let key = r.key else { continue }
            let held = Self.changes(key: key, value: r.value, source: source)
            // A write's records of this partition are applied together, once all are here.
            var complete = held
            if let text = r.header(ChangelogWriter.batchHeader).map({ String(decoding: $0, as: UTF8.self) }),
               let colon = text.lastIndex(of: ":"), let expected = Int(text[text.index(after: colon)...]), expected > 1 {
                let id = ChangelogWriteID(changelog: changelog, writer: r.header(ChangelogWriter.writerHeader).map { String(decoding: $0, as: UTF8.self) } ?? "",
                                          write: String(text[..<colon]))
                // Appended in place (a copy per record would make a large write quadratic).
                incomplete[id, default: PartialWrite(expected: expected)].changes.append(contentsOf: held)
                incomplete[id]!.read += 1
                incomplete[id]!.unsaved.append(ChangelogPartialRecord(write: id, expected: expected, offset: r.offset, key: key, value: r.value))
                guard let pending = incomplete[id], pending.read >= pending.expected else { continue }
                incomplete[id] = nil
                if pending.saved { completed.append(id) }
                complete = pending.changes
            }
            for (partition, change) in complete {
                switch change {
                case .ready(let k, _, _) where !own: ready.append(k)
                case .request: requests = true
                default: break
                }
                changes.append((partition, change))
            }
        }
        if !touched.isEmpty {
            // Kept with the positions that move past them: the records read of unfinished writes.
            var partial: [ChangelogPartialRecord] = []
            for (id, pending) in incomplete where !pending.unsaved.isEmpty {
                partial += pending.unsaved
                incomplete[id]!.unsaved.removeAll()
                incomplete[id]!.saved = true
            }
            try store.apply(changes, positions: touched, partial: partial, completed: completed)
            metrics.changelogApplied.add(changes.count)
        }
        if !ready.isEmpty || requests {
            lock.withLock {
                readyOut += ready
                if requests { requestsArrived = true }
            }
        }
        try finishRestores(consumer)
    }

    /// Takes up the writes whose records were read in part before (by this store, in an earlier
    /// session or follow) on these changelog partitions, in place of what memory holds of them.
    private func loadPartialWrites(of changelogs: Set<TopicPartition>) throws {
        guard !changelogs.isEmpty else { return }
        incomplete = incomplete.filter { !changelogs.contains($0.key.changelog) }
        for r in try store.reader.changelogPartialRecords(of: changelogs) {
            incomplete[r.write, default: PartialWrite(expected: r.expected, saved: true)].changes
                .append(contentsOf: Self.changes(key: r.key, value: r.value, source: topics.source(of: r.write.changelog)))
            incomplete[r.write]!.read += 1
        }
    }

    /// The changes a changelog record holds (packed or not, `ChangelogPacking`) that this build
    /// knows; the others are skipped (a newer bridge may write tags an older one ignores).
    static func changes(key: [UInt8], value: [UInt8]?, source: TopicPartition?) -> [(partition: TopicPartition?, change: StateChange)] {
        (ChangelogPacking.records(key: key, value: value) ?? []).compactMap { record in
            StateChange(key: record.key, value: record.value, source: source).map { (source, $0) }
        }
    }

    /// A restoring partition is done once it has read to the end the changelog had when its
    /// first fetch answered (an empty one at once).
    private func finishRestores(_ consumer: KafkaConsumer) throws {
        var done: [TopicPartition] = []
        for (changelog, var f) in followed {
            guard var restoring = f.restoring else { continue }
            if restoring.target == nil {
                guard let wm = try consumer.cachedWatermarks(changelog) else { continue }
                restoring.target = wm.high
            }
            guard let target = restoring.target, f.next >= target else {
                f.restoring = restoring
                followed[changelog] = f
                continue
            }
            let seconds = (ContinuousClock.now - restoring.started).seconds
            f.restoring = nil
            followed[changelog] = f
            metrics.restoreDuration.observe(seconds)
            metrics.restoredRecords.add(restoring.records)
            metrics.restoredBytes.add(restoring.bytes)
            if let source = topics.source(of: changelog) {
                done.append(source)
                logger.info("partition state restored from the changelog", [
                    "partition": source.description, "records": String(restoring.records), "bytes": String(restoring.bytes),
                    "seconds": String(format: "%.3f", seconds), "changelogEnd": String(target),
                ])
            }
        }
        if !done.isEmpty {
            lock.withLock { restoredOut += done }
            metrics.restoringPartitions.set(followed.values.filter { $0.restoring != nil }.count)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
