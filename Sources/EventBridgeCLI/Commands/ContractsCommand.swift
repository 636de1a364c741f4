import Contracts
import Foundation

/// `eventbridge contracts list|show|validate|upcast|check`
struct ContractsCommand: CLIGroup {
    static let name = "contracts"
    static let abstract = "List, show, validate against, upcast and check the contract catalog"
    static let help = """
    Every subcommand reads the catalog from --dir DIR (default: contracts): one JSON file per
    type and version, <type>.v<N>.json. Examples for `check` live in DIR/examples/<type>.v<N>.json.
    """
    static var subcommands: [any CLICommand.Type] {
        [ContractsListCommand.self, ContractsShowCommand.self, ContractsValidateCommand.self, ContractsUpcastCommand.self, ContractsCheckCommand.self]
    }
}

/// Options every `contracts` subcommand shares.
struct ContractsOptions {
    var dir: String
    var json: Bool

    init(_ arguments: inout Arguments) throws {
        dir = try arguments.option("--dir") ?? "contracts"
        json = arguments.flag("--json")
    }

    /// Loads the catalog; on failure prints every problem and returns nil.
    func load() -> ContractRegistry? {
        do {
            return try ContractRegistry.load(directory: dir)
        } catch {
            for p in error.problems { printError(p.description) }
            printError("error: the catalog in \(dir) does not load (\(error.problems.count) problem\(error.problems.count == 1 ? "" : "s"))")
            return nil
        }
    }

    /// The contract named by --type/--version (latest when no version), or a usage error.
    func contract(in registry: ContractRegistry, type: String, version: Int?) throws -> Contract {
        guard registry.family(type) != nil else {
            throw UsageError("unknown type '\(type)' in \(dir) (known: \(registry.types.joined(separator: ", ")))")
        }
        guard let version else { return try registry.latest(type).orUsage("no versions of \(type)") }
        return try registry.contract(type, version: version)
            .orUsage("\(type) has no version \(version) (versions: \(registry.versions(of: type).map(String.init).joined(separator: ", ")))")
    }
}

extension Optional {
    func orUsage(_ message: String) throws -> Wrapped {
        guard let self else { throw UsageError(message) }
        return self
    }
}

struct ContractsListCommand: CLICommand {
    static let name = "list"
    static let abstract = "List every type with its versions, compatibility mode and owner"
    static let help = """
    USAGE: eventbridge contracts list [--dir DIR] [--json]

    OPTIONS:
      --dir DIR   the catalog directory (default: contracts)
      --json      one JSON object per type: {"type","versions","latest","compatibility","owner","description"}
    """

    var options: ContractsOptions

    init(arguments: inout Arguments) throws { options = try ContractsOptions(&arguments) }

    func run() async throws -> ExitCode {
        guard let registry = options.load() else { return .usage }
        let width = (registry.types.map(\.count).max() ?? 4) + 2
        if !options.json {
            print("TYPE".padding(toLength: width, withPad: " ", startingAt: 0) + "VERSIONS  COMPATIBILITY         OWNER")
        }
        for type in registry.types {
            guard let latest = registry.latest(type) else { continue }
            let versions = registry.versions(of: type)
            if options.json {
                let row: JSONValue = [
                    "type": .string(type), "versions": .array(versions.map { .number(JSONNumber($0)) }),
                    "latest": .number(JSONNumber(latest.version)), "compatibility": .string(latest.compatibility.rawValue),
                    "owner": .string(latest.owner), "description": .string(latest.description),
                ]
                print(JSONWriter.compact.string(row))
            } else {
                print(type.padding(toLength: width, withPad: " ", startingAt: 0)
                      + versions.map(String.init).joined(separator: ",").padding(toLength: 10, withPad: " ", startingAt: 0)
                      + latest.compatibility.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0) + latest.owner)
            }
        }
        return .ok
    }
}

struct ContractsShowCommand: CLICommand {
    static let name = "show"
    static let abstract = "Print one contract, pretty-printed"
    static let help = """
    USAGE: eventbridge contracts show --type T [--version N] [--dir DIR]

    Prints the contract file of type T, version N (default: the latest), indented.
    """

    var options: ContractsOptions
    var type: String
    var version: Int?

    init(arguments: inout Arguments) throws {
        options = try ContractsOptions(&arguments)
        type = try arguments.required("--type")
        version = try arguments.int("--version")
    }

    func run() async throws -> ExitCode {
        guard let registry = options.load() else { return .usage }
        let contract = try options.contract(in: registry, type: type, version: version)
        print(JSONWriter.pretty.string(contract.json))
        return .ok
    }
}
