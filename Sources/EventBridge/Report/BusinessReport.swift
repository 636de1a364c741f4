import Basics
import Contracts
import EventStore

/// The controller's view behind `eventbridge report` (docs/operations.md, "The business report"):
/// per workflow over a window — events synced, duplicates dropped, inputs dead-lettered — and now
/// — exceptions open by age and materiality, parked events, reconciliation status. Read from the
/// store alone (the ledger, the DLQ book, the processed offsets), so it answers without a broker.
public struct BusinessReport: Sendable {
    /// One workflow and materiality (one row; a workflow whose types differ in materiality has one
    /// row per materiality).
    public struct Row: Sendable {
        public var workflow: String
        public var materiality: Materiality
        /// The strictest sync-lag objective of its types; nil for `unattributed`.
        public var syncLagObjectiveSeconds: Int?
        /// Types of the catalog in this row.
        public var types: [String]
        /// Source topics its inputs came from in the window.
        public var topics: Set<String> = []
        public var inputsPublished = 0
        public var eventsSynced = 0
        public var duplicatesDropped = 0
        public var filtered = 0
        /// Inputs dead-lettered in the window.
        public var deadLettered = 0
        /// Parked now, and the oldest's park time.
        public var parked = 0
        public var oldestParkedAtMillis: Int64?
        /// Open exceptions now, per `ExceptionAccount.bands`, and by code.
        public var openByBand: [Int] = Array(repeating: 0, count: ExceptionAccount.bands.count)
        public var openByCode: [String: Int] = [:]
        public var oldestOpenAtMillis: Int64?
        /// Committed inputs without an outcome on the source topics of this row.
        public var missingOutcomes: Int64 = 0

        public var openExceptions: Int { openByBand.reduce(0, +) }

        /// `ok`, or `missing` when a source topic of this row has committed inputs without an outcome.
        public var reconciliation: String { missingOutcomes == 0 ? "ok" : "missing" }
    }

    /// Outcome counts of all workflows in one slot of the window.
    public struct Slot: Sendable {
        public var startMillis: Int64
        public var counts: [LedgerEntry.Outcome: Int] = [:]
    }

    public var sinceMillis: Int64
    public var untilMillis: Int64
    public var slotMillis: Int64
    public var rows: [Row]
    public var slots: [Slot]
    public var partitions: [CompletenessTracker.Partition]

    /// Committed inputs without an outcome, all partitions.
    public var missingOutcomes: Int64 { partitions.reduce(0) { $0 + $1.missing } }

    /// Reads the report over `[sinceMillis, nowMillis]` from `reader`, labelled by `objectives`.
    public static func build(_ reader: StoreReader, objectives: Objectives, sinceMillis: Int64, nowMillis: Int64) throws -> BusinessReport {
        let window = max(1, nowMillis - sinceMillis)
        // About 24 slots, each a whole number of minutes.
        let slotMillis = max(60_000, (window / 24 + 59_999) / 60_000 * 60_000)
        var rows: [String: Row] = [:]
        func key(_ e: Objectives.Entry) -> String { e.workflow + "\u{0}" + e.materiality.rawValue }
        func row(_ e: Objectives.Entry) -> Row {
            rows[key(e)] ?? Row(workflow: e.workflow, materiality: e.materiality, syncLagObjectiveSeconds: nil, types: [])
        }
        for (type, entry) in objectives.types {
            var r = row(entry)
            r.types.append(type)
            r.syncLagObjectiveSeconds = min(r.syncLagObjectiveSeconds ?? Int.max, entry.objective.syncLagSeconds)
            rows[key(entry)] = r
        }
        var slots: [Int64: Slot] = [:]
        for s in try reader.outcomes(sinceMillis: sinceMillis, slotMillis: slotMillis) {
            let entry = objectives.entry(forType: s.type)
            var r = row(entry)
            r.topics.insert(s.topic)
            switch s.outcome {
            case .published:
                r.inputsPublished += s.inputs
                r.eventsSynced += s.events
            case .duplicate: r.duplicatesDropped += s.inputs
            case .filtered: r.filtered += s.inputs
            case .deadLettered: r.deadLettered += s.inputs
            case .parked: break  // counted from the parked table: what waits now
            }
            rows[key(entry)] = r
            slots[s.slotMillis, default: Slot(startMillis: s.slotMillis)].counts[s.outcome, default: 0] += s.inputs
        }
        for p in try reader.parkedSummary() {
            let entry = objectives.entry(forType: p.type)
            var r = row(entry)
            r.parked += p.count
            r.oldestParkedAtMillis = min(r.oldestParkedAtMillis ?? Int64.max, p.oldestParkedAtMillis)
            rows[key(entry)] = r
        }
        for e in try ExceptionAccount.read(reader, objectives: objectives, nowMillis: nowMillis) {
            let entry = Objectives.Entry(workflow: e.workflow, objective: Objective(materiality: e.materiality, syncLagSeconds: 0))
            var r = row(entry)
            for (i, n) in e.byBand.enumerated() { r.openByBand[i] += n }
            r.openByCode[e.code, default: 0] += e.count
            r.oldestOpenAtMillis = min(r.oldestOpenAtMillis ?? Int64.max, e.oldestAtMillis)
            rows[key(entry)] = r
        }
        let partitions = try CompletenessTracker().update(reader)
        var missingByTopic: [String: Int64] = [:]
        for p in partitions { missingByTopic[p.partition.topic, default: 0] += p.missing }
        for (k, var r) in rows {
            r.missingOutcomes = r.topics.reduce(0) { $0 + (missingByTopic[$1] ?? 0) }
            r.types.sort()
            rows[k] = r
        }
        // Every slot of the window, empty ones included, so a chart's time axis is even.
        let first = sinceMillis / slotMillis * slotMillis
        let allSlots = stride(from: first, through: nowMillis, by: Int(slotMillis)).map { slots[$0] ?? Slot(startMillis: $0) }
        return BusinessReport(
            sinceMillis: sinceMillis, untilMillis: nowMillis, slotMillis: slotMillis,
            rows: rows.values.sorted { ($0.materiality, $0.workflow) < ($1.materiality, $1.workflow) },
            slots: allSlots, partitions: partitions)
    }
}
