import Basics
import Contracts
import EventStore
import Foundation
import Observability
import KafkaClient

/// The bridge's configuration: one JSON file (docs/design.md §10). See `docs/configuration.md`.
public struct BridgeConfig: Sendable {
    /// librdkafka properties, passed through as they are (security settings included).
    public var kafka: [String: String]
    /// Consumer group id (also settable as `kafka["group.id"]`).
    public var groupId: String
    /// Directory of contract files.
    public var contractsDir: String
    /// Directory of adapter mapping files.
    public var mappingsDir: String
    public var store: StoreSettings
    public var sources: [SourceSettings]
    public var subscribers: [SubscriberSettings]
    public var retry: RetrySettings
    public var dlq: DLQSettings
    public var limits: LimitSettings
    public var sequencing: SequencingSettings
    public var metrics: MetricsSettings
    public var changelog: ChangelogSettings = ChangelogSettings()
    /// Materiality and sync-lag objective overrides, the in-process reconcile (docs/metrics.md).
    public var observability: ObservabilitySettings = ObservabilitySettings()
    /// When `/readyz` stops saying ready (docs/metrics.md, "Readiness").
    public var health = HealthSettings()
    public var logLevel: Logger.Level
    /// The directory of the config file: relative paths in the file are resolved against it.
    public var baseDirectory: String
    /// What still works but should change (deprecated keys), with its JSON path; `config check`
    /// prints them, `run` logs them.
    public var warnings: [ConfigProblem] = []

    public struct StoreSettings: Sendable {
        public var path: String
        /// How long a dedup key is remembered.
        public var dedupRetentionSeconds: Int
        /// At most this many dedup keys; the oldest are pruned first.
        public var maxDedupKeys: Int
        /// How long outcome ledger rows are kept.
        public var ledgerRetentionSeconds: Int
        /// SQLite's page cache per connection, MiB: most of the bridge's memory once the store is
        /// larger than it (docs/performance.md, "Memory").
        public var cacheMiB: Int = StoreConfiguration.defaultCacheSizeMiB

        /// The store's configuration for the file at `path` (already resolved).
        public func configuration(path: String) -> StoreConfiguration {
            var c = StoreConfiguration(path: path)
            c.dedupRetentionSeconds = dedupRetentionSeconds
            c.maxDedupKeys = maxDedupKeys
            c.ledgerRetentionSeconds = ledgerRetentionSeconds
            c.cacheSizeMiB = cacheMiB
            return c
        }
    }

    public struct SourceSettings: Sendable {
        public var topic: String
        /// `canonical` or the name of a mapping file in `mappingsDir`.
        public var adapter: String
        /// `ce_source` of events from this topic (a URI reference).
        public var sourceURI: String
        /// IANA zone for zone-less timestamps.
        public var timeZone: String
        /// Dead letter topic (default `<topic>.dlq`).
        public var dlqTopic: String
        /// The `sourceSystem` its events name (`{"meta": "sourceSystem"}` in a mapping); nil: the
        /// mapping's own constant, or the mapping's name.
        public var sourceSystem: String? = nil

        /// The contracts' `sourceSystem` pattern: `^[a-z0-9][a-z0-9.-]{0,63}$`.
        public static func isSourceSystemName(_ name: String) -> Bool {
            let b = Array(name.utf8)
            guard let first = b.first, b.count <= 64 else { return false }
            func ok(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) }
            return ok(first) && b.allSatisfy { ok($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
        }
    }

    public enum ContentMode: String, Sendable {
        case binary, structured
    }

    public struct SubscriberSettings: Sendable {
        public var name: String
        public var topic: String
        /// Type patterns: exact (`finance.invoice.posted`) or a trailing `*` (`finance.invoice.*`, `*`).
        public var types: [String]
        /// Field filters: JSON Pointer into the event data → the value it must equal.
        public var filters: [(pointer: JSONPointer, value: JSONValue)]
        public var mode: ContentMode
    }

    /// Backoff for transient faults (store or broker unavailable, failed deliveries).
    public struct RetrySettings: Sendable {
        public var initialBackoffMs: Int
        public var maxBackoffMs: Int

