import Contracts

/// Workflow, materiality and sync-lag objective of each contract type (docs/metrics.md,
/// "Materiality and objectives"): the catalog's — declared by the type's latest version, else its
/// workflow's default (`Workflow.defaults`) — then the config's `observability.objectives` rules on
/// top (the last matching rule wins, per field). Immutable; built once from the catalog, so metric
/// labels only ever take values from it (a bounded set). Inputs with no contract — bad JSON, an
/// unknown type — are `unattributed`, with the configured materiality (default `high`).
public struct Objectives: Sendable {
    /// What one type is held to.
    public struct Entry: Sendable, Hashable {
        public var workflow: String
        public var objective: Objective

        public var materiality: Materiality { objective.materiality }
    }

    private let byType: [String: Entry]
    /// The entry of inputs without a catalog contract.
    public let unattributed: Entry

    /// No catalog: every type is unattributed (tests of the metric families alone).
    public static let none = Objectives(byType: [:], unattributed: .high)

    init(byType: [String: Entry], unattributed: Materiality) {
        self.byType = byType
        self.unattributed = Entry(workflow: Workflow.unattributed, objective: Objective(materiality: unattributed, syncLagSeconds: 0))
    }

    /// Resolves every type of `registry` against the config's rules.
    public init(registry: ContractRegistry, settings: BridgeConfig.ObservabilitySettings) {
        var byType: [String: Entry] = [:]
        for type in registry.types {
            guard let contract = registry.latest(type) else { continue }
            var objective = contract.objective
            for rule in settings.objectives where Self.matches(rule.types, type) {
                if let m = rule.materiality { objective.materiality = m }
                if let s = rule.syncLagSeconds { objective.syncLagSeconds = s }
            }
            byType[type] = Entry(workflow: contract.workflow, objective: objective)
        }
        self.init(byType: byType, unattributed: settings.unattributedMateriality)
    }

    /// `type`'s entry; `unattributed` for nil or a type the catalog does not know.
    public func entry(forType type: String?) -> Entry { type.flatMap { byType[$0] } ?? unattributed }

    /// Every catalog type with its entry, by type.
    public var types: [(type: String, entry: Entry)] { byType.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }

    /// Per (workflow, materiality) the strictest sync-lag objective of its types, sorted — the
    /// series of `eventbridge_sync_lag_objective_seconds` and the report's rows.
    public var workflows: [(workflow: String, materiality: Materiality, syncLagSeconds: Int)] {
        var strictest: [Pair: Int] = [:]
        for entry in byType.values {
            let pair = Pair(workflow: entry.workflow, materiality: entry.materiality)
            strictest[pair] = min(strictest[pair] ?? Int.max, entry.objective.syncLagSeconds)
        }
        return strictest.sorted { ($0.key.workflow, $0.key.materiality) < ($1.key.workflow, $1.key.materiality) }
            .map { ($0.key.workflow, $0.key.materiality, $0.value) }
    }

    private struct Pair: Hashable {
        var workflow: String
        var materiality: Materiality
    }

    /// A type pattern as in `subscribers[].types`: exact, `prefix*`, or `*`.
    static func matches(_ pattern: String, _ type: String) -> Bool {
        pattern.hasSuffix("*") ? type.hasPrefix(pattern.dropLast()) : pattern == type
    }
}
