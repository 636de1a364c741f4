import Contracts
import Foundation

extension MappingCompiler {
    /// `"name"`, `{"name": "…", args…}` or an array of those, applied in order.
    mutating func transformSteps(_ spec: JSONValue, at: JSONPointer, inElement: Bool) -> [TransformStep] {
        switch spec {
        case .string(let name):
            return step(name, JSONObject(), at: at, inElement: inElement).map { [$0] } ?? []
        case .object(let o):
            guard case .string(let name)? = o["name"] else {
                problem(at, "a transform object needs \"name\"")
                return []
            }
            var args = o
            args["name"] = nil
            return step(name, args, at: at, inElement: inElement).map { [$0] } ?? []
        case .array(let items):
            var steps: [TransformStep] = []
            for (i, item) in items.enumerated() {
                if case .array = item {
                    problem(at.appending(i), "transform lists don't nest")
                    continue
                }
                steps += transformSteps(item, at: at.appending(i), inElement: inElement)
            }
            return steps
        default:
            problem(at, "\"transform\" is a name, a {\"name\": …} object or an array of those")
            return []
        }
    }

    private mutating func step(_ name: String, _ args: JSONObject, at: JSONPointer, inElement: Bool) -> TransformStep? {
        func allow(_ keys: [String], _ compiler: inout MappingCompiler) { compiler.checkKeys(args, keys, at: at) }
        switch name {
        case "minorUnitsToDecimal":
            allow(["currency", "exponents"], &self)
            guard let currencySpec = args["currency"] else {
                problem(at, "minorUnitsToDecimal needs \"currency\" (a code, or {\"from\": pointer})")
                return nil
            }
            guard let currency = argumentSource(currencySpec, at: ptr(at, "currency"), inElement: inElement) else { return nil }
            return .minorUnitsToDecimal(currency: currency, exponents: exponents(args, at: at))
        case "epochSecondsToRFC3339", "epochMillisToRFC3339", "epochMicrosToRFC3339":
            allow(["wallClockZone"], &self)
            let (units, digits): (Int64, Int) =
                name == "epochSecondsToRFC3339" ? (1, 0) : name == "epochMillisToRFC3339" ? (1000, 3) : (1_000_000, 6)
            let wallClock = args["wallClockZone"].flatMap { zone($0, at: ptr(at, "wallClockZone")) }
            return .epochToDateTime(unitsPerSecond: units, fractionDigits: digits, wallClock: wallClock)
        case "epochSecondsToDate", "epochMillisToDate":
            allow(["zone"], &self)
            let zoneReference = args["zone"].flatMap { zone($0, at: ptr(at, "zone")) }
            return .epochToDate(unitsPerSecond: name == "epochSecondsToDate" ? 1 : 1000, zone: zoneReference)
        case "localTimeToRFC3339":
            allow(["zone"], &self)
            let zoneReference = zone(args["zone"] ?? "source", at: ptr(at, "zone"))
            return zoneReference.map { .localTimeToDateTime(zone: $0) }
        case "enumMap":
            allow(["map", "default"], &self)
            guard let m = args["map"], let table = object(m, at: ptr(at, "map"), "\"map\"") else {
                if args["map"] == nil { problem(at, "enumMap needs \"map\"") }
                return nil
            }
            var dictionary: [String: JSONValue] = [:]
            for member in table { dictionary[member.key] = member.value }
            return .enumMap(dictionary, fallback: args["default"])
        case "decimalFromDebeziumDecimal":
            allow(["scale", "currency", "exponents"], &self)
            guard let scale = optionalScale(args, at: at) else { return nil }
            let currency = args["currency"].flatMap { argumentSource($0, at: ptr(at, "currency"), inElement: inElement) }
            return .debeziumDecimal(scale: scale, currency: currency, exponents: exponents(args, at: at))
        case "decimalAmount":
            allow(["currency", "scale"], &self)
            guard let scale = optionalScale(args, at: at) else { return nil }
            let currency = args["currency"].flatMap { argumentSource($0, at: ptr(at, "currency"), inElement: inElement) }
            if (currency == nil) == (scale == nil) {
                problem(at, "decimalAmount needs exactly one of \"currency\" (rescale to its minor unit) and \"scale\"")
                return nil
            }
            return .decimalAmount(currency: currency, scale: scale)
        case "toRFC3339", "toDate":
            allow(["unit", "zone"], &self)
            var units: Int64?
            if let u = args["unit"] {
                switch u {
                case "seconds": units = 1
                case "millis": units = 1000
                case "micros": units = 1_000_000
                case "nanos": units = 1_000_000_000
                default:
                    problem(ptr(at, "unit"), "\"unit\" of an integer epoch is seconds, millis, micros or nanos")
                    return nil
                }
            }
            let zoneReference = args["zone"].flatMap { zone($0, at: ptr(at, "zone")) }
            return name == "toRFC3339" ? .toDateTime(unitsPerSecond: units, zone: zoneReference) : .toDate(unitsPerSecond: units, zone: zoneReference)
        case "uuidFromText":
            allow(["namespace", "with"], &self)
            guard case .string(let namespace)? = args["namespace"], !namespace.isEmpty else {
                problem(at, "uuidFromText needs \"namespace\" (a non-empty string, e.g. the source system)")
                return nil
            }
            var parts: [ValueSource] = []
            if let w = args["with"] {
                guard case .array(let items) = w else {
                    problem(ptr(at, "with"), "\"with\" is an array of values (constants or {\"from\"|\"element\"|\"meta\": …})")
                    return nil
                }
                for (i, item) in items.enumerated() {
                    if let s = argumentSource(item, at: ptr(at, "with").appending(i), inElement: inElement) { parts.append(s) }
                }
            }
            return .uuidFromText(namespace: namespace, with: parts)
        case "dateFromEpochDays", "rfc3339ToEpochMillis", "upper", "lower", "trim", "toString", "parseJSON", "countryCode", "base64Text":
            allow([], &self)
            switch name {
            case "countryCode": return .countryCode
            case "base64Text": return .base64Text
            case "dateFromEpochDays": return .dateFromEpochDays
            case "rfc3339ToEpochMillis": return .dateTimeToEpochMillis
            case "upper": return .upper
            case "lower": return .lower
            case "trim": return .trim
            case "parseJSON": return .parseJSON
            default: return .toString
            }
        default:
            problem(at, "unknown transform \"\(name)\" (known: \(TransformStep.names.joined(separator: ", ")))")
            return nil
        }
    }

