import Contracts
import Basics

/// Queries over a store: `trace`, `reconcile`, `status`, parked events, revisions.
///
/// Open one read-only with `StoreReader.open(path:)` from the CLI while the bridge runs (WAL
/// lets readers see the latest committed batch without blocking the writer), or use
/// `EventStore.reader`, which the running store shares with its own lookups. Thread-safe: one
/// query at a time on its connection.
public final class StoreReader: Sendable {
    let connection: LockedConnection

    init(connection: LockedConnection) {
        self.connection = connection
    }

    /// Opens the store at `path` read-only (it must exist). Safe while a bridge writes to it.
    public static func open(path: String) throws -> StoreReader {
        StoreReader(connection: try LockedConnection.open(StoreConfiguration(path: path), readOnly: true))
    }

    /// How far this store has applied each changelog partition: the next offset to read.
    public func changelogPositions() throws -> [TopicPartition: Int64] {
        try connection.withDatabase { db in
            let s = try db.prepare("SELECT topic, partition, next_offset FROM changelog_positions")
            defer { s.reset() }
            var out: [TopicPartition: Int64] = [:]
            while try s.step() { out[TopicPartition(topic: s.string(0) ?? "", partition: Int32(truncatingIfNeeded: s.int64(1)))] = s.int64(2) }
            return out
        }
    }

    /// The records kept of changelog writes read in part, of these changelog partitions, in offset
    /// order (`ChangelogPartialRecord`).
    public func changelogPartialRecords(of changelogs: Set<TopicPartition>) throws -> [ChangelogPartialRecord] {
        try connection.withDatabase { db in
            let s = try db.prepare("""
                SELECT topic, partition, writer, write, offset, expected, key, value FROM changelog_partial
                ORDER BY topic, partition, offset
                """)
            defer { s.reset() }
            var out: [ChangelogPartialRecord] = []
            while try s.step() {
                let changelog = TopicPartition(topic: s.string(0) ?? "", partition: Int32(truncatingIfNeeded: s.int64(1)))
                guard changelogs.contains(changelog) else { continue }
                out.append(ChangelogPartialRecord(
                    write: ChangelogWriteID(changelog: changelog, writer: s.string(2) ?? "", write: s.string(3) ?? ""),
                    expected: Int(s.int64(5)), offset: s.int64(4), key: s.bytes(6) ?? [], value: s.bytes(7)))
            }
            return out
        }
    }

    /// Closes the connection; later queries fail with `closed`.
    public func close() { connection.close() }

    // MARK: Ledger

    static let ledgerSelect = """
        SELECT p.topic, p.partition, l.offset, l.outcome, l.event_id, l.type, l.entity, l.contract_version,
               l.outputs, l.dlq, l.error_code, l.at, l.note
        """
    static let ledgerColumns = ledgerSelect + " FROM ledger l JOIN partitions p ON p.id = l.part"

    static func ledgerEntry(_ s: SQLiteStatement) -> LedgerEntry {
        let source = PartitionPosition(topic: s.string(0) ?? "", partition: Int32(truncatingIfNeeded: s.int64(1)), offset: s.int64(2))
        var outputs: [PartitionPosition] = []
        if let text = s.string(8), let parsed = try? JSONParser.parse(text), let items = parsed.arrayValue {
            outputs = items.compactMap { $0.stringValue.flatMap(PartitionPosition.init(parsing:)) }
        }
        return LedgerEntry(
            source: source, outcome: LedgerEntry.Outcome(rawValue: s.string(3) ?? "") ?? .deadLettered,
            eventID: s.string(4), eventType: s.string(5), entityKey: s.string(6),
            contractVersion: s.optionalInt64(7).map { Int($0) }, outputs: outputs, dlqPosition: s.string(9).flatMap(PartitionPosition.init(parsing:)),
            errorCode: s.string(10), atMillis: s.int64(11), note: s.string(12))
    }

    /// The outcome recorded for one input, if any.
    public func ledgerEntry(at source: PartitionPosition) throws -> LedgerEntry? {
        try connection.withDatabase { db in
            let s = try db.prepare(Self.ledgerColumns + " WHERE p.topic = ? AND p.partition = ? AND l.offset = ?")
            defer { s.reset() }
            s.bind(1, source.topic)
            s.bind(2, Int64(source.partition))
            s.bind(3, source.offset)
            return try s.step() ? Self.ledgerEntry(s) : nil
        }
    }

