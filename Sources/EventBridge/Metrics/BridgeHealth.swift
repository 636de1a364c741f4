import Basics
import Observability
import Synchronization

/// What `/readyz` answers (docs/metrics.md, "Readiness"): fed by the pipeline thread and the broker
/// watch, read by the metrics server's thread at request time. Ready means the bridge is doing its
/// work: partitions assigned, the store committing, the broker answering, every partition with
/// records behind its commit point moving, none blocked by a record that cannot be written. The
/// body always names the running catalog (`catalog sha256:…`), which `dlq replay` compares with
/// the one on disk, and after a reload its result (`reload #N ok` or `reload #N failed: …`), which
/// `eventbridge reload` waits for (`RunningBridge`).
final class BridgeHealth: Sendable {
    struct Thresholds: Sendable {
        var brokerUnreachable: Duration
        var stuckPartition: Duration

        init(_ settings: BridgeConfig.HealthSettings) {
            brokerUnreachable = .milliseconds(settings.brokerUnreachableAfterMs)
            stuckPartition = .milliseconds(settings.stuckPartitionAfterMs)
        }
    }

    /// A partition that has records behind its commit point and has not moved it.
    struct Stuck: Sendable, Equatable {
        var partition: TopicPartition
        var behind: Int64
        var since: Duration
    }

    private struct State {
        var assigned = false
        var storeFailing: (since: ContinuousClock.Instant, error: String)?
        var lastBrokerContact = ContinuousClock.now
        var stuck: [Stuck] = []
        var blocked: [TopicPartition: String] = [:]
        var catalogDigest: String
        /// The last reload: its number (1, 2 …) and why it failed (nil: it worked).
        var reload: (number: Int, failure: String?)?
    }

    let thresholds: Thresholds
    private let state: Mutex<State>

    init(thresholds: Thresholds, catalogDigest: String) {
        self.thresholds = thresholds
        state = Mutex(State(catalogDigest: catalogDigest))
    }

    func setAssigned(_ assigned: Bool) { state.withLock { $0.assigned = assigned } }

    /// A store transaction failed and is being written again; `storeCommitted` ends it.
    func storeFailed(_ error: String) {
        state.withLock { s in s.storeFailing = (s.storeFailing?.since ?? .now, error) }
    }

    func storeCommitted() { state.withLock { $0.storeFailing = nil } }

    /// The broker answered.
    func brokerAnswered() { state.withLock { $0.lastBrokerContact = .now } }

    /// How long the broker has not answered.
    var brokerSilence: Duration { ContinuousClock.now - state.withLock { $0.lastBrokerContact } }

    func setStuck(_ stuck: [Stuck]) { state.withLock { $0.stuck = stuck } }

    var stuck: [Stuck] { state.withLock { $0.stuck } }

    /// A partition that stopped at a record that cannot be written (nil reason: no longer blocked).
    func setBlocked(_ partition: TopicPartition, reason: String?) { state.withLock { $0.blocked[partition] = reason } }

    var catalogDigest: String { state.withLock { $0.catalogDigest } }

    /// A reload was applied (`digest` now runs) or failed (`failure`; the old catalog stays).
    func reloaded(digest: String?, failure: String?) {
        state.withLock { s in
            if let digest { s.catalogDigest = digest }
            s.reload = ((s.reload?.number ?? 0) + 1, failure)
        }
    }

    /// The verdict and its reasons, most pressing first; the catalog digest in every answer.
    func readiness() -> Readiness {
        let s = state.withLock { $0 }
        let now = ContinuousClock.now
        var reasons: [String] = []
        for (partition, reason) in s.blocked.sorted(by: { $0.key < $1.key }) {
            reasons.append("partition \(partition) is blocked: \(reason)")
        }
        if let failing = s.storeFailing {
            reasons.append("store commits failing for \(Self.seconds(now - failing.since)): \(failing.error)")
        }
        let silence = now - s.lastBrokerContact
        if silence > thresholds.brokerUnreachable { reasons.append("broker unreachable for \(Self.seconds(silence))") }
        for stuck in s.stuck {
            reasons.append("partition \(stuck.partition) made no progress for \(Self.seconds(stuck.since)) with \(stuck.behind) records behind")
        }
        if !s.assigned { reasons.append("no partitions assigned yet") }
        let verdict: Readiness = reasons.isEmpty ? .ready : .notReady(reasons.joined(separator: "; "))
        var details = ["catalog \(s.catalogDigest)"]
        if let reload = s.reload { details.append("reload #\(reload.number) " + (reload.failure.map { "failed: \($0)" } ?? "ok")) }
        return verdict.with(details: details)
    }

    static func seconds(_ d: Duration) -> String { "\(d.components.seconds)s" }
}
