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
}
