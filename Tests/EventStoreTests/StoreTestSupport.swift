import Foundation
@testable import EventStore
import Basics
import EventStore

/// A store on a fresh temporary file, removed with its directory when the test ends.
final class TemporaryStore {
    let directory: URL
    var path: String { directory.appendingPathComponent("store.sqlite").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventbridge-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Test defaults: no background pruning, normal durability (fsync adds nothing to what a
    /// unit test can observe), tiny caches.
    func configuration(_ adjust: (inout StoreConfiguration) -> Void = { _ in }) -> StoreConfiguration {
        var configuration = StoreConfiguration(path: path)
        configuration.pruneIntervalSeconds = 0
        configuration.durability = .normal
        configuration.cacheSizeMiB = 4
        configuration.mmapSizeMiB = 0
        adjust(&configuration)
        return configuration
    }

    func open(_ adjust: (inout StoreConfiguration) -> Void = { _ in }) throws -> EventStore {
        try EventStore.open(configuration(adjust), logger: .disabled)
    }
}

enum StoreFixtures {
    static let orders = TopicPartition(topic: "erp.orders", partition: 0)
    static let payments = TopicPartition(topic: "gateway.payments", partition: 3)

    static func key(_ n: Int) -> DedupKey { DedupKey(family: "finance.test", values: [String(n)]) }

    static func entry(
        _ partition: TopicPartition, _ offset: Int64, _ outcome: LedgerEntry.Outcome, eventID: String? = nil,
        entity: String? = nil, at: Int64 = 1_700_000_000_000
    ) -> LedgerEntry {
        LedgerEntry(
            source: PartitionPosition(partition, offset: offset), outcome: outcome, eventID: eventID,
            eventType: "finance.invoice.posted", entityKey: entity, contractVersion: 1,
            outputs: outcome == .published ? [PartitionPosition(topic: "finance.invoices", partition: 1, offset: offset)] : [],
            dlqPosition: outcome == .deadLettered ? PartitionPosition(topic: "erp.orders.dlq", partition: 0, offset: offset) : nil,
            errorCode: outcome == .deadLettered ? "schema.required" : nil, atMillis: at)
    }
}
