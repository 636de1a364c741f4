import Contracts

/// An entity revision for the staleness guard (design §6): the value at the contract's
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

    /// `text` as UTC `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` when it is an RFC 3339 date-time
    /// (`T`/`t`/space separator, optional fraction up to 9 digits, `Z`/`z` or `±HH:MM`); else nil.
    public static func normalizedTimestamp(_ text: String) -> String? {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var value = 0
            for i in from..<(from + count) {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                value = value * 10 + Int(b[i] - 0x30)
            }
            return value
        }
        guard let year = number(0, 4), b[4] == 0x2D, let month = number(5, 2), b[7] == 0x2D,
            let day = number(8, 2), [0x54, 0x74, 0x20].contains(b[10]),
            let hour = number(11, 2), b[13] == 0x3A, let minute = number(14, 2), b[16] == 0x3A,
            let second = number(17, 2),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        var fraction = [UInt8]()
        if index < b.count, b[index] == 0x2E {
            index += 1
            while index < b.count, b[index] >= 0x30, b[index] <= 0x39 {
                if fraction.count < 9 { fraction.append(b[index]) }
                index += 1
            }
            guard !fraction.isEmpty else { return nil }
        }
        while fraction.count < 9 { fraction.append(0x30) }
        guard index < b.count else { return nil }
        var offsetMinutes = 0
        switch b[index] {
        case 0x5A, 0x7A:
            guard index + 1 == b.count else { return nil }
        case 0x2B, 0x2D:
            guard index + 6 == b.count, let oh = number(index + 1, 2), b[index + 3] == 0x3A,
                let om = number(index + 4, 2), oh < 24, om < 60
            else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[index] == 0x2B ? 1 : -1)
        default: return nil
        }
        let minutes = daysFromCivil(year, month, day) * 1440 + hour * 60 + minute - offsetMinutes
        let (y, m, d) = civilFromDays(Int((Double(minutes) / 1440).rounded(.down)))
        let minuteOfDay = minutes - daysFromCivil(y, m, d) * 1440
        guard (0...9999).contains(y) else { return nil }
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(minuteOfDay / 60, 2)):\(pad(minuteOfDay % 60, 2)):"
            + "\(pad(second, 2)).\(String(decoding: fraction, as: UTF8.self))Z"
    }

    private static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
