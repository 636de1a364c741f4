/// The pieces of the Prometheus text exposition format 0.0.4 that the registry renders with:
/// name rules, label-value escaping, number formatting and label-set rendering.
///
/// Reference: https://prometheus.io/docs/instrumenting/exposition_formats/ — `# HELP name text`
/// escapes `\` and newline; label values escape `\`, `"` and newline; numbers are Go floats
/// (`+Inf`, `-Inf`, `NaN`).
public enum ExpositionFormat {
    /// The `Content-Type` of a scrape response.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Whether `name` is a valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    public static func isValidMetricName(_ name: String) -> Bool {
        var first = true
        for byte in name.utf8 {
            let ok = isLetter(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
                || (!first && isDigit(byte))
            if !ok { return false }
            first = false
        }
        return !first
    }

    /// Whether `name` is a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`
    /// (reserved), and not `le` or `quantile` (reserved for histograms and summaries).
    public static func isValidLabelName(_ name: String) -> Bool {
        if name.hasPrefix("__") || name == "le" || name == "quantile" { return false }
        var first = true
        for byte in name.utf8 {
            let ok = isLetter(byte) || byte == UInt8(ascii: "_") || (!first && isDigit(byte))
            if !ok { return false }
            first = false
        }
        return !first
    }

    /// A label value escaped for the text format: `\` → `\\`, `"` → `\"`, newline → `\n`.
    public static func escapeLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 8)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// HELP text escaped for the text format: `\` → `\\`, newline → `\n`.
    public static func escapeHelp(_ help: String) -> String {
        guard help.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A }) else { return help }
        var out = ""
        for scalar in help.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A sample value as Prometheus expects it: integers without a fraction, `+Inf`, `-Inf`,
    /// `NaN`, otherwise the shortest round-tripping decimal (`0.005`, `5e-05`).
    public static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 9.007_199_254_740_992e15 {
            return String(Int64(value))
        }
        return value.description
    }

    /// Renders a label set as `{a="x",b="y"}` (empty string for no labels), with the labels in
    /// the given order and an optional extra label (`le`) appended last.
    static func renderLabels(_ labels: [(name: String, value: String)], extra: (name: String, value: String)? = nil) -> String {
        if labels.isEmpty && extra == nil { return "" }
        var out = "{"
        var first = true
        for label in labels {
            if !first { out += "," }
            out += label.name + "=\"" + escapeLabelValue(label.value) + "\""
            first = false
        }
        if let extra {
            if !first { out += "," }
            out += extra.name + "=\"" + escapeLabelValue(extra.value) + "\""
        }
        out += "}"
        return out
    }

    /// The labels of a dictionary in a stable order (sorted by name), so that the same set
    /// always renders, and is looked up, the same way.
    static func sortedLabels(_ labels: [String: String]) -> [(name: String, value: String)] {
        labels.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }

    private static func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}
