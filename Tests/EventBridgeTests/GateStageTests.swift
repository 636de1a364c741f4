import Basics
import Contracts
import Foundation
import Testing
@testable import EventBridge

/// Which prerequisite an event waits for: the config's rules (last match wins, `requires: null`
/// switches off, `sources` scopes) over the catalog's `prerequisite`.
@Suite struct GateStageTests {
    private typealias S = AdapterTestSupport

    private func rules(_ sequencing: JSONValue) throws -> GateStage.Rules {
        let config = try BridgeConfig.parse([
            "kafka": ["bootstrap.servers": "127.0.0.1:1"], "store": ["path": "x.sqlite"],
            "sources": [["topic": "erp", "source": "urn:erp"], ["topic": "stripe", "source": "urn:stripe"]],
            "subscribers": [["name": "gl", "topic": "gl", "types": ["*"]]],
            "sequencing": sequencing,
        ])
        return try GateStage.Rules(config: config.sequencing, registry: try S.contracts())
    }

    private func invoice(customer: String = "C-1", payment: String? = nil) throws -> (Contract, JSONValue) {
        let registry = try S.contracts()
        let contract = try #require(registry.latest("finance.invoice.posted"))
        var data = try #require(JSONParser.parse(String(contentsOfFile: S.repositoryRoot + "/contracts/examples/finance.invoice.posted.v2.json", encoding: .utf8)).objectValue)
        data["customerId"] = .string(customer)
        return (contract, .object(data))
    }

    @Test func theCatalogsPrerequisiteAppliesByDefault() throws {
        let r = try rules(["deadline": "10m"])
        let (contract, data) = try invoice()
        #expect(r.requirement(contract: contract, data: data, topic: "erp") == .init(key: "finance.customer.ready|C-1", deadlineSeconds: 600))
        #expect(r.readinessKey(type: "finance.customer.ready", entityKey: "C-1") == "finance.customer.ready|C-1")
        #expect(r.readinessKey(type: "finance.invoice.posted", entityKey: "INV-1") == nil)
    }

    @Test func rulesSwitchOffPerSourceAndTheLastMatchWins() throws {
        let r = try rules(["prerequisites": [
            ["types": "finance.invoice.*", "requires": .null, "sources": ["stripe"]],
            ["types": "finance.invoice.posted", "requires": "finance.customer.upserted", "key": "/customerId", "deadline": "30s", "sources": ["erp"]],
        ]])
        let (contract, data) = try invoice(customer: "C-7")
        #expect(r.requirement(contract: contract, data: data, topic: "stripe") == nil)
        #expect(r.requirement(contract: contract, data: data, topic: "erp") == .init(key: "finance.customer.upserted|C-7", deadlineSeconds: 30))
        #expect(r.readinessKey(type: "finance.customer.upserted", entityKey: "C-7") != nil)
    }

    @Test func gatingOffGatesNothing() throws {
        let r = try rules(["gating": false])
        let (contract, data) = try invoice()
        #expect(r.requirement(contract: contract, data: data, topic: "erp") == nil)
        #expect(r.readinessKey(type: "finance.customer.ready", entityKey: "C-1") == nil)
    }

    /// A customer whose key is "CAFÉ" written with U+00C9 is not the customer "CAFE" + U+0301 (two
    /// rows in the store's readiness table): the stage keeps their readiness apart in memory too.
    /// With `String` keys the second was taken as ready and published before its prerequisite.
    @Test func readinessKeysAreComparedByTheirBytes() throws {
        let r = try rules(["deadline": "10m"])
        let gate = GateStage(rules: r, store: nil)
        let (contract, _) = try invoice()
        let composed = "CAF\u{C9}", decomposed = "CAFE\u{301}"
        #expect(composed == decomposed)
        var ready = DedupStage.plan(type: "finance.customer.ready", contract: contract.ref, entityKey: composed, dedupText: composed, revision: nil)
        ready.readinessKey = r.readinessKey(type: "finance.customer.ready", entityKey: composed)
        gate.didPublish([ready], partition: TopicPartition(topic: "erp", partition: 0))
        func waiting(_ customer: String) throws -> Bool {
            var event = DedupStage.plan(type: "finance.invoice.posted", contract: contract.ref, entityKey: "INV-1", dedupText: "INV-1", revision: nil)
            let (c, data) = try invoice(customer: customer)
            event.requirement = r.requirement(contract: c, data: data, topic: "erp")
            return try gate.admit([event], of: TopicPartition(topic: "erp", partition: 0)) != nil
        }
        #expect(try !waiting(composed))
        #expect(try waiting(decomposed))
    }

    /// The staleness guard's entity and the entity-state stage's entity are byte-exact keys too.
    @Test func entityKeysAreComparedByTheirBytes() {
        let composed = "CAF\u{C9}", decomposed = "CAFE\u{301}"
        #expect(DedupStage.EntityRef(family: "finance.customer", key: composed) != DedupStage.EntityRef(family: "finance.customer", key: decomposed))
        #expect(DedupStage.EntityRef(family: "finance.customer", key: composed) == DedupStage.EntityRef(family: "finance.customer", key: "CAF\u{C9}"))
        #expect(Set([StateRequest.Entity(scope: "m", key: composed), StateRequest.Entity(scope: "m", key: decomposed)]).count == 2)
    }

    @Test func rulesAreChecked() throws {
        #expect(throws: ConfigError.self) { try rules(["prerequisites": [["types": "finance.invoice.*", "requires": "finance.nothing"]]]) }
        #expect(throws: ConfigError.self) { try rules(["prerequisites": [["types": "finance.invoice.*"]]]) }
        #expect(throws: ConfigError.self) { try rules(["prerequisites": [["types": "finance.invoice.*", "requires": .null, "sources": ["nowhere"]]]]) }
        #expect(throws: ConfigError.self) { try rules(["gating": "yes"]) }
        #expect(throws: ConfigError.self) { try rules(["deadline": "0s"]) }
    }
}
