import Contracts

/// One canonical finance event produced by an adapter, before contract validation.
///
/// The adapter fills what the source knows; the contract stage validates `data` against the
/// contract for `type`, and the publish stage derives `ce_id`, the entity key and `ce_subject`
/// from the contract's pointers. `subject` is only a hint for logs and DLQ entries.
public struct CanonicalEvent: Sendable, Hashable {
    /// The canonical event type, e.g. `finance.invoice.paid`.
    public var type: String
    /// The canonical payload (an object for every shipped mapping).
    public var data: JSONValue
    /// When the event happened at the source, RFC 3339; nil when the source doesn't say.
    public var time: String?
    /// The entity the event is about (customer id, invoice id …), when the mapping names it.
    public var subject: String?
    /// W3C trace context carried over from the input (`traceparent` header or mapping).
    public var traceparent: String?
    /// `data` exactly as `JSONWriter.compact` writes it, when the input carried it that way
    /// (`JSONCompactSpan`): the publish stage reuses these bytes instead of serialising `data`
    /// again, as long as the contract stage did not change it (no upcast).
    public var dataText: ArraySlice<UInt8>?

    public init(type: String, data: JSONValue, time: String? = nil, subject: String? = nil, traceparent: String? = nil) {
        self.type = type
        self.data = data
        self.time = time
        self.subject = subject
        self.traceparent = traceparent
    }
}
