import Foundation
import Basics
import Observability
import KafkaClient
import EventStore

/// Replays DLQ records to their source topic, each exactly once, even across a hard kill.
///
/// Protocol (reserve, produce, confirm), one record at a time:
/// 1. **Reserve**: `DeadLetterBook.recordReplay` with the next replay number and a target of
///    (source topic, source partition, the partition's high-water mark before producing). The
///    book refuses a second reservation of the same number (`conflict`): two concurrent runs
///    cannot both replay a record.
/// 2. **Produce** with `acks=all` to the record's original source partition (so partition-scoped
///    state — dedup keys, revisions — sees the replay where it saw the original), and wait for
///    the acknowledgement.
/// 3. **Confirm**: mark the DLQ record resolved with the reason `replayed as TOPIC:P:O`.
///
/// A reservation without a confirmation is *pending*: the run was killed between 1 and 3. On the
/// next run a pending record is first looked for in its source partition, from the reserved
/// offset to the end, as a record whose `eventbridge.replay.of` names this DLQ position: found →
/// only the confirmation is written; not found → it is produced now. Either way it reaches the
/// topic once. A reservation made by a process that is still running on this host (or younger
/// than `foreignPendingSeconds` from another host) is left alone.
///
/// Not covered: a produce request already on the wire when the process was killed, that the
/// broker appends after the next run has looked (seconds later). With the bridge's dedup the
/// second copy would be recorded as a duplicate anyway.
public final class DeadLetterReplayer: Sendable {
    /// What to do with one DLQ record.
    public enum Decision: Sendable, Equatable {
        /// Produce it as replay number `number`.
        case replay(number: Int)
        /// An interrupted replay: look for it in the source topic, produce only if absent.
        case complete(DeadLetterReplay)
        case alreadyReplayed(DeadLetterReplay)
        /// At or over `dlq.replay.maxAttempts` (the loop guard).
        case refused(attempt: Int)
        /// Another run holds the reservation.
        case inProgress(DeadLetterReplay)
        /// The record lacks the headers that say where it came from.
        case unusable(String)
    }

    /// What happened to one record.
    public enum Outcome: Sendable, Equatable {
        case replayed(PartitionPosition)
        /// An interrupted replay was already on the source topic: only confirmed.
        case found(PartitionPosition)
        /// Another run reserved it first.
        case lostRace
    }

    public static let replayedReasonPrefix = "replayed as "
    /// A pending reservation from another host younger than this is treated as in progress.
    public static let foreignPendingSeconds: Int64 = 600

    let book: DeadLetterBook
    let kafka: KafkaConfig
    let maxAttempts: Int
    public let actor: String
    let logger: Logger

    public init(book: DeadLetterBook, kafka: KafkaConfig, maxAttempts: Int, actor: String, logger: Logger) {
        self.book = book
        self.kafka = kafka
        self.maxAttempts = maxAttempts
        self.actor = actor
        self.logger = logger
    }

    /// `user@host pid N`: who reserved, and enough to tell whether that process still runs.
    public static func defaultActor() -> String {
        let user = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        return "\(user)@\(ProcessInfo.processInfo.hostName) pid \(getpid())"
    }

    /// The state of a failed input's replays, over every DLQ copy of it (`DeadLetterEntry.copies`):
    /// the latest reservation and whether it was confirmed.
    public func state(of entry: DeadLetterEntry) throws -> (latest: DeadLetterReplay?, confirmed: DeadLetterResolution?) {
        let latest = try entry.allPositions.flatMap { try book.replays(of: $0) }.max { $0.replayedAtMillis < $1.replayedAtMillis }
        guard let latest, let resolution = try book.resolution(of: latest.dlqPosition),
              resolution.reason.hasPrefix(Self.replayedReasonPrefix), resolution.resolvedAtMillis >= latest.replayedAtMillis
        else { return (latest, nil) }
        return (latest, resolution)
    }

    public func decide(_ entry: DeadLetterEntry, force: Bool, nowMillis: Int64) throws -> Decision {
        guard entry.sourceTopic != nil, entry.sourcePartition != nil else {
            return .unusable("no eventbridge.source.topic/partition header")
        }
        if entry.isTruncated {
            return .unusable("the DLQ holds only the first \(entry.record.value?.count ?? 0) bytes of the value (the original was "
                + "\(entry.text(DeadLetterHeaders.valueSize) ?? "?") bytes, sha256 \(entry.text(DeadLetterHeaders.valueSHA256) ?? "?")): "
                + "have the upstream system send it again")
        }
        if entry.attempt >= maxAttempts { return .refused(attempt: entry.attempt) }
        let (latest, confirmed) = try state(of: entry)
        guard let latest else { return .replay(number: 1) }
        if confirmed != nil { return force ? .replay(number: latest.attempt + 1) : .alreadyReplayed(latest) }
        if isHeldByAnother(latest, nowMillis: nowMillis) { return .inProgress(latest) }
        return .complete(latest)
    }

