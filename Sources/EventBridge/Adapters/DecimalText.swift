import Contracts
import Foundation

/// Exact decimal text for the money transforms. Amounts stay digit strings from input to output:
/// never `Double`, no size limit beyond `maxDigits`, negative values and `Int64` overflow included.
enum DecimalText {
    /// Longest integer accepted, in digits (MoneyFormat allows 38 significant digits; the slack
    /// lets a rescale drop trailing zeros before the contract checks the result).
    static let maxDigits = 64

    /// Why a value could not be converted, for the `adapter.transform` message.
    struct Problem: Error, Sendable {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// An exact integer: sign and digits, most significant first, no leading zeros (zero is `[]`).
    struct Integer: Sendable, Equatable {
        var negative: Bool
        var digits: [UInt8]
    }

    /// The exact integer a JSON number (`12`, `-7`, `1e3`, `123456789012345678901234567890`) or an
    /// integer string (`"-0042"`) holds; nil for fractions, other types and absurd sizes.
    static func integer(_ value: JSONValue) -> Integer? {
        switch value {
        case .number(let n):
            if let v = n.int64 {
                // Fast path: no DecimalParts parse. `magnitude` is safe for Int64.min.
                return v == 0 ? Integer(negative: false, digits: []) : Integer(negative: v < 0, digits: Array(String(v.magnitude).utf8))
            }
            let parts = n.parts
            guard parts.exponent >= 0, parts.digits.count + parts.exponent <= maxDigits else { return nil }
            if parts.isZero { return Integer(negative: false, digits: []) }
            return Integer(negative: parts.negative, digits: parts.digits + Array(repeating: 0x30, count: parts.exponent))
        case .string(let s):
            var bytes = Substring(s).utf8[...]
            var negative = false
            if bytes.first == UInt8(ascii: "-") {
                negative = true
                bytes = bytes.dropFirst()
            }
            guard !bytes.isEmpty, bytes.count <= maxDigits, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            let digits = Array(bytes.drop(while: { $0 == 0x30 }))
            return Integer(negative: negative && !digits.isEmpty, digits: digits)
        default:
            return nil
        }
    }

