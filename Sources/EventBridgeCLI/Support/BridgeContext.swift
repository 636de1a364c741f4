import Contracts
import EventBridge
import Foundation
import Basics
import Observability
import KafkaClient
import EventStore

/// What the operating commands (`trace`, `reconcile`, `status`) share: the bridge's config, a
/// read-only view of its store (safe while the bridge runs: SQLite WAL), and Kafka admin access.
struct BridgeContext {
    let config: BridgeConfig
    let store: StoreReader

    /// Loads `--config FILE`; a config problem is a usage error (exit 2).
    init(configPath: String) throws {
        do {
            config = try BridgeConfig.load(path: configPath)
        } catch {
            throw UsageError(error.description)
        }
        let path = config.resolve(config.store.path)
        guard FileManager.default.fileExists(atPath: path) else {
            throw UsageError("no store at \(path): has the bridge run with this config?")
        }
        store = try StoreReader.open(path: path)
    }

    func admin() throws -> KafkaAdmin {
        try KafkaAdmin(config: KafkaConfig(config.kafka).forConsumer, logger: Logger(label: "cli", level: .error))
    }

    /// Committed group offsets of every source partition (nil offset: nothing committed yet).
    func committed(_ admin: KafkaAdmin) async throws -> [(partition: TopicPartition, offset: Int64?)] {
        try await admin.committedOffsets(group: config.groupId, topics: config.sources.map(\.topic))
    }
}

/// The options every operating command shares: `--config FILE` and `--json`.
struct ConfigOptions {
    var configPath: String
    var json: Bool

    init(_ arguments: inout Arguments) throws {
        json = arguments.flag("--json")
        configPath = try arguments.required("--config")
    }
}

/// Prints one JSON document (compact) for `--json`.
func printJSON(_ value: JSONValue) {
    print(JSONWriter.compact.string(value))
}

extension JSONValue {
    static func int(_ v: Int64) -> JSONValue { .number(JSONNumber(v)) }
    static func int(_ v: Int) -> JSONValue { .number(JSONNumber(v)) }
    static func optional(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
}

extension LedgerEntry {
    /// The ledger row as JSON (trace output).
    var json: JSONValue {
        [
            "source": .string(source.description), "outcome": .string(outcome.rawValue), "eventId": .optional(eventID),
            "type": .optional(eventType), "entityKey": .optional(entityKey),
            "contractVersion": contractVersion.map { .int($0) } ?? .null,
            "outputs": .array(outputs.map { .string($0.description) }), "dlq": .optional(dlqPosition?.description), "errorCode": .optional(errorCode),
            "at": .string(RFC3339.format(milliseconds: atMillis)), "note": .optional(note),
        ]
    }
}
