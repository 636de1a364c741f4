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

    static func decimals(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var utf8 = bytes.makeIterator()
        var digits = 0
        var fraction = -1
        var first = true
        var leadingZero = false
        while let b = utf8.next() {
            switch b {
            case UInt8(ascii: "-") where first:
                first = false
                continue
            case 0x30...0x39:
                if fraction >= 0 {
                    fraction += 1
                } else {
                    if leadingZero { return nil }
                    if digits == 0 && b == 0x30 { leadingZero = true }
                }
                digits += 1
            case UInt8(ascii: ".") where fraction < 0 && digits > 0:
                fraction = 0
            default:
                return nil
            }
            first = false
        }
        guard digits > 0, digits <= maxDigits, fraction != 0 else { return nil }
        return max(fraction, 0)
    }
}
