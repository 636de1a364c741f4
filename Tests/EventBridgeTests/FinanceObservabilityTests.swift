import Basics
import Contracts
import EventStore
import Foundation
import Observability
import Testing
@testable import EventBridge

/// Materiality and objectives from catalog and config, the metric families labelled by workflow
/// and materiality, the in-process reconcile over a real store, and the business report.
@Suite struct FinanceObservabilityTests {
    private typealias S = AdapterTestSupport

    static func catalog() throws -> ContractRegistry { try ContractRegistry.load(directory: S.repositoryRoot + "/contracts") }

    static func settings(_ rules: [BridgeConfig.ObjectiveRule] = [], unattributed: Materiality = .high) -> BridgeConfig.ObservabilitySettings {
        var s = BridgeConfig.ObservabilitySettings()
        s.objectives = rules
        s.unattributedMateriality = unattributed
        return s
    }

    // MARK: Objectives

    @Test func objectivesComeFromTheCatalogAndConfigRulesOverrideThemFieldByField() throws {
        let objectives = Objectives(registry: try Self.catalog(), settings: Self.settings([
            .init(types: "finance.customer.*", materiality: .high, syncLagSeconds: nil),
            .init(types: "finance.customer.ready", materiality: nil, syncLagSeconds: 30),
            .init(types: "*", materiality: nil, syncLagSeconds: nil),
        ], unattributed: .critical))
        #expect(objectives.entry(forType: "finance.payment.settled") == .init(workflow: "finance.payment", objective: .init(materiality: .critical, syncLagSeconds: 60)))
        #expect(objectives.entry(forType: "finance.customer.upserted") == .init(workflow: "finance.customer", objective: .init(materiality: .high, syncLagSeconds: 900)))
        #expect(objectives.entry(forType: "finance.customer.ready") == .init(workflow: "finance.customer", objective: .init(materiality: .high, syncLagSeconds: 30)))
        // Anything outside the catalog is unattributed: label values never come from input.
        #expect(objectives.entry(forType: "evil.type.\u{0}x").workflow == "unattributed")
        #expect(objectives.entry(forType: nil).materiality == .critical)
        let customer = objectives.workflows.filter { $0.workflow == "finance.customer" }
        #expect(customer.count == 1 && customer[0].materiality == .high && customer[0].syncLagSeconds == 30)
        #expect(Set(objectives.workflows.map(\.workflow)) == Set((try Self.catalog()).types.map(Workflow.of)))
    }

    @Test func theObservabilitySectionIsReadAndCheckedWithPaths() throws {
        var json = try #require(ConfigTests.minimal.objectValue)
        json["observability"] = [
            "objectives": [["types": "finance.payment.*", "materiality": "high", "syncLag": "2m"], ["types": "finance.tax.*", "syncLag": "10m"]],
            "unattributedMateriality": "critical", "reconcileInterval": "5s",
        ]
        let c = try BridgeConfig.parse(.object(json), environment: ["KAFKA_PASSWORD": "x"])
        #expect(c.observability.objectives.map(\.types) == ["finance.payment.*", "finance.tax.*"])
        #expect(c.observability.objectives[0].materiality == .high && c.observability.objectives[0].syncLagSeconds == 120)
        #expect(c.observability.objectives[1].materiality == nil && c.observability.objectives[1].syncLagSeconds == 600)
        #expect(c.observability.unattributedMateriality == .critical)
        #expect(c.observability.reconcileIntervalSeconds == 5)
        #expect(try BridgeConfig.parse(ConfigTests.minimal, environment: ["KAFKA_PASSWORD": "x"]).observability.reconcileIntervalSeconds == 30)

        json["observability"] = [
            "objectives": [["types": "fin*ance", "materiality": "urgent"], ["types": "finance.x"], ["syncLag": "99d"]],
            "reconcileInterval": "0s", "colour": "red",
        ]
        do {
            _ = try BridgeConfig.parse(.object(json), environment: ["KAFKA_PASSWORD": "x"])
            Issue.record("accepted a broken observability section")
        } catch {
            let text = error.description
            for expected in ["/observability/objectives/0/types: '*' is allowed only at the end",
                             "/observability/objectives/0/materiality: must be one of critical, high, normal",
                             "/observability/objectives/1: sets neither materiality nor syncLag",
                             "/observability/objectives/2/types: missing", "/observability/objectives/2/syncLag: must be from 1s to 7d",
                             "/observability/reconcileInterval: must be from 1s to 1h", "/observability/colour: unknown field"] {
                #expect(text.contains(expected), "missing: \(expected) in \(text)")
            }
        }
    }

