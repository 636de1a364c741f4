import Contracts
import EventBridge
import KafkaClient

/// `eventbridge version`: the EventBridge release and the librdkafka it runs with.
struct VersionCommand: CLICommand {
    static let name = "version"
    static let abstract = "Show the EventBridge version and check the librdkafka in use"
    static let help = """
    USAGE: eventbridge version [--json]

    Prints the EventBridge version, the librdkafka loaded at run time (rd_kafka_version_str)
    and the librdkafka headers it was compiled against (RD_KAFKA_VERSION). Exits 2 when the
    loaded librdkafka is older than \(LibrdkafkaVersion.describe(LibrdkafkaVersion.minimum)) or differs from the headers.

    OPTIONS:
      --json    one JSON object: version, librdkafka.runtime, librdkafka.header, librdkafka.problems
    """

    let json: Bool

    init(arguments: inout Arguments) throws {
        json = arguments.flag("--json")
    }

    func run() async throws -> ExitCode {
        let problems = LibrdkafkaVersion.problems()
        if json {
            let value: JSONValue = [
                "version": .string(EventBridgeVersion.version),
                "librdkafka": [
                    "runtime": .string(LibrdkafkaVersion.runtime),
                    "runtimeNumber": .number(JSONNumber(LibrdkafkaVersion.runtimeNumber)),
                    "header": .string(LibrdkafkaVersion.header),
                    "headerNumber": .number(JSONNumber(LibrdkafkaVersion.headerNumber)),
                    "minimum": .string(LibrdkafkaVersion.describe(LibrdkafkaVersion.minimum)),
                    "compatible": .bool(problems.isEmpty),
                    "problems": .array(problems.map { .string($0) }),
                ],
            ]
            print(JSONWriter.pretty.string(value))
        } else {
            print("eventbridge \(EventBridgeVersion.version)")
            print("librdkafka  \(LibrdkafkaVersion.runtime) (loaded), \(LibrdkafkaVersion.header) (built against)")
        }
        for problem in problems { printError("error: \(problem)") }
        return problems.isEmpty ? .ok : .usage
    }
}
