import Foundation
import Testing
@testable import Contracts

/// The shipped catalog, located from this file: `<package>/contracts`.
enum Catalog {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = packageRoot.appendingPathComponent("contracts").path
    static let examples = packageRoot.appendingPathComponent("contracts/examples").path

    /// Loaded once for all tests.
    static let loaded = Result { () throws(ContractLoadError) in try ContractRegistry.load(directory: directory) }

    static func registry() throws -> ContractRegistry { try loaded.get() }

    static func example(_ type: String, _ version: Int) throws -> JSONValue {
        let data = try #require(FileManager.default.contents(atPath: "\(examples)/\(type).v\(version).json"), "\(type).v\(version) example")
        return try JSONParser.parse([UInt8](data))
    }

    static let v1Types = [
        "finance.customer.upserted", "finance.customer.ready", "finance.credit_hold.applied", "finance.credit_hold.released",
        "finance.supplier.upserted", "finance.invoice.issued", "finance.invoice.posted", "finance.invoice.paid",
        "finance.invoice.voided", "finance.payment.settled", "finance.payment.failed", "finance.payment.refunded",
        "finance.journal_entry.posted", "finance.purchase_order.approved", "finance.purchase_order.closed", "finance.tax.calculated",
        // Types real sources need (docs/adapters.md §4): notices, receipts, refunds, disputes, credit notes, payouts.
        "finance.customer.changed", "finance.customer.contact.upserted", "finance.sales_order.changed", "finance.sales_order.upserted",
        "finance.payment.received", "finance.payment.canceled", "finance.refund.failed", "finance.dispute.opened",
        "finance.dispute.funds_withdrawn", "finance.dispute.funds_reinstated", "finance.dispute.closed", "finance.credit_note.issued",
        "finance.credit_note.voided", "finance.payout.initiated", "finance.payout.paid", "finance.payout.failed",
        "finance.invoice.uncollectible",
    ]

    /// Types with a version 2 (v2 relaxes what real sources cannot send; the upcast is the identity).
    static let v2Types = ["finance.invoice.posted", "finance.payment.failed", "finance.payment.refunded", "finance.invoice.paid"]
}