    /// True when the reservation's process may still be producing it.
    func isHeldByAnother(_ replay: DeadLetterReplay, nowMillis: Int64) -> Bool {
        let parts = replay.actor.split(separator: " ")
        let host = parts.first.flatMap { $0.split(separator: "@").last }.map(String.init)
        guard parts.count == 3, parts[1] == "pid", let pid = Int32(parts[2]), host == ProcessInfo.processInfo.hostName else {
            return nowMillis - replay.replayedAtMillis < Self.foreignPendingSeconds * 1000
        }
        if pid == getpid() { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// The record a replay produces, to the original source partition: the original key, value and
    /// headers, the error headers removed, `eventbridge.attempt` one higher, `eventbridge.replay.of`
    /// naming the DLQ record; `eventbridge.failed.first` is kept so a second failure still knows the first.
    /// `booked` is the DLQ position the replay was reserved on (the entry's own unless an earlier
    /// run reserved another copy of the same input).
    public static func record(for entry: DeadLetterEntry, booked: PartitionPosition? = nil) -> KafkaProducerRecord {
        typealias H = DeadLetterHeaders
        var headers = entry.record.headers.filter { !H.errorHeaders.contains($0.name) && $0.name != H.attempt && $0.name != H.replayOf }
        headers.append(KafkaHeader(name: H.attempt, string: String(entry.attempt + 1)))
        headers.append(KafkaHeader(name: H.replayOf, string: (booked ?? entry.position).description))
        return KafkaProducerRecord(topic: entry.sourceTopic ?? "", partition: entry.sourcePartition, key: entry.record.key,
                                   value: entry.record.value, headers: headers)
    }

    /// Carries out a `.replay` or `.complete` decision. `highWater` is the source partitions'
    /// high-water marks read before this run produced anything (a lower bound for where a replay lands).
    public func execute(_ entry: DeadLetterEntry, _ decision: Decision, producer: KafkaProducer,
                        highWater: [TopicPartition: Int64], nowMillis: () -> Int64) async throws -> Outcome? {
        guard let topic = entry.sourceTopic, let partition = entry.sourcePartition else { return nil }
        let tp = TopicPartition(topic: topic, partition: partition)
        switch decision {
        case .replay(let number):
            let reservation = DeadLetterReplay(
                dlqPosition: entry.position, attempt: number, replayedAtMillis: nowMillis(),
                target: PartitionPosition(topic: topic, partition: partition, offset: highWater[tp] ?? 0), actor: actor)
            do {
                try book.recordReplay(reservation)
            } catch let error as StoreError where error.code == .conflict {
                return .lostRace
            }
            return .replayed(try await produceAndConfirm(entry, booked: entry.position, producer: producer, nowMillis: nowMillis))
        case .complete(let reservation):
            if let found = try find(entry, in: tp, from: reservation.target.offset) {
                try confirm(reservation.dlqPosition, at: found, nowMillis: nowMillis())
                return .found(found)
            }
            return .replayed(try await produceAndConfirm(entry, booked: reservation.dlqPosition, producer: producer, nowMillis: nowMillis))
        default:
            return nil
        }
    }

    private func produceAndConfirm(_ entry: DeadLetterEntry, booked: PartitionPosition, producer: KafkaProducer,
                                   nowMillis: () -> Int64) async throws -> PartitionPosition {
        let record = Self.record(for: entry, booked: booked)
        let acked = try await producer.send(record)
        let target = PartitionPosition(topic: record.topic, partition: acked.partition, offset: acked.offset)
        try confirm(booked, at: target, nowMillis: nowMillis())
        return target
    }

    private func confirm(_ booked: PartitionPosition, at target: PartitionPosition, nowMillis: Int64) throws {
        try book.markResolved(DeadLetterResolution(
            dlqPosition: booked, resolvedAtMillis: nowMillis, actor: actor, reason: Self.replayedReasonPrefix + target.description))
    }

    /// Looks for the replay of `entry` (of any DLQ copy of it) in the source partition from `offset` to its end.
    func find(_ entry: DeadLetterEntry, in tp: TopicPartition, from offset: Int64) throws -> PartitionPosition? {
        let wanted = Set(entry.allPositions.map(\.description))
        var found: PartitionPosition?
        try DeadLetterReader(kafka: kafka, logger: logger).forEach(topic: tp.topic, partitions: [tp.partition], from: [tp.partition: max(0, offset)]) { e in
            if let of = e.text(DeadLetterHeaders.replayOf), wanted.contains(of) {
                found = e.position
                return false
            }
            return true
        }
        return found
    }
}
