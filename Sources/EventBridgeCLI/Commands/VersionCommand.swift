import Contracts
import EventBridge

/// `eventbridge version`: the EventBridge release and the librdkafka it runs with.
struct VersionCommand: CLICommand {
    static let name = "version"
    static let abstract = "Show the EventBridge version and check the librdkafka in use"
    static let help = """
    USAGE: eventbridge version [--json]

    Prints the EventBridge version, the librdkafka loaded at run time (rd_kafka_version_str)
    and the librdkafka headers it was compiled against (RD_KAFKA_VERSION). Exits 2 when the
    loaded librdkafka is older than \(EventBridgeVersion.describe(EventBridgeVersion.minimumLibrdkafka)) or differs from the headers.

    OPTIONS:
      --json    one JSON object: version, librdkafka.runtime, librdkafka.header, librdkafka.problems
    """

    let json: Bool

    init(arguments: inout Arguments) throws {
        json = arguments.flag("--json")
    }

    func run() async throws -> ExitCode {
        let problems = EventBridgeVersion.librdkafkaProblems()
        if json {
            let value: JSONValue = [
                "version": .string(EventBridgeVersion.version),
                "librdkafka": [
                    "runtime": .string(EventBridgeVersion.librdkafkaRuntime),
                    "runtimeNumber": .number(JSONNumber(EventBridgeVersion.librdkafkaRuntimeNumber)),
                    "header": .string(EventBridgeVersion.librdkafkaHeader),
                    "headerNumber": .number(JSONNumber(EventBridgeVersion.librdkafkaHeaderNumber)),
                    "minimum": .string(EventBridgeVersion.describe(EventBridgeVersion.minimumLibrdkafka)),
                    "compatible": .bool(problems.isEmpty),
                    "problems": .array(problems.map { .string($0) }),
                ],
            ]
            print(JSONWriter.pretty.string(value))
        } else {
            print("eventbridge \(EventBridgeVersion.version)")
            print("librdkafka  \(EventBridgeVersion.librdkafkaRuntime) (loaded), \(EventBridgeVersion.librdkafkaHeader) (built against)")
        }
        for problem in problems { printError("error: \(problem)") }
        return problems.isEmpty ? .ok : .usage
    }
}
