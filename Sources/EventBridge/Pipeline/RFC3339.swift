import Foundation

/// RFC 3339 timestamps in UTC, formatted and read without Foundation's formatters (hot path).
public enum RFC3339 {
    /// `2026-11-26T23:41:35.634Z` from milliseconds since the epoch.
    public static func format(milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var ms = Int(milliseconds % 1000)
        if ms < 0 {
            ms += 1000
            seconds -= 1
        }
        var t = tm()
        gmtime_r(&seconds, &t)
        var out = [UInt8]()
        out.reserveCapacity(24)
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: 0x30, count: width)
            var x = v
            for i in stride(from: width - 1, through: 0, by: -1) {
                digits[i] = UInt8(0x30 + x % 10)
                x /= 10
            }
            out.append(contentsOf: digits)
        }
        put(Int(t.tm_year) + 1900, 4); out.append(UInt8(ascii: "-"))
        put(Int(t.tm_mon) + 1, 2); out.append(UInt8(ascii: "-"))
        put(Int(t.tm_mday), 2); out.append(UInt8(ascii: "T"))
        put(Int(t.tm_hour), 2); out.append(UInt8(ascii: ":"))
        put(Int(t.tm_min), 2); out.append(UInt8(ascii: ":"))
        put(Int(t.tm_sec), 2); out.append(UInt8(ascii: "."))
        put(ms, 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Milliseconds since the epoch of an RFC 3339 date-time (`2026-11-27T10:15:00Z`,
    /// `…00.123456+01:00`); nil when the text is not one. Digits past milliseconds are truncated.
    public static func milliseconds(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { b -> Int64? in
            func number(_ at: Int, _ width: Int) -> Int? {
                var v = 0
                for i in at..<at + width {
                    let d = b[i] &- 0x30
                    guard d < 10 else { return nil }
                    v = v * 10 + Int(d)
                }
                return v
            }
            guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] | 0x20 == 0x74, b[13] == 0x3A, b[16] == 0x3A,
                  let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                  let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                  (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
            else { return nil }
            var i = 19
            var millis = 0
            if b[i] == 0x2E {
                i += 1
                let start = i
                while i < b.count, b[i] &- 0x30 < 10 {
                    if i - start < 3 { millis = millis * 10 + Int(b[i] &- 0x30) }
                    i += 1
                }
                guard i > start else { return nil }
                for _ in min(i - start, 3)..<3 { millis *= 10 }
            }
            guard i < b.count else { return nil }
            var offsetSeconds = 0
            if b[i] | 0x20 == 0x7A {
                i += 1
            } else if b[i] == 0x2B || b[i] == 0x2D, i + 6 == b.count, b[i + 3] == 0x3A,
                      let h = number(i + 1, 2), let m = number(i + 4, 2), h < 24, m < 60 {
                offsetSeconds = (h * 60 + m) * 60 * (b[i] == 0x2D ? -1 : 1)
                i += 6
            } else {
                return nil
            }
            guard i == b.count else { return nil }
            // Days from the civil date (proleptic Gregorian), after H. Hinnant's algorithm.
            let y = month <= 2 ? year - 1 : year
            let era = y / 400
            let yearOfEra = y - era * 400
            let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
            let days = era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
            let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
            return seconds * 1000 + Int64(millis)
        }
    }

    public static func now() -> String {
        format(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
