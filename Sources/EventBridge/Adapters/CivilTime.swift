import Basics
import Foundation

/// Wall-clock time in an IANA zone for the time transforms; the calendar arithmetic and RFC 3339
/// text are `Basics` (`CivilDate`, `RFC3339`). No `DateFormatter`, no locale, no `Double` except
/// to ask `TimeZone` for offsets.
enum CivilTime {
    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range RFC 3339 can write.
    static let minSeconds: Int64 = CivilDate.minDays * 86_400
    static let maxSeconds: Int64 = (CivilDate.maxDays + 1) * 86_400 - 1

    /// `YYYY-MM-DD` followed by `T`, `t` or a space, `hh:mm:ss`, an optional fraction of 1–9
    /// digits, and an optional `Z`/`z` or `±hh:mm`; calendar-checked, no leap seconds.
    static func parseDateTime(_ text: String) -> RFC3339.Timestamp? {
        guard let t = RFC3339.parse(text, allowSpace: true), t.fractionDigits <= 9, t.second <= 59 else { return nil }
        return t
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
}
