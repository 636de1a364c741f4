/// One reason an instance is not valid, in the JSON Schema "basic" output shape.
///
/// Schema keywords and finance rules both report violations, so a DLQ entry lists everything
/// wrong with an event in one form.
public struct Violation: Sendable, Hashable, CustomStringConvertible {
    /// Where in the instance (RFC 6901 pointer).
    public var instanceLocation: JSONPointer
    /// Where in the schema or contract: the path of keywords followed, `$ref`s included
    /// (`/properties/lines/items/required`), or `/rules/<index>/<rule>` for a finance rule.
    public var keywordLocation: String
    /// The keyword or rule that failed (`required`, `type`, `balanced` …); drives the stable error code.
    public var keyword: String
    /// A sentence for a person.
    public var message: String

    public init(instanceLocation: JSONPointer, keywordLocation: String, keyword: String, message: String) {
        self.instanceLocation = instanceLocation
        self.keywordLocation = keywordLocation
        self.keyword = keyword
        self.message = message
    }

    public var description: String { "\(instanceLocation.description.isEmpty ? "/" : instanceLocation.description): \(message) [\(keywordLocation)]" }

    /// `{"instanceLocation","keywordLocation","message"}` (plus `keyword`), as DLQ headers and `--json` print it.
    public var json: JSONValue {
        [
            "instanceLocation": .string(instanceLocation.description),
            "keywordLocation": .string(keywordLocation),
            "keyword": .string(keyword),
            "message": .string(message),
        ]
    }
}

/// The outcome of validating one instance: valid, or every violation found.
public struct ValidationReport: Sendable, Hashable {
    public var violations: [Violation]

    public init(violations: [Violation] = []) { self.violations = violations }

    public static let valid = ValidationReport()

    public var isValid: Bool { violations.isEmpty }

    public mutating func append(contentsOf other: ValidationReport) { violations.append(contentsOf: other.violations) }

    /// `{"valid": bool, "errors": [...]}` — the CLI's `--json` shape.
    public var json: JSONValue {
        ["valid": .bool(isValid), "errors": .array(violations.map(\.json))]
    }
}
