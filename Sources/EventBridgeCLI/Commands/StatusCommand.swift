import Contracts
import EventBridge
import Foundation

/// `eventbridge status` — lag, DLQ depth and store size at a glance.
struct StatusCommand: CLICommand {
    static let name = "status"
    static let abstract = "Show consumer lag per source partition, DLQ depth and the store"
    static let help = """
    USAGE: eventbridge status --config FILE [--json]

    Per source partition: the group's committed offset, the high-water mark and the lag; per DLQ
    topic: its depth (records held); the store: size, dedup keys, ledger rows, parked events.
    Safe while the bridge runs.
    """

    var options: ConfigOptions

    init(arguments: inout Arguments) throws { options = try ConfigOptions(&arguments) }

    func run() async throws -> ExitCode {
        let context = try BridgeContext(configPath: options.configPath)
        let admin = try context.admin()
        let committed = Dictionary(try await context.committed(admin).map { ($0.topicPartition, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let probe = try KafkaConsumer(config: KafkaConfig(context.config.kafka).forConsumer.merging(["group.id": "eventbridge-status-probe"]),
                                      logger: Logger(label: "cli", level: .error))
        defer { probe.closeBlocking() }
        var partitions: [JSONValue] = []
        var totalLag: Int64 = 0
        let sourceTopics = context.config.sources.map(\.topic)
        for topic in try await admin.describeTopics(sourceTopics) {
            for p in topic.partitions {
                let tp = KafkaTopicPartition(topic: topic.name, partition: p.id)
                let wm = try await probe.queryWatermarks(tp)
                let done = committed[tp] ?? nil
                let lag = max(0, wm.high - (done ?? wm.low))
                totalLag += lag
                partitions.append(["partition": .string(tp.description), "committed": done.map { .int($0) } ?? .null,
                                   "highWatermark": .int(wm.high), "lag": .int(lag)])
            }
        }
        var dlqs: [JSONValue] = []
        for source in context.config.sources {
            var depth: Int64 = 0
            for topic in try await admin.describeTopics([source.dlqTopic]) {
                for p in topic.partitions {
                    let wm = try await probe.queryWatermarks(KafkaTopicPartition(topic: topic.name, partition: p.id))
                    depth += max(0, wm.high - wm.low)
                }
            }
            dlqs.append(["topic": .string(source.dlqTopic), "depth": .int(depth)])
        }
        let s = try context.store.stats()
        let store: JSONValue = ["path": .string(context.config.resolve(context.config.store.path)), "bytes": .int(s.fileBytes + s.walBytes),
                                "dedupKeys": .int(s.dedupKeys), "ledgerRows": .int(s.ledgerRows), "parked": .int(s.parkedEvents)]
        if options.json {
            printJSON(["group": .string(context.config.groupId), "partitions": .array(partitions), "totalLag": .int(totalLag),
                       "dlq": .array(dlqs), "store": store])
            return .ok
        }
        print("group \(context.config.groupId)")
        for p in partitions {
            print("  \(p["partition"]?.stringValue ?? "")  committed \(p["committed"]?.description ?? "-")  high-water \(p["highWatermark"]?.description ?? "-")  lag \(p["lag"]?.description ?? "-")")
        }
        print("total lag \(totalLag)")
        for d in dlqs { print("DLQ \(d["topic"]?.stringValue ?? "")  \(d["depth"]?.description ?? "0") record(s)") }
        print("store \(store["path"]?.stringValue ?? "")  \(s.fileBytes + s.walBytes) bytes, \(s.dedupKeys) dedup keys, \(s.ledgerRows) ledger rows, \(s.parkedEvents) parked")
        return .ok
    }
}
