import KafkaClient

extension Bridge {
    /// Rebalance events arrive synchronously on the pipeline thread (inside `consumer.poll`).
    func rebalanced(_ event: KafkaRebalanceEvent) {
        let partitions = Set(event.partitions)
        switch event.kind {
        case .assigned:
            assigned.formUnion(partitions)
            // Checked after this poll returns, before any of their records is handled.
            stateUnchecked.formUnion(partitions)
            let processed = (try? store.reader.processedOffsets()) ?? [:]
            for tp in partitions {
                if let next = processed[tp] { recordedBelow[tp] = next }
            }
            followProgress(of: partitions, processed: processed)
            if paused { try? consumer?.pause(Array(partitions)) }
            metrics.bridge.rebalances(kind: "assigned").increment()
            health.setAssigned(true)
        case .revoked, .lost:
            // Finish what is in flight for these partitions and commit it while we still own them;
            // whatever is left is abandoned and will be consumed again by the next owner.
            if event.kind == .revoked { drain(timeout: .seconds(20), partitions: partitions) }
            commit(sync: event.kind == .revoked)
            settleCommit(sync: false)
            let abandoned = commits.tracker.abandon(partitions)
            pipeline.dedup.forget(partitions)
            if !abandoned.isEmpty { logger.warning("abandoned in-flight inputs on revoke", ["partitions": abandoned.keys.map(\.description).joined(separator: ",")]) }
            assigned.subtract(partitions)
            stateUnchecked.subtract(partitions)
            for tp in partitions {
                progress.removeValue(forKey: tp)
                recordedBelow.removeValue(forKey: tp)
                lastConsumed.removeValue(forKey: tp)
            }
            metrics.bridge.rebalances(kind: event.kind == .lost ? "lost" : "revoked").increment()
            unblock(partitions)
            health.setAssigned(!assigned.isEmpty)
        }
    }
}
