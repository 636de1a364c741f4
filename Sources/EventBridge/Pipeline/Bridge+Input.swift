import Basics
import Foundation
import KafkaClient

/// One input through the pipeline: its preparation (decode … encode) is decided by the dedup
/// stage, then its outputs — or its DLQ record — go to the producer and the input is registered
/// with the commit stage.
extension Bridge {
    /// True for an input the store recorded before a restart (store committed, Kafka commit lost).
    func isRecorded(_ record: KafkaConsumerRecord) -> Bool {
        recordedBelow[record.topicPartition].map { record.offset < $0 } ?? false
    }

    /// Runs one input through the rest of the pipeline — dedup and sequencing on its preparation
    /// (`BatchPreparer`; prepared here when nil) — and hands its outputs (or its DLQ record) to the
    /// producer. Transient failures (store unreadable, producer queue full) wait and retry the
    /// same input; they never dead-letter it.
    ///
    /// `polledAt`: when the consumer returned the record's batch. The processing-duration metric
    /// counts from there, so it includes the wait behind the batch's earlier inputs and the
    /// batch's preparation: the time the record spends inside the bridge before its outputs are
    /// with the producer (docs/metrics.md).
    func handle(_ record: KafkaConsumerRecord, prepared: BatchPreparer.Result?, polledAt: ContinuousClock.Instant) throws {
        let tp = record.topicPartition
        // Stopped at an earlier input that cannot be written: this one waits for the restart.
        guard !blocked.contains(tp) else { return }
        let tracker = commits.tracker
        defer { metrics.bridge.processingDuration.observe(ContinuousClock.now - polledAt) }
        if restoring.contains(tp) {
            // Fetched before the partition was paused for its restore: consumed again afterwards.
            skippedWhileRestoring[tp] = min(skippedWhileRestoring[tp] ?? record.offset, record.offset)
            return
        }
        metrics.consumed(record)
        lastConsumed[tp] = record.offset
        if isRecorded(record) {
            // Already recorded before a restart (store committed, Kafka commit lost): skip.
            _ = tracker.register(tp, offset: record.offset, outputs: 0, completion: InputOutcome(outcome: .duplicate, alreadyRecorded: true))
            return
        }
        let preparation = prepared?.prepared ?? pipeline.prepare(record)
        var backoff = config.retry.backoff
        var decision: InputDecision
        while true {
            do {
                decision = try pipeline.decide(preparation, of: record)
                break
            } catch {
                logger.warning("transient failure, retrying the same input", ["position": "\(record.position)", "error": "\(error)"])
                backoff.sleep(while: { !self.isStopping })
                if isStopping { throw RestartRequest(reason: "stopping while the store is unavailable") }
            }
        }
        switch decision {
        case .publish(let events, let outputs):
            metrics.published += 1
            metrics.outcome(record.topic, .published)
            metrics.syncLag(record.topic, events)
            for output in outputs {
                metrics.published(subscriber: subscriberOfTopic[output.topic] ?? output.topic,
                                  type: output.headers.first { $0.name == "ce_type" }.flatMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
                                      ?? events.first?.type ?? "")
            }
            let token = tracker.register(tp, offset: record.offset, outputs: outputs.count, completion: InputOutcome(outcome: .published, events: events))
            for output in outputs { try enqueue(output, token: token) }
        case .deadLetter(let failure):
            // No DLQ topic (not a configured source), or one that cannot be written (partition blocked).
            guard let dlq = deadLetterRecords(for: record, failure: failure)?.first else { return }
            metrics.deadLettered(failure)
            if failure.code == FailureCode.eventStale { metrics.stale(type: failure.contract?.type ?? "", action: "dead-letter") }
            metrics.outcome(record.topic, .deadLettered)
            logger.warning("dead-lettered", ["position": "\(record.position)", "code": failure.code, "stage": failure.stage.rawValue,
                                             "message": failure.message])
            let token = tracker.register(tp, offset: record.offset, outputs: 1,
                                         completion: InputOutcome(outcome: .deadLettered, errorCode: failure.code, contract: failure.contract))
            try enqueue(dlq, token: token)
        case .duplicate(_, let events):
            metrics.duplicate(type: events.first?.type ?? "")
            for e in events where e.droppedAsStale { metrics.stale(type: e.type, action: "duplicate") }
            metrics.outcome(record.topic, .duplicate)
            _ = tracker.register(tp, offset: record.offset, outputs: 0, completion: InputOutcome(outcome: .duplicate, events: events))
        case .park(let events, let requirement):
            metrics.outcome(record.topic, .parked)
            let parked = GateStage.parked(record, events: events, requirement: requirement, nowMillis: WallClock.nowMillis())
            _ = tracker.register(tp, offset: record.offset, outputs: 0, completion: InputOutcome(outcome: .parked, events: events, park: parked))
        case .filtered(_, let types):
            for type in types { metrics.filtered(type: type) }
            metrics.outcome(record.topic, .filtered)
            _ = tracker.register(tp, offset: record.offset, outputs: 0, completion: InputOutcome(outcome: .filtered))
        }
    }

    /// Enqueues one record; a full producer queue is backpressure: wait (committing what is
    /// complete meanwhile) and try again.
    func enqueue(_ record: KafkaProducerRecord, token: UInt64) throws {
        while true {
            do {
                try producer.enqueue(record, context: token)
                return
            } catch where error.isRetriable && !isStopping {
                if commitDue { commit(sync: false) }
                Thread.sleep(forTimeInterval: 0.001)
            } catch {
                // The producer is unusable (fatal), the record invalid for the client, or we are
                // stopping with the queue full: a delivery fault, so nothing commits past this input.
                commits.tracker.fail(token, error: error)
                return
            }
        }
    }
}