        /// A fresh backoff with these settings (doubling, with jitter).
        public var backoff: Backoff { .faults(initialMs: initialBackoffMs, maxMs: maxBackoffMs) }
    }

    public struct DLQSettings: Sendable {
        /// `dlq replay` refuses records that already failed this many times (loop guard).
        public var replayMaxAttempts: Int
    }

    public struct LimitSettings: Sendable {
        public var maxRecordBytes: Int
        public var maxDepth: Int
        /// At most this many inputs in flight (produced, not yet acknowledged and committed)
        /// before consumption pauses.
        public var maxInFlight: Int
        /// Threads that decode, validate and encode a polled batch in parallel (dedup, sequencing
        /// and producing stay on the pipeline thread, in order). Default: the CPU count, at most 8.
        public var workers: Int = LimitSettings.defaultWorkers

        public static var defaultWorkers: Int { min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 8) }
    }

    public enum StaleAction: String, Sendable {
        /// A stale update is recorded as a duplicate and not published.
        case duplicate
        /// A stale update goes to the DLQ with `event.stale`.
        case deadLetter = "dead-letter"
    }

    /// A readiness-gating rule from the config (docs/configuration.md): added to, or replacing,
    /// the catalog's prerequisites for the types it matches.
    public struct Prerequisite: Sendable {
        /// Type pattern of the gated events: exact, or ending in `*`.
        public var types: String
        /// The type that must have been published first for the same key; nil switches gating off
        /// for these types (and sources).
        public var requires: String?
        /// Pointer of the key in the gated event (matched against the prerequisite's entity key);
        /// nil takes the catalog's pointer for the same prerequisite.
        public var key: JSONPointer?
        /// How long an event may wait before it goes to the DLQ; nil: `sequencing.deadline`.
        public var deadlineSeconds: Int?
        /// Only for inputs from these source topics (nil: every source).
        public var sources: [String]?
    }

    public struct SequencingSettings: Sendable {
        public var stale: StaleAction
        /// Readiness gating on (the catalog's prerequisites plus `prerequisites`) or off entirely.
        public var gating: Bool = true
        /// How long a parked event waits for its prerequisite unless its rule says otherwise.
        public var deadlineSeconds: Int = 3600
        public var prerequisites: [Prerequisite]
    }

    /// The changelog topics that back the store (docs/scaling.md).
    public struct ChangelogSettings: Sendable {
        /// Off: the store is the only copy of the state (one instance, no failover).
        public var enabled = true
        /// Create missing changelog topics at start (else a missing one is an error).
        public var createTopics = true
        /// Replication factor of created topics (-1: the broker's default).
        public var replicationFactor: Int32 = -1
    }

    /// A config rule over the catalog's materiality and sync-lag objective (docs/metrics.md).
    public struct ObjectiveRule: Sendable {
        /// Type pattern: exact, or ending in `*`.
        public var types: String
        public var materiality: Materiality?
        public var syncLagSeconds: Int?
    }

    /// The `observability` section.
    public struct ObservabilitySettings: Sendable {
        /// Rules over the catalog's objectives; the last matching rule wins, per field.
        public var objectives: [ObjectiveRule] = []
        /// Materiality of inputs the bridge cannot attribute to a contract (bad JSON, unknown type).
        public var unattributedMateriality: Materiality = .high
        /// How often the in-process reconcile (committed inputs vs outcomes, open exceptions) runs.
        public var reconcileIntervalSeconds: Int = 30
    }

    public struct MetricsSettings: Sendable {
        /// `host:port`, loopback by default; nil disables the endpoint.
        public var address: String?
    }

    public struct HealthSettings: Sendable {
        /// Not ready once the broker has not answered (a metadata request) for this long.
        public var brokerUnreachableAfterMs = 30_000
        /// Not ready once an assigned partition with records behind its commit point has not moved
        /// that point for this long.
        public var stuckPartitionAfterMs = 120_000
    }

    /// Resolves a path from the config file against the file's directory.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory + "/" + path
    }

    /// The librdkafka map with secret values replaced, for printing and logging (the Kafka layer's
    /// rule decides what is secret).
    public var redactedKafka: [String: String] { KafkaConfig(kafka).redacted }
}
