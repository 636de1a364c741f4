import Basics
import Contracts
import EventStore

/// Are the committed inputs accounted for? Per source partition, the inputs from the ledger's
/// first offset up to the store's commit point (the processed offset, written in the same
/// transaction as the outcomes) must each have an outcome (docs/design.md §2.1). The in-process
/// reconcile keeps one tracker and calls `update` every pass: only offsets committed since the
/// last pass are counted, plus the holes found earlier (a hole can fill when the changelog follower
/// applies another writer's outcomes, or vanish when the ledger is pruned). `eventbridge report`
/// runs one pass on a fresh tracker.
public final class CompletenessTracker {
    /// One partition's account after a pass.
    public struct Partition: Sendable, Hashable {
        public var partition: TopicPartition
        /// Offsets from the ledger's first one to the commit point.
        public var checked: Int64
        /// Offsets in that range with no outcome.
        public var missing: Int64
        /// The first few ranges with offsets missing.
        public var holes: [Range<Int64>]
    }

    private struct State {
        var cursor: Int64
        var holes: [(range: Range<Int64>, missing: Int64)] = []
    }

    /// Offsets counted per query (an index range count); bounds one query's time and snapshot.
    let chunk: Int64
    /// At most this many hole ranges per partition; beyond, the newest are merged.
    let maxHoles: Int
    private var state: [TopicPartition: State] = [:]

    public init(chunk: Int64 = 1_000_000, maxHoles: Int = 1_000) {
        self.chunk = chunk
        self.maxHoles = maxHoles
    }

    /// Counts what was committed since the last pass and rechecks the known holes.
    public func update(_ reader: StoreReader) throws -> [Partition] {
        let processed = try reader.processedOffsets()
        let starts = try reader.ledgerStarts()
        var out: [Partition] = []
        for (tp, next) in processed.sorted(by: { $0.key < $1.key }) {
            let start = starts[tp] ?? next
            var s = state[tp] ?? State(cursor: start)
            if start > s.cursor { s.cursor = start }
            // Holes below the ledger's start were pruned with it; recount the rest.
            var holes: [(range: Range<Int64>, missing: Int64)] = []
            for hole in s.holes where hole.range.upperBound > start {
                let range = max(hole.range.lowerBound, start)..<hole.range.upperBound
                let missing = Int64(range.count) - Int64(try reader.outcomeCount(tp, offsets: range))
                if missing > 0 { holes.append((range, missing)) }
            }
            var low = s.cursor
            while low < next {
                let high = min(next, low + chunk)
                let found = Int64(try reader.outcomeCount(tp, offsets: low..<high))
                if found < high - low {
                    for gap in try gaps(reader, tp, low..<high, missing: high - low - found) {
                        if let last = holes.last, last.range.upperBound == gap.range.lowerBound {
                            holes[holes.count - 1] = (last.range.lowerBound..<gap.range.upperBound, last.missing + gap.missing)
                        } else {
                            holes.append(gap)
                        }
                    }
                }
                low = high
            }
            s.cursor = max(s.cursor, next)
            while holes.count > maxHoles, holes.count >= 2 {
                let b = holes.removeLast(), a = holes.removeLast()
                holes.append((a.range.lowerBound..<b.range.upperBound, a.missing + b.missing))
            }
            s.holes = holes
            state[tp] = s
            out.append(Partition(partition: tp, checked: max(0, next - start), missing: holes.reduce(0) { $0 + $1.missing },
                                 holes: holes.prefix(20).map(\.range)))
        }
        return out
    }

    /// The missing ranges inside `range` (`missing` of its offsets lack an outcome): the ledger's
    /// own gap list, its tail folded into one range when there are many.
    private func gaps(_ reader: StoreReader, _ tp: TopicPartition, _ range: Range<Int64>, missing: Int64) throws
        -> [(range: Range<Int64>, missing: Int64)]
    {
        let listed = try reader.reconcile(tp, offsets: range.lowerBound...(range.upperBound - 1), maxGaps: 100).gaps
            .map { (range: $0.lowerBound..<($0.upperBound + 1), missing: Int64($0.count)) }
        let counted = listed.reduce(0) { $0 + $1.missing }
        guard counted < missing, let last = listed.last else { return listed }
        // More gaps than listed: one range after the last listed gap holds the rest.
        return listed + [(last.range.upperBound..<range.upperBound, missing - counted)]
    }
}

/// The open exceptions (dead-lettered inputs not resolved or replayed) by workflow, materiality
/// and code, with their ages: what `eventbridge_exceptions_*` export and `eventbridge report` shows.
public struct ExceptionAccount: Sendable, Hashable {
    public var workflow: String
    public var materiality: Materiality
    public var code: String
    public var count: Int
    public var oldestAtMillis: Int64
    /// Counts per age band (`ExceptionAccount.bands`).
    public var byBand: [Int]

    /// The age bands of `eventbridge dlq stats`: under an hour, a day, a week, older.
    public static let bands = ["<1h", "1h-24h", "1d-7d", ">7d"]
    static let bandSeconds: [Int64] = [3600, 86400, 7 * 86400]

    /// Reads the open exceptions from the store and labels them from the catalog.
    public static func read(_ reader: StoreReader, objectives: Objectives, nowMillis: Int64) throws -> [ExceptionAccount] {
        let rows = try reader.openDeadLetters(bandStarts: bandSeconds.map { nowMillis - $0 * 1000 })
        var byKey: [String: ExceptionAccount] = [:]
        for row in rows {
            let entry = objectives.entry(forType: row.type)
            let code = row.errorCode ?? "unknown"
            let key = entry.workflow + "\u{0}" + entry.materiality.rawValue + "\u{0}" + code
            var account = byKey[key] ?? ExceptionAccount(workflow: entry.workflow, materiality: entry.materiality, code: code, count: 0,
                                                         oldestAtMillis: Int64.max, byBand: Array(repeating: 0, count: bands.count))
            account.count += row.count
            account.oldestAtMillis = min(account.oldestAtMillis, row.oldestAtMillis)
            account.byBand[min(row.band, bands.count - 1)] += row.count
            byKey[key] = account
        }
        return byKey.values.sorted { ($0.materiality, $0.workflow, $0.code) < ($1.materiality, $1.workflow, $1.code) }
    }
}

/// One pass of the in-process reconcile, as the metrics read it.
struct ReconcileSnapshot: Sendable {
    struct Topic: Sendable {
        var topic: String
        var checked: Int64
        var missing: Int64
    }

    var byTopic: [Topic]
    var exceptions: [ExceptionAccount]
    /// When the pass completed, Unix ms.
    var atMillis: Int64

    /// Committed inputs with an outcome / committed inputs; 1 when there are none.
    var completeness: Double {
        let checked = byTopic.reduce(0) { $0 + $1.checked }
        let missing = byTopic.reduce(0) { $0 + $1.missing }
        return checked == 0 ? 1 : Double(checked - missing) / Double(checked)
    }

    init(partitions: [CompletenessTracker.Partition], exceptions: [ExceptionAccount], atMillis: Int64) {
        var topics: [String: Topic] = [:]
        for p in partitions {
            var t = topics[p.partition.topic] ?? Topic(topic: p.partition.topic, checked: 0, missing: 0)
            t.checked += p.checked
            t.missing += p.missing
            topics[p.partition.topic] = t
        }
        byTopic = topics.values.sorted { $0.topic < $1.topic }
        self.exceptions = exceptions
        self.atMillis = atMillis
    }
}
