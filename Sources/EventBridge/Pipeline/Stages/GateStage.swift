import Basics
import Contracts
import EventStore
import Foundation
import KafkaClient

/// Stage 5, readiness gating (docs/design.md §6): an event whose type has a prerequisite — an
/// invoice needs `finance.customer.ready` for its customer — is published only once the
/// prerequisite event was published for the same key. Until then its input is *parked*: the
/// outcome `parked` and the original record are committed to the store and the input's offset
/// moves on. When the prerequisite arrives, the bridge releases the parked inputs of that key in
/// park order through the same stages (`Bridge+Release.swift`); past their deadline they go to the
/// DLQ with `sequencing.prerequisite_timeout`.
///
/// Order per prerequisite key: while inputs of a source partition are parked on a key, later
/// inputs gated on the same key park behind them even once the key is ready, so a customer's
/// invoices are published in source order.
///
/// `rules` is immutable (used by `prepare` on the preparation threads); the rest is pipeline-thread
/// state, of which this stage is the one owner: readiness published but not yet committed, and the
/// number of inputs parked per key and partition (committed or pending, until their release commits).
final class GateStage {
    /// What a gated event waits for: the prerequisite key (`requires|entity`) and how long.
    struct Requirement: Sendable, Hashable {
        var key: String
        var deadlineSeconds: Int
    }

    /// The prerequisite rules: the config's (last match wins, `requires: null` switches off), then
    /// the catalog's. Immutable and Sendable.
    struct Rules: Sendable {
        struct Rule: Sendable {
            var exact: String?
            var prefix: String?
            var requires: String?
            var key: JSONPointer?
            var deadlineSeconds: Int?
            var sources: Set<String>?

            func matches(type: String, topic: String) -> Bool {
                guard sources.map({ $0.contains(topic) }) ?? true else { return false }
                if let exact { return exact == type }
                return prefix.map { type.hasPrefix($0) } ?? true
            }
        }

        let enabled: Bool
        let configured: [Rule]
        let registry: ContractRegistry
        let defaultDeadlineSeconds: Int
        /// Types that some rule requires: publishing one makes its key ready.
        let prerequisiteTypes: Set<String>

        init(config: BridgeConfig.SequencingSettings, registry: ContractRegistry) throws {
            enabled = config.gating
            self.registry = registry
            defaultDeadlineSeconds = config.deadlineSeconds
            configured = config.prerequisites.map { p in
                Rule(exact: p.types.hasSuffix("*") ? nil : p.types, prefix: p.types == "*" ? nil : p.types.hasSuffix("*") ? String(p.types.dropLast()) : nil,
                     requires: p.requires, key: p.key, deadlineSeconds: p.deadlineSeconds, sources: p.sources.map(Set.init))
            }
            var types = Set(config.prerequisites.compactMap(\.requires))
            for type in registry.types { if let p = registry.latest(type)?.prerequisite { types.insert(p.type) } }
            for (i, p) in config.prerequisites.enumerated() {
                if let r = p.requires, registry.family(r) == nil {
                    throw ConfigError(file: "<config>", problems: [ConfigProblem(path: "/sequencing/prerequisites/\(i)/requires",
                                                                                 message: "no contract for '\(r)'")])
                }
            }
            prerequisiteTypes = types
        }

        /// What `data` (of `contract`'s type, from `topic`) waits for, if anything. Pure.
        func requirement(contract: Contract, data: JSONValue, topic: String) -> Requirement? {
            requirement(type: contract.type, prerequisite: contract.prerequisite, topic: topic) { Contract.keyText($0.resolve(in: data)) }
        }

