import Basics
import KafkaClient

extension Bridge {
    /// Rebalance events arrive synchronously on the pipeline thread (inside `consumer.poll`).
    func rebalanced(_ event: KafkaRebalanceEvent) {
        let partitions = Set(event.partitions)
        switch event.kind {
        case .assigned:
            assigned.formUnion(partitions)
            if let follower {
                // Paused until the changelog has brought their state here (`partitionsRestored`).
                try? consumer?.pause(Array(partitions))
                restoring.formUnion(partitions)
                follower.follow(partitions)
            } else {
                if paused { try? consumer?.pause(Array(partitions)) }
                startProcessing(partitions)
            }
            metrics.bridge.rebalances(kind: "assigned").increment()
            health.setAssigned(true)
        case .revoked, .lost:
            // Finish what is in flight for these partitions and record it: while we still own them
            // (revoked), or — lost after a session timeout, e.g. a stalled broker — at least in the
            // store and the changelog, so that whoever consumes them next sees their outcomes
            // instead of publishing them again. What is left then is abandoned.
            drain(timeout: event.kind == .revoked ? .seconds(20) : .seconds(30), partitions: partitions)
            commit(sync: event.kind == .revoked)
            settleCommit(sync: false)
            follower?.unfollow(partitions)
            restoring.subtract(partitions)
            let abandoned = commits.tracker.abandon(partitions.union(partitions.map(GateStage.releasePartition(of:))))
            pipeline.dedup.forget(partitions)
            pipeline.entityState.forget(partitions)
            pipeline.gate.forget(partitions)
            forgetReleases(of: partitions)
            if !abandoned.isEmpty { logger.warning("abandoned in-flight inputs on revoke", ["partitions": abandoned.keys.map(\.description).joined(separator: ",")]) }
            assigned.subtract(partitions)
            stateUnchecked.subtract(partitions)
            for tp in partitions {
                progress.removeValue(forKey: tp)
                recordedBelow.removeValue(forKey: tp)
                lastConsumed.removeValue(forKey: tp)
                skippedWhileRestoring.removeValue(forKey: tp)
            }
            metrics.bridge.rebalances(kind: event.kind == .lost ? "lost" : "revoked").increment()
            unblock(partitions)
            health.setAssigned(!assigned.isEmpty)
        }
    }

    /// Partitions whose state is here: skip what the store recorded already, check that the store
    /// has state for what the group consumed (`checkAssignedState`), follow their progress, count
    /// their parked events, let the sweep look at them.
    func startProcessing(_ partitions: Set<TopicPartition>) {
        // A failed read is not lost: `checkAssignedState` reads the offsets again before any of
        // these partitions' records is handled.
        let processed = (try? store.reader.processedOffsets()) ?? [:]
        for tp in partitions {
            if let next = processed[tp] { recordedBelow[tp] = next }
        }
        // Checked after the next poll returns, before any of their records is handled.
        stateUnchecked.formUnion(partitions)
        followProgress(of: partitions, processed: processed)
        do {
            try pipeline.gate.load(partitions)
        } catch {
            logger.warning("cannot count the parked events of newly assigned partitions", ["error": "\(error)"])
        }
        sweepDue = true
    }

    /// What the changelog follower has done since the last loop: restored partitions start
    /// (resumed, rewound to anything a poll returned too early); readiness other instances
    /// published reaches the gate; operators' requests make a sweep due.
    func takeChangelogNews(_ consumer: KafkaConsumer) {
        guard let follower else { return }
        let restored = Set(follower.takeRestored()).intersection(restoring)
        if !restored.isEmpty {
            restoring.subtract(restored)
            startProcessing(restored)
            let rewind = restored.compactMap { tp in skippedWhileRestoring.removeValue(forKey: tp).map { PartitionPosition(tp, offset: $0) } }
            if !rewind.isEmpty { try? consumer.seek(rewind.sorted()) }
            if !paused { try? consumer.resume(Array(restored)) }
        }
        let ready = follower.takeReady()
        if !ready.isEmpty {
            pipeline.gate.committed(ready: ready, resolved: [])
            sweepDue = true
        }
        if follower.takeRequests() { sweepDue = true }
    }
}
