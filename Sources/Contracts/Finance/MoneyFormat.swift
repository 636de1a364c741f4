/// The `money` format: an amount as a decimal string, never a JSON number.
///
/// Grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?` — an optional minus, no plus sign, no leading zeros,
/// no exponent, no thousands separators, at most 38 significant digits. Whether the decimals fit a
/// currency is the finance rule `currencyScale`, which needs the currency field next to it.
public enum MoneyFormat {
    public static let maxDigits = 38

    public static func isValid(_ text: String) -> Bool {
        decimals(of: text) != nil
    }

    /// The number of digits after the decimal point, or nil when `text` is not a money amount.
    /// Trailing zeros count: "10.50" has 2 decimals (a JPY amount "100.0" is invalid).
    public static func decimals(of text: String) -> Int? {
        var text = text
        return text.withUTF8(decimals(utf8:))
    }

    static func decimals(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int? { scan(utf8: bytes)?.decimals }

    /// A money amount's decimals and, when it has at most 18 digits, its exact value as
    /// `SmallDecimal(utf8:)` reads it (value × 10^−decimals); nil when `bytes` is not a money
    /// amount. One pass: the tape path checks the format and keeps the amount for the rules.
    static func scan(utf8 bytes: UnsafeBufferPointer<UInt8>) -> (decimals: Int, value: Int64?)? {
        let n = bytes.count
        guard n > 0, let p = bytes.baseAddress else { return nil }
        var i = 0
        let negative = p[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        guard i < n, p[i] &- 0x30 < 10 else { return nil }
        var digits = 0
        var magnitude: Int64 = 0
        if p[i] == 0x30 {
            // No leading zeros: a 0 is the whole integer part.
            i &+= 1
            digits = 1
            if i < n && p[i] &- 0x30 < 10 { return nil }
        } else {
            while i < n, p[i] &- 0x30 < 10 {
                if digits < 18 { magnitude = magnitude &* 10 &+ Int64(p[i] &- 0x30) }
                digits &+= 1
                i &+= 1
            }
        }
        var fraction = 0
        if i < n {
            guard p[i] == UInt8(ascii: ".") else { return nil }
            i &+= 1
            while i < n, p[i] &- 0x30 < 10 {
                if digits < 18 { magnitude = magnitude &* 10 &+ Int64(p[i] &- 0x30) }
                digits &+= 1
                fraction &+= 1
                i &+= 1
            }
            guard i == n, fraction > 0 else { return nil }
        }
        guard digits <= maxDigits else { return nil }
        return (fraction, digits <= 18 ? (negative ? -magnitude : magnitude) : nil)
    }
}
