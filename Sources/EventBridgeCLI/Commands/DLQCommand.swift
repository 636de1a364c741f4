import Contracts
import EventBridge
import Foundation
import Basics
import Observability
import KafkaClient
import EventStore

/// `eventbridge dlq list|show|stats|resolve`
struct DLQCommand: CLIGroup {
    static let name = "dlq"
    static let abstract = "Work the dead letter queues: list, show, stats (exception aging), replay, resolve"
    static var subcommands: [any CLICommand.Type] { [DLQListCommand.self, DLQShowCommand.self, DLQStatsCommand.self, DLQReplayCommand.self, DLQResolveCommand.self] }
}

/// The filters every DLQ command takes.
struct DLQFilters {
    var source: String?
    var code: String?
    var sinceSeconds: Int?
    var untilSeconds: Int?
    var limit: Int?
    var all: Bool

    static let help = """
      --source TOPIC       only failures of this source topic
      --code CODE          only this error code (e.g. schema.required)
      --since DURATION     only failures in the last DURATION (30m, 24h, 7d)
      --until DURATION     only failures older than DURATION
      --limit N            at most N records
      --all                include records marked resolved
    """

    init(_ a: inout Arguments) throws {
        source = try a.option("--source")
        code = try a.option("--code")
        sinceSeconds = try Self.duration(a.option("--since"), "--since")
        untilSeconds = try Self.duration(a.option("--until"), "--until")
        limit = try a.int("--limit")
        all = a.flag("--all")
    }

    static func duration(_ text: String?, _ name: String) throws -> Int? {
        guard let text else { return nil }
        guard let s = DurationText.seconds(text) else { throw UsageError("\(name) takes a duration like 30m, 24h, 7d; got '\(text)'") }
        return s
    }

    func matches(_ e: DeadLetterEntry, nowMillis: Int64, resolved: Bool) -> Bool {
        if resolved && !all { return false }
        if let code, e.code != code { return false }
        let age = e.failedAtMillis.map { (nowMillis - $0) / 1000 }
        if let sinceSeconds, let age, age > Int64(sinceSeconds) { return false }
        if let untilSeconds, let age, age < Int64(untilSeconds) { return false }
        return true
    }
}

/// Walks the DLQ topics of the configured sources (or one), with filters applied.
struct DLQWalker {
    let context: BridgeContext
    let filters: DLQFilters
    let book: DeadLetterBook?

    init(configPath: String, local: Bool = false, filters: DLQFilters) throws {
        context = try BridgeContext(configPath: configPath, local: local)
        self.filters = filters
        book = try? context.book()
    }

    func forEach(_ body: (DeadLetterEntry) throws -> Void) async throws {
        let sources = context.config.sources.filter { filters.source == nil || $0.topic == filters.source }
        if let s = filters.source, sources.isEmpty { throw UsageError("\(s) is not a source topic of this config") }
        let admin = try context.admin()
        let reader = DeadLetterReader(kafka: KafkaConfig(context.config.kafka), logger: Logger(label: "dlq", level: .error))
        let now = WallClock.nowMillis()
        var seen = 0
        for source in sources {
            let partitions = try await admin.describeTopics([source.dlqTopic]).flatMap { $0.partitions.map(\.id) }
            if partitions.isEmpty { continue }
            try reader.forEach(topic: source.dlqTopic, partitions: partitions) { entry in
                let resolution: DeadLetterResolution? = (try? book?.resolution(of: entry.position)) ?? nil
                let resolved = resolution != nil
                guard filters.matches(entry, nowMillis: now, resolved: resolved) else { return true }
                try body(entry)
                seen += 1
                return filters.limit.map { seen < $0 } ?? true
            }
            if let limit = filters.limit, seen >= limit { return }
        }
    }
}

struct DLQListCommand: CLICommand {
    static let name = "list"
    static let abstract = "One line per DLQ record: position, age, source position, code, contract, message"
    static var help: String { "USAGE: eventbridge dlq list --config FILE [filters] [--json]\n\nFILTERS:\n" + DLQFilters.help }

    var options: ConfigOptions
    var filters: DLQFilters

    init(arguments: inout Arguments) throws {
        options = try ConfigOptions(&arguments)
        filters = try DLQFilters(&arguments)
    }

