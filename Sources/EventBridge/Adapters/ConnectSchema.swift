import Contracts

/// Reads the Kafka Connect schema that Debezium's JSON converter sends next to the payload
/// (`{"schema": {…}, "payload": {…}}` with `schemas.enable=true`), to learn how a column was
/// encoded: `decimal.handling.mode=precise` (`bytes` named `org.apache.kafka.connect.data.Decimal`
/// with `parameters.scale`; the JSON converter's `decimal.format=NUMERIC` writes the same logical
/// type as a JSON number), `string`, or `double` (`float64`/`float32`: binary floating point,
/// inexact for money).
enum ConnectSchema {
    /// How a column's value is encoded, per its schema.
    enum Encoding: Equatable {
        /// Kafka Connect `Decimal` with this scale (base64 bytes or, with `decimal.format=NUMERIC`, a number).
        case decimal(scale: Int)
        /// Debezium `VariableScaleDecimal` (`{"scale", "value"}`).
        case variableScaleDecimal
        case floatingPoint
        case integer
        case string
        case other(String)
    }

    /// The schema of the value at `location` (an absolute pointer into the record value, e.g.
    /// `/payload/after/credit_limit`), or nil when the record carries no schema for it.
    static func encoding(at location: JSONPointer, in value: JSONValue) -> Encoding? {
        guard case .object(let root) = value, case .object(var node)? = root["schema"], root["payload"] != nil else { return nil }
        let tokens = location.tokens
        guard tokens.first == "payload" else { return nil }
        for token in tokens.dropFirst() {
            guard case .array(let fields)? = node["fields"],
                case .object(let field)? = fields.first(where: { $0["field"]?.stringValue == token })
            else { return nil }
            node = field
        }
        let type = node["type"]?.stringValue ?? ""
        switch node["name"]?.stringValue {
        case "org.apache.kafka.connect.data.Decimal"?:
            let scaleText = node["parameters"]?["scale"]
            let scale = scaleText?.stringValue.flatMap { Int($0) } ?? scaleText?.numberValue?.int64.map { Int($0) }
            return scale.map { .decimal(scale: $0) } ?? .other("Decimal without a scale")
        case "io.debezium.data.VariableScaleDecimal"?:
            return .variableScaleDecimal
        default:
            break
        }
        switch type {
        case "float", "double", "float32", "float64": return .floatingPoint
        case "int8", "int16", "int32", "int64": return .integer
        case "string": return .string
        default: return .other(type)
        }
    }
}
