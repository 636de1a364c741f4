import Basics
import Contracts

/// An entity revision for the staleness guard (docs/design.md §6): the value at the contract's
/// `revision` pointer, made comparable.
///
/// - JSON integers are `.integer` (within Int64) or `.largeInteger` (above Int64.max, up to
///   UInt64.max: Salesforce commit numbers, unsigned BIGINT columns) and compare numerically across
///   both. Integers beyond 64 bits have no revision: the pipeline dead-letters them
///   (`event.revision_out_of_range`), never skips the guard.
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
    /// An integer above `Int64.max` (stored as an 8-byte big-endian BLOB: SQLite integers are signed 64-bit).
    case largeInteger(UInt64)
    case text(String)

    /// A text revision, normalized when it is an RFC 3339 date-time.
    public init(text: String) {
        self = .text(StoredRevision.normalizedTimestamp(text) ?? text)
    }

    /// The revision of a JSON value: an integral number of 64 bits, signed or unsigned (in any
    /// notation: `1e2` is 100), or a string. Nil for anything else (integers beyond 64 bits,
    /// fractions, booleans, null, arrays, objects): the caller must not treat that as "no revision"
    /// (docs/error-codes.md, `event.revision_out_of_range`, `event.revision_invalid`).
    public init?(json: JSONValue) {
        switch json {
        case .string(let text): self.init(text: text)
        case .number(let number):
            if let value = number.integralInt64 {
                self = .integer(value)
            } else if let value = number.integralUInt64 {
                self = .largeInteger(value)
            } else {
                return nil
            }
        default: return nil
        }
    }

    /// The revision as JSON, the inverse of `init(json:)` (the changelog's encoding).
    public var json: JSONValue {
        switch self {
        case .integer(let value): return .number(JSONNumber(value))
        case .largeInteger(let value): return JSONNumber(literal: String(value)).map(JSONValue.number) ?? .string(String(value))
        case .text(let text): return .string(text)
        }
    }

    public var description: String {
        switch self {
        case .integer(let value): return String(value)
        case .largeInteger(let value): return String(value)
        case .text(let text): return text
        }
    }

    public func isSameKind(as other: StoredRevision) -> Bool {
        switch (self, other) {
        case (.integer, .integer), (.largeInteger, .largeInteger), (.integer, .largeInteger), (.largeInteger, .integer),
             (.text, .text): return true
        default: return false
        }
    }

    public static func < (a: StoredRevision, b: StoredRevision) -> Bool {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x < y
        case (.largeInteger(let x), .largeInteger(let y)): return x < y
        // Every large integer is above Int64.max.
        case (.integer, .largeInteger): return true
        case (.largeInteger, .integer): return false
        case (.text(let x), .text(let y)): return x.utf8.lexicographicallyPrecedes(y.utf8)
        case (.integer, .text), (.largeInteger, .text): return true
        case (.text, .integer), (.text, .largeInteger): return false
        }
    }

    /// The stored form of a `.largeInteger`: big endian, so SQLite's BLOB order is numeric order.
    static func blob(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }

    static func largeInteger(blob: [UInt8]) -> UInt64? {
        guard blob.count == 8 else { return nil }
        return blob.reduce(0) { $0 << 8 | UInt64($1) }
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
