import Contracts
import EventBridge

/// `eventbridge reconcile` — does every committed input have exactly one recorded outcome?
struct ReconcileCommand: CLICommand {
    static let name = "reconcile"
    static let abstract = "Check that every committed input has an outcome (exit 1 if not)"
    static let help = """
    USAGE: eventbridge reconcile --config FILE [--json]

    For each source partition: the range the consumer group has committed ([0, committed)), the
    outcome ledger's counts in that range by kind (published, dead_lettered, duplicate, filtered,
    parked) and every offset with no outcome. Exit 0 when everything committed is accounted for,
    1 when any offset is missing. Offsets below the ledger's retention are reported as pruned, not
    missing, when the ledger was pruned. Compacted source topics can have offsets that never held
    a record: they show up as missing and need a human look.
    """

    var options: ConfigOptions

    init(arguments: inout Arguments) throws { options = try ConfigOptions(&arguments) }

    func run() async throws -> ExitCode {
        let context = try BridgeContext(configPath: options.configPath)
        let committed = try await context.committed(try context.admin())
        var unaccounted = 0
        var documents: [JSONValue] = []
        for position in committed.sorted(by: { $0.topicPartition < $1.topicPartition }) {
            let tp = position.topicPartition
            guard let end = position.offset, end > 0 else {
                documents.append(["partition": .string(tp.description), "committed": .null, "missing": 0])
                if !options.json { print("\(tp)  nothing committed yet") }
                continue
            }
            let report = try context.store.reconcile(tp, offsets: 0...(end - 1))
            unaccounted += report.missing
            let counts = JSONObject(report.counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { .init(key: $0.key.rawValue, value: .int($0.value)) })
            documents.append([
                "partition": .string(tp.description), "committed": .int(end), "storeProcessed": report.processedNextOffset.map { .int($0) } ?? .null,
                "outcomes": .object(counts), "total": .int(report.total), "missing": .int(report.missing),
                "gaps": .array(report.gaps.map { .string("\($0.lowerBound)-\($0.upperBound)") }),
            ])
            if !options.json {
                let summary = report.counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
                let status = report.missing == 0 ? "ok" : "MISSING \(report.missing): " + report.gaps.prefix(5).map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ", ")
                print("\(tp)  committed \(end)  \(summary)  \(status)")
            }
        }
        if options.json {
            printJSON(["partitions": .array(documents), "unaccounted": .int(unaccounted), "ok": .bool(unaccounted == 0)])
        } else {
            print(unaccounted == 0 ? "every committed input has an outcome" : "\(unaccounted) committed input(s) without an outcome")
        }
        return unaccounted == 0 ? .ok : .failed
    }
}
