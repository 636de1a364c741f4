import Dispatch
import Foundation
import Basics
import Observability

/// The bridge's embedded store (docs/design.md §9): SQLite in WAL mode, one file per instance.
///
/// Holds dedup keys, the last revision per entity, parked events, the outcome ledger, DLQ
/// replay bookkeeping and the processed offsets per partition. The pipeline collects one
/// batch's writes in a `StoreBatch` and commits it in one transaction before committing the
/// batch's offsets to Kafka:
///
///     var batch = StoreBatch()
///     for record in records {
///         if try store.checkAndInsert(key, partition: p, atMillis: now, into: &batch) { … publish … }
///         batch.record(LedgerEntry(source: position, outcome: …, atMillis: now))
///     }
///     batch.setProcessedOffset(next: last + 1, for: p)
///     try await store.commit(batch)      // durable when it returns
///     consumer.commit(offsets)
///
/// The store answers for committed state only. Dedup keys and revisions of events that are
/// published but not yet committed have one owner, the pipeline's dedup stage
/// (`Pipeline/Stages/DedupStage.swift`), which asks the store second.
///
/// Threads: lookups (`contains`, `lastRevision`) run on the caller's thread, mostly from memory,
/// and are safe from any thread. Commits and pruning run on a serial
/// queue the store owns, never on Swift's cooperative pool (an fsync blocks). Queries go through
/// `reader`.
public final class EventStore: @unchecked Sendable {
    // @unchecked: `writer` and `isClosed` are only touched on `queue` (serial), except in
    // `deinit`, which has exclusive access; `index` and `reader` are thread-safe
    // themselves, as is `revisions`; `pruneTimer` is set once in `init` (DispatchSource is thread-safe); `lock` and
    // `identity` are set once in `init` (the lock is released once, from `close` or `deinit`).
    public let configuration: StoreConfiguration
    /// Queries (trace, reconcile, stats, parked events) on the store's read connection.
    public let reader: StoreReader
    /// The pipeline's revision lookups, one snapshot at a time (`RevisionSnapshot`).
    public let revisions: RevisionSnapshot
    private let queue: DispatchQueue
    private let writer: StoreWriter
    private let index: DedupIndex
    private let logger: Logger
    private var isClosed = false
    private var pruneTimer: DispatchSourceTimer?
    /// This process is the store's one writer while it holds this (docs/store.md, "Safety").
    private let lock: StoreLock?
    /// The file as it was opened: `verifyFile` notices a store deleted or replaced since.
    private let identity: StoreIntegrity.FileIdentity?

    private init(configuration: StoreConfiguration, writer: StoreWriter, index: DedupIndex, reader: StoreReader,
                 revisions: RevisionSnapshot, logger: Logger, lock: StoreLock?, identity: StoreIntegrity.FileIdentity?) {
        self.configuration = configuration
        self.writer = writer
        self.index = index
        self.reader = reader
        self.revisions = revisions
        self.logger = logger
        self.lock = lock
        self.identity = identity
        queue = DispatchQueue(label: "eventbridge.store.writer")
    }

