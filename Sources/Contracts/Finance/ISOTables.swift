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
}
