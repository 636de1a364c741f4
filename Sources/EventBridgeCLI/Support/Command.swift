import Foundation

/// Exit codes of every `eventbridge` command (documented in the README).
enum ExitCode: Int32 {
    /// The command did what was asked and what it checked holds.
    case ok = 0
    /// The command ran, and the thing it checked failed (invalid document, breaking change, unaccounted offset …).
    case failed = 1
    /// Usage error, unreadable input, or invalid configuration.
    case usage = 2
}

/// A usage or configuration problem: printed with a hint to `--help`, exit code 2.
struct UsageError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// One command of the CLI, in the shape of swift-argument-parser: a static name and abstract,
/// subcommands, `validate()` and `run()`. A command with subcommands and no `run` of its own is a group.
protocol CLICommand {
    static var name: String { get }
    static var abstract: String { get }
    /// Usage lines and option descriptions shown by `--help` (without the title line).
    static var help: String { get }
    static var subcommands: [any CLICommand.Type] { get }
    /// Parse this command's own arguments.
    init(arguments: inout Arguments) throws
    func validate() throws
    func run() async throws -> ExitCode
}

extension CLICommand {
    static var subcommands: [any CLICommand.Type] { [] }
    static var help: String { "" }
    func validate() throws {}
}

/// A group command: only dispatches to its subcommands.
protocol CLIGroup: CLICommand {
    init()
}

extension CLIGroup {
    init(arguments: inout Arguments) throws { self.init() }
    func run() async throws -> ExitCode { .usage }
}

enum CommandRunner {
    /// Finds the command named by `argv`, parses it, validates and runs it. Returns the process exit code.
    static func main(root: any CLICommand.Type, argv: [String]) async -> Int32 {
        var path = [root.name]
        var command: any CLICommand.Type = root
        var rest = argv[...]
        while !command.subcommands.isEmpty, let next = rest.first, !next.hasPrefix("-") {
            guard let sub = command.subcommands.first(where: { $0.name == next }) else {
                printError("unknown command '\(next)' for '\(path.joined(separator: " "))'")
                printError("see '\(path.joined(separator: " ")) --help'")
                return ExitCode.usage.rawValue
            }
            command = sub
            path.append(next)
            rest = rest.dropFirst()
        }
        if rest.contains("--help") || rest.contains("-h") || (!command.subcommands.isEmpty) {
            let wantsHelp = rest.contains("--help") || rest.contains("-h")
            print(helpText(for: command, path: path))
            // A group called without a subcommand is a usage error after its help.
            return wantsHelp ? ExitCode.ok.rawValue : ExitCode.usage.rawValue
        }
        do {
            var arguments = Arguments(Array(rest))
            let instance = try command.init(arguments: &arguments)
            try arguments.finish()
            try instance.validate()
            return try await instance.run().rawValue
        } catch let error as UsageError {
            printError("error: \(error.message)")
            printError("see '\(path.joined(separator: " ")) --help'")
            return ExitCode.usage.rawValue
        } catch {
            printError("error: \(error)")
            return ExitCode.failed.rawValue
        }
    }

    static func helpText(for command: any CLICommand.Type, path: [String]) -> String {
        var out = "\(path.joined(separator: " ")) — \(command.abstract)\n"
        if !command.help.isEmpty {
            out += "\n" + command.help.trimmingCharacters(in: .newlines) + "\n"
        }
        if !command.subcommands.isEmpty {
            out += "\nUSAGE: \(path.joined(separator: " ")) <subcommand> [options]\n\nSUBCOMMANDS:\n"
            let width = (command.subcommands.map { $0.name.count }.max() ?? 0) + 2
            for sub in command.subcommands {
                out += "  " + sub.name.padding(toLength: width, withPad: " ", startingAt: 0) + sub.abstract + "\n"
            }
            out += "\nSee '\(path.joined(separator: " ")) <subcommand> --help' for details.\n"
        }
        out += "\nEXIT CODES: 0 ok, 1 the checked thing failed, 2 usage or config error."
        return out
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Asks a yes/no question on the terminal (default no). Without an answer on standard input (a
/// script), it is a usage error that says to add `--yes`.
func confirm(_ question: String) throws -> Bool {
    print("\(question) [y/N] ", terminator: "")
    guard let answer = readLine() else { throw UsageError("no answer on standard input: add --yes to go ahead without asking") }
    return answer.lowercased().hasPrefix("y")
}