    func run() async throws -> ExitCode {
        let now = WallClock.nowMillis()
        var count = 0
        try await DLQWalker(configPath: options.configPath, local: options.local, filters: filters).forEach { e in
            count += 1
            if options.json {
                printJSON(e.json)
                return
            }
            let age = e.failedAtMillis.map { DLQAge.describe(seconds: (now - $0) / 1000) } ?? "?"
            let message = (e.message ?? "").prefix(80)
            print("\(e.position)  \(age)  from \(e.source ?? "?")  \(e.code ?? "?")  \(e.contract ?? "-")  attempt \(e.attempt)  \(message)")
        }
        if !options.json { print("\(count) record\(count == 1 ? "" : "s")") }
        return .ok
    }
}

struct DLQShowCommand: CLICommand {
    static let name = "show"
    static let abstract = "Every header of one DLQ record, its violations, and the original value"
    static let help = "USAGE: eventbridge dlq show --config FILE TOPIC:PARTITION:OFFSET [--json]"

    var options: ConfigOptions
    var position: String

    init(arguments: inout Arguments) throws {
        options = try ConfigOptions(&arguments)
        position = try arguments.positional("DLQ position TOPIC:PARTITION:OFFSET")
    }

    func run() async throws -> ExitCode {
        guard let pos = PartitionPosition(parsing: position) else { throw UsageError("the position must be TOPIC:PARTITION:OFFSET") }
        let context = try options.context()
        let reader = DeadLetterReader(kafka: KafkaConfig(context.config.kafka), logger: Logger(label: "dlq", level: .error))
        var found: DeadLetterEntry?
        try reader.forEach(topic: pos.topic, partitions: [pos.partition], from: [pos.partition: pos.offset]) { e in
            if e.record.offset == pos.offset { found = e }
            return false
        }
        guard let e = found else {
            printError("no record at \(position)")
            return .failed
        }
        if options.json {
            var doc = e.json.objectValue ?? JSONObject()
            doc["key"] = e.record.key.map { .string(String(decoding: $0, as: UTF8.self)) } ?? .null
            doc["value"] = e.record.value.map { bytes in (try? JSONParser.parse(bytes)) ?? .string(DLQAge.safe(bytes, limit: 4096)) } ?? .null
            printJSON(.object(doc))
            return .ok
        }
        print("DLQ record \(e.position)")
        print("  key       \(e.record.key.map { DLQAge.safe($0, limit: 200) } ?? "(null)")")
        for h in e.record.headers {
            print("  \(h.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(h.value.map { DLQAge.safe($0, limit: 300) } ?? "(null)")")
        }
        let violations = e.violations
        if !violations.isEmpty {
            print("violations:")
            for v in violations {
                print("  - \(v["instanceLocation"]?.stringValue ?? "/"): \(v["message"]?.stringValue ?? "") [\(v["keywordLocation"]?.stringValue ?? "")]")
            }
        }
        print("original value:")
        guard let value = e.record.value else {
            print("  (null: a tombstone)")
            return .ok
        }
        if let doc = try? JSONParser.parse(value) {
            print(JSONWriter.pretty.string(doc))
        } else {
            print("  (not JSON, \(value.count) bytes, shown escaped)")
            print("  " + DLQAge.safe(value, limit: 2000))
        }
        return .ok
    }
}

struct DLQStatsCommand: CLICommand {
    static let name = "stats"
    static let abstract = "Counts by source, code and contract; oldest, newest; exception aging"
    static var help: String { "USAGE: eventbridge dlq stats --config FILE [filters] [--json]\n\nFILTERS:\n" + DLQFilters.help }

    var options: ConfigOptions
    var filters: DLQFilters

    init(arguments: inout Arguments) throws {
        options = try ConfigOptions(&arguments)
        filters = try DLQFilters(&arguments)
    }

