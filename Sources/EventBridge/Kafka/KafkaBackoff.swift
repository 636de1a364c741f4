import Foundation

/// Waiting for room in librdkafka's queue: short sleeps that grow from 1 ms to 50 ms, so a
/// waiting caller neither spins nor adds much latency once delivery reports free space.
struct KafkaBackoff: Sendable {
    static let first: Duration = .milliseconds(1)
    static let limit: Duration = .milliseconds(50)

    private(set) var next: Duration = KafkaBackoff.first

    /// The current delay, doubling the next one up to ``limit``.
    mutating func advance() -> Duration {
        let current = next
        next = min(next * 2, KafkaBackoff.limit)
        return current
    }

    /// Sleeps without blocking a thread.
    /// - Throws: ``KafkaError/Code/cancelled`` when the task is cancelled.
    mutating func sleep() async throws(KafkaError) {
        do {
            try await Task.sleep(for: advance())
        } catch {
            throw KafkaError(.cancelled, message: "cancelled while waiting for room in the producer queue")
        }
    }

    /// Blocks the calling thread (for callers on their own threads, never the cooperative pool).
    mutating func sleepBlocking() {
        let delay = advance()
        let micros = delay.components.seconds * 1_000_000 + delay.components.attoseconds / 1_000_000_000_000
        usleep(UInt32(clamping: micros))
    }
}

extension Duration {
    /// Milliseconds for librdkafka's `int timeout_ms` parameters (clamped, rounded down).
    var rdKafkaMilliseconds: Int32 {
        let c = components
        return Int32(clamping: c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000)
    }
}
