import Contracts
import EventBridge
import Foundation
import Basics
import Observability
import KafkaClient

/// `eventbridge status` — lag, DLQ depth and store size at a glance.
struct StatusCommand: CLICommand {
    static let name = "status"
    static let abstract = "Show consumer lag per source partition, DLQ depth and the store"
    static let help = """
    USAGE: eventbridge status --config FILE [--json]

    Per source partition: the group's committed offset, the high-water mark and the lag; per DLQ
    topic: its depth (records held) and the age of its oldest record; the store: size (database
    and WAL), dedup keys, ledger rows, parked events. High-water marks come from fetch responses
    (exact on every broker). Safe while the bridge runs. Exit 1 when a partition did not answer.
    """

    var options: ConfigOptions

    init(arguments: inout Arguments) throws { options = try ConfigOptions(&arguments) }

    func run() async throws -> ExitCode {
        let context = try options.context()
        let admin = try context.admin()
        let committed = Dictionary(try await context.committed(admin).map { ($0.partition, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let config = context.config
        let dlqTopics = config.sources.map(\.dlqTopic)
        let described = try await admin.describeTopics(config.sources.map(\.topic) + dlqTopics).filter { $0.error == nil }
        let all = described.flatMap { t in t.partitions.map { TopicPartition(topic: t.name, partition: $0.id) } }
        // High-water marks from fetch responses: exact where ListOffsets is not (see PartitionProbe).
        let probed = try PartitionProbe(kafka: KafkaConfig(config.kafka), logger: Logger(label: "cli", level: .error)).probe(all)
        let now = WallClock.nowMillis()
        var partitions: [JSONValue] = []
        var totalLag: Int64 = 0
        var unknown = 0
        for tp in all.filter({ tp in config.sources.contains { $0.topic == tp.topic } }).sorted() {
            let done = committed[tp] ?? nil
            guard let wm = probed[tp] else {
                unknown += 1
                partitions.append(["partition": .string(tp.description), "committed": done.map { .int($0) } ?? .null,
                                   "highWatermark": .null, "lag": .null])
                continue
            }
            let lag = max(0, wm.high - (done ?? wm.low))
            totalLag += lag
            partitions.append(["partition": .string(tp.description), "committed": done.map { .int($0) } ?? .null,
                               "highWatermark": .int(wm.high), "lag": .int(lag)])
        }
        var dlqs: [JSONValue] = []
        for topic in dlqTopics {
            let parts = all.filter { $0.topic == topic }.compactMap { probed[$0] }
            let depth = parts.reduce(Int64(0)) { $0 + $1.depth }
            // The oldest failure: the first record of each partition (append-only), by its failure time.
            let oldest = parts.compactMap { $0.first.flatMap { DeadLetterEntry($0).failedAtMillis } }.min()
            dlqs.append(["topic": .string(topic), "depth": .int(depth), "exists": .bool(all.contains { $0.topic == topic }),
                         "oldest": oldest.map { .string(RFC3339.format(milliseconds: $0)) } ?? .null,
                         "oldestAgeSeconds": oldest.map { .int((now - $0) / 1000) } ?? .null])
        }
        let s = try context.store.stats()
        let store: JSONValue = ["path": .string(config.resolve(config.store.path)), "bytes": .int(s.fileBytes),
                                "walBytes": .int(s.walBytes), "dedupKeys": .int(s.dedupKeys), "ledgerRows": .int(s.ledgerRows),
                                "parked": .int(s.parkedEvents)]
        let parked = try context.store.parkedSummary()
        let parkedJSON: [JSONValue] = parked.map {
            ["type": .string($0.type), "count": .int($0.count), "oldestAgeSeconds": .int(max(0, now - $0.oldestParkedAtMillis) / 1000)]
        }
        if options.json {
            printJSON(["group": .string(config.groupId), "partitions": .array(partitions), "totalLag": .int(totalLag),
                       "dlq": .array(dlqs), "parked": .array(parkedJSON), "store": store])
            return unknown == 0 ? .ok : .failed
        }
        print("group \(config.groupId)")
        var rows: [[String]] = []
        for p in partitions {
            rows.append(["  " + (p["partition"]?.stringValue ?? ""), Self.cell(p["committed"]), Self.cell(p["highWatermark"]), Self.cell(p["lag"])])
        }
        print(TopicsTable.render(header: ["  PARTITION", "COMMITTED", "HIGH-WATER", "LAG"], rows: rows))
        print("total lag \(totalLag)" + (unknown > 0 ? " (\(unknown) partition(s) did not answer)" : ""))
        for d in dlqs {
            let age = d["oldestAgeSeconds"].flatMap { Int64($0.description) }.map { ", oldest \(DLQAge.describe(seconds: $0)) old" } ?? ""
            print("DLQ \(d["topic"]?.stringValue ?? "")  \(d["depth"]?.description ?? "0") record(s)\(age)")
        }
        for p in parked {
            print("parked \(p.type)  \(p.count) event(s), oldest waiting \(DLQAge.describe(seconds: max(0, now - p.oldestParkedAtMillis) / 1000))")
        }
        print("store \(config.resolve(config.store.path))  \(s.fileBytes) bytes (of which WAL \(s.walBytes)), \(s.dedupKeys) dedup keys, "
              + "\(s.ledgerRows) ledger rows, \(s.parkedEvents) parked")
        return unknown == 0 ? .ok : .failed
    }

    private static func cell(_ v: JSONValue?) -> String {
        guard let v, v != .null else { return "-" }
        return v.description
    }
}
