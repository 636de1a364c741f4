import Basics
import Contracts
import EventBridge
import EventStore
import Foundation

/// `eventbridge parked list|show|release|expire` — events waiting for a prerequisite (readiness
/// gating, docs/operations.md).
struct ParkedCommand: CLIGroup {
    static let name = "parked"
    static let abstract = "Events waiting for a prerequisite: list, show, release (with --force), expire"
    static var subcommands: [any CLICommand.Type] { [ParkedListCommand.self, ParkedShowCommand.self, ParkedReleaseCommand.self, ParkedExpireCommand.self] }
}

/// `--type T` and `--key K` (an entity key, a prerequisite key `type|key`, or the key alone).
struct ParkedFilters {
    var type: String?
    var key: String?
    var limit: Int

    static let help = """
      --type TYPE      only parked events of this type (e.g. finance.invoice.posted)
      --key KEY        only events of this entity key, or waiting for this prerequisite key (C-42 or finance.customer.ready|C-42)
      --limit N        at most N events (default 1000)
    """

    init(_ a: inout Arguments) throws {
        type = try a.option("--type")
        key = try a.option("--key")
        limit = try a.int("--limit") ?? 1000
        guard limit >= 1 else { throw UsageError("--limit must be at least 1") }
    }

    func events(_ store: StoreReader) throws -> [ParkedEvent] { try store.parkedEvents(type: type, key: key, limit: limit) }
}

extension ParkedEvent {
    var json: JSONValue {
        [
            "source": .string(source.description), "type": .string(eventType), "entityKey": .string(entityKey),
            "waitingFor": .string(prerequisite), "parkedAt": .string(RFC3339.format(milliseconds: parkedAtMillis)),
            "deadline": .string(RFC3339.format(milliseconds: deadlineMillis)), "sequence": .int(sequence),
        ]
    }
}

struct ParkedListCommand: CLICommand {
    static let name = "list"
    static let abstract = "One line per parked event: source position, type, entity, what it waits for, age, deadline"
    static var help: String { "USAGE: eventbridge parked list --config FILE [filters] [--json]\n\nFILTERS:\n" + ParkedFilters.help }

    var options: ConfigOptions
    var filters: ParkedFilters

    init(arguments: inout Arguments) throws {
        options = try ConfigOptions(&arguments)
        filters = try ParkedFilters(&arguments)
    }

    func run() async throws -> ExitCode {
        let context = try options.context()
        let events = try filters.events(context.store)
        let now = WallClock.nowMillis()
        if options.json {
            for e in events { printJSON(e.json) }
        } else if events.isEmpty {
            print("nothing parked")
        } else {
            for e in events {
                let age = (now - e.parkedAtMillis) / 1000
                print("\(e.source)  \(e.eventType) \(e.entityKey)  waits for \(e.prerequisite)  age \(age)s  deadline \(RFC3339.format(milliseconds: e.deadlineMillis))")
            }
        }
        return .ok
    }
}

struct ParkedShowCommand: CLICommand {
    static let name = "show"
    static let abstract = "One parked event: what it waits for, its deadline, the original record"
    static let help = "USAGE: eventbridge parked show --config FILE TOPIC:PARTITION:OFFSET [--json]"

    var options: ConfigOptions
    var position: String

    init(arguments: inout Arguments) throws {
        options = try ConfigOptions(&arguments)
        position = try arguments.positional("source position TOPIC:PARTITION:OFFSET")
    }

    func run() async throws -> ExitCode {
        guard let source = PartitionPosition(parsing: position) else { throw UsageError("the position must be TOPIC:PARTITION:OFFSET") }
        let context = try options.context()
        guard let e = try context.store.parkedEvent(at: source) else {
            let outcome = try context.store.ledgerEntry(at: source)?.outcome.rawValue
            printError("\(source) is not parked" + (outcome.map { " (its outcome: \($0))" } ?? ""))
            return .failed
        }
        let value = e.recordValue.map { String(decoding: $0, as: UTF8.self) }
        if options.json {
            var doc = e.json.objectValue ?? JSONObject()
            doc["key"] = .optional(e.recordKey.map { String(decoding: $0, as: UTF8.self) })
            doc["value"] = .optional(value)
            doc["headers"] = .array(e.recordHeaders.map { ["name": .string($0.name), "value": .optional($0.value.map { String(decoding: $0, as: UTF8.self) })] })
            printJSON(.object(doc))
        } else {
            print("source      \(e.source)")
            print("event       \(e.eventType) \(e.entityKey)")
            print("waits for   \(e.prerequisite)")
            print("parked at   \(RFC3339.format(milliseconds: e.parkedAtMillis))")
            print("deadline    \(RFC3339.format(milliseconds: e.deadlineMillis))")
            for h in e.recordHeaders { print("header      \(h.name)=\(h.value.map { String(decoding: $0, as: UTF8.self) } ?? "(null)")") }
            print("value       \(value ?? "(null)")")
        }
        return .ok
    }
}

/// Release (`--force`) or expire parked events by request: the running bridge carries it out and
/// records the outcome with the actor and reason as the ledger note.
struct ParkedActionOptions {
    var options: ConfigOptions
    var filters: ParkedFilters
    var positions: [String]
    var reason: String?
    var by: String
    var yes: Bool
    var wait: Int

