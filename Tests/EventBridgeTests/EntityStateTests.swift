import Basics
import Contracts
import EventStore
import Foundation
import KafkaClient
import Testing
@testable import EventBridge

/// The entity state stage (docs/adapters.md §7) through the real pipeline and store: a Salesforce
/// partial update is merged onto the record's last known state — pending first, then committed
/// in the store, also after a restart — or fails with `adapter.state_unknown`; a Debezium
/// tombstone is filtered only after the delete of its key; abandoning a partition forgets its
/// pending state; a retried decision does not merge twice.
@Suite struct EntityStateTests {
    private typealias S = AdapterTestSupport

    private final class Harness {
        let directory: URL
        let config: BridgeConfig
        var store: EventStore
        var pipeline: EventPipeline
        var commits: CommitStage

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventbridge-state-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            config = try BridgeConfig.load(path: S.repositoryRoot + "/examples/bridge.json", environment: ["EVENTBRIDGE_BOOTSTRAP": "127.0.0.1:1"])
            (store, pipeline, commits) = try Self.open(directory, config)
        }

        static func open(_ directory: URL, _ config: BridgeConfig) throws -> (EventStore, EventPipeline, CommitStage) {
            var storeConfig = StoreConfiguration(path: directory.appendingPathComponent("store.sqlite").path)
            storeConfig.pruneIntervalSeconds = 0
            let store = try EventStore.open(storeConfig, logger: .disabled)
            let pipeline = try EventPipeline(
                config: config, registry: try ContractRegistry.load(directory: config.resolve(config.contractsDir)),
                adapters: try AdapterCatalog(directory: config.resolve(config.mappingsDir)), store: store)
            return (store, pipeline, CommitStage(store: store, dedup: pipeline.dedup, entityState: pipeline.entityState))
        }

        /// A restart: the store closed and opened again, a new pipeline (nothing pending).
        func restart() throws {
            store.close()
            (store, pipeline, commits) = try Self.open(directory, config)
        }

        /// Decides `record` and registers it as complete (every output acknowledged).
        func decide(_ record: KafkaConsumerRecord) throws -> InputDecision {
            let decision = try pipeline.process(record)
            let outcome: InputOutcome
            var outputs = 0
            switch decision {
            case .publish(let events, let o): (outcome, outputs) = (InputOutcome(outcome: .published, events: events), o.count)
            case .deadLetter(let f): (outcome, outputs) = (InputOutcome(outcome: .deadLettered, errorCode: f.code), 1)
            case .duplicate(_, let events): outcome = InputOutcome(outcome: .duplicate, events: events)
            case .filtered: outcome = InputOutcome(outcome: .filtered)
            case .park(let events, _): outcome = InputOutcome(outcome: .parked, events: events)
            }
            let token = commits.tracker.register(record.topicPartition, offset: record.offset, outputs: outputs, completion: outcome)
            for i in 0..<outputs { commits.tracker.acknowledge(token, position: PartitionPosition(topic: "out", partition: 0, offset: Int64(i))) }
            return decision
        }

        func commit() throws {
            _ = try commits.settle()
            commits.handOff()
            _ = try commits.settle()
        }

