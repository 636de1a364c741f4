/// How much a late or failed event of a contract matters to finance (docs/metrics.md, "Materiality
/// and objectives"): a failed payment or tax posting needs someone within minutes, a delayed
/// customer address can wait. Alerts page, ticket or inform by materiality.
public enum Materiality: String, Sendable, CaseIterable, Comparable {
    case critical, high, normal

    /// `critical` < `high` < `normal`: sorting puts what matters most first.
    public static func < (a: Materiality, b: Materiality) -> Bool { a.rank < b.rank }

    var rank: Int {
        switch self {
        case .critical: return 0
        case .high: return 1
        case .normal: return 2
        }
    }
}

/// What a contract promises operations: how much it matters, and how long after its event time an
/// event may take to reach its subscribers (the sync-lag objective).
public struct Objective: Sendable, Hashable {
    public var materiality: Materiality
    public var syncLagSeconds: Int

    public init(materiality: Materiality, syncLagSeconds: Int) {
        self.materiality = materiality
        self.syncLagSeconds = syncLagSeconds
    }
}

/// A workflow is a contract type family — the type without its last word (`finance.payment.settled`
/// → `finance.payment`). Metrics, alerts and `eventbridge report` group by it: a bounded label set
/// (one value per family in the catalog), never per entity.
public enum Workflow {
    /// The workflow label of inputs the bridge cannot attribute to a contract (bad JSON, unknown type).
    public static let unattributed = "unattributed"

    /// The workflow of `type`: everything before its last `.` (a one-word type is its own workflow).
    public static func of(_ type: String) -> String {
        guard let dot = type.lastIndex(of: ".") else { return type }
        return String(type[..<dot])
    }

    /// Defaults for a contract that declares no `materiality` or `syncLagObjective`, by workflow
    /// (documented in docs/metrics.md; `contracts check` warns about such contracts).
    public static let defaults: [String: Objective] = [
        "finance.payment": Objective(materiality: .critical, syncLagSeconds: 60),
        "finance.refund": Objective(materiality: .critical, syncLagSeconds: 60),
        "finance.payout": Objective(materiality: .critical, syncLagSeconds: 300),
        "finance.journal_entry": Objective(materiality: .critical, syncLagSeconds: 300),
        "finance.tax": Objective(materiality: .critical, syncLagSeconds: 300),
        "finance.invoice": Objective(materiality: .high, syncLagSeconds: 300),
        "finance.credit_note": Objective(materiality: .high, syncLagSeconds: 300),
        "finance.credit_hold": Objective(materiality: .high, syncLagSeconds: 300),
        "finance.dispute": Objective(materiality: .high, syncLagSeconds: 900),
        "finance.customer": Objective(materiality: .normal, syncLagSeconds: 900),
        "finance.supplier": Objective(materiality: .normal, syncLagSeconds: 900),
        "finance.purchase_order": Objective(materiality: .normal, syncLagSeconds: 900),
        "finance.sales_order": Objective(materiality: .normal, syncLagSeconds: 900),
    ]

    /// The default of a workflow the table does not name: `normal`, 15 minutes.
    public static let fallback = Objective(materiality: .normal, syncLagSeconds: 900)

    /// The default objective of `type`'s workflow.
    public static func defaultObjective(forType type: String) -> Objective { defaults[of(type)] ?? fallback }
}
