import Basics
import Contracts
import EventStore
import Foundation
import KafkaClient

/// The pipeline's stages up to routing, offline, for one source: decode → adapt → entity state →
/// contract and finance rules → keys → routes — what `eventbridge adapt` runs while a platform
/// engineer writes a mapping, and what the real-payload corpus test holds every file to.
///
/// No broker and no commit: entity state of the inputs given lives in memory, in input order (or
/// is read from a store, never written); dedup is not consulted (each input is judged on its own).
/// The outcome is the bridge's: `published` (valid events, at least one subscriber), `filtered`
/// (by the adapter, or no subscriber wants the events — they are still shown), `dead_lettered`
/// (the stage, code and message the DLQ record would carry).
public final class AdaptRunner {
    /// One input's result.
    public struct Result: Sendable {
        public enum Outcome: String, Sendable {
            case published
            case filtered
            case deadLettered = "dead_lettered"
        }

        /// A canonical event as it would be published (after the contract's upcast).
        public struct Event: Sendable {
            public var type: String
            public var version: Int
            /// The deterministic `ce_id`.
            public var id: String
            public var entityKey: String
            public var time: String?
            public var subject: String?
            public var data: JSONValue
            /// Subscribers that would receive it (config order).
            public var subscribers: [String]
        }

        /// Why an input is dead-lettered: what the DLQ record's `eventbridge.error.*` headers say.
        public struct Failure: Sendable, CustomStringConvertible {
            public var stage: String
            public var code: String
            public var message: String
            public var violations: [Violation]
            public var description: String { "\(stage)/\(code): \(message)" }
        }

        public var outcome: Outcome
        public var events: [Event] = []
        /// Why it is filtered.
        public var reason: String?
        /// Why it is dead-lettered.
        public var failure: Failure?

        init(outcome: Outcome, events: [Event] = [], reason: String? = nil, failure: PipelineFailure? = nil) {
            self.outcome = outcome
            self.events = events
            self.reason = reason
            self.failure = failure.map { Failure(stage: $0.stage.rawValue, code: $0.code, message: $0.message, violations: $0.violations) }
        }
    }

    private let pipeline: EventPipeline
    private var nextOffset: Int64 = 0

    /// - Parameter stateLookup: committed entity state to read (a store's reader); nil: in memory only.
    public init(
        config: BridgeConfig, registry: ContractRegistry, adapters: AdapterCatalog,
        stateLookup: ((_ scope: String, _ entity: String) throws -> [UInt8]?)? = nil
    ) throws {
        pipeline = try EventPipeline(config: config, registry: registry, adapters: adapters, store: nil, entityState: EntityStateStage(committed: stateLookup))
    }

    /// Loads the config's contracts and mappings.
    public convenience init(config: BridgeConfig, stateLookup: ((String, String) throws -> [UInt8]?)? = nil) throws {
        let registry = try ContractRegistry.load(directory: config.resolve(config.contractsDir))
        let adapters = try AdapterCatalog(directory: config.resolve(config.mappingsDir))
        try self.init(config: config, registry: registry, adapters: adapters, stateLookup: stateLookup)
    }

    /// Runs one record (its offset should grow from input to input: state is kept per position).
    public func run(_ record: KafkaConsumerRecord) throws -> Result {
        var outcome = pipeline.adapt.adapt(record, decoded: pipeline.decode.decode(record.value))
        if case .needsState(let request, let source) = outcome {
            outcome = pipeline.adapt.outcome(try pipeline.entityState.resolve(request, for: record).outcome, source: source)
        }
        switch outcome {
        case .decided(.deadLetter(let f)): return Result(outcome: .deadLettered, failure: f)
        case .decided(.filtered(let reason, _)): return Result(outcome: .filtered, reason: reason)
        case .decided(let other): return Result(outcome: .filtered, reason: "\(other.outcomeName)")
        case .needsState: return Result(outcome: .deadLettered, failure: PipelineFailure(stage: .adapt, code: "adapter.transform", message: "the adapter asked for entity state twice"))
        case .events(let events, _):
            let decoded = try? pipeline.decode.decode(record.value).get()
            let declared = ContractStage.declaredVersion(record, decoded ?? .null)
            var out: [Result.Event] = []
            for event in events {
                let accepted: ContractStage.Accepted
                switch pipeline.contract.hold(event, declaredVersion: declared) {
                case .failure(let f): return Result(outcome: .deadLettered, failure: f)
                case .success(let ok): accepted = ok
                }
                let plan: PlannedEvent
                switch DedupStage.plan(event, accepted) {
                case .failure(let f): return Result(outcome: .deadLettered, failure: f)
                case .success(let p): plan = p
                }
                let routes = pipeline.route.select(type: event.type, data: accepted.data).map(\.name)
                out.append(Result.Event(
                    type: event.type, version: accepted.contract.version, id: plan.id, entityKey: plan.entityKey,
                    time: event.time, subject: event.subject, data: accepted.data, subscribers: routes))
            }
            let unrouted = out.filter { $0.subscribers.isEmpty }.map(\.type)
            if unrouted.count == out.count {
                return Result(outcome: .filtered, events: out, reason: "no subscriber for \(unrouted.joined(separator: ", "))")
            }
            return Result(outcome: .published, events: out)
        }
    }

    /// A record of `topic` with the next offset (inputs are ordered by it).
    public func record(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader], timestampMillis: Int64?) -> KafkaConsumerRecord {
        defer { nextOffset += 1 }
        return KafkaConsumerRecord(
            topic: topic, partition: 0, offset: nextOffset,
            timestamp: timestampMillis.map { KafkaTimestamp(kind: .createTime, milliseconds: $0) } ?? .notAvailable,
            key: key, value: value, headers: headers)
    }
}
