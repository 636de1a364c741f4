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
    /// (Written byte by byte into one allocation: it goes into every output's headers, and
    /// string interpolation cost ~2,000 instructions an event.)
    public var dataschema: String {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &digits) { digitBuffer in
            // The version's decimal digits, last first (`version` is ≥ 1 wherever a contract exists).
            var n = version.magnitude
            var count = 0
            repeat {
                digitBuffer[count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n % 10)
                n /= 10
                count &+= 1
            } while n > 0
            let negative = version < 0
            var prefix = Self.urnPrefix, type = self.type
            let total = prefix.utf8.count &+ type.utf8.count &+ 2 &+ count &+ (negative ? 1 : 0)
            return String(unsafeUninitializedCapacity: total) { out in
                var i = 0
                prefix.withUTF8 { for b in $0 { out[i] = b; i &+= 1 } }
                type.withUTF8 { for b in $0 { out[i] = b; i &+= 1 } }
                out[i] = UInt8(ascii: ":"); out[i &+ 1] = UInt8(ascii: "v"); i &+= 2
                if negative { out[i] = UInt8(ascii: "-"); i &+= 1 }
                for k in stride(from: count &- 1, through: 0, by: -1) { out[i] = digitBuffer[k]; i &+= 1 }
                return i
            }
        }
    }

    /// The version a `dataschema` names: the number after the last `:v` (inputs may use any URI
    /// that ends that way); nil when there is none.
    public static func version(ofDataschema text: some StringProtocol) -> Int? {
        guard let v = text.range(of: ":v", options: .backwards), let n = Int(text[v.upperBound...]), n >= 1 else { return nil }
        return n
    }
}
