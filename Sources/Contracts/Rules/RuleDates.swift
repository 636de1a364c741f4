/// Ordering of RFC 3339 `full-date` and `date-time` strings for the `dateOrder` rule.
enum RuleDates {
    /// A comparable instant: seconds since 0000-03-01 (UTC, proleptic Gregorian) and the fraction digits.
    struct Instant: Comparable {
        var seconds: Int
        var fraction: [UInt8]

        static func < (a: Instant, b: Instant) -> Bool {
            if a.seconds != b.seconds { return a.seconds < b.seconds }
            let n = max(a.fraction.count, b.fraction.count)
            for i in 0..<n {
                let x = i < a.fraction.count ? a.fraction[i] : 0x30
                let y = i < b.fraction.count ? b.fraction[i] : 0x30
                if x != y { return x < y }
            }
            return false
        }
    }

    /// Parses `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; nil otherwise.
    static func instant(_ text: String) -> Instant? {
        var text = text
        return text.withUTF8(instant(utf8:))
    }

    private static func instant(utf8 b: UnsafeBufferPointer<UInt8>) -> Instant? {
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<from + count {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = days(year: year, month: month, day: day) * 86_400
        guard b.count > 10 else { return Instant(seconds: seconds, fraction: []) }
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        seconds += hour * 3_600 + minute * 60 + second
        var i = 19
        var fraction: [UInt8] = []
        if b[i] == UInt8(ascii: ".") {
            i += 1
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                fraction.append(b[i])
                i += 1
            }
        }
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            guard i + 1 == b.count else { return nil }
        } else {
            guard i + 6 == b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b[i + 3] == UInt8(ascii: ":"),
                  let oh = number(i + 1, 2), let om = number(i + 4, 2)
            else { return nil }
            let offset = oh * 3_600 + om * 60
            seconds += b[i] == UInt8(ascii: "+") ? -offset : offset
        }
        while let last = fraction.last, last == 0x30 { fraction.removeLast() }
        return Instant(seconds: seconds, fraction: fraction)
    }

    /// Days since 0000-03-01 (a civil-from-days inverse, valid for the proleptic Gregorian calendar).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe
    }
}
