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

    Loads FILE as the bridge would (with ${ENV} substitution) and builds everything `run` builds
    before it connects: the contracts (an empty or missing catalog is a problem), the mappings,
    the adapter of every source, and the producer's and consumer's librdkafka configurations
    (librdkafka itself checks every property name and value; nothing connects). Prints a summary
    of what it configures (secrets redacted) or one line per problem: JSON path, then what is
    wrong. Deprecated settings still work and are listed as warnings (exit 0).

    OPTIONS:
      --json    one JSON document: {"valid": bool, "problems": [{"path","message"}], "warnings": [...], …}
    """

    var file: String
    var json: Bool

    init(arguments: inout Arguments) throws {
        json = arguments.flag("--json")
        file = try arguments.positional("config FILE")
    }

    func run() async throws -> ExitCode {
        var config: BridgeConfig?
        do {
            let c = try BridgeConfig.load(path: file)
            config = c
            let setup = try c.setUp(file: file)
            report(c, setup)
            return .ok
        } catch {
            let warnings = config?.warnings ?? []
            if json {
                print(JSONWriter.compact.string(["valid": false, "problems": Self.list(error.problems), "warnings": Self.list(warnings)]))
            } else {
                printError(error.description)
                for w in warnings { printError("warning: \(w)") }
            }
            return .usage
        }
    }

    private static func list(_ problems: [ConfigProblem]) -> JSONValue {
        .array(problems.map { ["path": .string($0.path), "message": .string($0.message)] })
    }

    private func report(_ c: BridgeConfig, _ setup: BridgeSetup) {
        let registry = setup.catalog.registry
        let mappings = setup.catalog.adapters.names
        if json {
            let sources: [JSONValue] = c.sources.map { ["topic": .string($0.topic), "adapter": .string($0.adapter), "dlq": .string($0.dlqTopic)] }
            let subs: [JSONValue] = c.subscribers.map { ["name": .string($0.name), "topic": .string($0.topic)] }
            let catalog: JSONValue = ["digest": .string(setup.catalog.digest), "contracts": .number(JSONNumber(registry.all.count)),
                                      "types": .number(JSONNumber(registry.types.count)), "adapters": .array(mappings.map { .string($0) })]
            print(JSONWriter.compact.string(["valid": true, "problems": [], "warnings": Self.list(c.warnings), "sources": .array(sources),
                                             "subscribers": .array(subs), "catalog": catalog]))
            return
        }
        print("\(file): ok")
        print("  kafka:       " + c.redactedKafka.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        print("  group:       \(c.groupId)")
        print("  store:       \(c.resolve(c.store.path))")
        print("  contracts:   \(c.resolve(c.contractsDir)) (\(registry.all.count) contracts, \(registry.types.count) types)")
        print("  adapters:    \(mappings.joined(separator: ", ")) (mappings from \(c.resolve(c.mappingsDir)))")
        print("  catalog \(setup.catalog.digest)")
        for s in c.sources { print("  source:      \(s.topic) (adapter \(s.adapter), DLQ \(s.dlqTopic))") }
        for s in c.subscribers { print("  subscriber:  \(s.name) → \(s.topic) [\(s.types.joined(separator: ", "))] \(s.mode.rawValue)") }
        for w in c.warnings { print("  warning:     \(w)") }
    }
}