    // MARK: Metric families

    @Test func familiesCarryWorkflowAndMaterialityFromTheCatalog() throws {
        let registry = MetricsRegistry(logger: .disabled)
        let metrics = BridgeMetrics(registry: registry, objectives: Objectives(registry: try Self.catalog(), settings: Self.settings()))
        metrics.deadLettered(stage: "contract", code: "schema.required", type: "finance.payment.settled").increment()
        metrics.deadLettered(stage: "decode", code: "json.syntax").increment()
        metrics.duplicates(type: "finance.customer.upserted").add(2)
        metrics.syncLag(topic: "erp", type: "finance.invoice.posted").observe(3)
        metrics.setParkedProvider { [.init(type: "finance.invoice.posted", count: 4, oldestAgeSeconds: 9)] }
        let text = registry.render()
        for line in [
            #"eventbridge_dlq_records_total{code="schema.required",materiality="critical",stage="contract",workflow="finance.payment"} 1"#,
            #"eventbridge_dlq_records_total{code="json.syntax",materiality="high",stage="decode",workflow="unattributed"} 1"#,
            #"eventbridge_duplicates_total{materiality="normal",type="finance.customer.upserted",workflow="finance.customer"} 2"#,
            #"eventbridge_sync_lag_seconds_count{materiality="high",topic="erp",workflow="finance.invoice"} 1"#,
            #"eventbridge_parked_events{materiality="high",type="finance.invoice.posted",workflow="finance.invoice"} 4"#,
            // Registered up front: the objectives, and the per-workflow counters at 0 (so rate() sees the first event).
            #"eventbridge_sync_lag_objective_seconds{materiality="critical",workflow="finance.payment"} 60"#,
            #"eventbridge_sync_lag_objective_seconds{materiality="normal",workflow="finance.customer"} 900"#,
            #"eventbridge_events_synced_total{materiality="critical",workflow="finance.payment"} 0"#,
            #"eventbridge_sync_lag_breaches_total{materiality="normal",workflow="finance.supplier"} 0"#,
        ] {
            #expect(text.contains(line + "\n"), "missing: \(line)")
        }
    }

    @Test func publishedEventsCountAsSyncedAndBreachTheirOwnContractsObjective() throws {
        let registry = MetricsRegistry(logger: .disabled)
        let metrics = PipelineMetrics(registry: registry, objectives: Objectives(registry: try Self.catalog(), settings: Self.settings()))
        let now = WallClock.nowMillis()
        func event(_ type: String, ageSeconds: Int64?) -> PlannedEvent {
            PlannedEvent(id: UUID().uuidString, contract: ContractRef(type: type, version: 1), entityKey: "k",
                         dedupKey: DedupKey(family: type, values: [UUID().uuidString]), entity: nil, revision: nil,
                         timeMillis: ageSeconds.map { now - $0 * 1000 })
        }
        // Payments: objective 60 s. Customers: 15 min. An event without a time is synced, not timed.
        metrics.syncLag("stripe", [event("finance.payment.settled", ageSeconds: 5), event("finance.payment.settled", ageSeconds: 120)])
        metrics.syncLag("crm", [event("finance.customer.upserted", ageSeconds: 120), event("finance.customer.upserted", ageSeconds: nil)])
        let text = registry.render()
        for line in [
            #"eventbridge_events_synced_total{materiality="critical",workflow="finance.payment"} 2"#,
            #"eventbridge_sync_lag_breaches_total{materiality="critical",workflow="finance.payment"} 1"#,
            #"eventbridge_events_synced_total{materiality="normal",workflow="finance.customer"} 2"#,
            #"eventbridge_sync_lag_breaches_total{materiality="normal",workflow="finance.customer"} 0"#,
            #"eventbridge_sync_lag_seconds_count{materiality="normal",topic="crm",workflow="finance.customer"} 1"#,
            #"eventbridge_sync_lag_seconds_count{materiality="critical",topic="stripe",workflow="finance.payment"} 2"#,
        ] {
            #expect(text.contains(line + "\n"), "missing: \(line)")
        }
    }

    // MARK: The in-process reconcile

    final class TempStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventbridge-accounting-\(UUID().uuidString)")
        var path: String { directory.appendingPathComponent("store.sqlite").path }
        let store: EventStore

