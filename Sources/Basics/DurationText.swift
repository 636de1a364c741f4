/// Parses durations like `500ms`, `30s`, `15m`, `1h`, `7d` into seconds (ms rounds up to 1 s when non-zero).
public enum DurationText {
    public static func seconds(_ text: String) -> Int? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if suffix == "s" && number.hasSuffix("m") { continue }
            guard let v = Double(number), v >= 0 else { return nil }
            return Int((v * factor).rounded(.up))
        }
        return nil
    }

    public static func milliseconds(_ text: String) -> Int? {
        if text.hasSuffix("ms"), let v = Int(text.dropLast(2)), v >= 0 { return v }
        return seconds(text).map { $0 * 1000 }
    }
}