    static let help = """
      POSITION…        source positions TOPIC:PARTITION:OFFSET (or use filters)
      --reason TEXT    why (required; recorded in the ledger)
      --by WHO         who (default: user@host)
      --yes            do it without asking
      --wait SECONDS   wait this long for the running bridge to carry it out (default 30; 0: don't wait)
    """

    init(_ arguments: inout Arguments) throws {
        options = try ConfigOptions(&arguments)
        filters = try ParkedFilters(&arguments)
        reason = try arguments.option("--reason")
        by = try arguments.option("--by") ?? DeadLetterReplayer.defaultActor()
        yes = arguments.flag("--yes")
        wait = try arguments.int("--wait") ?? 30
        positions = arguments.rest()
    }

    func validate() throws {
        guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw UsageError("--reason is required: it is recorded in the ledger") }
        guard !positions.isEmpty || filters.type != nil || filters.key != nil else {
            throw UsageError("name the parked events: positions, --type or --key")
        }
        guard wait >= 0 else { throw UsageError("--wait must be 0 or more") }
    }

    func run(_ action: ParkedRequest.Action) async throws -> ExitCode {
        let context = try options.context()
        var targets: [ParkedEvent] = []
        for text in positions {
            guard let p = PartitionPosition(parsing: text) else { throw UsageError("\(text): a position is TOPIC:PARTITION:OFFSET") }
            guard let e = try context.store.parkedEvent(at: p) else { throw UsageError("\(p) is not parked") }
            targets.append(e)
        }
        if filters.type != nil || filters.key != nil { targets += try filters.events(context.store) }
        guard !targets.isEmpty else {
            print("nothing parked matches")
            return .ok
        }
        let verb = action == .release ? "Release (without its prerequisite)" : "Expire to the DLQ"
        if !yes, try !confirm("\(verb) \(targets.count) parked event\(targets.count == 1 ? "" : "s")?") {
            print("nothing changed")
            return .ok
        }
        let requests = try context.parkingRequests()
        defer { requests.close() }
        let now = WallClock.nowMillis()
        var submitted: [PartitionPosition] = []
        for e in targets {
            if try requests.submit(ParkedRequest(source: e.source, action: action, actor: by, reason: reason ?? "", atMillis: now)) {
                submitted.append(e.source)
            }
        }
        // The running bridge carries requests out within a second or so; report what became of them.
        let deadline = ContinuousClock.now + .seconds(wait)
        var outcomes: [PartitionPosition: String] = [:]
        while outcomes.count < submitted.count {
            try context.refresh()
            for p in submitted where outcomes[p] == nil {
                if try context.store.parkedEvent(at: p) == nil { outcomes[p] = try context.store.ledgerEntry(at: p)?.outcome.rawValue ?? "unknown" }
            }
            if outcomes.count == submitted.count || ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        for p in submitted {
            let state = outcomes[p] ?? "requested (not carried out yet: is the bridge running?)"
            if options.json { printJSON(["source": .string(p.description), "action": .string(action.rawValue), "outcome": .string(state)]) } else {
                print("\(p)  \(state)")
            }
        }
        return outcomes.count == submitted.count ? .ok : .failed
    }
}

struct ParkedReleaseCommand: CLICommand {
    static let name = "release"
    static let abstract = "Publish parked events without their prerequisite (--force and --reason; recorded in the ledger)"
    static var help: String {
        """
        USAGE: eventbridge parked release --config FILE (POSITION… | filters) --force --reason TEXT [--by WHO] [--yes] [--json]

        Parked events are released by the bridge when their prerequisite arrives. This publishes them
        without it — an operator's decision, so it takes --force and a --reason, which the ledger keeps
        with the outcome (see `eventbridge trace`). The running bridge carries it out.

        """ + ParkedActionOptions.help + "\n  --force          required\n\nFILTERS:\n" + ParkedFilters.help
    }

    var action: ParkedActionOptions
    var force: Bool

    init(arguments: inout Arguments) throws {
        force = arguments.flag("--force")
        action = try ParkedActionOptions(&arguments)
    }

    func validate() throws {
        guard force else { throw UsageError("releasing without the prerequisite needs --force (the bridge releases parked events by itself when it arrives)") }
        try action.validate()
    }

    func run() async throws -> ExitCode { try await action.run(.release) }
}

struct ParkedExpireCommand: CLICommand {
    static let name = "expire"
    static let abstract = "Send parked events to the DLQ now (sequencing.prerequisite_timeout), with a --reason"
    static var help: String {
        "USAGE: eventbridge parked expire --config FILE (POSITION… | filters) --reason TEXT [--by WHO] [--yes] [--json]\n\n"
            + ParkedActionOptions.help + "\n\nFILTERS:\n" + ParkedFilters.help
    }

    var action: ParkedActionOptions

    init(arguments: inout Arguments) throws { action = try ParkedActionOptions(&arguments) }

    func validate() throws { try action.validate() }

    func run() async throws -> ExitCode { try await action.run(.expire) }
}
