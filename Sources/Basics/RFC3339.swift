import Foundation

/// RFC 3339 timestamps: the one parser and the one set of formatters the project uses (schema
/// `date`/`date-time` formats, finance date rules, revisions, adapters' time transforms, event
/// times, DLQ headers, logs). Integer arithmetic over UTF-8 bytes; no `DateFormatter`, no locale.
public enum RFC3339 {
    /// A parsed `full-date` or `date-time`, as written (nothing is normalized).
    public struct Timestamp: Sendable, Hashable {
        /// The date as days since 1970-01-01.
        public var days: Int64
        /// False for a bare `full-date` (then the time fields are 0).
        public var hasTime: Bool
        public var hour: Int
        public var minute: Int
        /// 0–60 (60 is a leap second; callers that care check where it may occur).
        public var second: Int
        /// The first nine fraction digits as nanoseconds (digits past the ninth are dropped).
        public var nanoseconds: Int
        /// How many fraction digits were written (0 when none; may exceed 9).
        public var fractionDigits: Int
        /// The offset east of UTC in seconds; nil when the text has no `Z` or `±hh:mm`.
        public var offsetSeconds: Int?

        /// Seconds since 1970-01-01T00:00:00 of the wall-clock time, as if it were UTC.
        public var wallSeconds: Int64 { days * 86_400 + Int64(hour * 3600 + minute * 60 + second) }
        /// The instant, when the text carries an offset.
        public var utcSeconds: Int64? { offsetSeconds.map { wallSeconds - Int64($0) } }
        /// The instant in milliseconds (fraction truncated), when the text carries an offset.
        public var utcMilliseconds: Int64? { utcSeconds.map { $0 * 1000 + Int64(nanoseconds / 1_000_000) } }
        /// The fraction digits as written, at most nine.
        public var fraction: String {
            guard fractionDigits > 0 else { return "" }
            let digits = min(fractionDigits, 9)
            var out = [UInt8](repeating: 0x30, count: digits)
            var n = nanoseconds / pow10(9 - digits)
            for i in stride(from: digits - 1, through: 0, by: -1) {
                out[i] = 0x30 + UInt8(n % 10)
                n /= 10
            }
            return String(decoding: out, as: UTF8.self)
        }

        private func pow10(_ e: Int) -> Int { (0..<e).reduce(1) { r, _ in r * 10 } }
    }

    /// Parses `YYYY-MM-DD` (only with `allowDateOnly`) or `YYYY-MM-DD` `T`|`t` (or a space, with
    /// `allowSpace`) `hh:mm:ss[.digits]` optionally followed by `Z`|`z` or `±hh:mm`. The date is
    /// calendar-checked; hours 0–23, minutes 0–59, seconds 0–60. Nil for anything else.
    public static func parse(_ b: UnsafeBufferPointer<UInt8>, allowDateOnly: Bool = false, allowSpace: Bool = false) -> Timestamp? {
        @inline(__always) func number(_ at: Int, _ width: Int) -> Int? {
            guard at + width <= b.count else { return nil }
            var v = 0
            for i in at..<at + width {
                let d = b[i] &- 0x30
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
            }
            return v
        }
        guard b.count >= 10, let year = number(0, 4), b[4] == 0x2D, let month = number(5, 2), b[7] == 0x2D,
              let day = number(8, 2), (1...12).contains(month), day >= 1, day <= CivilDate.daysInMonth(year: Int64(year), month: month)
        else { return nil }
        let days = CivilDate.days(year: Int64(year), month: month, day: day)
        if b.count == 10 {
            guard allowDateOnly else { return nil }
            return Timestamp(days: days, hasTime: false, hour: 0, minute: 0, second: 0, nanoseconds: 0, fractionDigits: 0, offsetSeconds: nil)
        }
        guard b.count >= 19, b[10] | 0x20 == 0x74 || (allowSpace && b[10] == 0x20),
              let hour = number(11, 2), b[13] == 0x3A, let minute = number(14, 2), b[16] == 0x3A, let second = number(17, 2),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        var i = 19
        var nanos = 0
        var digits = 0
        if i < b.count, b[i] == 0x2E {
            i += 1
            while i < b.count, b[i] &- 0x30 < 10 {
                if digits < 9 { nanos = nanos * 10 + Int(b[i] &- 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 9)..<9 { nanos *= 10 }
        }
        var offset: Int? = nil
        if i < b.count {
            if b[i] | 0x20 == 0x7A {
                offset = 0
                i += 1
            } else if b[i] == 0x2B || b[i] == 0x2D, i + 6 == b.count, b[i + 3] == 0x3A,
                      let h = number(i + 1, 2), let m = number(i + 4, 2), h < 24, m < 60 {
                offset = (h * 3600 + m * 60) * (b[i] == 0x2D ? -1 : 1)
                i += 6
            } else {
                return nil
            }
        }
        guard i == b.count else { return nil }
        return Timestamp(days: days, hasTime: true, hour: hour, minute: minute, second: second, nanoseconds: nanos,
                         fractionDigits: digits, offsetSeconds: offset)
    }

    public static func parse(_ text: String, allowDateOnly: Bool = false, allowSpace: Bool = false) -> Timestamp? {
        var text = text
        return text.withUTF8 { parse($0, allowDateOnly: allowDateOnly, allowSpace: allowSpace) }
    }

    /// Milliseconds since the epoch of a date-time with an offset (`2026-11-27T10:15:00Z`,
    /// `…00.123456+01:00`); nil for anything else. Digits past milliseconds are truncated.
    public static func milliseconds(_ text: String) -> Int64? {
        parse(text)?.utcMilliseconds
    }

    // MARK: Formatting

    /// `2026-11-26T23:41:35.634Z` from milliseconds since the epoch. Total: an instant outside
    /// years 1–9999 (a producer's nonsense Kafka timestamp) is written as the nearest one inside
    /// (`0001-01-01T00:00:00.000Z`, `9999-12-31T23:59:59.999Z`); `formatsExactly` says false for it.
    public static func format(milliseconds: Int64) -> String {
        // Always 24 ASCII bytes (years 1–9999), written in place: one allocation, nothing to validate.
        String(unsafeUninitializedCapacity: 24) { write(milliseconds: milliseconds, into: $0) }
    }

    /// `format(milliseconds:)`'s UTF-8 bytes, written straight into the array.
    public static func formatBytes(milliseconds: Int64) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 24) { out, count in count = write(milliseconds: milliseconds, into: out) }
    }

