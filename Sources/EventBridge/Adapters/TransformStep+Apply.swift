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
            let currency = try Self.currency(currencySource, in: scope)
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
            guard let text = Self.scalarText(value) else { throw fail("\(value.typeName) has no text to derive a UUID from\(Self.avroHint(value))") }
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

        case .debeziumDecimal(let scale, let currencySource, let exponents):
            let decimal = try Self.debeziumDecimal(value, scale: scale, in: scope, location: location)
            guard let currencySource else { return .string(DecimalText.render(decimal.unscaled, scale: decimal.scale)) }
            let currency = try Self.currency(currencySource, in: scope)
            guard let target = exponents[currency] ?? ISOTables.minorUnit(of: currency) else {
                throw fail("\"\(currency)\" is not an ISO 4217 currency with a minor unit")
            }
            switch DecimalText.amount(decimal, scale: target, what: "\(currency)'s minor unit") {
            case .success(let text): return .string(text)
            case .failure(let problem): throw fail(problem.message)
            }

        case .decimalAmount(let currencySource, let scale):
            guard let decimal = DecimalText.decimal(value) else { throw fail("\(DecimalText.describe(value)) is not a decimal amount") }
            var target = scale ?? 0
            var what = "scale \(target)"
            if let currencySource {
                let currency = try Self.currency(currencySource, in: scope)
                guard let minor = ISOTables.minorUnit(of: currency) else {
                    throw fail("\"\(currency)\" is not an ISO 4217 currency with a minor unit")
                }
                (target, what) = (minor, "\(currency)'s minor unit")
            }
            switch DecimalText.amount(decimal, scale: target, what: what) {
            case .success(let text): return .string(text)
            case .failure(let problem): throw fail(problem.message)
            }

        case .toDateTime(let units, let zoneReference), .toDate(let units, let zoneReference):
            guard let parsed = VendorTime.read(value, unitsPerSecond: units) else {
                if case .number = value, units == nil { throw fail("\(DecimalText.describe(value)) is a number: give the transform the epoch's \"unit\"") }
                throw fail("\(DecimalText.describe(value)) is not a date or date-time this bridge reads (RFC 3339, /Date(ms)/, yyyyMMdd[HHmmss], epoch)")
            }
            var zone: TimeZone?
            if let zoneReference {
                guard let z = scope.zone(zoneReference) else { throw fail("no time zone is configured for the source") }
                zone = z
            }
            let result: Result<String, DecimalText.Problem>
            if case .toDate = self { result = VendorTime.date(parsed, zone: zone) } else { result = VendorTime.dateTime(parsed, zone: zone) }
            switch result {
            case .success(let text): return .string(text)
            case .failure(let problem): throw fail("\(DecimalText.describe(value)) \(problem.message)")
            }

        case .countryCode:
            guard case .string(let text) = value else { throw fail("\(value.typeName) is not a country") }
            guard let code = ISOTables.countryCode(named: text) else {
                throw fail("\"\(text)\" is not an ISO 3166 country code (alpha-2 or alpha-3) or English short name")
            }
            return .string(code)

        case .base64Text:
            guard case .string(let text) = value, let data = Data(base64Encoded: text),
                let decoded = String(data: data, encoding: .utf8)
            else { throw fail("\(DecimalText.describe(value)) is not base64 of UTF-8 text") }
            return .string(decoded)
        }
    }

    /// The currency a money transform names (upper-cased).
    static func currency(_ source: ValueSource, in scope: MappingScope) throws(AdapterFailure) -> String {
        guard let (currencyValue, index) = scope.resolve(source) else {
            throw .missing("the currency of the amount is absent", at: scope.location(of: source, index: 0))
        }
        guard case .string(let raw) = currencyValue else {
            throw .transform("currency is \(currencyValue.typeName), not a string", at: scope.location(of: source, index: index))
        }
        return raw.uppercased()
    }

    /// A Debezium `DECIMAL`/`NUMERIC` column in any `decimal.handling.mode`, read with the column's
    /// Kafka Connect schema when the record carries it (`ConnectSchema`): base64 unscaled bytes
    /// (`precise`; scale from the schema, else the transform's `scale`), a decimal string
    /// (`string`), a JSON number when the schema says Decimal or integer (the JSON converter's
    /// `decimal.format=NUMERIC`). A JSON number the schema calls floating point
    /// (`double`) — or any JSON number without a schema, which cannot be told apart from it —
    /// is `adapter.inexact_amount`.
    static func debeziumDecimal(
        _ value: JSONValue, scale: Int?, in scope: MappingScope, location: () -> JSONPointer?
    ) throws(AdapterFailure) -> DecimalText.Decimal {
        let at = location()
        let encoding = at.flatMap { ConnectSchema.encoding(at: $0, in: scope.input.value) }
        func fail(_ message: String) -> AdapterFailure { .transform(message, at: at) }
        switch value {
        case .object:
            return try bytesDecimal(value, scale: scale, fail)
        case .number:
            switch encoding {
            case .decimal?, .integer?, .variableScaleDecimal?:
                guard let d = DecimalText.decimal(value) else { throw fail("\(DecimalText.describe(value)) is not a decimal") }
                return d
            case .floatingPoint?:
                throw AdapterFailure(code: .inexactAmount, message: "\(DecimalText.describe(value)) is a binary floating-point number (the column's schema type is double: decimal.handling.mode=double); its exact value is unknown — configure decimal.handling.mode=precise or string", location: at)
            default:
                throw AdapterFailure(code: .inexactAmount, message: "\(DecimalText.describe(value)) is a JSON number without the converter's schema: it cannot be told apart from decimal.handling.mode=double, whose values are inexact — configure decimal.handling.mode=precise or string, or enable schemas", location: at)
            }
        case .string(let text):
            switch encoding {
            case .decimal(let s)?: return try bytesDecimal(value, scale: s, fail)
            case .string?:
                guard let d = DecimalText.decimal(value) else { throw fail("\"\(text)\" is not a decimal string") }
                return d
            default:
                if scale != nil { return try bytesDecimal(value, scale: scale, fail) }
                guard let d = DecimalText.decimal(value) else {
                    throw fail("\(DecimalText.describe(value)) is neither a decimal string nor, without a \"scale\", readable as base64 bytes")
                }
                return d
            }
        default:
            throw fail("\(value.typeName) is not a Debezium decimal")
        }
    }

    private static func bytesDecimal(
        _ value: JSONValue, scale: Int?, _ fail: (String) -> AdapterFailure
    ) throws(AdapterFailure) -> DecimalText.Decimal {
        switch DecimalText.debeziumDecimal(value, scale: scale) {
        case .success(let text):
            guard let d = DecimalText.decimal(.string(text)) else { throw fail("\(text) is not a decimal") }
            return d
        case .failure(let problem): throw fail(problem.message)
        }
    }

    /// Why a value is an object where text was expected, when it looks like Avro's JSON encoding of
    /// a union (`{"long": 23911624}`, `{"db.public.orders.Value": {…}}`): the record was written by
    /// Avro's JSON encoder, which wraps every union value.
    static func avroHint(_ value: JSONValue) -> String {
        guard case .object(let o) = value, o.count == 1, let key = o.members.first?.key, AvroUnions.isBranchName(key) else { return "" }
        return " (`{\"\(key)\": …}` is how Avro's JSON encoding wraps a union value: the record was written with Avro's "
            + "JSON encoding, which this mapping does not read; produce it with the JSON converter)"
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
