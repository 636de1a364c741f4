import EventBridge
import Foundation
import Observability
import KafkaClient

/// `eventbridge topics …`: list, describe, create and delete Kafka topics.
struct TopicsCommand: CLIGroup {
    static let name = "topics"
    static let abstract = "List, describe, create and delete Kafka topics"
    static let help = """
    Every subcommand takes --bootstrap HOST:PORT (or the EVENTBRIDGE_BOOTSTRAP environment
    variable). An unreachable broker is reported after --timeout seconds with exit code 1.
    """
    static var subcommands: [any CLICommand.Type] {
        [TopicsListCommand.self, TopicsDescribeCommand.self, TopicsCreateCommand.self, TopicsDeleteCommand.self]
    }
}

/// Options every `topics` subcommand shares: where the cluster is and how long to wait.
struct KafkaConnectionOptions {
    static let help = """
      --bootstrap HOST:PORT   Kafka bootstrap servers (default: $EVENTBRIDGE_BOOTSTRAP)
      --kafka KEY=VALUE       extra librdkafka property (repeatable; e.g. security settings)
      --timeout SECONDS       how long to wait for the cluster (default 10)
      --log-level LEVEL       librdkafka log lines to show on stderr (default critical)
    """

    var bootstrap: String
    var properties: [String: String]
    var timeout: Duration
    var logLevel: Logger.Level

    init(arguments: inout Arguments) throws {
        let given = try arguments.option("--bootstrap") ?? ProcessInfo.processInfo.environment["EVENTBRIDGE_BOOTSTRAP"]
        guard let bootstrap = given, !bootstrap.isEmpty else {
            throw UsageError("missing --bootstrap HOST:PORT (or set EVENTBRIDGE_BOOTSTRAP)")
        }
        self.bootstrap = bootstrap
        properties = try KafkaConnectionOptions.pairs(arguments.options("--kafka"), option: "--kafka")
        let seconds = try arguments.int("--timeout") ?? 10
        guard seconds > 0 else { throw UsageError("--timeout takes a positive number of seconds") }
        timeout = .seconds(seconds)
        let level = try arguments.option("--log-level") ?? "critical"
        guard let parsed = Logger.Level(name: level) else {
            throw UsageError("--log-level takes one of \(Logger.Level.allCases.map(\.name).joined(separator: ", "))")
        }
        logLevel = parsed
    }

    /// `KEY=VALUE` pairs of a repeatable option.
    static func pairs(_ values: [String], option: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for item in values {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw UsageError("\(option) takes KEY=VALUE, got '\(item)'")
            }
            out[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        return out
    }

    /// An admin client for the cluster. A bad `--kafka` property is a usage error.
    func makeAdmin() throws -> KafkaAdmin {
        let config = KafkaConfig(bootstrapServers: bootstrap, properties)
        do {
            return try KafkaAdmin(config: config, logger: Logger(label: "eventbridge.topics", level: logLevel))
        } catch {
            throw UsageError(error.message)
        }
    }

    /// Runs an admin operation; a Kafka failure is printed clearly and becomes exit code 1.
    func perform(_ body: (KafkaAdmin) async throws(KafkaError) -> ExitCode) async throws -> ExitCode {
        let admin = try makeAdmin()
        do {
            return try await body(admin)
        } catch {
            printError("error: \(describe(error))")
            return .failed
        }
    }

    /// A message for a Kafka failure that names the cluster when it could not be reached.
    func describe(_ error: KafkaError) -> String {
        let unreachable: Set<KafkaError.Code> = [.transport, .timedOut, .allBrokersDown, .rdKafka(-166)]
        if unreachable.contains(error.code) {
            return "cannot reach the Kafka cluster at \(bootstrap) within \(timeout) (\(error.name): \(error.message))"
        }
        return "\(error.message) (\(error.name))"
    }
}
