import EventBridge
import Foundation

/// `eventbridge reload --config FILE` — a running bridge takes a new contract and mapping catalog.
struct ReloadCommand: CLICommand {
    static let name = "reload"
    static let abstract = "Make the running bridge load the contracts and mappings on disk (SIGHUP), and wait for the result"
    static let help = """
    USAGE: eventbridge reload --config FILE [--timeout SECONDS]

    Checks the catalog FILE names (contracts and mappings, as `config check` does) and refuses to
    signal anything when it has a problem (exit 2). Otherwise sends SIGHUP to the bridge running
    on FILE's store on this host (the process holding the store's lock; exit 1 when none runs) and
    waits until its /readyz reports the reload: exit 0 when it runs the catalog on disk, exit 1
    when the reload failed (the bridge keeps the catalog it had) or did not happen in time. With
    the metrics endpoint off it cannot wait: the result is in the bridge's log.

    The bridge swaps the catalog between two polls; inputs already prepared keep the old one. Other
    config changes (sources, subscribers, kafka, limits) need a restart. See docs/operations.md.

    OPTIONS:
      --config FILE        the running bridge's configuration
      --timeout SECONDS    how long to wait for the reload (default 30)
    """

    var configPath: String
    var timeout: Int

    init(arguments: inout Arguments) throws {
        configPath = try arguments.required("--config")
        timeout = try arguments.int("--timeout") ?? 30
    }

    func validate() throws {
        guard timeout > 0 else { throw UsageError("--timeout takes a positive number of seconds") }
    }

    func run() async throws -> ExitCode {
        let config: BridgeConfig
        let catalog: BridgeCatalog
        do {
            config = try BridgeConfig.load(path: configPath)
            catalog = try BridgeCatalog.load(config, file: configPath)
        } catch {
            printError(error.description)
            printError("nothing was signalled: the running bridge keeps its catalog")
            return .usage
        }
        guard let before = RunningBridge.find(config) else {
            printError("no bridge runs on the store \(config.resolve(config.store.path)) on this host: the next `run` loads the catalog on disk")
            return .failed
        }
        guard kill(before.pid, SIGHUP) == 0 else {
            printError("cannot signal pid \(before.pid): \(String(cString: strerror(errno)))")
            return .failed
        }
        guard before.unknownBecause == nil || config.metrics.address != nil else {
            print("SIGHUP sent to pid \(before.pid); \(before.unknownBecause ?? ""): the result is in the bridge's log")
            return .ok
        }
        let deadline = Date().addingTimeInterval(TimeInterval(timeout))
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            guard let now = RunningBridge.find(config), now.pid == before.pid else {
                printError("the bridge (pid \(before.pid)) stopped before it reported the reload")
                return .failed
            }
            guard let reload = now.reload, reload.number > (before.reload?.number ?? 0) else { continue }
            if let failure = reload.failure {
                printError("the bridge (pid \(now.pid)) refused the new catalog and keeps \(now.catalogDigest ?? "its old one"): \(failure)")
                return .failed
            }
            guard now.catalogDigest == catalog.digest else {
                printError("reloaded, but the bridge runs \(now.catalogDigest ?? "?") while the disk now has \(catalog.digest): "
                           + "the files changed meanwhile; reload again")
                return .failed
            }
            print("reloaded: pid \(now.pid) runs catalog \(catalog.digest) (\(catalog.registry.all.count) contracts)")
            return .ok
        }
        printError("the bridge (pid \(before.pid)) did not report the reload within \(timeout)s; see its log")
        return .failed
    }
}
