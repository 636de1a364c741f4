import Foundation

/// Exact calendar arithmetic for the time transforms: proleptic Gregorian dates, RFC 3339 text,
/// and wall-clock time in an IANA zone. Integer arithmetic only (H. Hinnant's civil-date
/// algorithms); no `DateFormatter`, no locale, no `Double` except to ask `TimeZone` for offsets.
enum CivilTime {
    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range RFC 3339 can write.
    static let minSeconds: Int64 = -62_135_596_800
    static let maxSeconds: Int64 = 253_402_300_799
    static let minDays: Int64 = -719_162
    static let maxDays: Int64 = 2_932_896

    /// A parsed `YYYY-MM-DD[T ]hh:mm:ss[.fraction][Z|±hh:mm]`.
    struct DateTime: Sendable {
        /// The wall-clock time as seconds since 1970-01-01T00:00:00 (as if it were UTC).
        var wallSeconds: Int64
        /// Fraction-of-second digits as written (may be empty).
        var fraction: String
        /// The offset east of UTC in seconds; nil when the text carries no zone.
        var offsetSeconds: Int?

        /// The instant, when the text carried an offset.
        var utcSeconds: Int64? { offsetSeconds.map { wallSeconds - Int64($0) } }
    }

    // MARK: dates

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func days(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    static func civil(days z0: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), Int(m), Int(d))
    }

    static func daysInMonth(year: Int64, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DD` for a day count, or nil outside years 1–9999.
    static func formatDate(days: Int64) -> String? {
        guard days >= minDays, days <= maxDays else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(10)
        appendDate(days: days, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: date-times

    /// RFC 3339 text for an instant: `YYYY-MM-DDThh:mm:ss[.fraction]` then `Z` (offset nil) or
    /// `±hh:mm`. An offset that is not whole minutes (pre-1900 local mean time) is written as the
    /// same instant in UTC. Nil outside years 1–9999.
    static func formatDateTime(utcSeconds: Int64, fraction: String, offsetSeconds: Int?) -> String? {
        var offset = offsetSeconds
        if let o = offset, o % 60 != 0 { offset = nil }
        let wall = utcSeconds + Int64(offset ?? 0)
        guard wall >= minSeconds, wall <= maxSeconds else { return nil }
        let days = floorDiv(wall, 86_400)
        let secondOfDay = Int(wall - days * 86_400)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        appendDate(days: days, into: &out)
        out.append(UInt8(ascii: "T"))
        append2(secondOfDay / 3600, into: &out)
        out.append(UInt8(ascii: ":"))
        append2(secondOfDay / 60 % 60, into: &out)
        out.append(UInt8(ascii: ":"))
        append2(secondOfDay % 60, into: &out)
        if !fraction.isEmpty {
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: fraction.utf8)
        }
        if let o = offset {
            out.append(o < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let minutes = abs(o) / 60
            append2(minutes / 60, into: &out)
            out.append(UInt8(ascii: ":"))
            append2(minutes % 60, into: &out)
        } else {
            out.append(UInt8(ascii: "Z"))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `YYYY-MM-DD` followed by `T`, `t` or a space, `hh:mm:ss`, an optional fraction of
    /// 1–9 digits, and an optional `Z`/`z`, `±hh:mm`, `±hhmm` or `±hh`. Calendar-checked; no leap
    /// seconds.
    static func parseDateTime(_ text: String) -> DateTime? {
        let b = Array(text.utf8)
        guard b.count >= 19 else { return nil }
        guard let year = number(b, 0, 4), b[4] == UInt8(ascii: "-"),
            let month = number(b, 5, 2), b[7] == UInt8(ascii: "-"),
            let day = number(b, 8, 2),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
            let hour = number(b, 11, 2), b[13] == UInt8(ascii: ":"),
            let minute = number(b, 14, 2), b[16] == UInt8(ascii: ":"),
            let second = number(b, 17, 2)
        else { return nil }
        guard year >= 1, month >= 1, month <= 12, day >= 1, day <= daysInMonth(year: Int64(year), month: month),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var i = 19
        var fraction = ""
        if i < b.count, b[i] == UInt8(ascii: ".") {
            let start = i + 1
            i = start
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i > start, i - start <= 9 else { return nil }
            fraction = String(decoding: b[start..<i], as: UTF8.self)
        }
        var offset: Int?
        if i < b.count {
            switch b[i] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                guard i + 1 == b.count else { return nil }
                offset = 0
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                // ±hh:mm (RFC 3339), or ISO 8601's ±hhmm and ±hh (PostgreSQL writes "+00").
                guard let oh = number(b, i + 1, 2), oh <= 23 else { return nil }
                var om = 0
                switch b.count - i {
                case 3: break
                case 5:
                    guard let m = number(b, i + 3, 2) else { return nil }
                    om = m
                case 6:
                    guard b[i + 3] == UInt8(ascii: ":"), let m = number(b, i + 4, 2) else { return nil }
                    om = m
                default: return nil
                }
                guard om <= 59 else { return nil }
                offset = (b[i] == UInt8(ascii: "-") ? -1 : 1) * (oh * 3600 + om * 60)
            default:
                return nil
            }
        }
        let days = days(year: Int64(year), month: month, day: day)
        let wall = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return DateTime(wallSeconds: wall, fraction: fraction, offsetSeconds: offset)
    }

    // MARK: zones

    /// The instant a wall-clock time names in `zone`, and the zone's offset then.
    ///
    /// Same resolution as java.time's `ZonedDateTime.ofLocal`: in an overlap (clocks set back) the
    /// earlier instant — the offset before the transition — wins; in a gap (clocks set forward)
    /// the wall time is moved forward by the gap's length (02:30 in a 02:00→03:00 gap is 03:30
    /// with the new offset).
    static func instant(wallSeconds w: Int64, in zone: TimeZone) -> (utcSeconds: Int64, offset: Int) {
        let before = offset(of: zone, at: w - 86_400)
        let after = offset(of: zone, at: w + 86_400)
        let t1 = w - Int64(before)
        let t2 = w - Int64(after)
        let firstValid = offset(of: zone, at: t1) == before
        let secondValid = before != after && offset(of: zone, at: t2) == after
        switch (firstValid, secondValid) {
        case (true, true): return t1 <= t2 ? (t1, before) : (t2, after)
        case (true, false): return (t1, before)
        case (false, true): return (t2, after)
        case (false, false): return (t1, offset(of: zone, at: t1))
        }
    }

    static func offset(of zone: TimeZone, at utcSeconds: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcSeconds)))
    }

    // MARK: helpers

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func appendDate(days: Int64, into out: inout [UInt8]) {
        let (y, m, d) = civil(days: days)
        let year = Int(y)
        out.append(0x30 + UInt8(year / 1000 % 10))
        out.append(0x30 + UInt8(year / 100 % 10))
        append2(year % 100, into: &out)
        out.append(UInt8(ascii: "-"))
        append2(m, into: &out)
        out.append(UInt8(ascii: "-"))
        append2(d, into: &out)
    }

    @inline(__always)
    private static func append2(_ v: Int, into out: inout [UInt8]) {
        out.append(0x30 + UInt8(v / 10 % 10))
        out.append(0x30 + UInt8(v % 10))
    }

    /// The value of `count` ASCII digits at `start`, or nil.
    static func number(_ b: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= b.count else { return nil }
        var v = 0
        for i in start..<(start + count) {
            let c = b[i]
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }
}
