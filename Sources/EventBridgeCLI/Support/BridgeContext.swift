import Contracts
import EventBridge
import Foundation
import Basics
import Observability
import KafkaClient
import EventStore

/// What the operating commands (`trace`, `reconcile`, `status`, `dlq …`, `parked …`) share: the
/// bridge's config, a read-only view of the state, and Kafka admin access.
///
/// With changelog topics (the default) the state read is the changelog view: every partition's
/// state, brought up to the changelogs' ends first (`ChangelogView`, docs/scaling.md), so every
/// instance — or a machine with only the config — answers alike; what a command records goes to
/// the global changelog too. `--local` (or no changelog) reads this instance's own store instead.
struct BridgeContext {
    let config: BridgeConfig
    let store: StoreReader
    /// The store file read and written (the view, or the bridge's own store).
    let storePath: String
    /// Where a recorded change goes on to (the global changelog), when reading the view.
    let mirror: DeadLetterBook.Mirror?

    /// Loads `--config FILE`; a config problem is a usage error (exit 2).
    init(configPath: String, local: Bool = false) throws {
        do {
            config = try BridgeConfig.load(path: configPath)
        } catch {
            throw UsageError(error.description)
        }
        let logger = Logger(label: "cli", level: .error)
        if config.changelog.enabled && !local {
            do {
                storePath = try ChangelogView.refresh(config, logger: logger)
            } catch {
                throw UsageError("cannot read the changelog topics (\(error)); --local reads this instance's store instead")
            }
            mirror = try ChangelogView.mirror(config, logger: logger)
        } else {
            storePath = config.resolve(config.store.path)
            guard FileManager.default.fileExists(atPath: storePath) else {
                throw UsageError("no store at \(storePath): has the bridge run with this config?")
            }
            mirror = nil
        }
        store = try StoreReader.open(path: storePath)
    }

    /// Brings the view up to the changelogs' ends again (`store` then reads the newer state);
    /// nothing to do when reading the instance's own store.
    func refresh() throws {
        guard mirror != nil else { return }
        _ = try ChangelogView.refresh(config, logger: Logger(label: "cli", level: .error))
    }

    /// The DLQ book, recording to the global changelog as well when reading the view.
    func book() throws -> DeadLetterBook { try DeadLetterBook.open(path: storePath, mirror: mirror) }

    /// Requests about parked events, likewise.
    func parkingRequests() throws -> ParkingRequests { try ParkingRequests.open(path: storePath, mirror: mirror) }

    func admin() throws -> KafkaAdmin {
        try KafkaAdmin(config: KafkaConfig(config.kafka).forConsumer, logger: Logger(label: "cli", level: .error))
    }

    /// Committed group offsets of every source partition (nil offset: nothing committed yet).
    func committed(_ admin: KafkaAdmin) async throws -> [(partition: TopicPartition, offset: Int64?)] {
        try await admin.committedOffsets(group: config.groupId, topics: config.sources.map(\.topic))
    }
}

/// The options every operating command shares: `--config FILE`, `--json`, `--local`.
struct ConfigOptions {
    var configPath: String
    var json: Bool
    /// Read this instance's own store rather than the changelog view of every partition.
    var local: Bool

    init(_ arguments: inout Arguments) throws {
        json = arguments.flag("--json")
        local = arguments.flag("--local")
        configPath = try arguments.required("--config")
    }

    func context() throws -> BridgeContext { try BridgeContext(configPath: configPath, local: local) }
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
