import KafkaClient

/// What an adapter made of one input.
///
/// Fan-out is all-or-nothing: an input either yields every one of its events or fails as a
/// whole (see docs/adapters.md, "Fan-out and conservation").
public enum AdapterOutcome: Sendable, Hashable {
    /// One or more canonical events (never empty), in the order they should be published.
    case events([CanonicalEvent])
    /// The input is deliberately not turned into an event (a source event type finance does not
    /// use, an empty batch); the ledger records it as `filtered` with the reason.
    case filtered(reason: String)
    /// The input cannot be adapted; it goes to the DLQ with the failure's stable code.
    case failed(AdapterFailure)
    /// The outcome depends on (or changes) the last known state of entities: the pipeline's
    /// entity state stage resolves it in input order (`StateRequest`).
    case needsState(StateRequest)
}

/// Turns records of one source format into canonical events.
///
/// `adapt` runs on the hot path: synchronous, no I/O, no shared mutable state, and it never
/// traps on any input.
public protocol Adapter: Sendable {
    /// The adapter's name, as sources reference it in the config (`canonical`, `stripe` …).
    var name: String { get }
    /// Adapts one input.
    func adapt(_ input: AdapterInput) -> AdapterOutcome
    /// True when the adapter takes Kafka tombstones (null values) itself — Debezium emits one
    /// after each delete — instead of the decode stage dead-lettering them (`record.tombstone`).
    /// The input's `value` is then JSON `null` and `isTombstone` is set.
    var handlesTombstones: Bool { get }
    /// True when the adapter wants to see a value the decode stage could not parse as JSON
    /// (CloudEvents binary mode with a non-JSON `content-type`): `value` is then JSON `null`, the
    /// bytes are in `text` and `isJSON` is false. False: the decode failure dead-letters the input.
    func acceptsUndecodedValue(headers: [KafkaHeader]) -> Bool
}

extension Adapter {
    public var handlesTombstones: Bool { false }
    public func acceptsUndecodedValue(headers: [KafkaHeader]) -> Bool { false }
}
