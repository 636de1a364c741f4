import Basics
import Contracts
import Foundation

/// The date and time forms vendors send, read into one shape for `toRFC3339` and `toDate`:
///
/// - RFC 3339 / ISO 8601 text, `T` or space, fraction up to 9 digits, offset `Z`, `±hh:mm`,
///   `±hhmm`, `±hh`, or none (a wall-clock time: it needs a zone);
/// - `YYYY-MM-DD` and SAP's `yyyyMMdd` (dates);
/// - Microsoft JSON dates as OData V2 and SAP Gateway write them, `/Date(1492041600000)/` and
///   `/Date(1492041600000+0000)/` (milliseconds since the epoch, UTC; the offset is the zone the
///   writer was in and is kept);
/// - SAP `yyyyMMddHHmmss` timestamps (`CreationUTCDateTime`; a fraction `.fffffff` or `,fffffff`
///   may follow) — zone-less like ISO text without an offset;
/// - integer epochs, when the transform names their unit (Salesforce epoch milliseconds,
///   Stripe seconds, Debezium micro- and nanoseconds).
enum VendorTime {
    enum Value {
        /// An instant (seconds since the epoch, UTC), its fraction digits, and the offset the
        /// source wrote (nil: UTC, or an epoch).
        case instant(utcSeconds: Int64, fraction: String, offset: Int?)
        /// A wall-clock time without a zone (seconds as if UTC).
        case wall(seconds: Int64, fraction: String)
        /// A calendar date (days since 1970-01-01).
        case date(days: Int64)
    }

    /// Reads `value`; nil when it is none of the forms above (or a number without a unit).
    static func read(_ value: JSONValue, unitsPerSecond: Int64?) -> Value? {
        switch value {
        case .number:
            guard let units = unitsPerSecond, let epoch = DecimalText.int64(value) else { return nil }
            return epochValue(epoch, units)
        case .string(let text):
            return read(text, unitsPerSecond: unitsPerSecond)
        default:
            return nil
        }
    }

    private static func epochValue(_ epoch: Int64, _ units: Int64) -> Value {
        let seconds = CivilDate.floorDiv(epoch, units)
        let remainder = epoch - seconds * units
        let width = String(units - 1).count
        var fraction = remainder == 0 ? "" : String(remainder)
        if !fraction.isEmpty { fraction = String(repeating: "0", count: max(0, width - fraction.count)) + fraction }
        return .instant(utcSeconds: seconds, fraction: fraction, offset: nil)
    }

