import Contracts
import Foundation

/// One problem in a configuration file, with the JSON path it concerns.
public struct ConfigProblem: Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
}

/// Every problem found in a configuration file (the loader never stops at the first).
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [ConfigProblem]
    public var description: String {
        (["\(file): \(problems.count) problem\(problems.count == 1 ? "" : "s")"] + problems.map { "  \($0)" }).joined(separator: "\n")
    }
}

extension BridgeConfig {
    /// Loads and checks a config file. `environment` supplies `${NAME}` substitutions.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> BridgeConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, problems: [ConfigProblem(path: "", message: "cannot read the file")])
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse([UInt8](data))
        } catch {
            throw ConfigError(file: path, problems: [ConfigProblem(path: "", message: "not valid JSON: \(error)")])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(json, file: path, baseDirectory: base, environment: environment)
    }

    /// Checks a parsed config document; reports every problem at once.
    public static func parse(_ json: JSONValue, file: String = "<config>", baseDirectory: String = ".",
                             environment: [String: String] = [:]) throws(ConfigError) -> BridgeConfig {
        var r = ConfigReader(environment: environment)
        let config = r.read(json, baseDirectory: baseDirectory)
        // The reader returns nil only alongside a problem.
        guard r.problems.isEmpty, let config else { throw ConfigError(file: file, problems: r.problems) }
        return config
    }
}

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
