import Basics
import Contracts

/// An entity revision for the staleness guard (docs/design.md §6): the value at the contract's
/// `revision` pointer, made comparable.
///
/// - JSON integers (within Int64) are `.integer` and compare numerically.
/// - JSON strings are `.text`. An RFC 3339 date-time is normalized first to UTC with nine
///   fraction digits (`2024-05-01T08:00:00.000000000Z`), so that lexicographic order is time
///   order across offsets and precisions (`…T10:00:00+02:00` equals `…T08:00:00Z`). Any other
///   string is kept as is and compared byte-wise (UTF-8), which suits zero-padded sequence
///   numbers and ISO dates but not unpadded decimals: a contract should use integers for those.
/// - Mixed kinds have a total order (every integer before every text) so `StoredRevision` is
///   `Comparable`, but a family whose revisions change kind is a contract bug: callers that care
///   can check `isSameKind(as:)`.
public enum StoredRevision: Hashable, Comparable, Sendable, CustomStringConvertible {
    case integer(Int64)
    case text(String)

    /// A text revision, normalized when it is an RFC 3339 date-time.
    public init(text: String) {
        self = .text(StoredRevision.normalizedTimestamp(text) ?? text)
    }

    /// The revision of a JSON value: an integral number within Int64, or a string. Nil for
    /// anything else (decimals, booleans, null, arrays, objects).
    public init?(json: JSONValue) {
        switch json {
        case .string(let text): self.init(text: text)
        case .number(let number):
            guard let value = number.int64 else { return nil }
            self = .integer(value)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .integer(let value): return String(value)
        case .text(let text): return text
        }
    }

    public func isSameKind(as other: StoredRevision) -> Bool {
        switch (self, other) {
        case (.integer, .integer), (.text, .text): return true
        default: return false
        }
    }

    public static func < (a: StoredRevision, b: StoredRevision) -> Bool {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x < y
        case (.text(let x), .text(let y)): return x.utf8.lexicographicallyPrecedes(y.utf8)
        case (.integer, .text): return true
        case (.text, .integer): return false
        }
    }

    // MARK: RFC 3339

    /// `text` as UTC `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` when it is an RFC 3339 date-time with an
    /// offset (`T`/`t`/space separator, fraction digits past the ninth dropped); else nil.
    public static func normalizedTimestamp(_ text: String) -> String? {
        guard let parsed = RFC3339.parse(text, allowSpace: true), let utc = parsed.utcSeconds else { return nil }
        let nanos = String(parsed.nanoseconds)
        return RFC3339.format(utcSeconds: utc, fraction: String(repeating: "0", count: 9 - nanos.count) + nanos, offsetSeconds: nil)
    }
}
