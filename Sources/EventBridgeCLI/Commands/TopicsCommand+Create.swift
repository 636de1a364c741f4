import EventBridge
import KafkaClient

/// `eventbridge topics create NAME --partitions N …`.
struct TopicsCreateCommand: CLICommand {
    static let name = "create"
    static let abstract = "Create a topic"
    static let help = """
    USAGE: eventbridge topics create NAME --partitions N [--replication-factor N] [--config KEY=VALUE]... --bootstrap HOST:PORT

    Exits 1 when the topic already exists or the broker refuses it.

    OPTIONS:
    \(KafkaConnectionOptions.help)
      --partitions N          number of partitions (required, 1 or more)
      --replication-factor N  replicas per partition (default: the broker's default)
      --config KEY=VALUE      topic configuration, e.g. cleanup.policy=compact (repeatable)
    """

    let connection: KafkaConnectionOptions
    let topic: String
    let partitions: Int
    let replicationFactor: Int?
    let configs: [String: String]

    init(arguments: inout Arguments) throws {
        guard let partitions = try arguments.int("--partitions") else { throw UsageError("missing --partitions N") }
        self.partitions = partitions
        replicationFactor = try arguments.int("--replication-factor")
        configs = try KafkaConnectionOptions.pairs(arguments.options("--config"), option: "--config")
        connection = try KafkaConnectionOptions(arguments: &arguments)
        topic = try arguments.positional("the topic name")
    }

    func validate() throws {
        if partitions < 1 || partitions > Int(Int32.max) { throw UsageError("--partitions must be 1 or more") }
        if let replicationFactor, replicationFactor < 1 || replicationFactor > Int(Int16.max) {
            throw UsageError("--replication-factor must be 1 or more")
        }
        if topic.isEmpty || topic.count > 249 || !topic.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) {
            throw UsageError("'\(topic)' is not a valid topic name (up to 249 of a-z A-Z 0-9 . _ -)")
        }
    }

    func run() async throws -> ExitCode {
        try await connection.perform { admin throws(KafkaError) in
            try await admin.createTopic(
                topic, partitions: Int32(partitions), replicationFactor: Int32(replicationFactor ?? -1), configs: configs,
                timeout: connection.timeout)
            print("created topic \(topic) with \(partitions) partition\(partitions == 1 ? "" : "s")")
            return .ok
        }
    }
}

/// `eventbridge topics delete NAME…`.
struct TopicsDeleteCommand: CLICommand {
    static let name = "delete"
    static let abstract = "Delete topics"
    static let help = """
    USAGE: eventbridge topics delete NAME... --bootstrap HOST:PORT

    Deletes the named topics and every record in them. Exits 1 when a topic does not exist
    or the broker refuses.

    OPTIONS:
    \(KafkaConnectionOptions.help)
    """

    let connection: KafkaConnectionOptions
    let names: [String]

    init(arguments: inout Arguments) throws {
        connection = try KafkaConnectionOptions(arguments: &arguments)
        names = arguments.rest()
    }

    func validate() throws {
        if names.isEmpty { throw UsageError("name at least one topic to delete") }
    }

    func run() async throws -> ExitCode {
        try await connection.perform { admin throws(KafkaError) in
            try await admin.deleteTopics(names, timeout: connection.timeout)
            for name in names { print("deleted topic \(name)") }
            return .ok
        }
    }
}
