import Contracts

/// Why an input could not be adapted: a stable code for routing and metrics, a sentence for a
/// person, and where in the input the problem is.
public struct AdapterFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code. Compare against the static members; print or store `rawValue`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case unmapped = "adapter.unmapped"
            case typeUnknown = "adapter.type_unknown"
            case missingField = "adapter.missing_field"
            case transform = "adapter.transform"
            case rejected = "adapter.rejected"
            case stateUnknown = "adapter.state_unknown"
            case unsupportedContentType = "adapter.unsupported_content_type"
            case inexactAmount = "adapter.inexact_amount"
            case unexpectedTombstone = "record.tombstone"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The code as it appears in DLQ headers and metrics, e.g. `adapter.missing_field`.
        public var rawValue: String { base.rawValue }
        public var description: String { base.rawValue }

        /// No mapping rule matches the input, or a canonical input names no event type.
        public static let unmapped = Code(.unmapped)
        /// A canonical input names an event type that is not a well-formed type name.
        public static let typeUnknown = Code(.typeUnknown)
        /// A value the mapping requires is absent or null.
        public static let missingField = Code(.missingField)
        /// A value is present but cannot be converted (wrong JSON type, bad number, unknown
        /// currency, impossible date, value not in an enum map …).
        public static let transform = Code(.transform)
        /// A mapping rule rejects this kind of input on purpose (e.g. a Salesforce overflow event).
        public static let rejected = Code(.rejected)
        /// A partial update (only the changed fields) of an entity whose earlier state is not known.
        public static let stateUnknown = Code(.stateUnknown)
        /// The event's data has a content type the bridge cannot read (XML, JOSE, Avro, text).
        public static let unsupportedContentType = Code(.unsupportedContentType)
        /// An amount arrived as binary floating point (Debezium `decimal.handling.mode=double`), so
        /// its exact value is unknown.
        public static let inexactAmount = Code(.inexactAmount)
        /// A Kafka tombstone (null value) that the source's mapping does not expect (it follows
        /// no delete of its key): the decode stage's code for tombstones of other sources.
        public static let unexpectedTombstone = Code(.unexpectedTombstone)
    }

    public var code: Code
    public var message: String
    /// Where in the input value (RFC 6901), when the failure concerns one place.
    public var location: JSONPointer?

    public init(code: Code, message: String, location: JSONPointer? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    public var description: String {
        if let location { return "\(code): \(message) at \(location.isRoot ? "/" : location.description)" }
        return "\(code): \(message)"
    }

    static func unmapped(_ message: String, at location: JSONPointer? = nil) -> AdapterFailure {
        AdapterFailure(code: .unmapped, message: message, location: location)
    }

    static func missing(_ message: String, at location: JSONPointer?) -> AdapterFailure {
        AdapterFailure(code: .missingField, message: message, location: location)
    }

    static func transform(_ message: String, at location: JSONPointer?) -> AdapterFailure {
        AdapterFailure(code: .transform, message: message, location: location)
    }
}
