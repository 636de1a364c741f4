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
    private let sequencer: Sequencer
    private let store: EventStore?
    private var batch = StoreBatch()
    private var keys: [DedupKey] = []
    private var entities: [Sequencer.EntityRef] = []
    private var nextOffsets: [SourcePartition: Int64] = [:]

    public init(config: BridgeConfig, store: EventStore?) throws {
        let registry = try ContractRegistry.load(directory: config.resolve(config.contractsDir))
        let adapters = try AdapterCatalog(directory: config.resolve(config.mappingsDir))
        self.store = store
        sequencer = Sequencer(store: store)
        processor = try EventProcessor(config: config, registry: registry, adapters: adapters, sequencer: sequencer)
    }

    /// Runs one input through the pipeline; returns the output records it would produce
    /// (empty for duplicates, filtered inputs; one DLQ record for a dead-lettered input).
    public func process(_ record: KafkaConsumerRecord) throws -> [KafkaProducerRecord] {
        let decision = try processor.process(record)
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

    /// Commits the outcomes processed since the last commit (no-op without a store).
    public func commit() throws {
        guard let store else { return }
        for (partition, next) in nextOffsets { batch.setProcessedOffset(next: next, for: partition) }
        try store.commitAndWait(batch)
        sequencer.committed(keys: keys, entities: entities)
        batch = StoreBatch()
        keys.removeAll(keepingCapacity: true)
        entities.removeAll(keepingCapacity: true)
    }
}
