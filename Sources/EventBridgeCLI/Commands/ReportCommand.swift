import Basics
import Contracts
import EventBridge
import Foundation

/// `eventbridge report` — the business view for a controller: per workflow, what was synced, what
/// was dropped as a duplicate, which exceptions are open and how old, and whether every committed
/// input is accounted for.
struct ReportCommand: CLICommand {
    static let name = "report"
    static let abstract = "Per workflow: events synced, duplicates, open exceptions by age and materiality, reconciliation"
    static let help = """
    USAGE: eventbridge report --config FILE [--since DURATION] [--json | --html FILE] [--local]

    Per workflow (contract type family, e.g. finance.payment) and materiality, over the window
    (default --since 24h): events synced, inputs published, duplicates dropped, inputs dead-lettered;
    and now: parked events, exceptions open (dead-lettered, not resolved or replayed) by age
    (<1h, 1h-24h, 1d-7d, >7d) and code, and the reconciliation status of the workflow's source
    topics (every committed input has an outcome). Read from the store alone: the outcome ledger,
    the DLQ book and the processed offsets — no broker round trip beyond the changelog view.
    Materiality and objectives come from the catalog and the config (docs/metrics.md).

    OPTIONS:
      --since DURATION   the window, e.g. 1h, 24h, 7d (default 24h)
      --json             one JSON document (docs/operations.md)
      --html FILE        a self-contained HTML page with inline SVG charts (no external assets)
      --local            read this instance's store instead of the changelog view

    Exit 0; 1 when committed inputs lack an outcome (as `eventbridge reconcile`); 2 on usage errors.
    """

    var options: ConfigOptions
    var sinceSeconds: Int
    var htmlPath: String?

    init(arguments: inout Arguments) throws {
        options = try ConfigOptions(&arguments)
        htmlPath = try arguments.option("--html")
        let since = try arguments.option("--since") ?? "24h"
        guard let seconds = DurationText.seconds(since), seconds >= 60 else {
            throw UsageError("--since takes a duration of at least a minute, like 1h, 24h, 7d; got '\(since)'")
        }
        sinceSeconds = seconds
    }

    func validate() throws {
        if options.json && htmlPath != nil { throw UsageError("--json and --html are exclusive") }
    }

    func run() async throws -> ExitCode {
        let context = try options.context()
        let catalog: ContractRegistry
        do {
            catalog = try ContractRegistry.load(directory: context.config.resolve(context.config.contractsDir))
        } catch {
            throw UsageError("cannot load the contract catalog: \(error)")
        }
        let objectives = Objectives(registry: catalog, settings: context.config.observability)
        let now = WallClock.nowMillis()
        let report = try BusinessReport.build(context.store, objectives: objectives, sinceMillis: now - Int64(sinceSeconds) * 1000, nowMillis: now)
        let exit: ExitCode = report.missingOutcomes == 0 ? .ok : .failed
        if options.json {
            printJSON(report.json)
            return exit
        }
        if let htmlPath {
            do {
                try Data(report.html.utf8).write(to: URL(fileURLWithPath: htmlPath))
            } catch {
                throw UsageError("cannot write \(htmlPath): \(error.localizedDescription)")
            }
            print("wrote \(htmlPath) (\(report.rows.count) workflows, \(report.missingOutcomes) committed inputs without an outcome)")
            return exit
        }
        printText(report)
        return exit
    }

    private func printText(_ report: BusinessReport) {
        print("report \(RFC3339.format(milliseconds: report.sinceMillis)) to \(RFC3339.format(milliseconds: report.untilMillis))")
        var rows: [[String]] = []
        for r in report.rows {
            let oldest = r.oldestOpenAtMillis.map { BusinessReport.duration(max(0, report.untilMillis - $0) / 1000) } ?? "-"
            rows.append([r.workflow, r.materiality.rawValue, r.syncLagObjectiveSeconds.map { BusinessReport.duration(Int64($0)) } ?? "-",
                         String(r.eventsSynced), String(r.duplicatesDropped), String(r.deadLettered), String(r.parked),
                         r.openByBand.map(String.init).joined(separator: "/"), oldest,
                         r.missingOutcomes == 0 ? "ok" : "MISSING \(r.missingOutcomes)"])
        }
        print(TopicsTable.render(header: ["WORKFLOW", "MATERIALITY", "OBJECTIVE", "SYNCED", "DUPLICATES", "DLQ", "PARKED",
                                          "OPEN " + ExceptionAccount.bands.joined(separator: "/"), "OLDEST", "RECONCILED"], rows: rows))
        let missing = report.missingOutcomes
        print(missing == 0 ? "every committed input has an outcome (\(report.partitions.count) source partitions)"
                           : "\(missing) committed input(s) without an outcome: see eventbridge reconcile")
    }
}
