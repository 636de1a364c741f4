import Basics

/// The `format`s this validator asserts (when `SchemaOptions.assertFormats` is on or a schema
/// opts into the format-assertion vocabulary). Any other format name is an annotation only.
/// Formats apply to strings; other instance types always pass.
enum SchemaFormat: String, Sendable, CaseIterable {
    case date
    case dateTime = "date-time"
    case uuid
    case email
    /// A decimal amount string (`MoneyFormat`), never a JSON number.
    case money
    /// An ISO 4217 currency code.
    case currency
    /// An ISO 3166-1 alpha-2 country code.
    case country

    init?(name: String) { self.init(rawValue: name) }

    func isValid(_ text: String) -> Bool {
        switch self {
        case .email: return EmailFormat.isValid(text)
        case .currency: return ISOTables.isCurrency(text)
        case .country: return ISOTables.isCountry(text)
        default: return Self.withBytes(text) { isValid(utf8: $0) ?? false }
        }
    }

    /// `isValid` of the string with these UTF-8 bytes, for the formats that read bytes (and
    /// currency and country codes in ASCII); nil where the answer needs the `String`.
    func isValid(utf8 b: UnsafeBufferPointer<UInt8>) -> Bool? {
        switch self {
        case .date: return Self.isDate(b)
        case .dateTime: return Self.isDateTime(b)
        case .uuid: return Self.isUUID(b)
        case .money: return MoneyFormat.decimals(utf8: b) != nil
        case .currency: return ISOTables.minorUnit(ascii: b).map { $0 != nil }
        case .country: return ISOTables.isCountry(ascii: b)
        case .email: return nil
        }
    }

    /// Runs `body` on the string's UTF-8 bytes without copying them when the string is native.
    static func withBytes(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }

    /// RFC 3339 `full-date`: `YYYY-MM-DD`, a real calendar day (leap years included).
    static func isDate(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        RFC3339.parse(b, allowDateOnly: true).map { !$0.hasTime } ?? false
    }

    /// RFC 3339 `date-time`: `full-date "T" partial-time time-offset`, `T`/`Z` in either case; a
    /// leap second (`:60`) only at 23:59 UTC once the offset is applied.
    static func isDateTime(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        RFC3339.parse(b).map(isDateTime) ?? false
    }

    /// `isDateTime` of a parsed timestamp.
    static func isDateTime(_ t: RFC3339.Timestamp) -> Bool {
        guard t.hasTime, let offset = t.offsetSeconds else { return false }
        if t.second == 60 {
            let utcMinute = ((t.hour * 60 + t.minute - offset / 60) % 1440 + 1440) % 1440
            return utcMinute == 23 * 60 + 59
        }
        return true
    }

    /// RFC 4122 textual form: 8-4-4-4-12 hex digits, any case, any version.
    static func isUUID(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var count = 0
        for b in bytes {
            if count == 8 || count == 13 || count == 18 || count == 23 {
                guard b == UInt8(ascii: "-") else { return false }
            } else {
                let hex = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
                guard hex else { return false }
            }
            count += 1
        }
        return count == 36
    }
}
