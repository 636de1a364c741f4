import Basics
import EventBridge
import Foundation
import Observability

/// `eventbridge run --config FILE` — the bridge itself.
struct RunCommand: CLICommand {
    static let name = "run"
    static let abstract = "Run the bridge: consume sources, validate, normalize, dedup, publish"
    static let help = """
    USAGE: eventbridge run --config FILE [--log-level LEVEL] [--accept-empty-state]

    Joins the consumer group, runs every input through the pipeline and publishes CloudEvents to
    the subscriber topics. Logs are JSON lines on stderr. SIGTERM or Ctrl-C stops consuming,
    finishes in-flight work, commits, and exits 0; a second signal exits at once. SIGHUP reloads
    the contracts and mappings (`eventbridge reload`).

    OPTIONS:
      --config FILE        the bridge configuration (see docs/configuration.md)
      --log-level LEVEL    overrides log.level: trace, debug, info, notice, warning, error
      --accept-empty-state go on from the group's committed offsets on partitions this store has no
                           state for (a new or wiped store; events published before may be published
                           again). Without it the bridge stops on such a partition (exit 1).

    Refuses (exit 2) a config `config check` refuses, and a store another bridge has open.
    """

    var configPath: String
    var logLevel: String?
    var acceptEmptyState: Bool

    init(arguments: inout Arguments) throws {
        configPath = try arguments.required("--config")
        logLevel = try arguments.option("--log-level")
        acceptEmptyState = arguments.flag("--accept-empty-state")
    }

    func run() async throws -> ExitCode {
        let config: BridgeConfig
        let setup: BridgeSetup
        do {
            config = try BridgeConfig.load(path: configPath)
            // Everything but the store and the connections, checked before either is touched.
            setup = try config.setUp(file: configPath)
        } catch {
            printError(error.description)
            return .usage
        }
        var level = config.logLevel
        if let logLevel {
            guard let parsed = Logger.Level(name: logLevel) else { throw UsageError("unknown log level '\(logLevel)'") }
            level = parsed
        }
        let logger = Logger(label: "bridge", level: level)
        for w in config.warnings { logger.warning("configuration: \(w.message)", ["path": w.path]) }
        // Watched before the bridge is made: setting it up opens the store and reaches the broker,
        // which can take long, and a stop signal meanwhile must stop it cleanly, not kill it.
        let stopping = StopRequest()
        let signals = SignalWatcher { sig in
            let name = sig == SIGTERM ? "SIGTERM" : "SIGINT"
            if let bridge = stopping.request() {
                logger.notice("signal received, stopping", ["signal": name])
                bridge.stop()
            } else {
                logger.notice("signal received while starting; stopping once the bridge is set up", ["signal": name])
            }
        }
        let bridge: Bridge
        do {
            bridge = try Bridge(config: config, setup: setup, logger: logger)
            bridge.acceptEmptyState = acceptEmptyState
        } catch {
            signals.cancel()
            logger.critical("cannot start the bridge", ["error": "\(error)"])
            printError("error: cannot start the bridge: \(error)")
            return .usage
        }
        // A stop that came while it was set up: `run` then only shuts it down (store closed,
        // producer flushed) and returns.
        if stopping.attach(bridge) { bridge.stop() }
        // SIGHUP: load the catalog on disk again (`eventbridge reload`), as often as asked.
        let hangups = SignalWatcher(signals: [SIGHUP], repeats: true) { _ in bridge.requestReload() }
        defer {
            signals.cancel()
            hangups.cancel()
        }
        let result: Result<Void, any Error> = await withCheckedContinuation { continuation in
            // The pipeline blocks its thread (poll, fsync): a thread of its own, never the cooperative pool.
            let thread = Thread {
                ThreadName.setCurrent("eb-pipeline")
                continuation.resume(returning: Result { try bridge.run() })
            }
            thread.name = "eventbridge-pipeline"
            thread.stackSize = 8 << 20
            thread.start()
        }
        switch result {
        case .success: return .ok
        case .failure(let error):
            logger.critical("the bridge stopped on an error", ["error": "\(error)"])
            return .failed
        }
    }
}

/// A stop signal that may come before the bridge exists: `request` returns the bridge to stop, or
/// nil and remembers the request; `attach` hands the bridge over and says whether a stop came first.
private final class StopRequest: @unchecked Sendable {
    // @unchecked: both properties are read and written under `lock` only.
    private let lock = NSLock()
    private var bridge: Bridge?
    private var requested = false

    func request() -> Bridge? {
        lock.withLock {
            requested = true
            return bridge
        }
    }

    func attach(_ bridge: Bridge) -> Bool {
        lock.withLock {
            self.bridge = bridge
            return requested
        }
    }
}
