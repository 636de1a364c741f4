import Basics
import Foundation
import Synchronization

/// A dedicated OS thread that runs one blocking step (`rd_kafka_queue_poll` with a timeout)
/// over and over until stopped.
///
/// librdkafka's blocking calls never run on Swift's cooperative thread pool: they run here, or
/// on a client's serial `DispatchQueue` (see ``RDKafkaClient/run(_:)``).
package final class KafkaPollThread: Sendable {
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let started = Atomic<Bool>(false)
    private let name: String
    private let step: @Sendable () -> Void
    private let wake: @Sendable () -> Void

    /// - Parameters:
    ///   - step: one bounded blocking step (it must return within its own timeout).
    ///   - wake: makes a running `step` return early (e.g. `rd_kafka_queue_yield`).
    init(name: String, step: @escaping @Sendable () -> Void, wake: @escaping @Sendable () -> Void) {
        self.name = name
        self.step = step
        self.wake = wake
    }

    /// Starts the thread (once).
    package func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            ThreadName.setCurrent(name)
            while !stopRequested.load(ordering: .acquiring) {
                step()
            }
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Asks the thread to stop and waits until its last step has returned. Idempotent; must not
    /// be called from the poll thread itself.
    package func stopAndJoin() {
        guard started.load(ordering: .acquiring) else { return }
        guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wake()
        finished.wait()
    }
}
