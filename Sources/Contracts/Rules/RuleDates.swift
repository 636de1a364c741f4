import Basics

/// Ordering of RFC 3339 `full-date` and `date-time` strings for the `dateOrder` rule and for
/// revisions: a date is midnight UTC, a date-time needs an offset.
enum RuleDates {
    /// A comparable instant: seconds since 1970-01-01 UTC and the nanoseconds (the first nine
    /// fraction digits).
    struct Instant: Comparable, Hashable {
        var seconds: Int64
        var nanoseconds: Int

        static func < (a: Instant, b: Instant) -> Bool { (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds) }
    }

    /// `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; nil otherwise.
    static func instant(_ text: String) -> Instant? {
        var text = text
        return text.withUTF8(instant(utf8:))
    }

    /// `instant` of the string with these UTF-8 bytes.
    static func instant(utf8 text: UnsafeBufferPointer<UInt8>) -> Instant? {
        RFC3339.parse(text, allowDateOnly: true).flatMap(instant)
    }

    /// `instant` of a parsed timestamp (`RFC3339.parse(_:allowDateOnly: true)`).
    @inline(__always)
    static func instant(_ t: RFC3339.Timestamp) -> Instant? {
        if !t.hasTime { return Instant(seconds: t.days * 86_400, nanoseconds: 0) }
        guard let utc = t.utcSeconds else { return nil }
        return Instant(seconds: utc, nanoseconds: t.nanoseconds)
    }
}
