import Foundation

/// ISO reference data used by formats and finance rules.
public enum ISOTables {
    /// The number of decimals (minor unit) of an ISO 4217 currency, or nil for an unknown code.
    public static func minorUnit(of currency: String) -> Int? { currencyMinorUnits[currency] }

    /// True for an active ISO 4217 currency code with a minor unit (upper case, three letters).
    public static func isCurrency(_ code: String) -> Bool { currencyMinorUnits[code] != nil }

    /// True for an officially assigned ISO 3166-1 alpha-2 code (upper case).
    public static func isCountry(_ code: String) -> Bool { countryCodes.contains(code) }

    /// The ISO 3166-1 alpha-2 code of a country written as alpha-2, alpha-3 or its English short,
    /// official or common name (any case, surrounding spaces ignored): `"us"`, `"USA"`,
    /// `"United States"` → `"US"`. Nil when it is none of those.
    public static func countryCode(named text: String) -> String? {
        let key = text.trimmingCharacters(in: .whitespaces).uppercased()
        if key.count == 2, countryCodes.contains(key) { return key }
        if key.count == 3, let code = countryAlpha3[key] { return code }
        return countryNames[key]
    }

    /// `minorUnit(of:)` for a code given as bytes, when they are ASCII (a table read, no hashing);
    /// nil when the bytes are not ASCII (ask `minorUnit(of:)` with the string: a non-ASCII string
    /// can still be canonically equal to a code). `.some(nil)` is an ASCII non-currency.
    static func minorUnit(ascii code: UnsafeBufferPointer<UInt8>) -> Int?? {
        guard let slot = letterSlot(code, length: 3) else { return code.allSatisfy({ $0 < 0x80 }) ? .some(nil) : nil }
        let unit = minorUnitsByLetters[slot]
        return .some(unit < 0 ? nil : Int(unit))
    }

    /// `isCountry` for ASCII bytes; nil when they are not ASCII (see `minorUnit(ascii:)`).
    static func isCountry(ascii code: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard let slot = letterSlot(code, length: 2) else { return code.allSatisfy({ $0 < 0x80 }) ? false : nil }
        return countriesByLetters[slot]
    }

    /// The index of `length` upper-case ASCII letters in base 26; nil for anything else.
    @inline(__always)
    private static func letterSlot(_ code: UnsafeBufferPointer<UInt8>, length: Int) -> Int? {
        guard code.count == length else { return nil }
        var slot = 0
        for b in code {
            guard b >= UInt8(ascii: "A"), b <= UInt8(ascii: "Z") else { return nil }
            slot = slot * 26 + Int(b - UInt8(ascii: "A"))
        }
        return slot
    }

    /// `currencyMinorUnits` by letter slot (-1: not a currency).
    private static let minorUnitsByLetters: [Int8] = {
        var table = [Int8](repeating: -1, count: 26 * 26 * 26)
        for (code, unit) in currencyMinorUnits {
            var bytes = Array(code.utf8)
            if let slot = bytes.withUnsafeMutableBufferPointer({ letterSlot(UnsafeBufferPointer($0), length: 3) }) { table[slot] = Int8(unit) }
        }
        return table
    }()

    private static let countriesByLetters: [Bool] = {
        var table = [Bool](repeating: false, count: 26 * 26)
        for code in countryCodes {
            var bytes = Array(code.utf8)
            if let slot = bytes.withUnsafeMutableBufferPointer({ letterSlot(UnsafeBufferPointer($0), length: 2) }) { table[slot] = true }
        }
        return table
    }()
}
