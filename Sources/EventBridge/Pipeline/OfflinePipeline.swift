import Contracts
import Foundation

/// The bridge's synchronous hot path without Kafka — decode, adapt, contract, rules, dedup and
/// staleness, route, encode — plus the store commit of its outcomes, for benchmarks and profiling
/// (`BridgeBench core`). Not used by `Bridge`.
///
/// `commit()` writes what `Bridge.commit` writes per published input (a ledger row, the dedup key,
/// the revision, the processed offset) in one transaction. With `store: nil` dedup and staleness
/// are answered by an in-memory set only, which shows what the store costs.
public final class OfflinePipeline {
    private let processor: EventProcessor
    private let preparer: BatchPreparer
    private let sequencer: Sequencer
    private let store: EventStore?
    private var batch = StoreBatch()
    private var keys: [DedupKey] = []
    private var entities: [Sequencer.EntityRef] = []
    private var nextOffsets: [SourcePartition: Int64] = [:]
    private var inFlight: (write: PendingStoreCommit, keys: [DedupKey], entities: [Sequencer.EntityRef])?

    public init(config: BridgeConfig, store: EventStore?) throws {
        let registry = try ContractRegistry.load(directory: config.resolve(config.contractsDir))
        let adapters = try AdapterCatalog(directory: config.resolve(config.mappingsDir))
        self.store = store
        sequencer = Sequencer(store: store)
        processor = try EventProcessor(config: config, registry: registry, adapters: adapters, sequencer: sequencer)
        preparer = BatchPreparer(processor: processor, workers: config.limits.workers)
    }

    /// Runs one input through the pipeline; returns the output records it would produce
    /// (empty for duplicates, filtered inputs; one DLQ record for a dead-lettered input).
    public func process(_ record: KafkaConsumerRecord) throws -> [KafkaProducerRecord] {
        try outcome(of: record, try processor.process(record))
    }

    /// Runs a polled batch through the pipeline as `Bridge` does: prepared on `limits.workers`
    /// threads, then decided in order on this one. Returns the output records of all inputs.
    public func process(batch records: [KafkaConsumerRecord]) throws -> [KafkaProducerRecord] {
        var outputs: [KafkaProducerRecord] = []
        for (record, prepared) in zip(records, preparer.prepare(records) { _ in true }) {
            let preparation = prepared?.prepared ?? processor.prepare(record)
            outputs += try outcome(of: record, try processor.decide(preparation, of: record))
        }
        return outputs
    }

    private func outcome(of record: KafkaConsumerRecord, _ decision: InputDecision) throws -> [KafkaProducerRecord] {
        let source = SourcePosition(topic: record.topic, partition: record.partition, offset: record.offset)
        nextOffsets[source.partition] = record.offset + 1
        guard store != nil else {
            if case .publish(_, let outputs) = decision { return outputs }
            return []
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        switch decision {
        case .publish(let events, let outputs):
            batch.record(LedgerEntry(source: source, outcome: .published, eventID: events.map(\.id).joined(separator: ","),
                                     eventType: events.first?.type, entityKey: events.first?.entityKey,
                                     contractVersion: events.first?.version,
                                     outputs: outputs.indices.map { "\(outputs[$0].topic):0:\(record.offset * 8 + Int64($0))" },
                                     atMillis: now))
            for e in events {
                _ = batch.insertDedupKey(e.dedupKey, partition: source.partition, firstSeenMillis: now)
                keys.append(e.dedupKey)
                if let entity = e.entity, let revision = e.revision {
                    batch.setRevision(revision, family: entity.family, entityKey: entity.key, partition: source.partition, atMillis: now)
                    entities.append(entity)
                }
            }
            return outputs
        case .deadLetter(let failure):
            batch.record(LedgerEntry(source: source, outcome: .deadLettered, errorCode: failure.code, atMillis: now))
            return []
        case .duplicate(_, let events):
            batch.record(LedgerEntry(source: source, outcome: .duplicate, eventID: events.first?.id, atMillis: now))
            return []
        case .filtered:
            batch.record(LedgerEntry(source: source, outcome: .filtered, atMillis: now))
            return []
        }
    }

    /// Commits the outcomes processed since the last commit (no-op without a store), pipelined as
    /// `Bridge.commit` is: the transaction runs on the store's writer, and the previous one is
    /// waited for first. `wait`: also wait for this one (the end of a run).
    public func commit(wait: Bool = false) throws {
        guard let store else { return }
        try settle()
        for (partition, next) in nextOffsets { batch.setProcessedOffset(next: next, for: partition) }
        inFlight = (store.commitInBackground(batch), keys, entities)
        batch = StoreBatch()
        keys.removeAll(keepingCapacity: true)
        entities.removeAll(keepingCapacity: true)
        if wait { try settle() }
    }

    private func settle() throws {
        guard let (write, keys, entities) = inFlight else { return }
        inFlight = nil
        try write.wait()
        sequencer.committed(keys: keys, entities: entities)
    }
}
