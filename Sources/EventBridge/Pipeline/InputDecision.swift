import Contracts
import EventStore
import KafkaClient

/// One canonical event the pipeline accepted, with what the dedup stage, the store and the ledger need.
struct PlannedEvent: Sendable {
    /// The deterministic `ce_id`.
    var id: String
    /// The contract (latest version) it is published under.
    var contract: ContractRef
    var entityKey: String
    var dedupKey: DedupKey
    /// Set when the contract names a revision: the entity the staleness guard follows.
    var entity: DedupStage.EntityRef?
    var revision: StoredRevision?
    /// The event's time (`ce_time`) in milliseconds since the epoch, for the sync-lag metric.
    var timeMillis: Int64? = nil
    /// Dropped because an equal or newer revision of its entity was published (the staleness guard).
    var droppedAsStale = false
    /// The prerequisite it waits for (readiness gating), if its type has one.
    var requirement: GateStage.Requirement? = nil
    /// The readiness key it sets when published, if its type is a prerequisite of others.
    var readinessKey: String? = nil

    var type: String { contract.type }
    var version: Int { contract.version }
}

/// What the pipeline decided for one input, before anything is produced.
enum InputDecision: Sendable {
    /// Publish these records (every accepted event × its subscribers).
    case publish(events: [PlannedEvent], outputs: [KafkaProducerRecord])
    /// Send the input to its source's DLQ.
    case deadLetter(PipelineFailure)
    /// Already published (same dedup key), or an older revision than one already published.
    case duplicate(reason: String, events: [PlannedEvent])
    /// Parked until `requirement` is ready (readiness gating): recorded in the store, released later.
    case park(events: [PlannedEvent], requirement: GateStage.Requirement)
    /// Deliberately not published: no subscriber wants it (`unroutedTypes` names the valid events
    /// nobody subscribes to), or the adapter filtered it (no canonical event, `unroutedTypes` empty).
    case filtered(reason: String, unroutedTypes: [String] = [])

    var outcomeName: String {
        switch self {
        case .publish: return "published"
        case .deadLetter: return "dead_lettered"
        case .duplicate: return "duplicate"
        case .filtered: return "filtered"
        case .park: return "parked"
        }
    }
}
