/// Every top-level command, in the order `eventbridge --help` lists them.
/// Each command lives in its own file under Commands/.
enum RootCommands {
    static var all: [any CLICommand.Type] {
        [
            RunCommand.self,
            ConfigCommand.self,
            TraceCommand.self,
            ReconcileCommand.self,
            StatusCommand.self,
            DLQCommand.self,
            ParkedCommand.self,
            ContractsCommand.self,
            ProduceCommand.self,
            JSONCommand.self,
            SchemaCommand.self,
            VersionCommand.self,
            TopicsCommand.self,
        ]
    }
}
