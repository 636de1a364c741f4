import Foundation

/// Base64 (RFC 4648, with padding) for bytes carried inside JSON: the one place the project turns
/// bytes into base64 text and back.
public enum Base64 {
    public static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// Nil for text that is not base64.
    public static func decode(_ text: String) -> [UInt8]? { Data(base64Encoded: text).map { [UInt8]($0) } }
}
