import Foundation

/// Exponential backoff: the one way the project waits before trying again — for room in
/// librdkafka's queue (1 ms doubling to 50 ms, no jitter) and for transient faults (store or
/// broker unavailable: the configured backoff, doubling, with jitter so instances don't retry in
/// step).
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    /// ± this fraction of each delay, at random (0 for none).
    public let jitter: Double
    public private(set) var current: Duration

    public init(initial: Duration, maximum: Duration, jitter: Double = 0) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.jitter = jitter
        current = initial
    }

    /// Waiting for room in a client queue: 1 ms doubling to 50 ms.
    public static var queueFull: Backoff { Backoff(initial: .milliseconds(1), maximum: .milliseconds(50)) }

    /// Transient faults: `initialMs` doubling to `maxMs`, ±20 % jitter.
    public static func faults(initialMs: Int, maxMs: Int) -> Backoff {
        Backoff(initial: .milliseconds(initialMs), maximum: .milliseconds(maxMs), jitter: 0.2)
    }

    public mutating func reset() { current = initial }

    /// The delay to wait now (with jitter); doubles the next one up to `maximum`.
    public mutating func advance() -> Duration {
        let delay = jitter > 0 ? current * Double.random(in: (1 - jitter)...(1 + jitter)) : current
        current = min(current * 2, maximum)
        return delay
    }

    /// Blocks the calling thread for the next delay, in steps of at most 50 ms, returning early
    /// once `condition` turns false. For callers on their own threads, never Swift's cooperative pool.
    public mutating func sleep(while condition: () -> Bool = { true }) {
        let end = ContinuousClock.now + advance()
        while condition() {
            let left = end - ContinuousClock.now
            guard left > .zero else { return }
            Thread.sleep(forTimeInterval: Self.seconds(min(left, .milliseconds(50))))
        }
    }

    /// Suspends the task for the next delay. Throws `CancellationError` when the task is cancelled.
    public mutating func sleep() async throws {
        try await Task.sleep(for: advance())
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
