import Contracts

/// One canonical event the pipeline accepted, with what the store and ledger need.
public struct PlannedEvent: Sendable {
    /// The deterministic `ce_id`.
    public var id: String
    public var type: String
    public var version: Int
    public var entityKey: String
    var dedupKey: DedupKey
    var entity: Sequencer.EntityRef?
    var revision: StoredRevision?
    /// The event's time (`ce_time`) in milliseconds since the epoch, for the sync-lag metric.
    var timeMillis: Int64? = nil
}

/// What the pipeline decided for one input, before anything is produced.
public enum InputDecision: Sendable {
    /// Publish these records (every accepted event × its subscribers).
    case publish(events: [PlannedEvent], outputs: [KafkaProducerRecord])
    /// Send the input to its source's DLQ.
    case deadLetter(PipelineFailure)
    /// Already published (same dedup key), or an older revision than one already published.
    case duplicate(reason: String, events: [PlannedEvent])
    /// Deliberately not published: no subscriber wants it (`unroutedTypes` names the valid events
    /// nobody subscribes to), or the adapter filtered it (no canonical event, `unroutedTypes` empty).
    case filtered(reason: String, unroutedTypes: [String] = [])

    public var outcomeName: String {
        switch self {
        case .publish: return "published"
        case .deadLetter: return "dead_lettered"
        case .duplicate: return "duplicate"
        case .filtered: return "filtered"
        }
    }
}
