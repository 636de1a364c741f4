import Basics
import KafkaClient

/// Readiness that tells the truth (docs/metrics.md, "Readiness"): the pipeline thread's share —
/// store commits failing, partitions that stopped moving. The broker's answers come from the
/// `BrokerWatch`.
extension Bridge {
    /// Where each assigned partition's commit point is and since when (assignment or its last move).
    struct Progress {
        var offset: Int64?
        var since: ContinuousClock.Instant
    }

    /// Starts following newly assigned partitions from the store's commit point.
    func followProgress(of partitions: Set<TopicPartition>, processed: [TopicPartition: Int64]) {
        for tp in partitions { progress[tp] = Progress(offset: processed[tp], since: .now) }
    }

    /// A settled store transaction moved these commit points.
    func progressed(_ offsets: [PartitionPosition]) {
        for position in offsets where progress[position.topicPartition]?.offset != position.offset {
            progress[position.topicPartition] = Progress(offset: position.offset, since: .now)
        }
    }

    /// Recomputes the stuck partitions — records behind the commit point (by the high-water mark
    /// the last fetch reported), the point unmoved for `health.stuckPartitionAfter` — for
    /// `/readyz` and `eventbridge_stuck_partitions`. Pipeline thread, with the lag refresh.
    func refreshStuck(_ consumer: KafkaConsumer) {
        let now = ContinuousClock.now
        var stuck: [BridgeHealth.Stuck] = []
        for tp in assigned.sorted() {
            guard let p = progress[tp], now - p.since > health.thresholds.stuckPartition,
                  let wm = try? consumer.cachedWatermarks(tp) else { continue }
            let behind = wm.high - (p.offset ?? wm.low)
            if behind > 0 { stuck.append(.init(partition: tp, behind: behind, since: now - p.since)) }
        }
        health.setStuck(stuck)
    }
}