        init() throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var c = StoreConfiguration(path: directory.appendingPathComponent("store.sqlite").path)
            c.pruneIntervalSeconds = 0
            c.durability = .normal
            store = try EventStore.open(c, logger: .disabled)
        }

        deinit {
            store.close()
            try? FileManager.default.removeItem(at: directory)
        }

        func record(_ tp: TopicPartition, _ offsets: [Int64], _ outcome: LedgerEntry.Outcome = .published, type: String? = "finance.payment.settled",
                    code: String? = nil, at: Int64 = WallClock.nowMillis(), processedNext: Int64? = nil) throws {
            var batch = StoreBatch()
            for o in offsets {
                batch.record(LedgerEntry(source: PartitionPosition(tp, offset: o), outcome: outcome, eventID: outcome == .published ? "ev-\(o)" : nil,
                                         eventType: type, dlqPosition: outcome == .deadLettered ? PartitionPosition(topic: tp.topic + ".dlq", partition: tp.partition, offset: o) : nil,
                                         errorCode: code, atMillis: at))
            }
            if let processedNext { batch.setProcessedOffset(next: processedNext, for: tp) }
            try store.commitAndWait(batch)
        }
    }

    static let src = TopicPartition(topic: "billing.stripe.events", partition: 0)
    static let other = TopicPartition(topic: "crm.salesforce.cdc", partition: 2)

    @Test func completenessCountsNewOffsetsAndRechecksItsHoles() throws {
        let temp = try TempStore()
        let reader = try StoreReader.open(path: temp.path)
        defer { reader.close() }
        let tracker = CompletenessTracker(chunk: 4, maxHoles: 3)
        try temp.record(Self.src, [10, 11, 12, 15, 16, 19], processedNext: 20)   // 13, 14, 17, 18 have no outcome
        try temp.record(Self.other, [0, 1, 2], processedNext: 3)
        func update(_ tracker: CompletenessTracker) throws -> [TopicPartition: CompletenessTracker.Partition] {
            Dictionary(uniqueKeysWithValues: try tracker.update(reader).map { ($0.partition, $0) })
        }
        var pass = try update(tracker)
        #expect(pass.count == 2)
        #expect(pass[Self.other]?.checked == 3 && pass[Self.other]?.missing == 0)
        #expect(pass[Self.src]?.checked == 10 && pass[Self.src]?.missing == 4 && pass[Self.src]?.holes == [13..<15, 17..<19])
        // The holes fill (another writer's outcomes applied from the changelog); more is committed.
        try temp.record(Self.src, [13, 14, 20, 21], processedNext: 22)
        pass = try update(tracker)
        #expect(pass[Self.src]?.checked == 12 && pass[Self.src]?.missing == 2 && pass[Self.src]?.holes == [17..<19])
        // Many new holes: beyond maxHoles the newest merge, the count stays exact.
        try temp.record(Self.src, [22, 24, 26, 28, 30], processedNext: 31)
        pass = try update(tracker)
        #expect(pass[Self.src]?.missing == 6, "two old and four new offsets")
        #expect(pass[Self.src]?.holes == [17..<19, 23..<24, 25..<30])
        #expect(try update(tracker)[Self.src]?.missing == 6, "a merged hole is recounted, not taken as all missing")
        // A fresh tracker (what `eventbridge report` runs) agrees.
        #expect(try update(CompletenessTracker())[Self.src]?.missing == 6)
    }

    @Test func openExceptionsAreLabelledFromTheCatalogAndDropOnceResolved() throws {
        let temp = try TempStore()
        let now = WallClock.nowMillis()
        try temp.record(Self.src, [0, 1], .deadLettered, type: "finance.payment.settled", code: "schema.required", at: now - 2 * 3_600_000)
        try temp.record(Self.src, [2], .deadLettered, type: nil, code: "json.syntax", at: now - 60_000, processedNext: 3)
        let objectives = Objectives(registry: try Self.catalog(), settings: Self.settings())
        let reader = try StoreReader.open(path: temp.path)
        defer { reader.close() }
        var accounts = try ExceptionAccount.read(reader, objectives: objectives, nowMillis: now)
        #expect(accounts == [
            ExceptionAccount(workflow: "finance.payment", materiality: .critical, code: "schema.required", count: 2, oldestAtMillis: now - 7_200_000, byBand: [0, 2, 0, 0]),
            ExceptionAccount(workflow: "unattributed", materiality: .high, code: "json.syntax", count: 1, oldestAtMillis: now - 60_000, byBand: [1, 0, 0, 0]),
        ])
        let book = try DeadLetterBook.open(path: temp.path)
        try book.markResolved(DeadLetterResolution(dlqPosition: PartitionPosition(topic: Self.src.topic + ".dlq", partition: 0, offset: 0),
                                                   resolvedAtMillis: now, actor: "test", reason: "posted by hand"))
        book.close()
        accounts = try ExceptionAccount.read(reader, objectives: objectives, nowMillis: now)
        #expect(accounts.first?.count == 1)
    }

    @Test func theReconcilerExportsItsLastPass() throws {
        let temp = try TempStore()
        try temp.record(Self.src, [0, 1, 3], processedNext: 4)
        try temp.record(Self.other, [5], .deadLettered, type: "finance.customer.upserted", code: "schema.format", at: WallClock.nowMillis() - 90_000,
                        processedNext: 6)
        let registry = MetricsRegistry(logger: .disabled)
        let metrics = BridgeMetrics(registry: registry, objectives: Objectives(registry: try Self.catalog(), settings: Self.settings()))
        let reconciler = Reconciler(storePath: temp.path, objectives: metrics.objectives, interval: .seconds(60), metrics: metrics, logger: .disabled)
        #expect(!registry.render().contains("eventbridge_reconcile_completeness_ratio "), "nothing before the first pass")
        let snapshot = try reconciler.runOnce()
        #expect(snapshot.byTopic.map(\.topic) == ["billing.stripe.events", "crm.salesforce.cdc"])
        let text = registry.render()
        for line in [
            #"eventbridge_reconcile_checked_inputs{topic="billing.stripe.events"} 4"#,
            #"eventbridge_reconcile_missing_inputs{topic="billing.stripe.events"} 1"#,
            #"eventbridge_reconcile_missing_inputs{topic="crm.salesforce.cdc"} 0"#,
            "eventbridge_reconcile_completeness_ratio 0.8",
            #"eventbridge_reconcile_runs_total{result="ok"} 1"#,
            #"eventbridge_exceptions_open{code="schema.format",materiality="normal",workflow="finance.customer"} 1"#,
            #"eventbridge_exceptions_oldest_age_seconds{materiality="critical",workflow="finance.payment"} 0"#,
        ] {
            #expect(text.contains(line + "\n"), "missing: \(line)")
        }
        let age = try #require(text.split(separator: "\n").first { $0.hasPrefix(#"eventbridge_exceptions_oldest_age_seconds{materiality="normal",workflow="finance.customer"}"#) })
        let seconds = try #require(Double(age.split(separator: " ").last ?? ""))
        #expect(seconds >= 90 && seconds < 120)
        // The thread: a first pass at once, then stop joins it.
        reconciler.start()
        reconciler.stop()
        #expect(registry.render().contains(#"eventbridge_reconcile_runs_total{result="ok"} 2"#))
    }

    // MARK: The business report

    @Test func theReportGroupsTheLedgerByWorkflowAndRendersSelfContainedHTML() throws {
        let temp = try TempStore()
        let now = WallClock.nowMillis()
        try temp.record(Self.src, [0, 1, 2], .published, at: now - 3_600_000)
        try temp.record(Self.src, [3], .duplicate, at: now - 1_800_000)
        try temp.record(Self.src, [4], .deadLettered, code: "schema.required", at: now - 600_000)
        try temp.record(Self.src, [5], .published, at: now - 30 * 3_600_000, processedNext: 7)  // before the window; 6 is missing
        let reader = try StoreReader.open(path: temp.path)
        defer { reader.close() }
        let report = try BusinessReport.build(reader, objectives: Objectives(registry: try Self.catalog(), settings: Self.settings()),
                                              sinceMillis: now - 24 * 3_600_000, nowMillis: now)
        let payments = try #require(report.rows.first { $0.workflow == "finance.payment" })
        #expect(payments.materiality == .critical && payments.syncLagObjectiveSeconds == 60)
        #expect(payments.eventsSynced == 3 && payments.inputsPublished == 3 && payments.duplicatesDropped == 1 && payments.deadLettered == 1)
        #expect(payments.openByBand == [1, 0, 0, 0] && payments.openByCode == ["schema.required": 1])
        #expect(payments.missingOutcomes == 1 && payments.reconciliation == "missing")
        #expect(report.missingOutcomes == 1)
        #expect(report.rows.first?.materiality == .critical, "critical workflows first")
        #expect(report.slots.reduce(0) { $0 + ($1.counts[.published] ?? 0) } == 3)
        #expect(report.slots.count >= 24 && report.slots.count <= 26)
        let json = report.json
        #expect(json["reconciliation"]?["missing"] == 1)
        let html = report.html
        #expect(html.components(separatedBy: "<svg").count - 1 == 3)
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
        #expect(BusinessReport.escape(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(BusinessReport.niceMax(0) == 1 && BusinessReport.niceMax(3) == 5 && BusinessReport.niceMax(31) == 50 && BusinessReport.niceMax(100) == 100)
    }
}
