import Basics
import Contracts
import Foundation
import EventStore

extension TransformStep {
    /// Applies the transform to a present, non-null value.
    ///
    /// - Parameter location: where the value is in the input, computed only on failure.
    /// - Throws: `adapter.transform` when the value can't be converted; `adapter.missing_field`
    ///   when an argument read from the input (a currency) is absent.
    func apply(_ value: JSONValue, in scope: MappingScope, location: () -> JSONPointer?) throws(AdapterFailure) -> JSONValue {
        func fail(_ message: String) -> AdapterFailure { .transform(message, at: location()) }

        switch self {
        case .minorUnitsToDecimal(let currencySource, let exponents):
            guard let (currencyValue, index) = scope.resolve(currencySource) else {
                throw .missing("the currency for minorUnitsToDecimal is absent", at: scope.location(of: currencySource, index: 0))
            }
            guard case .string(let raw) = currencyValue else {
                throw .transform("currency is \(currencyValue.typeName), not a string", at: scope.location(of: currencySource, index: index))
            }
            let currency = raw.uppercased()
            switch DecimalText.minorUnitsToDecimal(value, currency: currency, exponent: exponents[currency]) {
            case .success(let text): return .string(text)
            case .failure(let problem): throw fail(problem.message)
            }

        case .epochToDateTime(let unitsPerSecond, let fractionDigits, let wallClock):
            guard let epoch = DecimalText.int64(value) else { throw fail("\(DecimalText.describe(value)) is not an integer epoch") }
            let seconds = CivilDate.floorDiv(epoch, unitsPerSecond)
            let remainder = epoch - seconds * unitsPerSecond
            let fraction = remainder == 0 ? "" : Self.zeroPadded(remainder, width: fractionDigits)
            var text: String?
            if let wallClock {
                guard let zone = scope.zone(wallClock) else { throw fail("no time zone is configured for the source") }
                let (utc, offset) = CivilTime.instant(wallSeconds: seconds, in: zone)
                text = RFC3339.format(utcSeconds: utc, fraction: fraction, offsetSeconds: offset)
            } else {
                text = RFC3339.format(utcSeconds: seconds, fraction: fraction, offsetSeconds: nil)
            }
            guard let text else { throw fail("epoch \(epoch) is outside years 1–9999") }
            return .string(text)

        case .epochToDate(let unitsPerSecond, let zoneReference):
            guard let epoch = DecimalText.int64(value) else { throw fail("\(DecimalText.describe(value)) is not an integer epoch") }
            var seconds = CivilDate.floorDiv(epoch, unitsPerSecond)
            if let zoneReference {
                guard let zone = scope.zone(zoneReference) else { throw fail("no time zone is configured for the source") }
                if seconds >= CivilTime.minSeconds, seconds <= CivilTime.maxSeconds {
                    seconds += Int64(CivilTime.offset(of: zone, at: seconds))
                }
            }
            guard let text = RFC3339.formatDate(days: CivilDate.floorDiv(seconds, 86_400)) else {
                throw fail("epoch \(epoch) is outside years 1–9999")
            }
            return .string(text)

        case .localTimeToDateTime(let zoneReference):
            guard case .string(let text) = value, let parsed = CivilTime.parseDateTime(text) else {
                throw fail("\(DecimalText.describe(value)) is not a date-time YYYY-MM-DDThh:mm:ss[.fff]")
            }
            if let utc = parsed.utcSeconds {
                // Already zoned: normalise the separator, keep instant and offset.
                return try .string(Self.format(utc, parsed.fraction, parsed.offsetSeconds == 0 ? nil : parsed.offsetSeconds, fail))
            }
            guard let zone = scope.zone(zoneReference) else { throw fail("no time zone is configured for the source") }
            let (utc, offset) = CivilTime.instant(wallSeconds: parsed.wallSeconds, in: zone)
            return try .string(Self.format(utc, parsed.fraction, offset, fail))

        case .dateFromEpochDays:
            guard let days = DecimalText.int64(value), let text = RFC3339.formatDate(days: days) else {
                throw fail("\(DecimalText.describe(value)) is not a day count within years 1–9999")
            }
            return .string(text)

        case .dateTimeToEpochMillis:
            guard case .string(let text) = value, let parsed = CivilTime.parseDateTime(text), let utc = parsed.utcSeconds else {
                throw fail("\(DecimalText.describe(value)) is not an RFC 3339 date-time with an offset")
            }
            let millis = Int64(parsed.fraction.prefix(3).padding(toLength: 3, withPad: "0", startingAt: 0)) ?? 0
            return .number(JSONNumber(utc * 1000 + millis))

        case .upper, .lower, .trim:
            guard case .string(let s) = value else { throw fail("\(value.typeName) is not a string") }
            switch self {
            case .upper: return .string(s.uppercased())
            case .lower: return .string(s.lowercased())
            default: return .string(s.trimmingCharacters(in: .whitespacesAndNewlines))
            }

        case .toString:
            guard let s = Self.scalarText(value) else { throw fail("\(value.typeName) has no string form") }
            return .string(s)

        case .parseJSON:
            guard case .string(let text) = value else { throw fail("\(value.typeName) is not JSON text") }
            do {
                return try JSONParser.parse(text)
            } catch {
                throw fail("the JSON text does not parse: \(error)")
            }

        case .enumMap(let table, let fallback):
            if let key = Self.scalarText(value), let mapped = table[key] { return mapped }
            if let fallback { return fallback }
            throw fail("\(DecimalText.describe(value)) is not one of the mapped values")

        case .uuidFromText(let namespace, let parts):
            guard let text = Self.scalarText(value) else { throw fail("\(value.typeName) has no text to derive a UUID from") }
            var values = [namespace, text]
            for part in parts {
                guard let (partValue, index) = scope.resolve(part) else {
                    throw .missing("a part of uuidFromText is absent", at: scope.location(of: part, index: 0))
                }
                guard let partText = Self.scalarText(partValue) else {
                    throw .transform("a part of uuidFromText is \(partValue.typeName), not text", at: scope.location(of: part, index: index))
                }
                values.append(partText)
            }
            return .string(EncodeStage.ceID(DedupKey(family: "eventbridge.uuidFromText.v1", values: values)))

        case .debeziumDecimal(let scale):
            switch DecimalText.debeziumDecimal(value, scale: scale) {
            case .success(let text): return .string(text)
            case .failure(let problem): throw fail(problem.message)
            }
        }
    }

    /// The text of a string, number or boolean.
    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s
        case .number(let n): return n.literal
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    private static func zeroPadded(_ value: Int64, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func format(
        _ utc: Int64, _ fraction: String, _ offset: Int?, _ fail: (String) -> AdapterFailure
    ) throws(AdapterFailure) -> String {
        guard let text = RFC3339.format(utcSeconds: utc, fraction: fraction, offsetSeconds: offset) else {
            throw fail("the date-time is outside years 1–9999")
        }
        return text
    }
}
