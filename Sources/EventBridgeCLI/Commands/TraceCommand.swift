import Contracts
import EventBridge
import Foundation
import Basics
import EventStore

/// `eventbridge trace` — the lineage of an event from the outcome ledger.
struct TraceCommand: CLICommand {
    static let name = "trace"
    static let abstract = "Show where an event came from and what became of it"
    static let help = """
    USAGE: eventbridge trace --config FILE (--event-id ID | --key ENTITY_KEY | --source TOPIC:PARTITION:OFFSET) [--json]

    Reads the bridge's outcome ledger (safe while the bridge runs) and prints, for every matching
    input: its source position, outcome, contract type and version, the outputs it was published to
    (topic:partition:offset per subscriber) or its DLQ position and error code, and any replays of
    that DLQ record. Exit 1 when nothing matches.
    """

    var configPath: String
    var eventID: String?
    var key: String?
    var source: String?
    var json: Bool
    var local: Bool

    init(arguments: inout Arguments) throws {
        json = arguments.flag("--json")
        local = arguments.flag("--local")
        configPath = try arguments.required("--config")
        eventID = try arguments.option("--event-id")
        key = try arguments.option("--key")
        source = try arguments.option("--source")
    }

    func validate() throws {
        guard [eventID, key, source].compactMap({ $0 }).count == 1 else {
            throw UsageError("give exactly one of --event-id, --key, --source")
        }
    }

    func run() async throws -> ExitCode {
        let context = try BridgeContext(configPath: configPath, local: local)
        var entries: [LedgerEntry]
        if let eventID {
            entries = try context.store.ledgerEntries(eventID: eventID)
        } else if let key {
            entries = try context.store.ledgerEntries(entityKey: key)
        } else {
            guard let source, let position = PartitionPosition(parsing: source) else { throw UsageError("--source must be TOPIC:PARTITION:OFFSET") }
            entries = try context.store.ledgerEntry(at: position).map { [$0] } ?? []
        }
        entries.sort { $0.source < $1.source }
        let book = try? context.book()
        defer { book?.close() }
        var documents: [JSONValue] = []
        for e in entries {
            var doc = e.json.objectValue ?? JSONObject()
            if e.outcome == .parked, let p = try context.store.parkedEvent(at: e.source) {
                doc["waitingFor"] = .string(p.prerequisite)
                doc["deadline"] = .string(RFC3339.format(milliseconds: p.deadlineMillis))
            }
            let dlq = e.dlqPosition
            let replays = dlq.flatMap { try? book?.replays(of: $0) } ?? []
            // The latest replay's landing position is in its confirmation; a reservation holds only a lower bound.
            let confirmed = dlq.flatMap { try? book?.resolution(of: $0) }
                .flatMap { $0.reason.hasPrefix(DeadLetterReplayer.replayedReasonPrefix) ? String($0.reason.dropFirst(DeadLetterReplayer.replayedReasonPrefix.count)) : nil }
            let latest = replays.map(\.attempt).max()
            doc["replays"] = .array(replays.map { r -> JSONValue in
                let isLatest = r.attempt == latest
                let state = !isLatest ? "done" : confirmed != nil ? "done" : "pending"
                return ["replay": .int(r.attempt), "to": .string(isLatest ? confirmed ?? "\(r.target.topicPartition) (at or after \(r.target.offset))" : "\(r.target.topicPartition)"),
                        "state": .string(state), "by": .string(r.actor), "at": .string(RFC3339.format(milliseconds: r.replayedAtMillis))]
            })
            documents.append(.object(doc))
        }
        if json {
            for d in documents { printJSON(d) }
        } else if entries.isEmpty {
            print("no input in the ledger matches")
        } else {
            for (e, d) in zip(entries, documents) {
                print("\(e.source)  \(e.outcome.rawValue)  \(e.eventType ?? "-")\(e.contractVersion.map { " v\($0)" } ?? "")  entity \(e.entityKey ?? "-")")
                if let id = e.eventID { print("  event id   \(id)") }
                for o in e.outputs { print("  published  \(o)") }
                if let dlq = e.dlqPosition { print("  DLQ        \(dlq)  \(e.errorCode ?? "")") }
                for r in d["replays"]?.arrayValue ?? [] {
                    print("  replay #\(r["replay"] ?? .null)  → \(r["to"]?.stringValue ?? "?")  \(r["state"]?.stringValue ?? "")  by \(r["by"]?.stringValue ?? "?")")
                }
                if e.outcome == .parked, let p = try context.store.parkedEvent(at: e.source) {
                    print("  waits for  \(p.prerequisite) until \(RFC3339.format(milliseconds: p.deadlineMillis))")
                }
                if let note = e.note { print("  note       \(note)") }
                print("  recorded   \(RFC3339.format(milliseconds: e.atMillis))")
            }
        }
        return entries.isEmpty ? .failed : .ok
    }
}
