import Basics
import Dispatch
import Foundation
import KafkaClient
import Observability

/// Transient faults (docs/design.md §2.6): they wait, they never dead-letter. A failed delivery
/// rewinds consumption to the last committed position; a full in-flight window pauses it.
extension Bridge {
    /// The producer's delivery reports only touch the commit stage's tracker (on the producer's poll thread).
    static func makeProducer(_ config: KafkaConfig, tracker: InFlightTracker<InputOutcome>, logger: Logger) throws -> KafkaProducer {
        try KafkaProducer(config: config, logger: logger.with(label: "kafka.producer")) { reports in
            for r in reports {
                switch r.result {
                case .success(let p): tracker.acknowledge(r.context, position: PartitionPosition(topic: r.topic, partition: p.partition, offset: p.offset))
                case .failure(let e): tracker.fail(r.context, error: e)
                }
            }
        }
    }

    /// Delivery failures since the last look. A record the broker or the client refused (too
    /// large, invalid: `KafkaError.isRecordRejected`) will be refused again: its partition is
    /// blocked, never rewound in a loop. Any other failure is transient and rewinds.
    func handleFaults(_ consumer: KafkaConsumer) throws {
        let faults = commits.tracker.takeFaults()
        for fault in faults where fault.error.isRecordRejected {
            // A release lane's offsets are release numbers: the partition is its source's.
            let released = GateStage.isReleasePartition(fault.partition)
            block(GateStage.sourcePartition(of: fault.partition), at: released ? nil : fault.offset,
                  reason: "a record produced for \(released ? "a released parked input" : "it") was refused: \(fault.error)")
        }
        if let fault = faults.first(where: { !$0.error.isRecordRejected && !blocked.contains(GateStage.sourcePartition(of: $0.partition)) }) {
            try rewind(consumer, after: fault)
        }
    }

    /// Stops a partition at an input whose record cannot be written: an operator must act (raise
    /// `message.max.bytes` and the topic's `max.message.bytes`, or fix the record upstream) and
    /// restart. Nothing of the partition is handled or committed past it meanwhile; it is paused,
    /// counted (`eventbridge_unwritable_records_total`), logged, and `/readyz` names it.
    func block(_ partition: TopicPartition, at offset: Int64?, reason: String) {
        guard blocked.insert(partition).inserted else { return }
        try? consumer?.pause([partition])
        metrics.bridge.unwritableRecords(topic: partition.topic).increment()
        let record = offset.map { "the record at offset \($0)" } ?? "a record"
        health.setBlocked(partition, reason: "\(record) cannot be written: \(reason)")
        logger.error("a record cannot be written; its partition stops here until the cause is fixed and the bridge restarted",
                     ["position": offset.map { "\(partition)@\($0)" } ?? "\(partition)", "reason": reason])
    }

    /// The DLQ record of an input (consumed, or parked and being released), cut to fit the producer
    /// (`DeadLetterStage`): `[]` when its topic has no DLQ (not a configured source); nil when it
    /// cannot be written at all — its source partition is then blocked and the caller leaves the
    /// input where it is (unregistered, or parked).
    func deadLetterRecords(for record: KafkaConsumerRecord, failure: PipelineFailure) -> [KafkaProducerRecord]? {
        guard let topic = pipeline.dlqTopic(of: record) else { return [] }
        if let dlq = DeadLetterStage.record(for: record, failure: failure, dlqTopic: topic, now: RFC3339.now(), maxBytes: producer.maxMessageBytes) {
            return [dlq]
        }
        let headerBytes = record.headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) }
        block(record.topicPartition, at: record.offset, reason: "its DLQ record (\(failure.code)) does not fit message.max.bytes "
                  + "\(producer.maxMessageBytes) even with the value cut: the key is \(record.key?.count ?? 0) bytes, the headers \(headerBytes)")
        return nil
    }

    /// Forgets the blocks of partitions this member no longer owns (revoked, or a new session).
    func unblock(_ partitions: Set<TopicPartition>) {
        for partition in blocked.intersection(partitions) { health.setBlocked(partition, reason: nil) }
        blocked.subtract(partitions)
    }

    func unblockAll() { unblock(blocked) }

    /// A delivery failed, so nothing at or past the failed input may commit. Waits for every other
    /// delivery report, commits the complete prefix, forgets the rest, replaces the producer and
    /// seeks each partition back to its first forgotten input: those inputs are consumed again in
    /// this session, without leaving the group (a rejoin would stall consumption for a rebalance).
    func rewind(_ consumer: KafkaConsumer, after fault: InFlightTracker<InputOutcome>.Fault) throws {
        logger.warning("delivery failed; rewinding to the last committed position",
                       ["position": "\(fault.partition)@\(fault.offset)", "error": "\(fault.error)"])
        if ContinuousClock.now - lastRewind > .seconds(60) { rewindBackoff.reset() }
        lastRewind = ContinuousClock.now
        waitForProducer(timeout: .seconds(30))
        commit(sync: true)
        let tracker = commits.tracker
        let restart = tracker.abandon(tracker.partitions)
        pipeline.dedup.forget(Set(restart.keys))
        pipeline.entityState.forget(Set(restart.keys))
        // Parks and releases not committed are forgotten too; count what the store holds again.
        pipeline.gate.forget(assigned)
        forgetReleases(of: assigned)
        try? pipeline.gate.load(assigned)
        // A producer whose deliveries failed may be fenced or have lost its idempotence sequence
        // (PRODUCER_FENCED, OUT_OF_ORDER_SEQUENCE …) without a fatal flag: continue with a new one.
        replaceProducer()
        // Reports the old producer gave while closing are about inputs just forgotten.
        _ = tracker.takeFaults()
        metrics.bridge.deliveryRewinds.increment()
        rewindBackoff.sleep(while: { !self.isStopping })
        let positions = restart.filter { assigned.contains($0.key) }.map { PartitionPosition($0.key, offset: $0.value) }
        do {
            try consumer.seek(positions.sorted())
        } catch {
            throw RestartRequest(reason: "cannot rewind after a failed delivery at \(fault.partition)@\(fault.offset): \(error)")
        }
    }

    /// Pauses every assigned partition while too many inputs are in flight; resumes at half.
    func applyBackpressure(_ consumer: KafkaConsumer) {
        let inFlight = commits.tracker.count
        if !paused && inFlight >= config.limits.maxInFlight {
            try? consumer.pause(Array(assigned))
            paused = true
            logger.debug("paused: in-flight limit reached", ["inFlight": String(inFlight)])
        } else if paused && inFlight < config.limits.maxInFlight / 2 {
            try? consumer.resume(Array(assigned.subtracting(restoring).subtracting(blocked)))
            paused = false
        }
        if paused && commitDue { commit(sync: false) }
    }

    /// Waits until librdkafka has no record left in flight (every delivery report arrived).
    func waitForProducer(timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        while producer.outstandingCount > 0 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.005) }
    }

    /// After failed deliveries the idempotent producer may be unusable (fenced, or its sequence
    /// lost across a broker restart): close it and start a new one.
    private func replaceProducer() {
        logger.warning("replacing the producer after failed deliveries")
        let old = producer
        do {
            producer = try Bridge.makeProducer(clients.producer, tracker: commits.tracker, logger: logger)
        } catch {
            logger.error("cannot create a new producer; keeping the old one", ["error": "\(error)"])
            return
        }
        close(old)
    }

    /// Closes a producer from the pipeline thread (flushing what it holds).
    func close(_ producer: KafkaProducer) {
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await producer.close(timeout: .seconds(10))
            done.signal()
        }
        done.wait()
    }
}