    /// `"exponents": {"MGA": 0, …}`: per-currency source exponents where the source differs from ISO.
    private mutating func exponents(_ args: JSONObject, at: JSONPointer) -> [String: Int] {
        var exponents: [String: Int] = [:]
        if let e = args["exponents"], let table = object(e, at: ptr(at, "exponents"), "\"exponents\"") {
            for m in table {
                guard let v = m.value.numberValue?.int64, v >= 0, v <= 18 else {
                    problem(ptr(ptr(at, "exponents"), m.key), "an exponent is an integer 0–18")
                    continue
                }
                exponents[m.key.uppercased()] = Int(v)
            }
        }
        return exponents
    }

    /// An optional `"scale"` argument (`.some(nil)` when absent); nil after a problem.
    private mutating func optionalScale(_ args: JSONObject, at: JSONPointer) -> Int?? {
        guard let s = args["scale"] else { return .some(nil) }
        guard let v = s.numberValue?.int64, v >= 0, v <= Int64(DecimalText.maxDigits) else {
            problem(ptr(at, "scale"), "\"scale\" is an integer 0–\(DecimalText.maxDigits)")
            return nil
        }
        return .some(Int(v))
    }

    /// A transform argument read per record: a scalar is a constant, an object a value source.
    private mutating func argumentSource(_ spec: JSONValue, at: JSONPointer, inElement: Bool) -> ValueSource? {
        guard case .object(let o) = spec else { return .constant(spec) }
        checkKeys(o, ["from", "element", "const", "meta", "index", "join", "separator"], at: at)
        return source(o, at: at, inElement: inElement)
    }

    /// `"source"` (the zone configured for the source) or an IANA zone name.
    mutating func zone(_ spec: JSONValue, at: JSONPointer) -> ZoneReference? {
        guard case .string(let name) = spec else {
            problem(at, "a zone is \"source\" or an IANA time zone name")
            return nil
        }
        if name == "source" {
            usesSourceZone = true
            return .source
        }
        guard let zone = TimeZone(identifier: name) else {
            problem(at, "\"\(name)\" is not a known IANA time zone")
            return nil
        }
        return .fixed(zone)
    }
}