        /// `requirement(contract:data:topic:)` from the contract's type and prerequisite, with the
        /// event's key texts given by `keyText(pointer)` (the tape path reads them from the input). Pure.
        func requirement(type: String, prerequisite: Contract.Prerequisite?, topic: String, keyText: (JSONPointer) -> String?) -> Requirement? {
            guard enabled else { return nil }
            if let rule = configured.last(where: { $0.matches(type: type, topic: topic) }) {
                guard let requires = rule.requires else { return nil }
                let pointer = rule.key ?? (prerequisite?.type == requires ? prerequisite?.key : nil)
                guard let pointer, let value = keyText(pointer) else { return nil }
                return Requirement(key: Self.key(requires, value), deadlineSeconds: rule.deadlineSeconds ?? defaultDeadlineSeconds)
            }
            guard let p = prerequisite, let value = keyText(p.key) else { return nil }
            return Requirement(key: Self.key(p.type, value), deadlineSeconds: defaultDeadlineSeconds)
        }

        /// The readiness key an event of `type` with `entityKey` sets when published, if its type
        /// is a prerequisite of something.
        func readinessKey(type: String, entityKey: String) -> String? {
            setsReadiness(type: type) ? Self.key(type, entityKey) : nil
        }

        /// Whether publishing an event of `type` makes a readiness key ready.
        func setsReadiness(type: String) -> Bool { enabled && prerequisiteTypes.contains(type) }

        static func key(_ type: String, _ entity: String) -> String { type + "|" + entity }
    }

    let rules: Rules
    private let store: EventStore?
    // Keys are `ExactText`: compared by their bytes, as the store's tables compare them.
    /// Prerequisite keys published but not yet committed.
    private var pendingReady: [ExactText: TopicPartition] = [:]
    /// Committed readiness seen before (readiness never goes away).
    private var readyCache: Set<ExactText> = []
    /// Inputs parked per source partition and key, until their release (or expiry) commits.
    private var parked: [TopicPartition: [ExactText: Int]] = [:]
    /// Keys per partition with parked inputs and a ready prerequisite: the sweep releases these.
    private var releasableKeys: [TopicPartition: Set<ExactText>] = [:]

    init(rules: Rules, store: EventStore?) {
        self.rules = rules
        self.store = store
    }

    var isEnabled: Bool { rules.enabled }

    /// A park decision for an input whose events are about to be published, or nil to publish.
    /// `release`: the input is being released from the store (it is itself one of the parked, so
    /// it does not wait behind them); `force`: released by an operator without its prerequisite.
    func admit(_ events: [PlannedEvent], of partition: TopicPartition, release: Bool = false, force: Bool = false) throws -> Requirement? {
        guard rules.enabled, !force else { return nil }
        for event in events {
            guard let r = event.requirement else { continue }
            let key = ExactText(r.key)
            if !release && parked[partition]?[key, default: 0] ?? 0 > 0 { return r }
            if try !isReady(key) { return r }
        }
        return nil
    }

    private func isReady(_ key: ExactText) throws -> Bool {
        if pendingReady[key] != nil || readyCache.contains(key) { return true }
        guard let store, try store.reader.isReady(key.string) else { return false }
        readyCache.insert(key)
        return true
    }

    /// An input of `partition` parked on `key` (not yet committed).
    func didPark(_ text: String, partition: TopicPartition) {
        let key = ExactText(text)
        parked[partition, default: [:]][key, default: 0] += 1
        // Parked behind earlier ones although ready: released once those are.
        if (try? isReady(key)) == true { releasableKeys[partition, default: []].insert(key) }
    }

    /// These events are published: the prerequisites among them are ready from now on.
    func didPublish(_ events: [PlannedEvent], partition: TopicPartition) {
        for e in events {
            if let text = e.readinessKey, case let key = ExactText(text), pendingReady[key] == nil, !readyCache.contains(key) { pendingReady[key] = partition }
        }
    }

    /// A transaction is durable: its readiness keys are the store's now; `resolved` inputs parked
    /// on these keys were released or expired (their parked rows are gone).
    func committed(ready: [String], resolved: [(partition: TopicPartition, key: String)]) {
        for key in ready.map(ExactText.init) {
            pendingReady.removeValue(forKey: key)
            readyCache.insert(key)
            for (partition, counts) in parked where counts[key] != nil { releasableKeys[partition, default: []].insert(key) }
        }
        for (partition, text) in resolved {
            let key = ExactText(text)
            guard let n = parked[partition]?[key] else { continue }
            if n > 1 {
                parked[partition]?[key] = n - 1
            } else {
                parked[partition]?[key] = nil
                releasableKeys[partition]?.remove(key)
            }
        }
    }

