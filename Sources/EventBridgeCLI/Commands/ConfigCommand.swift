import Contracts
import EventBridge

/// `eventbridge config check FILE`
struct ConfigCommand: CLIGroup {
    static let name = "config"
    static let abstract = "Check a bridge configuration file"
    static var subcommands: [any CLICommand.Type] { [ConfigCheckCommand.self] }
}

struct ConfigCheckCommand: CLICommand {
    static let name = "check"
    static let abstract = "Report every problem in a config file with its JSON path (exit 2 on any)"
    static let help = """
    USAGE: eventbridge config check FILE [--json]

    Loads FILE as the bridge would (with ${ENV} substitution) and prints either a summary of what it
    configures (secrets redacted) or one line per problem: JSON path, then what is wrong.

    Deprecated settings still work and are listed as warnings (exit 0).

    OPTIONS:
      --json    one JSON document: {"valid": bool, "problems": [{"path","message"}], "warnings": [{"path","message"}]}
    """

    var file: String
    var json: Bool

    init(arguments: inout Arguments) throws {
        json = arguments.flag("--json")
        file = try arguments.positional("config FILE")
    }

    func run() async throws -> ExitCode {
        do {
            let c = try BridgeConfig.load(path: file)
            if json {
                let sources: [JSONValue] = c.sources.map { ["topic": .string($0.topic), "adapter": .string($0.adapter), "dlq": .string($0.dlqTopic)] }
                let subs: [JSONValue] = c.subscribers.map { ["name": .string($0.name), "topic": .string($0.topic)] }
                let warnings: [JSONValue] = c.warnings.map { ["path": .string($0.path), "message": .string($0.message)] }
                print(JSONWriter.compact.string(["valid": true, "problems": [], "warnings": .array(warnings), "sources": .array(sources),
                                                 "subscribers": .array(subs)]))
            } else {
                print("\(file): ok")
                print("  kafka:       " + c.redactedKafka.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
                print("  group:       \(c.groupId)")
                print("  store:       \(c.resolve(c.store.path))")
                print("  contracts:   \(c.resolve(c.contractsDir))")
                for s in c.sources { print("  source:      \(s.topic) (adapter \(s.adapter), DLQ \(s.dlqTopic))") }
                for s in c.subscribers { print("  subscriber:  \(s.name) → \(s.topic) [\(s.types.joined(separator: ", "))] \(s.mode.rawValue)") }
                for w in c.warnings { print("  warning:     \(w)") }
            }
            return .ok
        } catch {
            if json {
                let problems: [JSONValue] = error.problems.map { ["path": .string($0.path), "message": .string($0.message)] }
                print(JSONWriter.compact.string(["valid": false, "problems": .array(problems)]))
            } else {
                printError(error.description)
            }
            return .usage
        }
    }
}