    /// Every input whose canonical event had this `ce_id` (the original and its duplicates),
    /// oldest first, at most `limit`.
    public func ledgerEntries(eventID: String, limit: Int = 1_000) throws -> [LedgerEntry] {
        try traceByHash(SipHash128.hash64(eventID), limit: limit) { $0.eventID == eventID }
    }

    /// Every input about this entity (optionally only of one event type), oldest first.
    public func ledgerEntries(entityKey: String, eventType: String? = nil, limit: Int = 1_000) throws -> [LedgerEntry] {
        try traceByHash(SipHash128.hash64(entityKey), limit: limit) {
            $0.entityKey == entityKey && (eventType == nil || $0.eventType == eventType)
        }
    }

    /// Probes `ledger_trace` once per bucket (newest first): one index lookup per bucket,
    /// whatever the ledger's size. Hash matches are verified against the row (entries of a
    /// replaced row point at a deleted id and find nothing).
    private func traceByHash(_ hash: Int64, limit: Int, matches: (LedgerEntry) -> Bool) throws -> [LedgerEntry] {
        try connection.read { db in
            guard let low = try db.scalar("SELECT min(bucket) FROM ledger_buckets"),
                let high = try db.scalar("SELECT max(bucket) FROM ledger_buckets")
            else { return [] }
            let s = try db.prepare(Self.ledgerSelect + """
                 FROM ledger_trace t JOIN ledger l ON l.id = t.id
                JOIN partitions p ON p.id = l.part WHERE t.bucket = ? AND t.hash = ?
                """)
            defer { s.reset() }
            var found: [LedgerEntry] = []
            var seen: Set<PartitionPosition> = []
            var bucket = high
            while bucket >= low, found.count < limit {
                s.reset()
                s.bind(1, bucket)
                s.bind(2, hash)
                while try s.step() {
                    let entry = Self.ledgerEntry(s)
                    if matches(entry), seen.insert(entry.source).inserted { found.append(entry) }
                }
                bucket -= 1
            }
            return Array(found.sorted { ($0.atMillis, $0.source) < ($1.atMillis, $1.source) }.prefix(limit))
        }
    }

    /// Outcome counts and missing offsets of one partition over `offsets` (inclusive), from one
    /// snapshot. At most `maxGaps` gap ranges are listed.
    public func reconcile(_ partition: TopicPartition, offsets: ClosedRange<Int64>, maxGaps: Int = 1_000) throws -> ReconcileReport {
        try connection.read { db in
            var report = ReconcileReport(partition: partition, offsets: offsets, counts: [:], gaps: [], processedNextOffset: nil)
            guard let part = try Self.partitionID(db, partition) else {
                report.gaps = [offsets]
                return report
            }
            report.processedNextOffset = try db.scalar("SELECT next_offset FROM offsets WHERE part = ?") { $0.bind(1, part) }
            let s = try db.prepare("SELECT offset, outcome FROM ledger WHERE part = ? AND offset BETWEEN ? AND ? ORDER BY offset")
            defer { s.reset() }
            s.bind(1, part)
            s.bind(2, offsets.lowerBound)
            s.bind(3, offsets.upperBound)
            var expected = offsets.lowerBound
            while try s.step() {
                let offset = s.int64(0)
                if offset > expected, report.gaps.count < maxGaps { report.gaps.append(expected...(offset - 1)) }
                expected = offset + 1
                if let outcome = LedgerEntry.Outcome(rawValue: s.string(1) ?? "") { report.counts[outcome, default: 0] += 1 }
            }
            if expected <= offsets.upperBound, report.gaps.count < maxGaps { report.gaps.append(expected...offsets.upperBound) }
            return report
        }
    }

    // MARK: Partitions and offsets

    static func partitionID(_ db: SQLiteDatabase, _ partition: TopicPartition) throws -> Int64? {
        try db.scalar("SELECT id FROM partitions WHERE topic = ? AND partition = ?") {
            $0.bind(1, partition.topic)
            $0.bind(2, Int64(partition.partition))
        }
    }

    /// The commit point per partition: the next offset to consume, as stored with the outcomes.
    public func processedOffsets() throws -> [TopicPartition: Int64] {
        try connection.withDatabase { db in
            let s = try db.prepare("SELECT p.topic, p.partition, o.next_offset FROM offsets o JOIN partitions p ON p.id = o.part")
            defer { s.reset() }
            var result: [TopicPartition: Int64] = [:]
            while try s.step() {
                result[TopicPartition(topic: s.string(0) ?? "", partition: Int32(truncatingIfNeeded: s.int64(1)))] = s.int64(2)
            }
            return result
        }
    }
}