    /// Opens (or creates, readable by its owner only) the store and loads the in-memory dedup
    /// front. Fast at millions of keys: it reads the Bloom filters and the open generation, not the
    /// whole table; `PRAGMA quick_check` reads every page once (about a second per GB).
    /// - Throws: `inUse` when another process has the store open (one writer per store);
    ///   `corrupt` when the quick check finds damage.
    public static func open(_ configuration: StoreConfiguration, logger: Logger) throws -> EventStore {
        try configuration.validate()
        let started = DispatchTime.now()
        let lock = configuration.exclusiveWriter ? try StoreLock.acquire(store: configuration.path) : nil
        let db = try SQLiteDatabase(
            path: configuration.path, mode: .readWriteCreate, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        for pragma in configuration.connectionPragmas(readOnly: false) { try db.execute(pragma) }
        try StoreIntegrity.quickCheck(db)
        let identity = StoreIntegrity.FileIdentity(path: configuration.path)
        try StoreSchema.prepare(db)
        let state = try db.transaction { try DedupIndex.loadState(from: db, configuration: configuration) }
        let index = DedupIndex(state)
        let writer = try StoreWriter(db: db, configuration: configuration, index: index, logger: logger)
        let reader = StoreReader(connection: try LockedConnection.open(configuration, readOnly: true))
        let revisions = RevisionSnapshot(connection: try LockedConnection.open(configuration, readOnly: true))
        let store = EventStore(configuration: configuration, writer: writer, index: index, reader: reader, revisions: revisions,
                               logger: logger, lock: lock, identity: identity)
        store.startPruning()
        let millis = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
        logger.info("store opened", [
            "path": configuration.path, "dedup_keys": String(index.count),
            "dedup_generations": String(state.sealed.count + 1), "open_ms": String(Int(millis)),
        ])
        return store
    }

    deinit {
        pruneTimer?.cancel()
        if !isClosed { writer.close() }
        lock?.release()
    }

    /// Stops background pruning, waits for queued commits, checkpoints and closes. Later
    /// commits fail with `closed`. Idempotent.
    public func close() {
        pruneTimer?.cancel()
        queue.sync {
            if !isClosed {
                isClosed = true
                writer.close()
            }
        }
        reader.close()
        revisions.close()
        lock?.release()
    }

    /// Throws `replaced` when the store's file is no longer the one this store opened: deleted,
    /// or another file in its place. Writes would go to a file nobody will read again, so the
    /// bridge stops before it commits another offset. One `stat`: cheap enough for every commit.
    public func verifyFile() throws {
        guard let identity else { return }
        guard let now = StoreIntegrity.FileIdentity(path: configuration.path) else {
            throw StoreError(.replaced, message: "the store file was deleted while the bridge ran", context: configuration.path)
        }
        guard now == identity else {
            throw StoreError(.replaced, message: "the store file was replaced by another file while the bridge ran "
                                 + "(inode \(identity.inode) → \(now.inode))", context: configuration.path)
        }
    }

    /// The pid of the process that has the store at `path` open for writing (a running bridge),
    /// nil when none has.
    public static func writerPid(ofStore path: String) -> Int32? { StoreLock.holder(ofStore: path) }

    // MARK: Dedup

    /// True when `key` is committed in a live (unpruned) generation. New keys are answered from
    /// memory; a Bloom filter hit in a sealed generation is confirmed with one SQLite lookup.
    public func contains(_ key: DedupKey) throws -> Bool {
        switch index.lookup(key) {
        case .absent: return false
        case .present: return true
        case .confirm(let generations): return try reader.contains(key, generations: generations)
        }
    }

    /// Check-and-insert outside the pipeline (tools, benchmarks): when `key` is neither committed
    /// nor already in `batch`, adds it to `batch` and returns true; otherwise returns false and
    /// changes nothing.
    @discardableResult
    public func checkAndInsert(_ key: DedupKey, partition: TopicPartition, atMillis: Int64, into batch: inout StoreBatch) throws -> Bool {
        if try contains(key) { return false }
        return batch.insertDedupKey(key, partition: partition, firstSeenMillis: atMillis)
    }

    /// Dedup keys held (open generation, sealed generations), from memory.
    public var dedupKeyCount: Int { index.count }

    // MARK: Revisions

    /// The last committed revision of an entity. Publish only when the new revision is greater
    /// (docs/design.md §6).
    public func lastRevision(family: String, entityKey: String) throws -> StoredRevision? {
        try reader.lastRevision(family: family, entityKey: entityKey)
    }

    // MARK: Entity state

    /// The last committed source record (JSON text) of an entity of a mapping's `scope`; nil when
    /// none is known. Uncommitted records are the pipeline's entity state stage's to answer.
    public func entityState(scope: String, entity: String) throws -> [UInt8]? {
        try reader.entityState(scope: scope, entity: entity)
    }

    // MARK: Commit

    /// Commits `batch` as one transaction on the store's writer queue; durable when it returns.
    /// If it throws, nothing of the batch is stored: the pipeline must not commit the batch's
    /// offsets and should resume from `reader.processedOffsets()`.
    public func commit(_ batch: StoreBatch) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            queue.async {
                continuation.resume(with: Result { try self.write(batch) })
            }
        }
    }

    /// `commit(_:)` for a caller on its own thread (the pipeline's poll thread). Blocks until
    /// durable. Never call it from Swift's cooperative pool.
    public func commitAndWait(_ batch: StoreBatch) throws {
        try queue.sync { try write(batch) }
    }

    /// Hands `batch` to the store's writer queue and returns at once; `PendingStoreCommit.wait()`
    /// blocks until it is durable (or throws what `commitAndWait` would have thrown). Lets the
    /// pipeline process the next inputs while the transaction and its fsync run on the writer.
    /// Batches are written in the order they are handed over. Until `wait()` returns, lookups may
    /// or may not see the batch: its keys stay with the dedup stage until then.
    ///
    /// `after` runs on the writer first and must succeed for the batch to be written: the bridge
    /// waits there for the changelog's acknowledgement of the batch's changes (docs/scaling.md).
    public func commitInBackground(_ batch: StoreBatch, after: (@Sendable () throws -> Void)? = nil) -> PendingStoreCommit {
        let pending = PendingStoreCommit()
        queue.async {
            pending.complete(Result {
                try after?()
                try self.write(batch)
            })
        }
        return pending
    }

    // MARK: Changelog

    /// Applies changes read from changelog topics, in their order, and records how far each
    /// changelog partition is applied (`positions`: the next offset to read) — one transaction,
    /// durable when it returns. Records of writes read in part are kept (`partial`) and those of
    /// writes now read whole forgotten (`completed`), in the same transaction. Dedup keys and
    /// ledger rows older than their retention are skipped: the changelog may still hold what the
    /// store already pruned. Blocks: call it off the cooperative pool.
    public func apply(_ changes: [(partition: TopicPartition?, change: StateChange)], positions: [TopicPartition: Int64],
                      partial: [ChangelogPartialRecord] = [], completed: [ChangelogWriteID] = [],
                      nowMillis: Int64 = WallClock.nowMillis()) throws {
        var batch = StoreBatch()
        batch.restoring = true
        batch.keepPartial(partial)
        batch.forgetPartial(completed)
        let dedupCutoff = nowMillis - Int64(configuration.dedupRetentionSeconds) * 1000
        let ledgerCutoff = nowMillis - Int64(configuration.ledgerRetentionSeconds) * 1000
        for (partition, change) in changes {
            switch change {
            case .dedupKey(_, let at) where at < dedupCutoff: continue
            case .outcome(let e) where e.atMillis < ledgerCutoff: continue
            default: batch.apply(change, partition: partition)
            }
        }
        for (tp, next) in positions { batch.setChangelogPosition(next: next, for: tp) }
        try commitAndWait(batch)
    }

    /// Runs on `queue`.
    private func write(_ batch: StoreBatch) throws {
        do {
            guard !isClosed else { throw StoreError(.closed, message: "store is closed", context: "commit") }
            try writer.apply(batch)
        } catch {
            logger.error("store commit failed", ["error": String(describing: error), "inputs": String(batch.outcomeCount)])
            throw error
        }
    }

    // MARK: Maintenance

    /// Prunes everything due at `nowMillis`, one small transaction at a time (commits
    /// interleave). Background pruning calls this every `pruneIntervalSeconds`.
    @discardableResult
    public func prune(nowMillis: Int64) throws -> PruneReport {
        var total = PruneReport()
        while true {
            let step = try queue.sync {
                guard !isClosed else { throw StoreError(.closed, message: "store is closed", context: "prune") }
                return try writer.pruneStep(nowMillis: nowMillis)
            }
            if step.steps == 0 { return total }
            total.add(step)
        }
    }

    /// Drops one source partition's dedup keys, revisions, entity state and parked events (docs/design.md §11).
    public func dropState(of partition: TopicPartition) throws {
        try queue.sync {
            guard !isClosed else { throw StoreError(.closed, message: "store is closed", context: "drop state") }
            try writer.dropState(of: partition)
        }
    }

    private func startPruning() {
        guard configuration.pruneIntervalSeconds > 0 else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "eventbridge.store.pruner", qos: .utility))
        let interval = configuration.pruneIntervalSeconds
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .seconds(1))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            do {
                let report = try self.prune(nowMillis: WallClock.nowMillis())
                if report.steps > 0 {
                    self.logger.debug("pruned", [
                        "generations": String(report.droppedGenerations), "dedup_keys": String(report.deletedDedupKeys),
                        "ledger_rows": String(report.deletedLedgerRows),
                    ])
                }
            } catch let error as StoreError where error.code == .closed {
                return
            } catch {
                self.logger.warning("pruning failed", ["error": String(describing: error)])
            }
        }
        pruneTimer = timer
        timer.resume()
    }
}

/// A store commit running on the writer queue (`EventStore.commitInBackground`).
public final class PendingStoreCommit: @unchecked Sendable {
    // @unchecked: `result` is written once on the writer queue before `done` is signalled, and
    // read only after waiting on `done` (the semaphore orders the two).
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Void, Error>?
    private let submitted = ContinuousClock.now
    /// How long the writer took, from hand-over to durable (set with `result`).
    public private(set) var duration: Duration = .zero

    fileprivate init() {}

    fileprivate func complete(_ result: Result<Void, Error>) {
        duration = ContinuousClock.now - submitted
        self.result = result
        done.signal()
    }

    /// Whether the writer is done with the batch (durable or failed): `wait` would not block.
    public var isDone: Bool {
        guard done.wait(timeout: .now()) == .success else { return false }
        done.signal()
        return true
    }

    /// Blocks until the batch is durable; throws if its transaction failed (nothing of it is
    /// stored then). May be called more than once.
    public func wait() throws {
        done.wait()
        done.signal()
        try result!.get()
    }
}