/// Sets one value inside a document (test helper over JSON Patch `add`).
func setting(_ doc: JSONValue, _ pointer: String, _ value: JSONValue) throws -> JSONValue {
    try JSONPatch(operations: [.add(path: #require(JSONPointer(pointer)), value: value)]).applied(to: doc)
}

func removing(_ doc: JSONValue, _ pointer: String) throws -> JSONValue {
    try JSONPatch(operations: [.remove(path: #require(JSONPointer(pointer)))]).applied(to: doc)
}

@Suite struct CatalogTests {
    @Test func aContractRefNamesItsDataschemaAndReadsItsVersionBack() {
        let ref = ContractRef(type: "finance.invoice.posted", version: 12)
        #expect(ref.dataschema == "urn:eventbridge:contract:finance.invoice.posted:v12")
        #expect(ContractRef.version(ofDataschema: ref.dataschema) == 12)
        #expect(ContractRef(type: "x", version: 1).dataschema == "urn:eventbridge:contract:x:v1")
        #expect(ContractRef(type: "x", version: Int.max).dataschema == "urn:eventbridge:contract:x:v\(Int.max)")
        #expect(ContractRef(type: "x", version: Int.min).dataschema == "urn:eventbridge:contract:x:v\(Int.min)")
        #expect(ContractRef(type: "é.ü", version: 0).dataschema == "urn:eventbridge:contract:é.ü:v0")
    }

    @Test func catalogLoadsWithEveryTypeAndTheInvoiceV2() throws {
        let registry = try Catalog.registry()
        #expect(Set(registry.types) == Set(Catalog.v1Types))
        #expect(registry.versions(of: "finance.invoice.posted") == [1, 2])
        #expect(registry.latest("finance.invoice.posted")?.version == 2)
        #expect(registry.contract("finance.invoice.issued", version: 1)?.prerequisite?.type == "finance.customer.ready")
        for contract in registry.all {
            #expect(contract.schema["additionalProperties"] == false, "\(contract.ref) has an open top level")
        }
    }

    @Test(arguments: Catalog.v1Types.map { ($0, 1) } + Catalog.v2Types.map { ($0, 2) })
    func everyExampleValidates(_ type: String, _ version: Int) throws {
        let registry = try Catalog.registry()
        let contract = try #require(registry.contract(type, version: version))
        let doc = try Catalog.example(type, version)
        let report = contract.validate(doc)
        #expect(report.isValid, "\(contract.ref): \(report.violations)")
        #expect(contract.entityKey(of: doc) != nil)
        #expect(contract.dedupKey(of: doc) != nil)
        #expect(contract.revision.resolve(in: doc) != nil)
    }

    @Test func journalEntryOffByOneCentIsUnbalanced() throws {
        let contract = try #require(try Catalog.registry().latest("finance.journal_entry.posted"))
        let doc = try Catalog.example("finance.journal_entry.posted", 1)
        let creditText = try #require(doc["lines"]?[2]?["amount"])
        let credit = try #require(ExactDecimal(creditText))
        let off = try setting(doc, "/lines/2/amount", .string((credit - ExactDecimal(minorUnits: 1, scale: 2)).description))
        let report = contract.validate(off)
        #expect(!report.isValid)
        #expect(report.violations.map(\.errorCode) == ["rule.unbalanced"])
        #expect(report.violations.first?.keywordLocation == "/rules/0/balanced")
        #expect(report.violations.first?.instanceLocation.description == "/lines")
        #expect(report.violations.first?.message.contains("difference 0.01") == true)
    }

    @Test func jpyAmountWithDecimalsIsInvalid() throws {
        let contract = try #require(try Catalog.registry().latest("finance.payment.refunded"))
        let doc = try Catalog.example("finance.payment.refunded", 1)
        #expect(doc["currency"] == "JPY")
        for amount in ["150000.5", "150000.0"] {
            let report = contract.validate(try setting(doc, "/amount", .string(amount)))
            #expect(report.violations.map(\.errorCode) == ["rule.currencyScale"], "\(amount)")
            #expect(report.violations.first?.instanceLocation.description == "/amount")
        }
    }

    @Test func invalidVariantsReportSchemaAndRuleCodes() throws {
        let registry = try Catalog.registry()
        let invoice = try #require(registry.contract("finance.invoice.posted", version: 1))
        let doc = try Catalog.example("finance.invoice.posted", 1)
        #expect(invoice.validate(try removing(doc, "/customerId")).violations.contains { $0.errorCode == "schema.required" })
        #expect(invoice.validate(try setting(doc, "/revision", "2")).violations.contains { $0.errorCode == "schema.type" })
        #expect(invoice.validate(try setting(doc, "/currency", "EURO")).violations.contains { $0.errorCode == "schema.format" })
        #expect(invoice.validate(try setting(doc, "/unexpected", 1)).violations.contains { $0.errorCode == "schema.additionalProperties" })
        let early = invoice.validate(try setting(doc, "/dueDate", "2025-03-01"))
        #expect(early.violations.map(\.errorCode) == ["rule.dateOrder"])
        let total = invoice.validate(try setting(doc, "/grossTotal", "1.00"))
        #expect(total.violations.map(\.errorCode) == ["rule.sumEquals"])
        // A money amount as a JSON number is a schema error (money is a decimal string).
        #expect(invoice.validate(try setting(doc, "/netTotal", 10)).violations.contains { $0.errorCode == "schema.type" })
        let voided = try #require(registry.latest("finance.invoice.voided"))
        let v = voided.validate(try removing(try Catalog.example("finance.invoice.voided", 1), "/creditNoteId"))
        #expect(v.violations.map(\.errorCode) == ["rule.requiredWhen"])
    }

    @Test func invoiceV1UpcastsToV2AndValidates() throws {
        let registry = try Catalog.registry()
        let v1 = try Catalog.example("finance.invoice.posted", 1)
        let v2 = try registry.upcast(v1, type: "finance.invoice.posted", from: 1).get()
        #expect(v2["tax"]?["amount"] == v1["taxTotal"])
        #expect(v2["tax"]?["jurisdiction"] == v1["taxJurisdiction"])
        #expect(try #require(registry.latest("finance.invoice.posted")).validate(v2).isValid)
        // Same version: unchanged.
        #expect(try registry.upcast(v1, type: "finance.invoice.posted", from: 1, to: 1).get() == v1)
    }

    @Test func upcastFailureNamesTheStep() throws {
        let registry = try Catalog.registry()
        let v1 = try removing(try Catalog.example("finance.invoice.posted", 1), "/taxJurisdiction")
        switch registry.upcast(v1, type: "finance.invoice.posted", from: 1, to: 2) {
        case .success: Issue.record("upcast a document without taxJurisdiction")
        case .failure(let e):
            #expect(e.description.hasPrefix("upcast 1→2: "))
            #expect(e.code == "upcast.patch")
        }
        // The patch applies, but the result breaks a v2 rule: named as the step's validation failure.
        let badTax = try setting(try Catalog.example("finance.invoice.posted", 1), "/taxTotal", "0.01")
        switch registry.upcast(badTax, type: "finance.invoice.posted", from: 1) {
        case .success: Issue.record("upcast an invalid result")
        case .failure(let e):
            #expect(e.code == "upcast.invalid")
            #expect(e.description.hasPrefix("upcast 1→2: the result does not validate against finance.invoice.posted@2"))
        }
        if case .success = registry.upcast(v1, type: "finance.invoice.posted", from: 2, to: 1) { Issue.record("downcast") }
    }

    @Test func keysAreCanonical() throws {
        let contract = try #require(try Catalog.registry().latest("finance.invoice.posted"))
        let doc = try Catalog.example("finance.invoice.posted", 2)
        #expect(contract.entityKey(of: doc) == "INV-2025-000981")
        #expect(contract.dedupKey(of: doc) == #"["INV-2025-000981",2]"#)
        let two = try #require(JSONNumber(literal: "2.0"))
        #expect(contract.dedupKey(of: try setting(doc, "/revision", .number(two))) == #"["INV-2025-000981",2]"#)
        #expect(contract.prerequisiteKey(of: doc) == "CUST-100234")
        // The staleness guard compares these values as the store keeps them (StoredRevision,
        // EventStoreTests): the contract only says where they are.
        #expect(contract.revision.resolve(in: doc) == 2)
        let refunded = try #require(try Catalog.registry().latest("finance.payment.refunded"))
        #expect(refunded.revision.resolve(in: ["refundedAt": "2025-04-12T11:00:00+09:00"]) == "2025-04-12T11:00:00+09:00")
    }
}
