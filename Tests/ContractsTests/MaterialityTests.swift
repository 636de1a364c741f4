import Foundation
import Testing
@testable import Contracts

/// Contracts declare their materiality and sync-lag objective; without them, their workflow's
/// default applies and `contracts check` warns (it does not fail).
@Suite struct MaterialityTests {
    static func contract(type: String = "finance.payment.settled", extra: String = "") -> String {
        #"""
        {"type":"\#(type)","version":1,"key":"/id","dedupKey":["/id"],"revision":"/rev","compatibility":"BACKWARD",
         "description":"d","owner":"o"\#(extra),
         "schema":{"type":"object","additionalProperties":false,"required":["id","rev"],
                   "properties":{"id":{"type":"string"},"rev":{"type":"integer"}}}}
        """#
    }

    static func parse(_ text: String) throws -> Result<Contract, ContractLoadError> {
        Contract.parse(try JSONParser.parse(text), file: "contracts/x.json")
    }

    @Test func declaredMaterialityAndObjectiveAreRead() throws {
        let c = try Self.parse(Self.contract(type: "finance.customer.upserted", extra: #","materiality":"critical","syncLagObjective":"90s""#)).get()
        #expect(c.declaredMateriality == .critical)
        #expect(c.declaredSyncLagSeconds == 90)
        #expect(c.objective == Objective(materiality: .critical, syncLagSeconds: 90))
        #expect(c.workflow == "finance.customer")
    }

    @Test func eachUndeclaredFieldFallsBackToItsWorkflowDefault() throws {
        let none = try Self.parse(Self.contract()).get()
        #expect(none.declaredMateriality == nil && none.declaredSyncLagSeconds == nil)
        #expect(none.objective == Objective(materiality: .critical, syncLagSeconds: 60))
        let lagOnly = try Self.parse(Self.contract(type: "finance.customer.ready", extra: #","syncLagObjective":"2h""#)).get()
        #expect(lagOnly.objective == Objective(materiality: .normal, syncLagSeconds: 7200))
        let unknownFamily = try Self.parse(Self.contract(type: "acme.widget.shipped", extra: #","materiality":"high""#)).get()
        #expect(unknownFamily.objective == Objective(materiality: .high, syncLagSeconds: Workflow.fallback.syncLagSeconds))
    }

    @Test func badValuesAreProblemsWithTheirPointer() throws {
        let result = try Self.parse(Self.contract(extra: #","materiality":"urgent","syncLagObjective":"soon""#))
        guard case .failure(let error) = result else {
            Issue.record("accepted a bad materiality")
            return
        }
        let p = error.problems.map(\.description)
        #expect(p.contains("contracts/x.json: /materiality: one of critical, high, normal, got \"urgent\""), "\(p)")
        #expect(p.contains("contracts/x.json: /syncLagObjective: a duration from 1s to 7d such as \"60s\" or \"15m\", got \"soon\""), "\(p)")
        for bad in [#""0s""#, #""8d""#, "60", "null"] {
            #expect(throws: ContractLoadError.self) { try Self.parse(Self.contract(extra: #","syncLagObjective":"# + bad)).get() }
        }
    }

    @Test func workflowIsTheTypeWithoutItsLastWord() {
        #expect(Workflow.of("finance.payment.settled") == "finance.payment")
        #expect(Workflow.of("finance.journal_entry.posted") == "finance.journal_entry")
        #expect(Workflow.of("single") == "single")
        #expect(Materiality.allCases.sorted() == [.critical, .high, .normal])
    }

    @Test func catalogCheckWarnsAboutContractsWithoutObjectivesButPasses() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eventbridge-materiality-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.contract().write(to: dir.appendingPathComponent("finance.payment.settled.v1.json"), atomically: true, encoding: .utf8)
        try Self.contract(type: "finance.customer.upserted", extra: #","materiality":"normal","syncLagObjective":"15m""#)
            .write(to: dir.appendingPathComponent("finance.customer.upserted.v1.json"), atomically: true, encoding: .utf8)
        let result = CatalogCheck.run(directory: dir.path)
        #expect(result.passed)
        #expect(result.warnings.map(\.message) == [
            "declares no materiality or syncLagObjective: finance.payment's default applies (critical, sync lag 60s)",
        ])
        #expect(result.json["warnings"]?.arrayValue?.count == 1)
    }

    @Test func theShippedCatalogDeclaresEveryObjective() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let result = CatalogCheck.run(directory: root.appendingPathComponent("contracts").path)
        #expect(result.passed)
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        let registry = try ContractRegistry.load(directory: root.appendingPathComponent("contracts").path)
        // Both versions of a type agree (metrics take the latest version's).
        for type in registry.types {
            let objectives = Set((registry.family(type)?.versions ?? []).map(\.objective))
            #expect(objectives.count == 1, "\(type) versions disagree: \(objectives)")
        }
        #expect(registry.latest("finance.payment.settled")?.objective == Objective(materiality: .critical, syncLagSeconds: 60))
        #expect(registry.latest("finance.customer.upserted")?.objective == Objective(materiality: .normal, syncLagSeconds: 900))
    }
}
