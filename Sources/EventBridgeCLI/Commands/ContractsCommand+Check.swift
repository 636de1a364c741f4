import Contracts

struct ContractsCheckCommand: CLICommand {
    static let name = "check"
    static let abstract = "Lint every contract, validate the examples, run every compatibility check"
    static let help = """
    USAGE: eventbridge contracts check [--dir DIR] [--json]

    Loads every contract file in DIR (a broken one is reported with its file and JSON Pointer),
    validates each example in DIR/examples/<type>.v<N>.json against its contract, checks every
    version of every type against the earlier versions its compatibility mode covers, and upcasts
    each version's predecessor example through the contract's patch. A contract that declares no
    materiality or sync-lag objective is a warning (its workflow's default applies), not a failure.
    Prints one line per problem:
      contracts/finance.invoice.posted.v2.json: /schema/required: BACKWARD finance.invoice.posted v1→v2: property 'tax' became required: …
    Exit 0 when all holds, 1 on any problem or breaking change, 2 on usage errors.

    OPTIONS:
      --json    one JSON object: {"passed", "contracts", "types", "examples", "problems", "breakingChanges", "warnings"}
    """

    var options: ContractsOptions

    init(arguments: inout Arguments) throws { options = try ContractsOptions(&arguments) }

    func run() async throws -> ExitCode {
        let result = CatalogCheck.run(directory: options.dir)
        if options.json {
            print(JSONWriter.compact.string(result.json))
        } else {
            for w in result.warnings { print("warning: \(w.description)") }
            for p in result.problems { print(p.description) }
            for c in result.breakingChanges { print(c.description) }
            let summary = "\(result.contracts) contracts, \(result.types) types, \(result.examples) examples"
            if result.passed {
                let warned = result.warnings.isEmpty ? "" : ", \(result.warnings.count) warning\(result.warnings.count == 1 ? "" : "s")"
                print("\(options.dir): ok (\(summary), no breaking changes\(warned))")
            } else {
                print("\(options.dir): FAILED (\(summary)): \(result.problems.count) problem\(result.problems.count == 1 ? "" : "s"), \(result.breakingChanges.count) breaking change\(result.breakingChanges.count == 1 ? "" : "s")")
            }
        }
        return result.passed ? .ok : .failed
    }
}