    /// Writes `format(milliseconds:)`'s 24 bytes into `out`; returns 24.
    @inline(__always)
    private static func write(milliseconds: Int64, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let milliseconds = min(max(milliseconds, CivilDate.minDays * 86_400_000), (CivilDate.maxDays + 1) * 86_400_000 - 1)
        let seconds = CivilDate.floorDiv(milliseconds, 1000)
        let ms = Int(milliseconds - seconds * 1000)
        let days = CivilDate.floorDiv(seconds, 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let (y, month, day) = CivilDate.date(days: days)
        let year = Int(y)
        do {
            @inline(__always) func two(_ v: Int, at k: Int) {
                out[k] = 0x30 &+ UInt8(truncatingIfNeeded: v / 10)
                out[k &+ 1] = 0x30 &+ UInt8(truncatingIfNeeded: v % 10)
            }
            two(year / 100, at: 0)
            two(year % 100, at: 2)
            out[4] = UInt8(ascii: "-")
            two(month, at: 5)
            out[7] = UInt8(ascii: "-")
            two(day, at: 8)
            out[10] = UInt8(ascii: "T")
            two(secondOfDay / 3600, at: 11)
            out[13] = UInt8(ascii: ":")
            two(secondOfDay / 60 % 60, at: 14)
            out[16] = UInt8(ascii: ":")
            two(secondOfDay % 60, at: 17)
            out[19] = UInt8(ascii: ".")
            out[20] = 0x30 &+ UInt8(truncatingIfNeeded: ms / 100)
            two(ms % 100, at: 21)
            out[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// Whether `format(milliseconds:)` writes exactly this instant (years 1–9999), so that
    /// `milliseconds(format(milliseconds: ms)) == ms` without reading the text back.
    public static func formatsExactly(milliseconds: Int64) -> Bool {
        milliseconds >= CivilDate.minDays * 86_400_000 && milliseconds < (CivilDate.maxDays + 1) * 86_400_000
    }

    /// Now, as `format(milliseconds:)` writes it.
    public static func now() -> String { format(milliseconds: WallClock.nowMillis()) }

    /// `YYYY-MM-DDThh:mm:ss[.fraction]` then `Z` (offset nil) or `±hh:mm`, for an instant. An
    /// offset that is not whole minutes (pre-1900 local mean time) is written as the same instant
    /// in UTC. Nil outside years 1–9999.
    public static func format(utcSeconds: Int64, fraction: String, offsetSeconds: Int?) -> String? {
        var offset = offsetSeconds
        if let o = offset, o % 60 != 0 { offset = nil }
        let wall = utcSeconds + Int64(offset ?? 0)
        guard wall >= CivilDate.minDays * 86_400, wall < (CivilDate.maxDays + 1) * 86_400 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        appendDateTime(wallSeconds: wall, into: &out)
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

    /// `YYYY-MM-DD` for a day count, or nil outside years 1–9999.
    public static func formatDate(days: Int64) -> String? {
        guard days >= CivilDate.minDays, days <= CivilDate.maxDays else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(10)
        appendDate(days: days, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendDateTime(wallSeconds: Int64, into out: inout [UInt8]) {
        let days = CivilDate.floorDiv(wallSeconds, 86_400)
        let secondOfDay = Int(wallSeconds - days * 86_400)
        appendDate(days: days, into: &out)
        out.append(UInt8(ascii: "T"))
        append2(secondOfDay / 3600, into: &out)
        out.append(UInt8(ascii: ":"))
        append2(secondOfDay / 60 % 60, into: &out)
        out.append(UInt8(ascii: ":"))
        append2(secondOfDay % 60, into: &out)
    }

    private static func appendDate(days: Int64, into out: inout [UInt8]) {
        let (y, m, d) = CivilDate.date(days: days)
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
}
