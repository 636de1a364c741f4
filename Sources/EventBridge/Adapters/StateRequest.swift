import Basics
import Contracts

/// An input whose adapting depends on what earlier inputs said about the same entities: a
/// Salesforce UPDATE carries only the changed fields and is merged onto the record's last known
/// state; a Debezium tombstone is filtered only when it follows a delete of the same key
/// (docs/adapters.md §7, docs/decisions.md).
///
/// The adapter cannot look that state up itself (it is pure and runs on the preparation
/// threads); it returns `AdapterOutcome.needsState` with this request. The pipeline's entity state
/// stage looks up each entity's last known record in input order — its own pending records of
/// inputs not yet committed first, then the store — and calls `resolve`. An input that only
/// *records* state (a Salesforce CREATE, every Debezium change) needs no lookup (`needsLookup`
/// false): it is resolved right away with nothing known, and only its writes wait for the
/// pipeline thread.
public struct StateRequest: Sendable, Hashable {
    /// One entity whose state the input reads or writes: `scope` is the mapping's name (so two
    /// mappings never share entities), `key` the entity key the mapping's `state.key` builds.
    public struct Entity: Sendable, Hashable, CustomStringConvertible {
        public var scope: String
        public var key: String
        public init(scope: String, key: String) {
            self.scope = scope
            self.key = key
        }
        public var description: String { "\(scope):\(key)" }

        /// Equal when the bytes are, as the store's `entity_state` table compares them (`ExactText`).
        public static func == (a: Entity, b: Entity) -> Bool { a.scope.hasSameUTF8(as: b.scope) && a.key.hasSameUTF8(as: b.key) }

        public func hash(into hasher: inout Hasher) {
            hasher.combineUTF8(scope)
            hasher.combineUTF8(key)
        }
    }

    /// The entities, in the order `resolve` expects their known records.
    public var entities: [Entity]
    /// False when the outcome does not depend on earlier state (only the writes matter).
    public var needsLookup: Bool
    private let resolver: @Sendable ([JSONValue?]) -> StateResolution

    public init(entities: [Entity], needsLookup: Bool, resolve: @escaping @Sendable ([JSONValue?]) -> StateResolution) {
        self.entities = entities
        self.needsLookup = needsLookup
        resolver = resolve
    }

    /// The outcome, given the last known record of each entity (nil: none known), and the records
    /// to remember afterwards.
    public func resolve(_ known: [JSONValue?]) -> StateResolution {
        var padded = known
        while padded.count < entities.count { padded.append(nil) }
        return resolver(padded)
    }

    /// Resolved with no earlier state (an input that needs none, or a tool without a store).
    public func resolveWithoutState() -> StateResolution { resolve([]) }

    public static func == (a: StateRequest, b: StateRequest) -> Bool {
        a.entities == b.entities && a.needsLookup == b.needsLookup
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entities)
        hasher.combine(needsLookup)
    }
}

/// A resolved `StateRequest`.
public struct StateResolution: Sendable {
    /// What the input comes to (never `.needsState`).
    public var outcome: AdapterOutcome
    /// Records to remember for the entities, in order: a record becomes the entity's last known
    /// state; nil forgets it (nothing is known any more, e.g. after a Salesforce gap event).
    public var writes: [StateWrite]

    public init(outcome: AdapterOutcome, writes: [StateWrite] = []) {
        self.outcome = outcome
        self.writes = writes
    }
}

/// The new last known record of one entity (nil: forget it).
public struct StateWrite: Sendable, Hashable {
    public var entity: StateRequest.Entity
    public var record: JSONValue?

    public init(entity: StateRequest.Entity, record: JSONValue?) {
        self.entity = entity
        self.record = record
    }
}

extension AdapterOutcome {
    /// The outcome with state requests resolved as if nothing were known (adapter unit tests,
    /// single-file tools). The pipeline resolves them with the entity state stage instead.
    public var resolvedWithoutState: AdapterOutcome {
        guard case .needsState(let request) = self else { return self }
        return request.resolveWithoutState().outcome
    }
}
