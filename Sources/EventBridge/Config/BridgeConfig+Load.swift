import Contracts
import Foundation

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
