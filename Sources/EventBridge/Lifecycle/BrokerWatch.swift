import Basics
import Foundation
import KafkaClient
import Observability
import Synchronization

/// Asks the broker for its brokers every `interval` on a thread of its own and tells the bridge's
/// health when it answered (`/readyz`: "broker unreachable" once it has not for
/// `health.brokerUnreachableAfter`). A client of its own (an admin client), so a stalled probe never
/// holds the pipeline's producer or consumer; a stopped or frozen broker (the request times out)
/// counts as unreachable as much as a refused connection.
final class BrokerWatch: Sendable {
    private let admin: KafkaAdmin
    private let health: BridgeHealth
    private let interval: Duration
    private let stopping = Atomic<Bool>(false)

    /// `interval`: a third of the threshold, between 0.5 s and 5 s.
    init(kafka: KafkaConfig, health: BridgeHealth, logger: Logger) throws {
        admin = try KafkaAdmin(config: kafka, logger: logger)
        self.health = health
        interval = min(max(health.thresholds.brokerUnreachable / 3, .milliseconds(500)), .seconds(5))
    }

    /// Starts the probe thread. It holds the watch until `stop()` and its last probe return.
    func start() {
        let thread = Thread { [self] in
            ThreadName.setCurrent("eb-broker-watch")
            var pace = Backoff(initial: interval, maximum: interval)
            while !stopping.load(ordering: .acquiring) {
                if (try? admin.brokersBlocking(timeout: interval)) != nil { health.brokerAnswered() }
                pace.sleep(while: { !self.stopping.load(ordering: .acquiring) })
            }
        }
        thread.name = "eventbridge-broker-watch"
        thread.start()
    }

    /// Asks the thread to end after its current probe (at most `interval`); does not wait for it.
    func stop() { stopping.store(true, ordering: .releasing) }
}
