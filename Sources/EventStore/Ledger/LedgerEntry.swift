import Basics
import Contracts
/// The recorded outcome of one consumed input record (docs/design.md §2.1): exactly one per source
/// position. `inputs = published + dead-lettered + duplicate + filtered + parked` is checkable
/// with `StoreReader.reconcile`.
public struct LedgerEntry: Hashable, Sendable {
    /// What happened to the input. Stored as the raw value text.
    public enum Outcome: String, CaseIterable, Hashable, Sendable {
        case published
        case deadLettered = "dead_lettered"
        case duplicate
        case filtered
        case parked
    }

    public var source: PartitionPosition
    public var outcome: Outcome
    /// `ce_id` of the canonical event (nil when the input never became one, e.g. bad JSON).
    public var eventID: String?
    /// Contract type, e.g. `finance.invoice.posted`.
    public var eventType: String?
    /// Entity key (customer id, invoice id …).
    public var entityKey: String?
    public var contractVersion: Int?
    /// Where the event was published: one position per output.
    public var outputs: [PartitionPosition]
    /// Where the input was dead-lettered: the DLQ record's position.
    public var dlqPosition: PartitionPosition?
    /// Stable error code (`json.syntax`, `event.stale`, `prerequisite.timeout` …).
    public var errorCode: String?
    /// When the outcome was decided, Unix milliseconds.
    public var atMillis: Int64
    /// What an operator said about it (a forced release of a parked event: who and why).
    public var note: String?

    public init(
        source: PartitionPosition, outcome: Outcome, eventID: String? = nil, eventType: String? = nil,
        entityKey: String? = nil, contractVersion: Int? = nil, outputs: [PartitionPosition] = [],
        dlqPosition: PartitionPosition? = nil, errorCode: String? = nil, atMillis: Int64, note: String? = nil
    ) {
        self.source = source
        self.outcome = outcome
        self.eventID = eventID
        self.eventType = eventType
        self.entityKey = entityKey
        self.contractVersion = contractVersion
        self.outputs = outputs
        self.dlqPosition = dlqPosition
        self.errorCode = errorCode
        self.atMillis = atMillis
        self.note = note
    }
}

/// `reconcile` over one partition's offset range: outcome counts and the offsets that have
/// no outcome at all.
///
/// Note: Kafka offsets are not always dense (compacted topics, transaction markers), so a gap
/// is "no outcome recorded for an offset in the range", which the CLI reports and a human or
/// the consumer's own offset list judges.
public struct ReconcileReport: Hashable, Sendable {
    public var partition: TopicPartition
    /// The offsets examined (`lowerBound` … `upperBound`, both inclusive).
    public var offsets: ClosedRange<Int64>
    public var counts: [LedgerEntry.Outcome: Int]
    /// Missing offsets as inclusive ranges, ascending; at most the requested limit of ranges.
    public var gaps: [ClosedRange<Int64>]
    /// The next offset to consume recorded for the partition (the commit point), if any.
    public var processedNextOffset: Int64?

    public var total: Int { counts.values.reduce(0, +) }
    public var missing: Int { gaps.reduce(0) { $0 + Int($1.upperBound - $1.lowerBound + 1) } }
}
