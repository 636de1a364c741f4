import Basics
import EventStore
import Foundation
import KafkaClient

/// Releasing parked inputs (readiness gating, `Stages/GateStage.swift`): after each durable
/// transaction, and at least every `releaseInterval`, the bridge
/// - releases, in park order, the inputs of its partitions whose prerequisite is now ready — each is
///   run through the stages again and published (or found a duplicate, or dead-lettered) under its
///   original source position;
/// - dead-letters parked inputs past their deadline with `sequencing.prerequisite_timeout`, the
///   original record byte for byte;
/// - carries out operators' requests (`eventbridge parked release --force|expire`).
///
/// A release is followed by the commit stage under a partition of its own (`GateStage
/// .releasePartition`); its outcome replaces the input's `parked` row in the ledger and deletes the
/// parked row in one transaction. Until that transaction is durable the input stays parked in the
/// store, so a crash in between releases it again — under the same `ce_id` (docs/design.md §2.2).
extension Bridge {
    static let releaseInterval: Duration = .milliseconds(500)
    /// At most this many parked inputs are released or expired per sweep (the rest next time).
    static let releaseBatch = 500

    /// Runs a sweep when one is due, or `force`d (a transaction just committed readiness or parks).
    func sweepParked(force: Bool = false) {
        guard force || ContinuousClock.now - lastSweep >= Self.releaseInterval else { return }
        lastSweep = ContinuousClock.now
        do {
            var budget = Self.releaseBatch
            try carryOutRequests(budget: &budget)
            for tp in assigned.sorted() where budget > 0 {
                for key in pipeline.gate.releasable(in: tp) where budget > 0 {
                    for parked in try store.reader.parkedEvents(waitingFor: key, in: tp, limit: budget) where !releasing.contains(parked.source) {
                        let waited = Double(WallClock.nowMillis() - parked.parkedAtMillis) / 1000
                        let note = pipeline.gate.isEnabled ? "released when \(parked.prerequisite) was ready, after \(String(format: "%.1f", waited)) s"
                            : "released: readiness gating is switched off"
                        try release(parked, arrival: .released(force: false), note: note)
                        budget -= 1
                    }
                }
                for parked in try store.reader.expiredParkedEvents(asOf: WallClock.nowMillis(), in: tp, limit: max(budget, 0))
                where !releasing.contains(parked.source) {
                    try expire(parked, note: nil)
                    budget -= 1
                }
            }
        } catch {
            // The store is unreadable right now: parked inputs wait for the next sweep.
            logger.warning("cannot release parked events now", ["error": "\(error)"])
        }
    }

    private func carryOutRequests(budget: inout Int) throws {
        for request in try store.reader.parkedRequests(in: Array(assigned)) where budget > 0 && !releasing.contains(request.source) {
            guard let parked = try store.reader.parkedEvent(at: request.source) else { continue }
            logger.notice("parked event \(request.action == .release ? "released" : "expired") by request",
                          ["position": "\(request.source)", "actor": request.actor, "reason": request.reason])
            switch request.action {
            case .release: try release(parked, arrival: .released(force: true), note: request.note)
            case .expire: try expire(parked, note: request.note)
            }
            budget -= 1
        }
    }

    /// Runs a parked input through the stages again and hands its outputs to the producer.
    private func release(_ parked: ParkedEvent, arrival: EventPipeline.Arrival, note: String?) throws {
        let record = GateStage.record(of: parked)
        let decision = try pipeline.decide(pipeline.prepare(record), of: record, arrival: arrival)
        var outcome: InputOutcome
        var outputs: [KafkaProducerRecord] = []
        switch decision {
        case .publish(let events, let records):
            metrics.syncLag(record.topic, events)
            (outcome, outputs) = (InputOutcome(outcome: .published, events: events), records)
        case .deadLetter(let failure):
            metrics.deadLettered(failure)
            outputs = pipeline.dlqTopic(of: record).map { [DeadLetterStage.record(for: record, failure: failure, dlqTopic: $0, now: RFC3339.now())] } ?? []
            outcome = InputOutcome(outcome: .deadLettered, errorCode: failure.code, contract: failure.contract)
        case .duplicate(_, let events): outcome = InputOutcome(outcome: .duplicate, events: events)
        case .filtered: outcome = InputOutcome(outcome: .filtered)
        case .park(let events, let requirement):
            outcome = InputOutcome(outcome: .parked, events: events,
                                   park: GateStage.parked(record, events: events, requirement: requirement, nowMillis: parked.parkedAtMillis))
        }
        metrics.released(outcome: outcome.outcome)
        try register(outcome, for: parked, note: note, outputs: outputs)
    }

    /// Sends a parked input to its source's DLQ as it was consumed, with `sequencing.prerequisite_timeout`.
    private func expire(_ parked: ParkedEvent, note: String?) throws {
        let record = GateStage.record(of: parked)
        let failure = PipelineFailure(
            stage: .sequence, code: FailureCode.prerequisiteTimeout,
            message: "waited for \(parked.prerequisite) from \(RFC3339.format(milliseconds: parked.parkedAtMillis)) "
                + (note.map { "until an operator expired it (\($0))" } ?? "until its deadline \(RFC3339.format(milliseconds: parked.deadlineMillis))"))
        metrics.deadLettered(failure)
        metrics.released(outcome: .deadLettered)
        let dlq = pipeline.dlqTopic(of: record).map { [DeadLetterStage.record(for: record, failure: failure, dlqTopic: $0, now: RFC3339.now())] } ?? []
        try register(InputOutcome(outcome: .deadLettered, errorCode: failure.code), for: parked, note: note, outputs: dlq)
    }

    private func register(_ outcome: InputOutcome, for parked: ParkedEvent, note: String?, outputs: [KafkaProducerRecord]) throws {
        var outcome = outcome
        outcome.release = (parked.source, parked.prerequisite)
        outcome.note = note
        let lane = GateStage.releasePartition(of: parked.source.topicPartition)
        let sequence = releaseSequence[lane, default: 0]
        releaseSequence[lane] = sequence + 1
        releasing.insert(parked.source)
        let token = commits.tracker.register(lane, offset: sequence, outputs: outputs.count, completion: outcome)
        for output in outputs { try enqueue(output, token: token) }
    }

    /// Releases of these partitions were abandoned (revoke, rewind): they are parked in the store
    /// still, and the next sweep (of whichever instance owns the partition then) releases them.
    func forgetReleases(of partitions: Set<TopicPartition>) {
        releasing = releasing.filter { !partitions.contains($0.topicPartition) }
    }
}