        func close() {
            store.close()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    private static func account(_ change: String, id: String, commit: Int, fields: String, offset: Int64, partition: Int32 = 0) -> KafkaConsumerRecord {
        let value = #"""
            {"ChangeEventHeader": {"entityName": "Account", "changeType": "\#(change)", "recordIds": ["\#(id)"], "commitNumber": \#(commit),
             "commitTimestamp": \#(1_772_359_200_000 + commit), "transactionKey": "tx-\#(commit)", "sequenceNumber": 1,
             "changedFields": [], "nulledFields": [], "diffFields": []}\#(fields)}
            """#
        return KafkaConsumerRecord(topic: "crm.salesforce.cdc", partition: partition, offset: offset, key: Array(id.utf8), value: Array(value.utf8))
    }

    private static let full = #"""
        , "Name": "Acme Corporation", "Type": "Customer - Direct", "CurrencyIsoCode": "USD", "Tax_ID__c": "94-1234567",
          "BillingAddress": {"Street": "1 Market St", "City": "San Francisco", "State": "CA", "PostalCode": "94105", "CountryCode": "US"}
        """#

    /// The published customer's data (binary mode: the record value).
    private static func published(_ decision: InputDecision) throws -> JSONValue {
        guard case .publish(_, let outputs) = decision, let value = outputs.first?.value else {
            Issue.record("not published: \(decision)")
            return .null
        }
        return try JSONParser.parse(value)
    }

    @Test func aPartialUpdateMergesOntoPendingThenCommittedStateAcrossARestart() throws {
        let h = try Harness()
        defer { h.close() }
        _ = try h.decide(Self.account("CREATE", id: "001A", commit: 1, fields: Self.full, offset: 0))
        // Pending (not committed): the stage answers.
        let phone = try Self.published(try h.decide(Self.account("UPDATE", id: "001A", commit: 2, fields: #", "Phone": "+1 415 555 0100""#, offset: 1)))
        #expect(phone["legalName"] == "Acme Corporation" && phone["revision"] == 2 && phone["status"] == "active")
        try h.commit()
        #expect(h.pipeline.entityState.pendingCount == 0)
        #expect(try h.store.entityState(scope: "salesforce-cdc", entity: "Account\u{1F}001A") != nil)
        // After a restart the store answers; a compound field merges member by member.
        try h.restart()
        let street = try Self.published(try h.decide(Self.account(
            "UPDATE", id: "001A", commit: 3, fields: #", "BillingAddress": {"Street": "2 Market St", "City": null}"#, offset: 2)))
        #expect(street["billingAddress"]?["line1"] == "2 Market St" && street["billingAddress"]?["city"] == "San Francisco")
        #expect(street["legalName"] == "Acme Corporation")
    }

    @Test func nulledFieldsClearWhatWasKnownAndGapsForgetIt() throws {
        let h = try Harness()
        defer { h.close() }
        _ = try h.decide(Self.account("CREATE", id: "001B", commit: 1, fields: Self.full, offset: 0))
        // Tax_ID__c set to null: an active customer without a tax id breaks the contract's rule.
        var cleared = Self.account("UPDATE", id: "001B", commit: 2, fields: "", offset: 1)
        cleared.value = Array(String(decoding: cleared.value ?? [], as: UTF8.self)
            .replacingOccurrences(of: #""nulledFields": []"#, with: #""nulledFields": ["Tax_ID__c"]"#).utf8)
        guard case .deadLetter(let f) = try h.decide(cleared) else { Issue.record("not dead-lettered"); return }
        #expect(f.code == "rule.requiredWhen")
        // A gap: the state is forgotten, so the next partial update is unknown again — a notice,
        // not a record merged onto forgotten state.
        #expect(try h.decide(Self.account("GAP_UPDATE", id: "001B", commit: 3, fields: "", offset: 2)).outcomeName == "published")
        let notice = try Self.published(try h.decide(Self.account("UPDATE", id: "001B", commit: 4, fields: #", "Phone": "1""#, offset: 3)))
        #expect(notice["change"] == "updated" && notice["legalName"] == nil && notice["customerId"] == "001B", "merged onto forgotten state: \(notice)")
        // Nothing is remembered of the notice's input: the next one is unknown too.
        let again = try Self.published(try h.decide(Self.account("UPDATE", id: "001B", commit: 5, fields: #", "Fax": "2""#, offset: 4)))
        #expect(again["change"] == "updated" && again["legalName"] == nil)
        #expect(try h.pipeline.entityState.lookup(StateRequest.Entity(scope: "salesforce-cdc", key: "Account\u{1F}001B")) == nil)
    }

    @Test func abandoningAPartitionForgetsItsPendingStateAndARetryDoesNotMergeTwice() throws {
        let h = try Harness()
        defer { h.close() }
        let create = Self.account("CREATE", id: "001C", commit: 1, fields: Self.full, offset: 0, partition: 1)
        _ = try h.decide(create)
        let update = Self.account("UPDATE", id: "001C", commit: 2, fields: #", "Name": "Acme Corp (renamed)""#, offset: 1, partition: 1)
        // The same input decided twice (a transient store fault retries it): one merge.
        _ = try h.pipeline.process(update)
        _ = try h.pipeline.process(update)
        #expect(try h.pipeline.entityState.lookup(StateRequest.Entity(scope: "salesforce-cdc", key: "Account\u{1F}001C"))?["Name"] == "Acme Corp (renamed)")
        h.pipeline.entityState.forget([TopicPartition(topic: "crm.salesforce.cdc", partition: 1)])
        #expect(h.pipeline.entityState.pendingCount == 0)
        let notice = try Self.published(try h.pipeline.process(Self.account("UPDATE", id: "001C", commit: 3, fields: #", "Phone": "1""#, offset: 2, partition: 1)))
        #expect(notice["change"] == "updated" && notice["legalName"] == nil, "state survived the revoke: \(notice)")
    }

    private static func debezium(_ op: String?, key: String, offset: Int64) -> KafkaConsumerRecord {
        let value: String? = op.map { op in
            let row = #"{"id": 2099, "name": "Gone Ltd", "tax_id": "X1", "email": "a@b.example", "country_code": "us", "currency": "usd", "payment_terms_days": 30, "status": "active", "street": "1 A St", "city": "Boston", "postal_code": "02110", "updated_at": 1772359200000000}"#
            return #"{"before": \#(op == "d" ? row : "null"), "after": \#(op == "d" ? "null" : row), "op": "\#(op)", "ts_ms": 1772359200000, "source": {"table": "customers", "lsn": \#(100 + offset), "ts_ms": 1772359200000}}"#
        }
        return KafkaConsumerRecord(topic: "legacy.erp.debezium", partition: 0, offset: offset, key: Array(key.utf8), value: value.map { Array($0.utf8) })
    }

    @Test func aTombstoneIsFilteredAfterTheDeleteOfItsKeyOnly() throws {
        let h = try Harness()
        defer { h.close() }
        #expect(try h.decide(Self.debezium("d", key: "2099", offset: 0)).outcomeName == "published")
        guard case .filtered(let reason, _) = try h.decide(Self.debezium(nil, key: "2099", offset: 1)) else {
            Issue.record("the tombstone after the delete was not filtered")
            return
        }
        #expect(reason.contains("tombstone"))
        // A tombstone whose key had no delete: dead-lettered, as the decode stage does for other sources.
        _ = try h.decide(Self.debezium("u", key: "2100", offset: 2))
        guard case .deadLetter(let f) = try h.decide(Self.debezium(nil, key: "2100", offset: 3)) else { Issue.record("not dead-lettered"); return }
        #expect(f.code == "record.tombstone" && f.message.contains("does not follow a delete"))
        guard case .deadLetter(let unknown) = try h.decide(Self.debezium(nil, key: "9999", offset: 4)) else { Issue.record("not dead-lettered"); return }
        #expect(unknown.code == "record.tombstone")
        // The delete's state is committed with its outcome and answers after a restart.
        try h.commit()
        try h.restart()
        #expect(try h.decide(Self.debezium(nil, key: "2099", offset: 5)).outcomeName == "filtered")
    }

    @Test func theStoreDropsAPartitionsEntityStateWithItsOtherState() throws {
        let h = try Harness()
        defer { h.close() }
        _ = try h.decide(Self.account("CREATE", id: "001D", commit: 1, fields: Self.full, offset: 0))
        try h.commit()
        #expect(try h.store.entityState(scope: "salesforce-cdc", entity: "Account\u{1F}001D") != nil)
        try h.store.dropState(of: TopicPartition(topic: "crm.salesforce.cdc", partition: 0))
        #expect(try h.store.entityState(scope: "salesforce-cdc", entity: "Account\u{1F}001D") == nil)
    }
}