    /// Keys of `partition` with parked inputs whose prerequisite is ready: release them, in key order.
    func releasable(in partition: TopicPartition) -> [String] { releasableKeys[partition].map { $0.sorted().map(\.string) } ?? [] }

    /// Counts the committed parked inputs of newly assigned partitions, and which of their keys are
    /// ready already (parked before a crash or on another instance, released now). With gating
    /// switched off, everything parked earlier is released.
    func load(_ partitions: some Sequence<TopicPartition>) throws {
        guard let store else { return }
        for tp in partitions {
            let counts = try store.reader.parkedCounts(in: tp)
            parked[tp] = counts
            releasableKeys[tp] = Set(try counts.keys.filter { try !rules.enabled || isReady($0) })
        }
    }

    /// Forgets the state of abandoned partitions (revoked, or rewound: reload what is committed).
    func forget(_ partitions: Set<TopicPartition>) {
        guard !partitions.isEmpty else { return }
        for tp in partitions {
            parked.removeValue(forKey: tp)
            releasableKeys.removeValue(forKey: tp)
        }
        pendingReady = pendingReady.filter { !partitions.contains($0.value) }
    }

    /// Inputs parked (committed or pending) in `partition`.
    func parkedCount(in partition: TopicPartition) -> Int { parked[partition]?.values.reduce(0, +) ?? 0 }

    // MARK: Parked records

    /// What the store keeps of a parked input: the original record byte for byte (it is released by
    /// running it through the stages again, or dead-lettered as it came), the key it waits for and
    /// its deadline. `payload` holds nothing: the record is the event.
    static func parked(_ record: KafkaConsumerRecord, events: [PlannedEvent], requirement: Requirement, nowMillis: Int64) -> ParkedEvent {
        ParkedEvent(
            source: record.position, prerequisite: requirement.key, eventType: events.first?.type ?? "",
            entityKey: events.first?.entityKey ?? "", deadlineMillis: nowMillis + Int64(requirement.deadlineSeconds) * 1000,
            parkedAtMillis: nowMillis, payload: [], recordKey: record.key, recordValue: record.value,
            recordHeaders: record.headers.map { ParkedEvent.RecordHeader(name: $0.name, value: $0.value) },
            recordTimestampMillis: record.timestamp.kind == .notAvailable ? nil : record.timestamp.milliseconds)
    }

    /// The input a parked event was, as it was consumed.
    static func record(of parked: ParkedEvent) -> KafkaConsumerRecord {
        KafkaConsumerRecord(
            topic: parked.source.topic, partition: parked.source.partition, offset: parked.source.offset,
            timestamp: parked.recordTimestampMillis.map { KafkaTimestamp(kind: .createTime, milliseconds: $0) } ?? .notAvailable,
            key: parked.recordKey, value: parked.recordValue, headers: parked.recordHeaders.map { KafkaHeader(name: $0.name, value: $0.value) })
    }

    // MARK: Releases

    /// The commit stage's tracker follows a release under a partition of its own per source
    /// partition, numbered by release order (releases of one partition are not in offset order).
    static func releasePartition(of partition: TopicPartition) -> TopicPartition {
        TopicPartition(topic: releasePrefix + partition.topic, partition: partition.partition)
    }

    static func isReleasePartition(_ partition: TopicPartition) -> Bool { partition.topic.hasPrefix(releasePrefix) }

    /// The source partition whose releases `partition` follows; `partition` itself when it is no release lane.
    static func sourcePartition(of partition: TopicPartition) -> TopicPartition {
        guard isReleasePartition(partition) else { return partition }
        return TopicPartition(topic: String(partition.topic.dropFirst(releasePrefix.count)), partition: partition.partition)
    }

    private static let releasePrefix = "\u{1}release\u{1}"
}
