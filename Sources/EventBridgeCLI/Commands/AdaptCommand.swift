import Contracts
import EventBridge
import EventStore
import Foundation
import KafkaClient

struct AdaptCommand: CLICommand {
    static let name = "adapt"
    static let abstract = "Run records through a source's adapter and the contracts, offline (no broker)"
    static let help = """
    USAGE: eventbridge adapt --config F --source TOPIC [--json] [--store] [--header NAME=VALUE …] [--key K] FILE…
           eventbridge adapt --config F --source TOPIC [--json] [--store] --jsonl FILE

    Runs each input through what the bridge does with a record of source TOPIC — decode, the
    source's adapter (mapping), entity state, contract and finance rules, keys, routes — without a
    broker, and prints its outcome: the canonical events it publishes (type, contract version,
    ce_id, entity key, subscribers, data), the reason it is filtered, or the DLQ code and message.
    The loop for writing a mapping: edit mappings/<name>.json, run adapt on real payloads.

    Each FILE is one record value, byte for byte ('-' for standard input); --header and --key apply
    to every FILE (CloudEvents binary mode: --header ce_type=… --header content-type=…). With
    --jsonl, each line is one record: {"key", "headers", "value" | "valueText" | "valueBase64",
    "timestamp"} (the `produce` command's format; "value": null is a tombstone). Inputs are taken
    in order: a partial update is merged onto the state the inputs before it left (in memory; with
    --store, also the state the bridge's store holds, read-only). Dedup is not consulted.

    OPTIONS:
      --json    one JSON object per input: {"input", "outcome", "events": [{"type", "version", "id",
                "entityKey", "time", "subject", "subscribers", "data"}], "reason", "error": {"stage",
                "code", "message", "violations"}}
    Exit 1 when some input is dead-lettered, 2 for a usage or config error.
    """

    var configPath: String
    var topic: String
    var json: Bool
    var useStore: Bool
    var jsonl: String?
    var files: [String]
    var headers: [KafkaHeader]
    var key: String?

    init(arguments: inout Arguments) throws {
        configPath = try arguments.required("--config")
        topic = try arguments.required("--source")
        json = arguments.flag("--json")
        useStore = arguments.flag("--store")
        jsonl = try arguments.option("--jsonl")
        key = try arguments.option("--key")
        headers = try arguments.options("--header").map { text in
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                throw UsageError("--header takes NAME=VALUE, got '\(text)'")
            }
            return KafkaHeader(name: String(text[..<eq]), string: String(text[text.index(after: eq)...]))
        }
        files = arguments.rest()
    }

    func validate() throws {
        if (jsonl == nil) == files.isEmpty { throw UsageError("give either FILEs or --jsonl FILE") }
        if jsonl != nil && (!headers.isEmpty || key != nil) { throw UsageError("--header and --key apply to FILEs; a --jsonl line carries its own") }
    }

    func run() async throws -> ExitCode {
        let config: BridgeConfig
        do {
            config = try BridgeConfig.load(path: configPath)
        } catch {
            throw UsageError(error.description)
        }
        guard config.sources.contains(where: { $0.topic == topic }) else {
            throw UsageError("no source with topic '\(topic)' in \(configPath) (sources: \(config.sources.map(\.topic).joined(separator: ", ")))")
        }
        var lookup: ((String, String) throws -> [UInt8]?)?
        if useStore {
            let path = config.resolve(config.store.path)
            guard FileManager.default.fileExists(atPath: path) else { throw UsageError("no store at \(path)") }
            let reader = try StoreReader.open(path: path)
            lookup = { try reader.entityState(scope: $0, entity: $1) }
        }
        let runner: AdaptRunner
        do {
            runner = try AdaptRunner(config: config, stateLookup: lookup)
        } catch {
            throw UsageError("\(error)")
        }
        var code = ExitCode.ok
        for (name, record) in try inputs(runner) {
            let result = try runner.run(record)
            if result.outcome == .deadLettered { code = .failed }
            if json { printJSON(Self.json(result, input: name)) } else { Self.print(result, input: name) }
        }
        return code
    }

    /// The inputs, named for the output (the file, or `FILE:line`).
    private func inputs(_ runner: AdaptRunner) throws -> [(String, KafkaConsumerRecord)] {
        if let jsonl {
            guard let bytes = InputFile.read(jsonl) else { throw UsageError("\(jsonl): cannot read the file") }
            var out: [(String, KafkaConsumerRecord)] = []
            for (i, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                let at = "\(jsonl):\(i + 1)"
                do {
                    let parsed = try JSONParser.parse(String(line))
                    let r = try ProduceCommand.record(from: parsed, topic: topic)
                    let timestamp = parsed["timestamp"]?.numberValue?.int64
                    out.append((at, runner.record(topic: topic, key: r.key, value: r.value, headers: r.headers, timestampMillis: timestamp ?? Self.now())))
                } catch {
                    throw UsageError("\(at): \(error)")
                }
            }
            return out
        }
        return try files.map { file in
            guard let bytes = InputFile.read(file) else { throw UsageError("\(file): cannot read the file") }
            return (file, runner.record(topic: topic, key: key.map { Array($0.utf8) }, value: bytes, headers: headers, timestampMillis: Self.now()))
        }
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func json(_ r: AdaptRunner.Result, input: String) -> JSONValue {
        var o = JSONObject()
        o["input"] = .string(input)
        o["outcome"] = .string(r.outcome.rawValue)
        o["events"] = .array(r.events.map { e in
            var x = JSONObject()
            x["type"] = .string(e.type)
            x["version"] = .int(e.version)
            x["id"] = .string(e.id)
            x["entityKey"] = .string(e.entityKey)
            x["time"] = .optional(e.time)
            x["subject"] = .optional(e.subject)
            x["subscribers"] = .array(e.subscribers.map { .string($0) })
            x["data"] = e.data
            return .object(x)
        })
        if let reason = r.reason { o["reason"] = .string(reason) }
        if let f = r.failure {
            var e = JSONObject()
            e["stage"] = .string(f.stage)
            e["code"] = .string(f.code)
            e["message"] = .string(f.message)
            e["violations"] = .array(f.violations.map(\.json))
            o["error"] = .object(e)
        }
        return .object(o)
    }

    static func print(_ r: AdaptRunner.Result, input: String) {
        switch r.outcome {
        case .deadLettered:
            let f = r.failure
            Swift.print("\(input): dead-lettered \(f?.code ?? "") (\(f?.stage ?? "")): \(f?.message ?? "")")
            for v in f?.violations.dropFirst(f?.violations.count == 1 ? 1 : 0) ?? [] { Swift.print("  \(v) \(v.errorCode)") }
        case .filtered:
            Swift.print("\(input): filtered: \(r.reason ?? "")")
        case .published:
            Swift.print("\(input): published \(r.events.count) event\(r.events.count == 1 ? "" : "s")")
        }
        for e in r.events {
            let to = e.subscribers.isEmpty ? "no subscriber" : "→ " + e.subscribers.joined(separator: ", ")
            Swift.print("  \(e.type) v\(e.version) key \(e.entityKey) ce_id \(e.id) \(to)")
            for line in JSONWriter.pretty.string(e.data).split(separator: "\n") { Swift.print("    \(line)") }
        }
    }
}
