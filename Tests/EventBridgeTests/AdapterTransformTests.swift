import Contracts
import Foundation
import Testing
@testable import EventBridge

/// The transforms, through a one-field mapping so compilation and evaluation are both exercised.
@Suite struct AdapterTransformTests {
    /// Runs `transform` (JSON) on `value` (JSON) and returns the outcome.
    private func run(_ transform: String, _ value: String, zone: String? = nil, extra: String = "") throws -> AdapterOutcome {
        let adapter = try AdapterTestSupport.mapping(
            """
            {"name": "t", "rules": [{"emit": "test.value", "fields": {
              "/out": {"from": "/v", "transform": \(transform)}\(extra)}}]}
            """, zone: zone)
        return adapter.adapt(try AdapterTestSupport.input(#"{"v": \#(value), "ccy": "usd"}"#))
    }

    private func output(_ transform: String, _ value: String, zone: String? = nil) throws -> JSONValue? {
        try AdapterTestSupport.event(run(transform, value, zone: zone)).data["out"]
    }

    private func failure(_ transform: String, _ value: String, zone: String? = nil) throws -> AdapterFailure? {
        AdapterTestSupport.failure(try run(transform, value, zone: zone))
    }

    private let minor = #"{"name": "minorUnitsToDecimal", "currency": {"from": "/ccy"}}"#

    @Test(arguments: [
        ("12550", "USD", "125.50"), ("-5", "USD", "-0.05"), ("0", "USD", "0.00"), ("7", "usd", "0.07"),
        ("1000", "JPY", "1000"), ("1234", "BHD", "1.234"), ("-1", "BHD", "-0.001"), ("\"-000120\"", "EUR", "-1.20"),
        ("123456789012345678901234567890", "USD", "1234567890123456789012345678.90"),
        ("9223372036854775808", "EUR", "92233720368547758.08"), ("1e3", "USD", "10.00"),
    ])
    func minorUnitsToDecimalIsExact(value: String, currency: String, expected: String) throws {
        let adapter = try AdapterTestSupport.mapping(
            #"{"name": "t", "rules": [{"emit": "test.value", "fields": {"/out": {"from": "/v", "transform": {"name": "minorUnitsToDecimal", "currency": {"from": "/c"}}}}}]}"#)
        let outcome = adapter.adapt(try AdapterTestSupport.input(#"{"v": \#(value), "c": "\#(currency)"}"#))
        #expect(try AdapterTestSupport.event(outcome).data["out"] == .string(expected))
    }

    @Test func minorUnitsExponentOverrideRescalesToTheISOScale() throws {
        // Stripe sends MGA as zero-decimal; ISO 4217 gives it 2 decimals.
        let t = #"{"name": "minorUnitsToDecimal", "currency": "MGA", "exponents": {"MGA": 0}}"#
        #expect(try output(t, "1500") == "1500.00")
        // Going down in scale drops only zeros; anything else would be rounding.
        let down = #"{"name": "minorUnitsToDecimal", "currency": "JPY", "exponents": {"JPY": 2}}"#
        #expect(try output(down, "150000") == "1500")
        #expect(try failure(down, "150001")?.code == .transform)
    }

    @Test func minorUnitsRejectsFractionsUnknownCurrenciesAndMissingCurrency() throws {
        #expect(try failure(minor, "12.5")?.code == .transform)
        #expect(try failure(minor, "\"12a\"")?.code == .transform)
        #expect(try failure(minor, "true")?.location == JSONPointer("/v"))
        let unknown = #"{"name": "minorUnitsToDecimal", "currency": "XXX"}"#
        #expect(try failure(unknown, "100")?.message.contains("XXX") == true)
        let absent = #"{"name": "minorUnitsToDecimal", "currency": {"from": "/nope"}}"#
        let f = try failure(absent, "100")
        #expect(f?.code == .missingField)
        #expect(f?.location == JSONPointer("/nope"))
    }

    @Test(arguments: [
        ("\"epochSecondsToRFC3339\"", "1772359200", "2026-03-01T10:00:00Z"),
        ("\"epochSecondsToRFC3339\"", "0", "1970-01-01T00:00:00Z"),
        ("\"epochSecondsToRFC3339\"", "-1", "1969-12-31T23:59:59Z"),
        ("\"epochSecondsToRFC3339\"", "951782400", "2000-02-29T00:00:00Z"),
        ("\"epochMillisToRFC3339\"", "1772359200123", "2026-03-01T10:00:00.123Z"),
        ("\"epochMillisToRFC3339\"", "1772359200000", "2026-03-01T10:00:00Z"),
        ("\"epochMillisToRFC3339\"", "-1", "1969-12-31T23:59:59.999Z"),
        ("\"epochMicrosToRFC3339\"", "1772360100123456", "2026-03-01T10:15:00.123456Z"),
        ("\"epochMicrosToRFC3339\"", "\"1772360100000001\"", "2026-03-01T10:15:00.000001Z"),
        ("\"epochSecondsToRFC3339\"", "253402300799", "9999-12-31T23:59:59Z"),
        ("\"dateFromEpochDays\"", "20513", "2026-03-01"),
        ("\"dateFromEpochDays\"", "-1", "1969-12-31"),
        ("\"epochSecondsToDate\"", "1772359200", "2026-03-01"),
        ("\"epochMillisToDate\"", "1772359200123", "2026-03-01"),
        ("\"rfc3339ToEpochMillis\"", "\"2026-03-01T11:00:00.1234+01:00\"", "1772359200123"),
    ])
    func epochTransformsAreExactUTC(transform: String, value: String, expected: String) throws {
        let out = try output(transform, value)
        if case .number(let n)? = out { #expect(n.literal == expected) } else { #expect(out == .string(expected)) }
    }

    @Test func epochsOutsideYears1To9999AndNonIntegersFail() throws {
        #expect(try failure("\"epochSecondsToRFC3339\"", "253402300800")?.code == .transform)
        #expect(try failure("\"epochSecondsToRFC3339\"", "1.5")?.code == .transform)
        #expect(try failure("\"epochMillisToRFC3339\"", "\"soon\"")?.code == .transform)
        #expect(try failure("\"dateFromEpochDays\"", "99999999")?.code == .transform)
        #expect(try failure("\"epochSecondsToRFC3339\"", "99999999999999999999999")?.code == .transform)
    }

    @Test func localTimeUsesTheSourceZoneWithItsOffset() throws {
        let t = "\"localTimeToRFC3339\""
        #expect(try output(t, "\"2026-03-01T10:15:00\"", zone: "Europe/Berlin") == "2026-03-01T10:15:00+01:00")
        #expect(try output(t, "\"2026-07-01 10:15:00.5\"", zone: "Europe/Berlin") == "2026-07-01T10:15:00.5+02:00")
        #expect(try output(t, "\"2026-03-01T10:15:00\"", zone: "America/New_York") == "2026-03-01T10:15:00-05:00")
        #expect(try output(t, "\"2026-03-01T10:15:00\"", zone: "Asia/Kolkata") == "2026-03-01T10:15:00+05:30")
        #expect(try output(t, "\"2026-03-01T10:15:00\"", zone: "UTC") == "2026-03-01T10:15:00+00:00")
        // Already zoned text is kept (normalised separator, Z for UTC).
        #expect(try output(t, "\"2026-03-01 10:15:00-03:00\"", zone: "Europe/Berlin") == "2026-03-01T10:15:00-03:00")
        #expect(try output(t, "\"2026-03-01T10:15:00z\"", zone: "Europe/Berlin") == "2026-03-01T10:15:00Z")
    }

    @Test func localTimeInADSTGapMovesForwardAndInAnOverlapTakesTheEarlierInstant() throws {
        let t = "\"localTimeToRFC3339\""
        // Europe/Berlin 2026-03-29: 02:00 → 03:00; 02:30 does not exist.
        #expect(try output(t, "\"2026-03-29T02:30:00\"", zone: "Europe/Berlin") == "2026-03-29T03:30:00+02:00")
        // Europe/Berlin 2026-10-25: 03:00 → 02:00; 02:30 happens twice, the first (+02:00) wins.
        #expect(try output(t, "\"2026-10-25T02:30:00\"", zone: "Europe/Berlin") == "2026-10-25T02:30:00+02:00")
        #expect(try output(t, "\"2026-10-25T03:30:00\"", zone: "Europe/Berlin") == "2026-10-25T03:30:00+01:00")
        // America/New_York 2026-03-08 02:30 is in the gap.
        #expect(try output(t, "\"2026-03-08T02:30:00\"", zone: "America/New_York") == "2026-03-08T03:30:00-04:00")
    }

    @Test func localTimeRejectsImpossibleDates() throws {
        let t = "\"localTimeToRFC3339\""
        for bad in ["\"2026-02-29T10:00:00\"", "\"2026-13-01T10:00:00\"", "\"2026-03-01T24:00:00\"", "\"2026-03-01\"", "\"01/03/2026 10:00\"", "17"] {
            #expect(try failure(t, bad, zone: "Europe/Berlin")?.code == .transform, "\(bad)")
        }
        #expect(try output(t, "\"2024-02-29T10:00:00\"", zone: "Europe/Berlin") == "2024-02-29T10:00:00+01:00")
    }

    @Test func wallClockEpochsAreLocalisedInTheSourceZone() throws {
        // Debezium MicroTimestamp of a TIMESTAMP WITHOUT TIME ZONE column: wall clock as if UTC.
        let t = #"{"name": "epochMicrosToRFC3339", "wallClockZone": "source"}"#
        #expect(try output(t, "1772360100123456", zone: "Europe/Berlin") == "2026-03-01T10:15:00.123456+01:00")
        #expect(try output(t, "1774751400000000", zone: "Europe/Berlin") == "2026-03-29T03:30:00+02:00")
        let fixed = #"{"name": "epochSecondsToDate", "zone": "Pacific/Auckland"}"#
        #expect(try output(fixed, "1772359200") == "2026-03-01")
        #expect(try output(fixed, "1772362800") == "2026-03-02")
    }

    @Test func stringTransformsAndEnumMaps() throws {
        #expect(try output("\"upper\"", "\"usd\"") == "USD")
        #expect(try output("\"lower\"", "\"EUR\"") == "eur")
        #expect(try output("\"trim\"", "\"  Acme \"") == "Acme")
        #expect(try output("\"toString\"", "12345678901234567890") == "12345678901234567890")
        #expect(try output("\"toString\"", "false") == "false")
        #expect(try failure("\"upper\"", "12")?.code == .transform)
        #expect(try failure("\"toString\"", "[1]")?.code == .transform)
        let map = #"{"name": "enumMap", "map": {"O": "open", "C": "closed", "1": "one", "true": "yes"}}"#
        #expect(try output(map, "\"C\"") == "closed")
        #expect(try output(map, "1") == "one")
        #expect(try output(map, "true") == "yes")
        #expect(try failure(map, "\"X\"")?.code == .transform)
        let withDefault = #"{"name": "enumMap", "map": {"O": "open"}, "default": "other"}"#
        #expect(try output(withDefault, "\"X\"") == "other")
        // Chains run in order.
        #expect(try output(#"["trim", "lower", {"name": "enumMap", "map": {"paid": "PAID"}}]"#, "\" Paid \"") == "PAID")
    }

    @Test(arguments: [
        ("\"Aeh6\"", "2", "1250.50"), ("\"TlI=\"", "2", "200.50"), ("\"/heG\"", "2", "-1250.50"),
        ("\"AA==\"", "2", "0.00"), ("\"Ap1Ctk52cUJEyw==\"", "2", "123456789012345678901.23"),
        ("\"Aeh6\"", "0", "125050"), ("{\"scale\": 3, \"value\": \"Aeh6\"}", "2", "125.050"),
    ])
    func debeziumDecimalsDecodeExactly(value: String, scale: String, expected: String) throws {
        let t = #"{"name": "decimalFromDebeziumDecimal", "scale": \#(scale)}"#
        #expect(try output(t, value) == .string(expected))
    }

    @Test func debeziumDecimalRejectsNonBase64() throws {
        let t = #"{"name": "decimalFromDebeziumDecimal", "scale": 2}"#
        #expect(try failure(t, "\"not base64!\"")?.code == .transform)
        // A JSON number without the converter's schema may be decimal.handling.mode=double: inexact.
        #expect(try failure(t, "12.50")?.code == .inexactAmount)
    }

    @Test func parseJSONTurnsTextIntoAValue() throws {
        #expect(try output("\"parseJSON\"", #""[{\"a\": 1}]""#) == [["a": 1]])
        #expect(try failure("\"parseJSON\"", #""[1,""#)?.code == .transform)
    }

    @Test func uuidFromTextIsDeterministicAndFormatted() throws {
        let t = #"{"name": "uuidFromText", "namespace": "stripe"}"#
        let a = try output(t, #""evt_1QxA2bLkdIwHu7ixZ0aBcDeF""#)
        #expect(a == (try output(t, #""evt_1QxA2bLkdIwHu7ixZ0aBcDeF""#)))
        #expect(a != (try output(t, #""evt_1QxA2bLkdIwHu7ixZ0aBcDeG""#)))
        #expect(a != (try output(#"{"name": "uuidFromText", "namespace": "other"}"#, #""evt_1QxA2bLkdIwHu7ixZ0aBcDeF""#)))
        let text = try #require(a?.stringValue)
        let shape = text.split(separator: "-", omittingEmptySubsequences: false).map(\.count)
        #expect(shape == [8, 4, 4, 4, 12] && text.allSatisfy { $0.isHexDigit || $0 == "-" } && text == text.lowercased())
        #expect(Array(text)[14] == "8")
        // Numbers hash by their literal; parts come from the record.
        #expect(try output(t, "24023928") != nil)
        let withPart = #"{"name": "uuidFromText", "namespace": "n", "with": [{"from": "/ccy"}, "x"]}"#
        #expect(try output(withPart, "1") != (try output(#"{"name": "uuidFromText", "namespace": "n"}"#, "1")))
        let missingPart = #"{"name": "uuidFromText", "namespace": "n", "with": [{"from": "/absent"}]}"#
        #expect(try failure(missingPart, "1")?.code == .missingField)
        #expect(try failure(t, "[1]")?.code == .transform)
        #expect(try !AdapterTestSupport.problems(#"{"name": "t", "rules": [{"emit": "x.y", "fields": {"/o": {"from": "/v", "transform": "uuidFromText"}}}]}"#).isEmpty)
    }

    @Test func indexNumbersTheElementsOfAnEach() throws {
        let adapter = try AdapterTestSupport.mapping(#"""
            {"name": "t", "rules": [{"emit": "test.value", "fields": {
              "/lines": {"each": "/v", "fields": {"/lineNumber": {"index": 1}, "/position": {"index": 0}, "/name": {"element": ""}}}}}]}
            """#)
        let e = try AdapterTestSupport.event(adapter.adapt(try AdapterTestSupport.input(#"{"v": ["a", "b"]}"#)))
        #expect(e.data["lines"] == [["lineNumber": 1, "position": 0, "name": "a"], ["lineNumber": 2, "position": 1, "name": "b"]])
        let outside = try AdapterTestSupport.problems(#"{"name": "t", "rules": [{"emit": "x.y", "fields": {"/n": {"index": 1}}}]}"#)
        #expect(outside.count == 1)
        let badBase = try AdapterTestSupport.problems(#"{"name": "t", "rules": [{"emit": "x.y", "fanOut": "/v", "fields": {"/n": {"index": 7}}}]}"#)
        #expect(badBase.count == 1)
    }
}