    func run() async throws -> ExitCode {
        let now = WallClock.nowMillis()
        var bySource: [String: Int] = [:], byCode: [String: Int] = [:], byContract: [String: Int] = [:], aging: [String: Int] = [:]
        var oldest: Int64?, newest: Int64?, total = 0
        try await DLQWalker(configPath: options.configPath, local: options.local, filters: filters).forEach { e in
            total += 1
            bySource[e.sourceTopic ?? "?", default: 0] += 1
            byCode[e.code ?? "?", default: 0] += 1
            byContract[e.contract ?? "-", default: 0] += 1
            if let at = e.failedAtMillis {
                oldest = min(oldest ?? at, at)
                newest = max(newest ?? at, at)
                aging[DLQAge.bucket(seconds: (now - at) / 1000), default: 0] += 1
            }
        }
        func object(_ d: [String: Int]) -> JSONValue {
            .object(JSONObject(d.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .int($0.value)) }))
        }
        if options.json {
            printJSON(["total": .int(total), "bySource": object(bySource), "byCode": object(byCode), "byContract": object(byContract),
                       "aging": object(aging), "oldest": oldest.map { .string(RFC3339.format(milliseconds: $0)) } ?? .null,
                       "newest": newest.map { .string(RFC3339.format(milliseconds: $0)) } ?? .null])
            return .ok
        }
        print("\(total) DLQ record\(total == 1 ? "" : "s")")
        for (title, d) in [("by source", bySource), ("by code", byCode), ("by contract", byContract)] {
            print(title + ":")
            for (k, v) in d.sorted(by: { $0.value > $1.value }) { print("  \(String(v).padding(toLength: 7, withPad: " ", startingAt: 0)) \(k)") }
        }
        print("exception aging:")
        for b in DLQAge.buckets { print("  \(b.padding(toLength: 9, withPad: " ", startingAt: 0)) \(aging[b] ?? 0)") }
        if let oldest, let newest {
            print("oldest \(RFC3339.format(milliseconds: oldest)), newest \(RFC3339.format(milliseconds: newest))")
        }
        return .ok
    }
}

struct DLQResolveCommand: CLICommand {
    static let name = "resolve"
    static let abstract = "Mark DLQ records as handled so list and stats hide them"
    static var help: String {
        "USAGE: eventbridge dlq resolve --config FILE [filters] --yes [--reason TEXT] [--by WHO]\n\nFILTERS:\n" + DLQFilters.help
    }

    var configPath: String
    var filters: DLQFilters
    var yes: Bool
    var reason: String
    var by: String
    var local: Bool

    init(arguments: inout Arguments) throws {
        yes = arguments.flag("--yes")
        local = arguments.flag("--local")
        configPath = try arguments.required("--config")
        reason = try arguments.option("--reason") ?? "resolved by hand"
        by = try arguments.option("--by") ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        filters = try DLQFilters(&arguments)
    }

    func validate() throws {
        guard yes else { throw UsageError("resolve changes the store: add --yes (and filters) to confirm") }
    }

    func run() async throws -> ExitCode {
        let walker = try DLQWalker(configPath: configPath, local: local, filters: filters)
        guard let book = walker.book else { throw UsageError("cannot open the store for writing") }
        let now = WallClock.nowMillis()
        var n = 0
        try await walker.forEach { e in
            try book.markResolved(DeadLetterResolution(dlqPosition: e.position, resolvedAtMillis: now, actor: by, reason: reason))
            n += 1
        }
        print("resolved \(n) record\(n == 1 ? "" : "s")")
        return .ok
    }
}

/// Ages, buckets and safe display of DLQ bytes.
enum DLQAge {
    static let buckets = ["<1h", "1h-24h", "1d-7d", ">7d"]

    static func bucket(seconds: Int64) -> String {
        seconds < 3600 ? buckets[0] : seconds < 86400 ? buckets[1] : seconds < 7 * 86400 ? buckets[2] : buckets[3]
    }

    static func describe(seconds: Int64) -> String {
        seconds < 120 ? "\(seconds)s" : seconds < 7200 ? "\(seconds / 60)m" : seconds < 172_800 ? "\(seconds / 3600)h" : "\(seconds / 86400)d"
    }

    /// Bytes as printable text: valid UTF-8 with control characters escaped, other bytes as \xNN; truncated with a note.
    static func safe(_ bytes: [UInt8], limit: Int) -> String {
        var out = ""
        for b in bytes.prefix(limit) {
            switch b {
            case 0x20..<0x7F where b != UInt8(ascii: "\\"): out.append(Character(UnicodeScalar(b)))
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x0A: out += "\\n"
            default: out += "\\x" + String(b, radix: 16).uppercased().leftPadded(2)
            }
        }
        if bytes.count > limit { out += " … (\(bytes.count - limit) more bytes)" }
        return out
    }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
