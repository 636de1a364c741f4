import Contracts
import EventBridge
import Basics
import Observability
import KafkaClient

/// `eventbridge reconcile` — does every committed input have exactly one recorded outcome?
struct ReconcileCommand: CLICommand {
    static let name = "reconcile"
    static let abstract = "Check that every committed input has an outcome (exit 1 if not)"
    static let help = """
    USAGE: eventbridge reconcile --config FILE [--json]

    For each source partition: the range the consumer group has committed ([0, committed)), the
    outcome ledger's counts in that range by kind (published, dead_lettered, duplicate, filtered,
    parked) and every offset with no outcome. Exit 0 when everything committed is accounted for,
    1 when any offset is missing. Then every output the ledger names for those inputs (subscriber
    outputs, DLQ positions) is checked against its partition's high-water mark: an output the
    topic does not hold is reported and makes the exit code 1. Beyond 4,000 inputs per partition
    the outputs of a sample are checked (2,000 evenly spaced, plus the newest 2,000). Offsets below the ledger's retention are reported as pruned, not
    missing, when the ledger was pruned. Compacted source topics can have offsets that never held
    a record: they show up as missing and need a human look.
    """

    var options: ConfigOptions

    init(arguments: inout Arguments) throws { options = try ConfigOptions(&arguments) }

    func run() async throws -> ExitCode {
        let context = try options.context()
        let committed = try await context.committed(try context.admin())
        var unaccounted = 0
        var documents: [JSONValue] = []
        var ranges: [(TopicPartition, Int64)] = []
        for (tp, committedOffset) in committed.sorted(by: { $0.partition < $1.partition }) {
            guard let end = committedOffset, end > 0 else {
                documents.append(["partition": .string(tp.description), "committed": .null, "missing": 0])
                if !options.json { print("\(tp)  nothing committed yet") }
                continue
            }
            ranges.append((tp, end))
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
        let outputs = try OutputCheck.run(store: context.store, committed: ranges,
                                          probe: PartitionProbe(kafka: KafkaConfig(context.config.kafka), logger: Logger(label: "cli", level: .error)))
        let ok = unaccounted == 0 && outputs.missing.isEmpty
        if options.json {
            let missing = outputs.missing.prefix(100).map { m -> JSONValue in
                ["input": .string(m.input.description), "output": .string(m.output.description), "reason": .string(m.reason)]
            }
            printJSON(["partitions": .array(documents), "unaccounted": .int(unaccounted),
                       "outputs": ["checkedInputs": .int(outputs.checkedInputs), "checked": .int(outputs.checkedOutputs),
                                   "sampled": .bool(outputs.sampled), "missing": .int(outputs.missing.count), "examples": .array(missing)],
                       "ok": .bool(ok)])
        } else {
            print(unaccounted == 0 ? "every committed input has an outcome" : "\(unaccounted) committed input(s) without an outcome")
            let scope = outputs.sampled ? "a sample of \(outputs.checkedInputs) inputs" : "\(outputs.checkedInputs) inputs"
            if outputs.missing.isEmpty {
                print("every output named by \(scope) is on its topic (\(outputs.checkedOutputs) checked)")
            } else {
                print("\(outputs.missing.count) of \(outputs.checkedOutputs) outputs named by \(scope) are NOT on their topic:")
                for m in outputs.missing.prefix(20) { print("  \(m.input) → \(m.output): \(m.reason)") }
            }
        }
        return ok ? .ok : .failed
    }
}
