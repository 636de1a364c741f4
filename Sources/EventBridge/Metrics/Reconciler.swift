import Basics
import EventStore
import Foundation
import Observability
import Synchronization

/// The in-process reconcile (docs/metrics.md): every `observability.reconcileInterval` it checks,
/// on a thread and a read-only store connection of its own, that every committed input has an
/// outcome in the ledger (`CompletenessTracker`) and counts the open exceptions by workflow,
/// materiality and age (`ExceptionAccount`). The metrics server reads the last pass
/// (`eventbridge_reconcile_*`, `eventbridge_exceptions_*`); the pipeline never waits for it.
final class Reconciler: @unchecked Sendable {
    // @unchecked: `tracker`, `reader` and `lastMissing` are touched only on the reconcile thread (`run`, or the
    // caller of `runOnce` in tests, never both); `last` is behind a Mutex and `stopping` behind `lock`.
    private let storePath: String
    private let objectives: Objectives
    private let interval: Duration
    private let metrics: BridgeMetrics
    private let logger: Logger
    private let tracker = CompletenessTracker()
    private var reader: StoreReader?
    /// Missing outcomes at the last pass: a change is logged, a steady count once.
    private var lastMissing: Int64 = 0
    private let last = SnapshotBox()
    private let lock = NSLock()
    private let wake = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private var stopping = false
    private var thread: Thread?

    init(storePath: String, objectives: Objectives, interval: Duration, metrics: BridgeMetrics, logger: Logger) {
        self.storePath = storePath
        self.objectives = objectives
        self.interval = interval
        self.metrics = metrics
        self.logger = logger.with(label: "reconcile")
        metrics.setReconcileProvider { [last] in last.value.withLock { $0 } }
    }

    /// The last completed pass (nil before the first).
    var snapshot: ReconcileSnapshot? { last.value.withLock { $0 } }

    /// Starts the thread: a first pass at once (even when stopped right away), then one per interval.
    func start() {
        let t = Thread { [self] in
            ThreadName.setCurrent("eb-reconcile")
            run()
        }
        t.name = "eb-reconcile"
        thread = t
        t.start()
    }

    /// Stops the thread after its current pass and closes the connection.
    func stop() {
        lock.withLock { stopping = true }
        wake.signal()
        if thread != nil { stopped.wait() }
        thread = nil
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func run() {
        defer {
            reader?.close()
            reader = nil
            stopped.signal()
        }
        let wait = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        repeat {
            do {
                try runOnce()
            } catch {
                metrics.reconcileRuns(result: "error").increment()
                logger.warning("reconcile pass failed", ["error": "\(error)"])
                reader?.close()
                reader = nil  // reopened next pass
            }
            _ = wake.wait(timeout: .now() + wait)
        } while !isStopping
    }

    /// One pass: completeness, then open exceptions; publishes the snapshot.
    @discardableResult
    func runOnce() throws -> ReconcileSnapshot {
        let reader = try self.reader ?? StoreReader.open(path: storePath)
        self.reader = reader
        let partitions = try tracker.update(reader)
        let now = WallClock.nowMillis()
        let exceptions = try ExceptionAccount.read(reader, objectives: objectives, nowMillis: now)
        let snapshot = ReconcileSnapshot(partitions: partitions, exceptions: exceptions, atMillis: WallClock.nowMillis())
        last.value.withLock { $0 = snapshot }
        metrics.reconcileRuns(result: "ok").increment()
        let missing = partitions.reduce(0) { $0 + $1.missing }
        if missing != lastMissing {
            lastMissing = missing
            for p in partitions where p.missing > 0 {
                logger.warning("committed inputs without an outcome", ["partition": p.partition.description, "missing": String(p.missing),
                                                                       "first": p.holes.first.map { "\($0.lowerBound)" } ?? ""])
            }
        }
        return snapshot
    }
}

/// The last reconcile pass: written by the reconcile thread, read by the metrics server.
final class SnapshotBox: Sendable {
    let value = Mutex<ReconcileSnapshot?>(nil)
}
