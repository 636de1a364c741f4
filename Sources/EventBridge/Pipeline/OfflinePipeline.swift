import Basics
import Contracts
import EventStore
import KafkaClient

/// The bridge's stages without Kafka — decode, adapt, contract, dedup and staleness, route,
/// encode — plus the commit stage's store transaction, for benchmarks and profiling
/// (`BridgeBench core`). Outputs are "acknowledged" at once with synthetic positions, so the store
/// writes what the bridge writes per input: a ledger row, the dedup key, the revision, the
/// processed offset. With `store: nil` dedup and staleness are answered in memory only, which
/// shows what the store costs.
public final class OfflinePipeline {
    private let pipeline: EventPipeline
    private let preparer: BatchPreparer
    private let commits: CommitStage?

    public init(config: BridgeConfig, store: EventStore?) throws {
        let pipeline = try EventPipeline(config: config, catalog: try BridgeCatalog.load(config), store: store)
        self.pipeline = pipeline
        preparer = BatchPreparer(pipeline: pipeline, workers: config.limits.workers)
        commits = store.map { CommitStage(store: $0, dedup: pipeline.dedup, gate: pipeline.gate, entityState: pipeline.entityState) }
    }

    /// Runs one input through the pipeline; returns the output records it would produce
    /// (empty for duplicates, filtered inputs; one DLQ record for a dead-lettered input).
    public func process(_ record: KafkaConsumerRecord) throws -> [KafkaProducerRecord] {
        try outcome(of: record, try pipeline.process(record))
    }

    /// Runs a polled batch through the pipeline as `Bridge` does: prepared on `limits.workers`
    /// threads, then decided in order on this one. Returns the output records of all inputs.
    public func process(batch records: [KafkaConsumerRecord]) throws -> [KafkaProducerRecord] {
        var outputs: [KafkaProducerRecord] = []
        // Room for one output an input, as most have: the harness's list, not the pipeline's work.
        outputs.reserveCapacity(records.count)
        var prepared = preparer.prepare(records) { _ in true }
        defer { pipeline.dedup.endBatch() }
        for i in records.indices {
            // Moved out of the array, as `Bridge` does (`take`).
            let record = records[i]
            let preparation = prepared[i].take()?.prepared ?? pipeline.prepare(record)
            outputs += try outcome(of: record, try pipeline.decide(preparation, of: record))
        }
        return outputs
    }

    private func outcome(of record: KafkaConsumerRecord, _ decision: InputDecision) throws -> [KafkaProducerRecord] {
        let outputs: [KafkaProducerRecord]
        let outcome: InputOutcome
        switch decision {
        case .publish(let events, let records):
            (outputs, outcome) = (records, InputOutcome(outcome: .published, events: events))
        case .deadLetter(let failure):
            let dlq = DeadLetterStage.record(for: record, failure: failure, dlqTopic: pipeline.dlqTopic(of: record) ?? "dlq", now: RFC3339.now(),
                                             maxBytes: pipeline.maxMessageBytes)
            (outputs, outcome) = (dlq.map { [$0] } ?? [], InputOutcome(outcome: .deadLettered, errorCode: failure.code, contract: failure.contract))
        case .duplicate(_, let events):
            (outputs, outcome) = ([], InputOutcome(outcome: .duplicate, events: events))
        case .filtered:
            (outputs, outcome) = ([], InputOutcome(outcome: .filtered))
        case .park(let events, let requirement):
            let parked = GateStage.parked(record, events: events, requirement: requirement, nowMillis: WallClock.nowMillis())
            (outputs, outcome) = ([], InputOutcome(outcome: .parked, events: events, park: parked))
        }
        if let tracker = commits?.tracker {
            let token = tracker.register(record.topicPartition, offset: record.offset, outputs: outputs.count, completion: outcome)
            for (i, output) in outputs.enumerated() {
                tracker.acknowledge(token, position: PartitionPosition(topic: output.topic, partition: 0, offset: record.offset * 8 + Int64(i)))
            }
        }
        return outputs
    }

    /// Commits the outcomes processed since the last commit (no-op without a store), pipelined as
    /// the bridge does: the transaction runs on the store's writer, and the previous one is
    /// waited for first. `wait`: also wait for this one (the end of a run).
    public func commit(wait: Bool = false) throws {
        guard let commits else { return }
        _ = try commits.settle()
        commits.handOff()
        if wait { _ = try commits.settle() }
    }
}
