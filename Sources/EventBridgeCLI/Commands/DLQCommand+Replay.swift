import Contracts
import EventBridge
import Foundation
import Synchronization

/// `eventbridge dlq replay` — send DLQ records back through the bridge.
struct DLQReplayCommand: CLICommand {
    static let name = "replay"
    static let abstract = "Re-produce DLQ records to their source topic (attempt + 1), each exactly once"
    static var help: String {
        """
        USAGE: eventbridge dlq replay --config FILE [filters] [--dry-run] [--yes] [--max N] [--force]

        Re-produces each matching DLQ record's original key, value and headers to its source topic,
        without the error headers, with eventbridge.attempt + 1 and eventbridge.replay.of = its DLQ
        position. Every replay is recorded in the bridge's store once the broker has acknowledged
        it, and a record already replayed is skipped (unless --force), so running the command again
        replays nothing twice. Ctrl-C stops between records: nothing is half-replayed, and running
        the command again resumes. Records that already failed retry.maxAttempts times are refused
        (loop guard). Without --yes the command shows the count and asks.

        FILTERS:
        \(DLQFilters.help)
          --max N              replay at most N records (default 1000)
          --dry-run            show what would be replayed, change nothing
          --yes                do not ask
          --force              replay records that were replayed before
        """
    }

    var configPath: String
    var filters: DLQFilters
    var dryRun: Bool
    var yes: Bool
    var force: Bool
    var max: Int

    init(arguments: inout Arguments) throws {
        dryRun = arguments.flag("--dry-run")
        yes = arguments.flag("--yes")
        force = arguments.flag("--force")
        configPath = try arguments.required("--config")
        max = try arguments.int("--max") ?? 1000
        filters = try DLQFilters(&arguments)
    }

    func run() async throws -> ExitCode {
        let walker = try DLQWalker(configPath: configPath, filters: filters)
        guard let book = walker.book else { throw UsageError("cannot open the store for writing") }
        let maxAttempts = walker.context.config.retry.maxAttempts
        var plan: [DeadLetterEntry] = []
        var skipped = 0
        var refused = 0
        try await walker.forEach { e in
            guard plan.count < max else { return }
            if e.attempt >= maxAttempts {
                refused += 1
                return
            }
            if !force, try book.replays(of: e.position).contains(where: { $0.attempt == e.attempt + 1 }) {
                skipped += 1
                return
            }
            plan.append(e)
        }
        print("\(plan.count) record\(plan.count == 1 ? "" : "s") to replay; \(skipped) already replayed; \(refused) refused (at \(maxAttempts) attempts)")
        if dryRun {
            for e in plan { print("  would replay \(e.position) → \(e.sourceTopic ?? "?") as attempt \(e.attempt + 1) (\(e.code ?? "?"))") }
            return .ok
        }
        if plan.isEmpty { return .ok }
        if !yes {
            print("Replay \(plan.count) record\(plan.count == 1 ? "" : "s")? [y/N] ", terminator: "")
            guard let answer = readLine() else { throw UsageError("no answer on standard input: add --yes to replay without asking") }
            guard answer.lowercased().hasPrefix("y") else {
                print("nothing replayed")
                return .ok
            }
        }
        let interrupted = Atomic<Bool>(false)
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM]) { _ in interrupted.store(true, ordering: .relaxed) }
        defer { signals.cancel() }
        let producer = try KafkaProducer(config: KafkaConfig(walker.context.config.kafka), logger: Logger(label: "dlq", level: .error))
        var done = 0
        for e in plan {
            if interrupted.load(ordering: .relaxed) { break }
            guard e.sourceTopic != nil else {
                printError("\(e.position): no eventbridge.source.topic header; skipped")
                continue
            }
            let position = try await producer.send(DeadLetterRecord.replay(of: e))
            let target = SourcePosition(topic: e.sourceTopic ?? "", partition: position.partition, offset: position.offset)
            try book.recordReplay(DeadLetterReplay(dlqPosition: e.position, attempt: e.attempt + 1,
                                                   replayedAtMillis: nowMillis(), target: target,
                                                   actor: ProcessInfo.processInfo.environment["USER"] ?? "unknown"))
            done += 1
            print("replayed \(e.position) → \(target) (attempt \(e.attempt + 1))")
        }
        await producer.close()
        print("\(done) replayed" + (done < plan.count ? "; interrupted: run the command again to resume" : ""))
        return .ok
    }
}
