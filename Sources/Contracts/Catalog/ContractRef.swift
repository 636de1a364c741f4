/// A contract version by name: event type and version. Written `type@version` for people (DLQ
/// headers, logs) and `urn:eventbridge:contract:<type>:v<version>` as a CloudEvents `dataschema`.
public struct ContractRef: Hashable, Sendable, CustomStringConvertible {
    public var type: String
    public var version: Int

    public init(type: String, version: Int) {
        self.type = type
        self.version = version
    }

    /// `type@version`.
    public var description: String { "\(type)@\(version)" }

    /// Reads `type@version`; nil for anything else.
    public init?(parsing text: some StringProtocol) {
        guard let at = text.lastIndex(of: "@"), let version = Int(text[text.index(after: at)...]), version >= 1 else { return nil }
        let type = String(text[..<at])
        guard !type.isEmpty else { return nil }
        self.init(type: type, version: version)
    }

    private static let urnPrefix = "urn:eventbridge:contract:"

    /// `urn:eventbridge:contract:<type>:v<version>`, the CloudEvents `dataschema` of an output.
    public var dataschema: String { "\(Self.urnPrefix)\(type):v\(version)" }

    /// The version a `dataschema` names: the number after the last `:v` (inputs may use any URI
    /// that ends that way); nil when there is none.
    public static func version(ofDataschema text: some StringProtocol) -> Int? {
        guard let v = text.range(of: ":v", options: .backwards), let n = Int(text[v.upperBound...]), n >= 1 else { return nil }
        return n
    }
}
