import Contracts
import EventBridge
import KafkaClient

/// `eventbridge topics list`.
struct TopicsListCommand: CLICommand {
    static let name = "list"
    static let abstract = "List topics with their partition counts"
    static let help = """
    USAGE: eventbridge topics list --bootstrap HOST:PORT [--all] [--json]

    OPTIONS:
    \(KafkaConnectionOptions.help)
      --all                   include internal topics (names starting with "__")
      --json                  {"topics": [{"name", "partitions", "replicationFactor"}]}
    """

    let connection: KafkaConnectionOptions
    let all: Bool
    let json: Bool

    init(arguments: inout Arguments) throws {
        all = arguments.flag("--all")
        json = arguments.flag("--json")
        connection = try KafkaConnectionOptions(arguments: &arguments)
    }

    func run() async throws -> ExitCode {
        try await connection.perform { admin throws(KafkaError) in
            let topics = try await admin.metadata(timeout: connection.timeout).topics.filter { all || !$0.name.hasPrefix("__") }
            if json {
                let list = topics.map { topic -> JSONValue in
                    [
                        "name": .string(topic.name),
                        "partitions": .number(JSONNumber(topic.partitions.count)),
                        "replicationFactor": .number(JSONNumber(topic.replicationFactor)),
                    ]
                }
                print(JSONWriter.pretty.string(["topics": .array(list)]))
            } else if topics.isEmpty {
                print("no topics")
            } else {
                let rows = topics.map { [$0.name, String($0.partitions.count), String($0.replicationFactor)] }
                print(TopicsTable.render(header: ["TOPIC", "PARTITIONS", "REPLICATION"], rows: rows))
            }
            return .ok
        }
    }
}

/// `eventbridge topics describe NAME…`.
struct TopicsDescribeCommand: CLICommand {
    static let name = "describe"
    static let abstract = "Show the partitions, leaders and replicas of topics"
    static let help = """
    USAGE: eventbridge topics describe NAME... --bootstrap HOST:PORT [--json]

    Exits 1 when a named topic does not exist (the others are still shown).

    OPTIONS:
    \(KafkaConnectionOptions.help)
      --json                  {"topics": [{"name", "error", "partitions": [{"id", "leader", "replicas", "isr"}]}]}
    """

    let connection: KafkaConnectionOptions
    let names: [String]
    let json: Bool

    init(arguments: inout Arguments) throws {
        json = arguments.flag("--json")
        connection = try KafkaConnectionOptions(arguments: &arguments)
        names = arguments.rest()
    }

    func validate() throws {
        if names.isEmpty { throw UsageError("name at least one topic to describe") }
    }

    func run() async throws -> ExitCode {
        try await connection.perform { admin throws(KafkaError) in
            let topics = try await admin.describeTopics(names, timeout: connection.timeout)
            if json {
                print(JSONWriter.pretty.string(["topics": .array(topics.map(TopicsDescribeCommand.json))]))
            } else {
                print(topics.map(TopicsDescribeCommand.text).joined(separator: "\n\n"))
            }
            return topics.contains { $0.error != nil } ? .failed : .ok
        }
    }

    static func json(_ topic: KafkaTopicMetadata) -> JSONValue {
        func ids(_ list: [Int32]) -> JSONValue { .array(list.map { .number(JSONNumber(Int($0))) }) }
        let partitions = topic.partitions.map { p -> JSONValue in
            [
                "id": .number(JSONNumber(Int(p.id))), "leader": .number(JSONNumber(Int(p.leader))),
                "replicas": ids(p.replicas), "isr": ids(p.inSyncReplicas), "error": p.error.map { .string($0) } ?? .null,
            ]
        }
        return ["name": .string(topic.name), "error": topic.error.map { .string($0) } ?? .null, "partitions": .array(partitions)]
    }

    static func text(_ topic: KafkaTopicMetadata) -> String {
        if let error = topic.error {
            return "topic \(topic.name): \(error == "UNKNOWN_TOPIC_OR_PART" ? "does not exist" : error)"
        }
        let title = "topic \(topic.name): \(topic.partitions.count) partitions, replication factor \(topic.replicationFactor)"
        func ids(_ list: [Int32]) -> String { list.map(String.init).joined(separator: ",") }
        // The ERROR column only when a partition has one.
        let errors = topic.partitions.contains { $0.error != nil }
        let rows = topic.partitions.map { p in
            [String(p.id), p.leader < 0 ? "none" : String(p.leader), ids(p.replicas), ids(p.inSyncReplicas)]
                + (errors ? [p.error ?? "-"] : [])
        }
        let header = ["PARTITION", "LEADER", "REPLICAS", "ISR"] + (errors ? ["ERROR"] : [])
        return title + "\n" + TopicsTable.render(header: header, rows: rows)
    }
}

/// Plain-text tables for the `topics` commands: columns padded to their widest cell.
enum TopicsTable {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = header.map(\.count)
        for row in all {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
