import Foundation

/// RFC 3339 timestamps in UTC, formatted without Foundation's formatters (hot path).
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

    public static func now() -> String {
        format(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
