import Contracts
import EventBridge
import Foundation
import Synchronization
import Basics
import Observability
import KafkaClient

/// `eventbridge dlq replay` — send DLQ records back through the bridge.
struct DLQReplayCommand: CLICommand {
    static let name = "replay"
    static let abstract = "Re-produce DLQ records to their source topic (attempt + 1), each exactly once"
    static var help: String {
        """
        USAGE: eventbridge dlq replay --config FILE [filters] [--dry-run] [--yes] [--max N] [--force]

        Re-produces each matching DLQ record's original key, value and headers to its source topic
        and partition, without the error headers, with eventbridge.attempt + 1 and
        eventbridge.replay.of = its DLQ position. Each record is reserved in the bridge's store,
        produced (acks=all), then marked replayed (and so hidden from list/stats like a resolved
        record). A record already replayed is skipped unless --force. Interrupted (Ctrl-C stops
        between records; even a kill between produce and mark) the next run resumes: a reserved,
        unmarked record is first looked for in its source partition and produced only if absent,
        so each record is replayed once. Records that already failed retry.maxAttempts times are
        refused (loop guard). Without --yes the command shows the count and asks on stdin (no
        stdin: exit 2).

        FILTERS:
        \(DLQFilters.help)
          --max N              replay at most N records (default 1000)
          --dry-run            show what would be replayed, change nothing
          --yes                do not ask
          --force              replay again records that were replayed before
          --json               one JSON object per record: {"position", "action", "target", "attempt"}
        """
    }

    var options: ConfigOptions
    var filters: DLQFilters
    var dryRun: Bool
    var yes: Bool
    var force: Bool
    var max: Int

    init(arguments: inout Arguments) throws {
        dryRun = arguments.flag("--dry-run")
        yes = arguments.flag("--yes")
        force = arguments.flag("--force")
        options = try ConfigOptions(&arguments)
        max = try arguments.int("--max") ?? 1000
        filters = try DLQFilters(&arguments)
        // Replayed records count as resolved; --force is the way to send them again.
        if force { filters.all = true }
    }

    func validate() throws {
        guard max > 0 else { throw UsageError("--max takes a positive number") }
    }

    func run() async throws -> ExitCode {
        let walker = try DLQWalker(configPath: options.configPath, local: options.local, filters: filters)
        guard let book = walker.book else { throw UsageError("cannot open the store for writing") }
        let config = walker.context.config
        let logger = Logger(label: "dlq", level: .error)
        let replayer = DeadLetterReplayer(book: book, kafka: KafkaConfig(config.kafka), maxAttempts: config.dlq.replayMaxAttempts,
                                          actor: DeadLetterReplayer.defaultActor(), logger: logger)
        var plan: [(DeadLetterEntry, DeadLetterReplayer.Decision)] = []
        var skipped = 0, refused = 0, busy = 0, unusable = 0
        let now = WallClock.nowMillis()
        try await walker.forEach { e in
            guard plan.count < max else { return }
            let decision = try replayer.decide(e, force: force, nowMillis: now)
            switch decision {
            case .replay, .complete: plan.append((e, decision))
            case .alreadyReplayed: skipped += 1
            case .refused: refused += 1
            case .inProgress: busy += 1
            case .unusable(let why):
                unusable += 1
                printError("\(e.position): \(why); skipped")
            }
        }
        let pending = plan.filter { if case .complete = $0.1 { return true } else { return false } }.count
        let maxAttempts = config.dlq.replayMaxAttempts
        let summary = "\(plan.count) record\(plan.count == 1 ? "" : "s") to replay (\(pending) interrupted earlier); "
            + "\(skipped) already replayed; \(refused) refused (at \(maxAttempts) attempts)"
            + (busy > 0 ? "; \(busy) reserved by a run still in progress" : "") + (unusable > 0 ? "; \(unusable) unusable" : "")
        // With --json the summary goes to stderr so stdout stays one object per line.
        if options.json { printError(summary) } else { print(summary) }
        if dryRun {
            for (e, d) in plan {
                report(e, action: isComplete(d) ? "would-check-then-replay" : "would-replay", target: nil)
            }
            return .ok
        }
        if plan.isEmpty { return .ok }
        if !yes, try !confirm("Replay \(plan.count) record\(plan.count == 1 ? "" : "s")?") {
            print("nothing replayed")
            return .ok
        }
        let interrupted = Atomic<Bool>(false)
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM]) { _ in interrupted.store(true, ordering: .relaxed) }
        defer { signals.cancel() }
        let highWater = try await sourceHighWater(config, logger: logger)
        let producer = try KafkaProducer(config: KafkaConfig(config.kafka).forProducer.merging(["acks": "all"]), logger: logger)
        var done = 0, found = 0, lost = 0
        var failure: (any Error)?
        for (e, d) in plan {
            if interrupted.load(ordering: .relaxed) { break }
            do {
                switch try await replayer.execute(e, d, producer: producer, highWater: highWater, nowMillis: WallClock.nowMillis) {
                case .replayed(let target):
                    done += 1
                    report(e, action: "replayed", target: target)
                case .found(let target):
                    found += 1
                    report(e, action: "found", target: target)
                case .lostRace:
                    lost += 1
                    report(e, action: "reserved-by-another-run", target: nil)
                case nil: break
                }
            } catch {
                failure = error
                break
            }
        }
        await producer.close()
        let stoppedEarly = failure != nil || done + found + lost < plan.count
        let closing = "\(done) replayed" + (found > 0 ? "; \(found) interrupted replays found on the topic and marked" : "")
            + (lost > 0 ? "; \(lost) taken by another run" : "")
            + (stoppedEarly ? "; stopped early: run the command again to resume" : "")
        if options.json { printError(closing) } else { print(closing) }
        if let failure {
            printError("error: \(failure)")
            return .failed
        }
        return .ok
    }

    private func isComplete(_ d: DeadLetterReplayer.Decision) -> Bool {
        if case .complete = d { return true }
        return false
    }

    private func report(_ e: DeadLetterEntry, action: String, target: PartitionPosition?) {
        if options.json {
            printJSON(["position": .string(e.position.description), "action": .string(action),
                       "target": target.map { .string($0.description) } ?? .optional(e.sourceTopic),
                       "attempt": .int(e.attempt + 1), "code": .optional(e.code)])
        } else {
            let to = target?.description ?? "\(e.sourceTopic ?? "?"):\(e.sourcePartition.map(String.init) ?? "?")"
            print("\(action) \(e.position) → \(to) (attempt \(e.attempt + 1), \(e.code ?? "?"))")
        }
    }

    /// High-water marks of every source partition before anything is produced: where a replay of
    /// this run can land at the earliest (recorded with each reservation).
    private func sourceHighWater(_ config: BridgeConfig, logger: Logger) async throws -> [TopicPartition: Int64] {
        let admin = try KafkaAdmin(config: KafkaConfig(config.kafka).forConsumer, logger: logger)
        let partitions = try await admin.describeTopics(config.sources.map(\.topic)).flatMap { topic in
            topic.partitions.map { TopicPartition(topic: topic.name, partition: $0.id) }
        }
        return try PartitionProbe(kafka: KafkaConfig(config.kafka), logger: logger).probe(partitions).mapValues(\.high)
    }
}
