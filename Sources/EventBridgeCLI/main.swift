import Foundation

/// The root command: `eventbridge`.
struct Root: CLIGroup {
    static let name = "eventbridge"
    static let abstract = "Kafka-backed finance event bridge"
    static let help = """
    Consumes upstream change events, holds them to versioned contracts, normalizes them into
    canonical finance events, drops duplicates and republishes them as CloudEvents.
    """
    static var subcommands: [any CLICommand.Type] { RootCommands.all }
}

let code = await CommandRunner.main(root: Root.self, argv: Array(CommandLine.arguments.dropFirst()))
exit(code)
