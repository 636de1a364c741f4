/// The `format`s this validator asserts (when `SchemaOptions.assertFormats` is on or a schema
/// opts into the format-assertion vocabulary). Any other format name is an annotation only.
/// Formats apply to strings; other instance types always pass.
enum SchemaFormat: String, Sendable {
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
        case .date: return Self.withBytes(text) { $0.count == 10 && Self.isDate($0) }
        case .dateTime: return Self.withBytes(text, Self.isDateTime)
        case .uuid: return Self.isUUID(text)
        case .email: return EmailFormat.isValid(text)
        case .money: return MoneyFormat.isValid(text)
        case .currency: return ISOTables.isCurrency(text)
        case .country: return ISOTables.isCountry(text)
        }
    }

    /// Runs `body` on the string's UTF-8 bytes without copying them when the string is native.
    static func withBytes(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }

    /// Reads exactly `count` ASCII digits at `at`.
    private static func number(_ b: UnsafeBufferPointer<UInt8>, at: Int, count: Int) -> Int? {
        guard at >= 0, at + count <= b.count else { return nil }
        var v = 0
        for i in at..<(at + count) {
            let c = b[i]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    /// RFC 3339 `full-date`: `YYYY-MM-DD`, a real calendar day (leap years included).
    /// Checks the first 10 bytes of `b`.
    static func isDate(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let s = 0
        guard b.count >= 10, b[s + 4] == UInt8(ascii: "-"), b[s + 7] == UInt8(ascii: "-"),
            let year = number(b, at: s, count: 4), let month = number(b, at: s + 5, count: 2),
            let day = number(b, at: s + 8, count: 2), (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// RFC 3339 `date-time`: `full-date "T" partial-time time-offset`, `T`/`Z` in either case; a
    /// leap second (`:60`) only at 23:59 UTC once the offset is applied.
    static func isDateTime(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count >= 20, isDate(b), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            let hour = number(b, at: 11, count: 2), b[13] == UInt8(ascii: ":"),
            let minute = number(b, at: 14, count: 2), b[16] == UInt8(ascii: ":"),
            let second = number(b, at: 17, count: 2), hour <= 23, minute <= 59, second <= 60
        else { return false }
        var i = 19
        if i < b.count && b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            guard i > start else { return false }
        }
        guard i < b.count else { return false }
        var offsetMinutes = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = number(b, at: i + 1, count: 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"),
                let om = number(b, at: i + 4, count: 2), oh <= 23, om <= 59
            else { return false }
            offsetMinutes = (oh * 60 + om) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return false
        }
        guard i == b.count else { return false }
        if second == 60 {
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    /// RFC 4122 textual form: 8-4-4-4-12 hex digits, any case, any version.
    static func isUUID(_ text: String) -> Bool {
        var count = 0
        for b in text.utf8 {
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