    static func read(_ text: String, unitsPerSecond: Int64?) -> Value? {
        let b = Array(text.utf8)
        if text.hasPrefix("/Date(") && text.hasSuffix(")/") { return microsoftDate(b) }
        if let parsed = CivilTime.parseDateTime(withExtendedOffset(text)) {
            if let offset = parsed.offsetSeconds {
                return .instant(utcSeconds: parsed.wallSeconds - Int64(offset), fraction: parsed.fraction, offset: offset == 0 ? nil : offset)
            }
            return .wall(seconds: parsed.wallSeconds, fraction: parsed.fraction)
        }
        if b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            let y = number(b, 0, 4), let m = number(b, 5, 2), let d = number(b, 8, 2) {
            return date(y, m, d)
        }
        if b.count == 8, let y = number(b, 0, 4), let m = number(b, 4, 2), let d = number(b, 6, 2) {
            return date(y, m, d)
        }
        if b.count >= 14, b.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ",") }) {
            return sapTimestamp(b)
        }
        if let units = unitsPerSecond, let epoch = Int64(text) { return epochValue(epoch, units) }
        return nil
    }

    private static func date(_ y: Int, _ m: Int, _ d: Int) -> Value? {
        guard y >= 1, m >= 1, m <= 12, d >= 1, d <= CivilDate.daysInMonth(year: Int64(y), month: m) else { return nil }
        return .date(days: CivilDate.days(year: Int64(y), month: m, day: d))
    }

    /// `yyyyMMddHHmmss[.f…|,f…]`.
    private static func sapTimestamp(_ b: [UInt8]) -> Value? {
        guard let y = number(b, 0, 4), let mo = number(b, 4, 2), let d = number(b, 6, 2),
            let h = number(b, 8, 2), let mi = number(b, 10, 2), let s = number(b, 12, 2),
            case .date(let days)? = date(y, mo, d), h <= 23, mi <= 59, s <= 59
        else { return nil }
        var fraction = ""
        if b.count > 14 {
            guard b[14] == UInt8(ascii: ".") || b[14] == UInt8(ascii: ","), b.count > 15, b.count - 15 <= 9,
                b[15...].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
            else { return nil }
            fraction = String(decoding: b[15...], as: UTF8.self)
            while fraction.hasSuffix("0") { fraction.removeLast() }
        }
        return .wall(seconds: days * 86_400 + Int64(h * 3600 + mi * 60 + s), fraction: fraction)
    }

    /// `/Date(-?digits([+-]hhmm)?)/`.
    private static func microsoftDate(_ b: [UInt8]) -> Value? {
        var body = Array(b[6..<(b.count - 2)])
        var offset: Int?
        if body.count > 5, let sign = body.dropFirst().lastIndex(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }) {
            let tail = body[(sign + 1)...]
            guard tail.count == 4, let hh = number(Array(tail), 0, 2), let mm = number(Array(tail), 2, 2), hh <= 23, mm <= 59 else { return nil }
            let seconds = hh * 3600 + mm * 60
            offset = body[sign] == UInt8(ascii: "-") ? -seconds : seconds
            body = Array(body[..<sign])
        }
        guard let millis = Int64(String(decoding: body, as: UTF8.self)) else { return nil }
        guard case .instant(let utc, let fraction, _) = epochValue(millis, 1000) else { return nil }
        return .instant(utcSeconds: utc, fraction: fraction, offset: offset == 0 ? nil : offset)
    }

    /// ISO 8601's other offset forms, `±hhmm` and `±hh` (PostgreSQL writes `+00`), as RFC 3339's
    /// `±hh:mm`, so one parser reads them all; anything else unchanged.
    static func withExtendedOffset(_ text: String) -> String {
        let b = Array(text.utf8)
        guard b.count > 19 else { return text }
        // The offset sign is the last '+' or '-' after the time of day.
        guard let sign = b[19...].lastIndex(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }) else { return text }
        let tail = b[(sign + 1)...]
        guard tail.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return text }
        let head = String(decoding: b[...sign], as: UTF8.self)
        switch tail.count {
        case 2: return head + String(decoding: tail, as: UTF8.self) + ":00"
        case 4: return head + String(decoding: tail.prefix(2), as: UTF8.self) + ":" + String(decoding: tail.suffix(2), as: UTF8.self)
        default: return text
        }
    }

    /// The value of `count` ASCII digits at `start`, or nil.
    private static func number(_ b: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= b.count else { return nil }
        var v = 0
        for i in start..<(start + count) {
            guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
            v = v * 10 + Int(b[i] - 0x30)
        }
        return v
    }

    /// RFC 3339 text for a value; zone-less times are placed in `zone`. Nil: a date, a zone-less
    /// time without a zone, or outside years 1–9999 — `why` says which.
    static func dateTime(_ value: Value, zone: TimeZone?) -> Result<String, DecimalText.Problem> {
        switch value {
        case .date:
            return .failure(.init("is a date without a time of day"))
        case .wall(let seconds, let fraction):
            guard let zone else { return .failure(.init("has no offset: give the transform a \"zone\"")) }
            let (utc, offset) = CivilTime.instant(wallSeconds: seconds, in: zone)
            return formatted(utc, fraction, offset == 0 ? nil : offset)
        case .instant(let utc, let fraction, let offset):
            return formatted(utc, fraction, offset)
        }
    }

    /// The calendar date of a value: a date as is; an instant in `zone` when given, else as the
    /// source wrote it (its offset; UTC for epochs); a wall-clock time's own date.
    static func date(_ value: Value, zone: TimeZone?) -> Result<String, DecimalText.Problem> {
        var days: Int64
        switch value {
        case .date(let d): days = d
        case .wall(let seconds, _): days = CivilDate.floorDiv(seconds, 86_400)
        case .instant(let utc, _, let offset):
            var local = utc + Int64(offset ?? 0)
            if let zone, utc >= CivilTime.minSeconds, utc <= CivilTime.maxSeconds { local = utc + Int64(CivilTime.offset(of: zone, at: utc)) }
            days = CivilDate.floorDiv(local, 86_400)
        }
        guard let text = RFC3339.formatDate(days: days) else { return .failure(.init("is outside years 1–9999")) }
        return .success(text)
    }

    private static func formatted(_ utc: Int64, _ fraction: String, _ offset: Int?) -> Result<String, DecimalText.Problem> {
        var fraction = fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        guard let text = RFC3339.format(utcSeconds: utc, fraction: fraction, offsetSeconds: offset) else {
            return .failure(.init("is outside years 1–9999"))
        }
        return .success(text)
    }
}
