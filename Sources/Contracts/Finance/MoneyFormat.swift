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
        let negative = p[0] == UInt8(ascii: "-")
        let integerStart = negative ? 1 : 0
        // Every digit goes into the magnitude, wrapping past 18 digits (where no value is returned).
        var magnitude: UInt64 = 0
        var i = integerStart
        while i < n {
            let d = p[i] &- 0x30
            if d >= 10 { break }
            magnitude = magnitude &* 10 &+ UInt64(d)
            i &+= 1
        }
        let integerDigits = i &- integerStart
        // At least one digit, and no leading zeros: a 0 is the whole integer part.
        guard integerDigits > 0, integerDigits == 1 || p[integerStart] != 0x30 else { return nil }
        var fraction = 0
        if i < n {
            guard p[i] == UInt8(ascii: ".") else { return nil }
            i &+= 1
            let fractionStart = i
            while i < n {
                let d = p[i] &- 0x30
                if d >= 10 { break }
                magnitude = magnitude &* 10 &+ UInt64(d)
                i &+= 1
            }
            fraction = i &- fractionStart
            guard i == n, fraction > 0 else { return nil }
        }
        let digits = integerDigits &+ fraction
        guard digits <= maxDigits else { return nil }
        guard digits <= 18 else { return (fraction, nil) }
        return (fraction, negative ? -Int64(magnitude) : Int64(magnitude))
    }
}
