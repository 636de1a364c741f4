/// A schema that cannot be compiled: a keyword of the wrong type, a `$ref` that resolves to
/// nothing, a pattern outside the supported regex subset, an unreadable schema file.
///
/// Invalid *instances* are never errors: they are `ValidationReport`s. This error is for the
/// schema itself, and says where in it the problem is.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem; extensible without breaking callers that switch on known codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case invalidKeyword = "schema.invalid_keyword"
            case unresolvedReference = "schema.unresolved_reference"
            case unsupported = "schema.unsupported"
            case invalidIdentifier = "schema.invalid_identifier"
            case unreadable = "schema.unreadable"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A keyword's value has the wrong type or is out of range (`"minLength": -1`, `"properties": 3`).
        public static let invalidKeyword = Code(.invalidKeyword)
        /// A `$ref`/`$dynamicRef` names no schema loaded in the registry (there is no network access).
        public static let unresolvedReference = Code(.unresolvedReference)
        /// A feature outside what this validator implements (a regex construct, a required vocabulary).
        public static let unsupported = Code(.unsupported)
        /// A malformed `$id`, `$anchor` or `$dynamicAnchor`.
        public static let invalidIdentifier = Code(.invalidIdentifier)
        /// A schema file or directory that cannot be read or is not JSON.
        public static let unreadable = Code(.unreadable)

        /// The stable text form, e.g. `schema.unresolved_reference`.
        public var description: String { kind.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for a person.
    public var message: String
    /// Where in the schema: the base URI of the schema resource and a JSON pointer into it
    /// (`https://example.com/invoice.json#/properties/lines/items`), or a file path for `unreadable`.
    public var location: String

    /// Makes an error; `location` as described on the property.
    public init(_ code: Code, _ message: String, at location: String) {
        self.code = code
        self.message = message
        self.location = location
    }

    public var description: String { location.isEmpty ? message : "\(location): \(message)" }
}