    /// The integer as `Int64`, when it fits.
    static func int64(_ value: JSONValue) -> Int64? {
        if case .number(let n) = value, let v = n.int64 { return v }
        guard let i = integer(value), i.digits.count <= 19 else { return nil }
        var magnitude: UInt64 = 0
        // 19 digits never overflow UInt64 (max 1.8e19).
        for d in i.digits { magnitude = magnitude &* 10 &+ UInt64(d - 0x30) }
        if i.negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// `unscaled × 10^-sourceScale` written with exactly `targetScale` decimals.
    ///
    /// Nil when the value has non-zero digits below `targetScale` (it would need rounding, which a
    /// money transform must never do silently).
    static func rescaled(_ unscaled: Integer, sourceScale: Int, targetScale: Int) -> String? {
        var digits = unscaled.digits
        if sourceScale > targetScale {
            let drop = sourceScale - targetScale
            if !digits.isEmpty {
                guard digits.count > drop, digits.suffix(drop).allSatisfy({ $0 == 0x30 }) else { return nil }
                digits.removeLast(drop)
            }
        } else if sourceScale < targetScale, !digits.isEmpty {
            digits.append(contentsOf: repeatElement(0x30, count: targetScale - sourceScale))
        }
        return render(Integer(negative: unscaled.negative, digits: digits), scale: targetScale)
    }

    /// Writes `unscaled × 10^-scale` with exactly `scale` decimals: `-0.05`, `1234`, `0.000`.
    static func render(_ unscaled: Integer, scale: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(unscaled.digits.count + scale + 3)
        if unscaled.negative && !unscaled.digits.isEmpty { out.append(UInt8(ascii: "-")) }
        let padded = max(unscaled.digits.count, scale + 1)
        let zeros = padded - unscaled.digits.count
        let integerCount = padded - scale
        for i in 0..<padded {
            if i == integerCount { out.append(UInt8(ascii: ".")) }
            out.append(i < zeros ? 0x30 : unscaled.digits[i - zeros])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Converts integer minor units of `currency` to a decimal amount at the currency's ISO 4217
    /// scale. `exponent` overrides the source's exponent (a system whose minor unit differs from
    /// ISO, as Stripe's zero-decimal MGA).
    static func minorUnitsToDecimal(_ value: JSONValue, currency: String, exponent: Int?) -> Result<String, Problem> {
        guard let amount = integer(value) else {
            return .failure(Problem("\(describe(value)) is not an integer amount of minor units"))
        }
        guard let scale = ISOTables.minorUnit(of: currency) else {
            return .failure(Problem("\"\(currency)\" is not an ISO 4217 currency with a minor unit"))
        }
        guard let text = rescaled(amount, sourceScale: exponent ?? scale, targetScale: scale) else {
            return .failure(Problem("\(describe(value)) minor units at exponent \(exponent ?? scale) do not fit \(currency)'s \(scale) decimals"))
        }
        return .success(text)
    }

    /// An exact decimal: sign, digits (no leading zeros) and the number of them after the point.
    struct Decimal: Sendable, Equatable {
        var unscaled: Integer
        var scale: Int
    }

    /// The exact decimal a decimal string (`"24.25"`, `"-0.5"`, `"100"`) or a JSON number's
    /// literal (`24.25`, `1e3`) holds; nil for anything else.
    static func decimal(_ value: JSONValue) -> Decimal? {
        switch value {
        case .number(let n):
            let parts = n.parts
            if parts.isZero { return Decimal(unscaled: Integer(negative: false, digits: []), scale: max(0, -parts.exponent)) }
            guard parts.digits.count + abs(parts.exponent) <= maxDigits else { return nil }
            if parts.exponent >= 0 {
                return Decimal(unscaled: Integer(negative: parts.negative, digits: parts.digits + Array(repeating: 0x30, count: parts.exponent)), scale: 0)
            }
            let digits = Array(parts.digits.drop(while: { $0 == 0x30 }))
            return Decimal(unscaled: Integer(negative: parts.negative && !digits.isEmpty, digits: digits), scale: -parts.exponent)
        case .string(let s):
            var bytes = Array(s.utf8)[...]
            var negative = false
            if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") {
                negative = bytes.first == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            let point = bytes.firstIndex(of: UInt8(ascii: "."))
            let integerPart = point.map { bytes[..<$0] } ?? bytes
            let fractionPart = point.map { bytes[bytes.index(after: $0)...] } ?? []
            guard !integerPart.isEmpty || !fractionPart.isEmpty, integerPart.count + fractionPart.count <= maxDigits,
                integerPart.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), fractionPart.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                point == nil || !fractionPart.isEmpty
            else { return nil }
            let digits = Array((integerPart + fractionPart).drop(while: { $0 == 0x30 }))
            return Decimal(unscaled: Integer(negative: negative && !digits.isEmpty, digits: digits), scale: fractionPart.count)
        default:
            return nil
        }
    }

    /// `decimal` written with exactly `scale` decimals; fails when that would drop a non-zero digit.
    static func amount(_ decimal: Decimal, scale: Int, what: String) -> Result<String, Problem> {
        guard let text = rescaled(decimal.unscaled, sourceScale: decimal.scale, targetScale: scale) else {
            return .failure(Problem("\(render(decimal.unscaled, scale: decimal.scale)) has more decimals than \(what) (\(scale)): it would need rounding"))
        }
        return .success(text)
    }

    /// A decimal amount at the currency's ISO 4217 minor unit (JPY 0, USD 2, BHD 3).
    static func amount(_ value: JSONValue, currency: String) -> Result<String, Problem> {
        guard let d = decimal(value) else { return .failure(Problem("\(describe(value)) is not a decimal amount")) }
        guard let scale = ISOTables.minorUnit(of: currency) else {
            return .failure(Problem("\"\(currency)\" is not an ISO 4217 currency with a minor unit"))
        }
        return amount(d, scale: scale, what: "\(currency)'s minor unit")
    }

    /// Decodes a Debezium `DECIMAL`/`NUMERIC` in `decimal.handling.mode=precise`: base64 of the
    /// unscaled value as big-endian two's complement bytes (Kafka Connect `Decimal`), or a
    /// `VariableScaleDecimal` object `{"scale": n, "value": base64}`.
    static func debeziumDecimal(_ value: JSONValue, scale: Int?) -> Result<String, Problem> {
        var encoded = value
        var effectiveScale = scale
        if case .object(let o) = value {
            guard let s = o["scale"].flatMap(int64), s >= 0, s <= Int64(maxDigits), let v = o["value"] else {
                return .failure(Problem("a VariableScaleDecimal needs an integer \"scale\" and a base64 \"value\""))
            }
            encoded = v
            effectiveScale = Int(s)
        }
        guard case .string(let text) = encoded, let data = Data(base64Encoded: text), !data.isEmpty, data.count <= 26 else {
            return .failure(Problem("\(describe(value)) is not base64 of at most 26 bytes (a Kafka Connect Decimal)"))
        }
        guard let effectiveScale else { return .failure(Problem("the decimal's scale is unknown: give the transform a \"scale\"")) }
        return .success(render(twosComplementToDecimal(Array(data)), scale: effectiveScale))
    }

    /// A big-endian two's complement integer in decimal digits.
    static func twosComplementToDecimal(_ bytes: [UInt8]) -> Integer {
        var magnitude = bytes
        let negative = (bytes.first ?? 0) & 0x80 != 0
        if negative {
            // Negate: invert and add one.
            var carry: UInt16 = 1
            for i in stride(from: magnitude.count - 1, through: 0, by: -1) {
                let v = UInt16(~magnitude[i]) + carry
                magnitude[i] = UInt8(v & 0xFF)
                carry = v >> 8
            }
        }
        var digits: [UInt8] = []
        var start = 0
        while start < magnitude.count {
            if magnitude[start] == 0 {
                start += 1
                continue
            }
            // Divide the base-256 number by 10, collecting the remainder.
            var remainder: UInt16 = 0
            for i in start..<magnitude.count {
                let acc = remainder << 8 | UInt16(magnitude[i])
                magnitude[i] = UInt8(acc / 10)
                remainder = acc % 10
            }
            digits.append(0x30 + UInt8(remainder))
        }
        digits.reverse()
        return Integer(negative: negative && !digits.isEmpty, digits: digits)
    }

    /// A short description of a value for messages (type and, for scalars, the value).
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s.utf8.count <= 64 ? "\"\(s)\"" : "a \(s.utf8.count)-byte string"
        case .number(let n): return n.literal.utf8.count <= 64 ? n.literal : "a long number"
        case .bool(let b): return b ? "true" : "false"
        default: return value.typeName
        }
    }
}
