import Contracts
import Foundation

struct ContractsValidateCommand: CLICommand {
    static let name = "validate"
    static let abstract = "Validate event files against a contract (schema and finance rules)"
    static let help = """
    USAGE: eventbridge contracts validate --type T [--version N] [--dir DIR] [--json] FILE…

    Validates each FILE ('-' for standard input) against type T, version N (default: the latest):
    the schema, then the finance rules. Prints "FILE: valid", or "FILE: invalid" and one line per
    violation with its stable error code:
      /lines: debits 100.00 ≠ credits 99.99 in EUR (difference 0.01) [/rules/0/balanced] rule.unbalanced
    Exit 1 when some file is invalid, 2 for an unreadable file or catalog.

    OPTIONS:
      --json    one line per file: {"valid": bool, "errors": [{"instanceLocation","keywordLocation","keyword","message"}]}
    """

    var options: ContractsOptions
    var type: String
    var version: Int?
    var files: [String]

    init(arguments: inout Arguments) throws {
        options = try ContractsOptions(&arguments)
        type = try arguments.required("--type")
        version = try arguments.int("--version")
        files = arguments.rest()
    }

    func validate() throws {
        if files.isEmpty { throw UsageError("give one or more event FILEs") }
    }

    func run() async throws -> ExitCode {
        guard let registry = options.load() else { return .usage }
        let contract = try options.contract(in: registry, type: type, version: version)
        var code = ExitCode.ok
        for file in files {
            guard let doc = InputFile.json(file) else {
                code = .usage
                continue
            }
            let report = contract.validate(doc)
            if options.json {
                print(JSONWriter.compact.string(report.json))
            } else if report.isValid {
                print("\(file): valid (\(contract.ref))")
            } else {
                print("\(file): invalid (\(contract.ref))")
                for v in report.violations { print("  \(v) \(v.errorCode)") }
            }
            if !report.isValid && code == .ok { code = .failed }
        }
        return code
    }
}

struct ContractsUpcastCommand: CLICommand {
    static let name = "upcast"
    static let abstract = "Upcast an event document to a newer version and print it"
    static let help = """
    USAGE: eventbridge contracts upcast --type T --from N [--to M] [--dir DIR] FILE

    Applies the RFC 6902 upcasts N→N+1→…→M (default M: the latest version) to FILE ('-' for
    standard input), validating the result of every step against its target version, and prints
    the result (indented). A failing step exits 1 and names it: "upcast 1→2: …".
    """

    var options: ContractsOptions
    var type: String
    var from: Int
    var to: Int?
    var file: String

    init(arguments: inout Arguments) throws {
        options = try ContractsOptions(&arguments)
        type = try arguments.required("--type")
        guard let from = try arguments.int("--from") else { throw UsageError("missing required option --from") }
        self.from = from
        to = try arguments.int("--to")
        file = try arguments.positional("the event FILE")
    }

    func run() async throws -> ExitCode {
        guard let registry = options.load() else { return .usage }
        _ = try options.contract(in: registry, type: type, version: from)
        if let to { _ = try options.contract(in: registry, type: type, version: to) }
        guard let doc = InputFile.json(file) else { return .usage }
        switch registry.upcast(doc, type: type, from: from, to: to) {
        case .success(let result):
            print(JSONWriter.pretty.string(result))
            return .ok
        case .failure(let error):
            printError("\(file): \(error)")
            return .failed
        }
    }
}
