import Basics
import KafkaClient

/// Outcomes durable first, offsets after (docs/design.md §2.1), through the commit stage.
extension Bridge {
    /// Records the outcomes of every complete input in one store transaction, then stores and
    /// commits their offsets.
    ///
    /// Pipelined: the transaction runs on the store's writer while the pipeline goes on, and its
    /// offsets are committed at the next call, once it is durable (`settleCommit`). At most one
    /// transaction is in flight, so offsets move in order. With `sync` it waits for the store and
    /// commits the offsets synchronously (revoke, rewind, shutdown).
    func commit(sync: Bool) {
        lastCommit = ContinuousClock.now
        settleCommit(sync: false)
        commits.handOff()
        if sync { settleCommit(sync: true) }
        retryFailedCommit()
    }

    /// Whether the periodic commit is due: `commitInterval` has passed and the transaction handed
    /// off before is durable. The consumer loop never waits for the store: while the writer is
    /// still busy — a slow changelog acknowledgement, a slow disk — inputs go on being processed
    /// and published, and the commit is tried at the next turn of the loop (docs/decisions.md,
    /// 2026-12-04, "The loop does not wait for the store").
    var commitDue: Bool {
        ContinuousClock.now - lastCommit >= commitInterval && commits.isSettled
    }

    /// An asynchronous offset commit the broker refused (e.g. during a rebalance) leaves its
    /// offsets stored but not committed; without new inputs nothing would commit them again, and
    /// the group's position (lag, `reconcile`, a restart's starting point) would stay behind. So
    /// once a second the stored offsets are committed again: librdkafka sends only those not
    /// committed yet, and nothing when there are none.
    private func retryFailedCommit() {
        guard let consumer, ContinuousClock.now - lastRecommit >= .seconds(1) else { return }
        lastRecommit = ContinuousClock.now
        try? consumer.commitAsync()
    }

    /// Waits for the store transaction in flight (writing it again, with backoff, while the store
    /// fails), then stores and commits its offsets.
    func settleCommit(sync: Bool) {
        var backoff = config.retry.backoff
        let settled: CommitStage.Settled
        while true {
            do {
                guard let s = try commits.settle() else { return }
                settled = s
                break
            } catch {
                // The store is busy or the disk full: nothing of the batch is stored, so the offsets
                // stay where they are; write it again until it holds. `/readyz` says so meanwhile.
                logger.error("store commit failed, retrying", ["error": "\(error)"])
                metrics.bridge.storeCommitFailures.increment()
                health.storeFailed("\(error)")
                backoff.sleep()
            }
        }
        health.storeCommitted()
        progressed(settled.offsets)
        metrics.bridge.commitDuration.observe(settled.duration)
        releasing.subtract(settled.released)
        if !settled.ready.isEmpty || !settled.released.isEmpty { sweepDue = true }
        metrics.commits += 1
        // Offsets follow the store: not when the outcomes went to a file that is gone.
        guard let consumer, storeFileHolds() else { return }
        do {
            try consumer.store(settled.offsets.filter { assigned.contains($0.topicPartition) })
            if sync { try consumer.commitBlocking() } else { try consumer.commitAsync() }
            metrics.bridge.commits(result: "ok").increment()
        } catch {
            // The store holds the truth; a lost Kafka commit only means re-reading inputs that the
            // store already recorded, which `recordedBelow` skips.
            logger.warning("offset commit failed", ["error": "\(error)"])
            metrics.bridge.commits(result: "error").increment()
        }
    }
}
