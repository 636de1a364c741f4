import Contracts
import Testing
@testable import EventBridge

/// The shipped `debezium` mapping with PostgreSQL connector change events (envelope per the
/// Debezium PostgreSQL connector documentation), with and without the JsonConverter schema.
@Suite struct AdapterDebeziumTests {
    private typealias S = AdapterTestSupport

    private func source(_ table: String) -> String {
        #"""
        {"version": "2.7.3.Final", "connector": "postgresql", "name": "erp", "ts_ms": 1772359200000,
         "snapshot": "false", "db": "erp", "sequence": "[\"24023928\",\"24023928\"]", "schema": "public",
         "table": "\#(table)", "txId": 555, "lsn": 24023928, "xmin": null}
        """#
    }

    private let customerRow = #"""
        {"id": 1042, "legal_name": "Müller Logistik GmbH", "tax_id": "DE129273398", "email": "ap@mueller.example",
         "country_code": "de", "currency": "eur", "payment_terms_days": 14, "status": "active",
         "street": "Hafenstraße 5", "city": "Hamburg", "postal_code": "20457", "updated_at": 1772360100123456}
        """#

    private func change(_ op: String, table: String, before: String = "null", after: String = "null", schema: Bool = false) throws -> AdapterInput {
        let payload = #"{"before": \#(before), "after": \#(after), "source": \#(source(table)), "op": "\#(op)", "ts_ms": 1772359200456, "transaction": null}"#
        let value = schema ? #"{"schema": {"type": "struct", "name": "erp.public.\#(table).Envelope"}, "payload": \#(payload)}"# : payload
        return try S.input(value, topic: "erp.public.\(table)")
    }

    @Test func insertUpdateAndSnapshotRowsBecomeCustomerUpserted() throws {
        let adapter = try S.adapter("debezium", zone: "Europe/Berlin")
        for op in ["c", "u", "r"] {
            let e = try S.event(adapter.adapt(try change(op, table: "customers", after: customerRow, schema: op == "u")))
            #expect(e.type == "finance.customer.upserted")
            #expect(e.subject == "1042")
            var expected = try JSONParser.parse(#"""
                {"occurredAt": "2026-03-01T10:00:00Z", "sourceSystem": "legacy-erp", "sourceReference": "1042",
                 "customerId": "1042", "revision": 24023928, "legalName": "Müller Logistik GmbH", "taxId": "DE129273398",
                 "country": "DE", "currency": "EUR", "paymentTermsDays": 14, "email": "ap@mueller.example",
                 "billingAddress": {"line1": "Hafenstraße 5", "city": "Hamburg", "postalCode": "20457", "country": "DE"},
                 "status": "active"}
                """#)
            expected = .object({ var o = expected.objectValue ?? JSONObject(); o["eventId"] = e.data["eventId"]; return o }())
            #expect(e.data == expected)
            #expect(e.data["eventId"]?.stringValue?.count == 36)
        }
    }

    @Test func aDeletedCustomerRowIsUpsertedAsBlockedFromBefore() throws {
        let e = try S.event(try S.adapter("debezium", zone: "Europe/Berlin").adapt(try change("d", table: "customers", before: customerRow)))
        #expect(e.type == "finance.customer.upserted")
        #expect(e.data["status"] == "blocked")
        #expect(e.data["customerId"] == "1042")
        #expect(e.data["occurredAt"] == "2026-03-01T10:00:00Z")
        // With the default REPLICA IDENTITY, before holds only the key: the input dead-letters.
        let keyOnly = S.failure(try S.adapter("debezium", zone: "Europe/Berlin").adapt(try change("d", table: "customers", before: #"{"id": 1042}"#)))
        #expect(keyOnly?.code == .missingField)
        #expect(keyOnly?.location == JSONPointer("/before/legal_name"))
    }

    private func invoiceRow(status: String) -> String {
        // total 1250.50 and tax 200.50 as NUMERIC(19,2) in precise mode; lines in a jsonb column.
        #"""
        {"id": 99001, "customer_id": 1042, "invoice_number": "RE-2026-0001", "issue_date": 20513, "due_date": 20543,
         "currency": "eur", "total_amount": "Aeh6", "tax_amount": "TlI=", "status": "\#(status)", "version": 3,
         "void_reason": null, "updated_at": 1772360100123456,
         "lines": "[{\"line_no\": 1, \"description\": \"Freight Hamburg–Berlin\", \"quantity\": 1, \"unit_price\": \"1050.00\", \"amount\": \"1050.00\", \"tax_amount\": \"199.50\"}, {\"line_no\": 2, \"description\": \"Insurance\", \"quantity\": \"1\", \"amount\": \"0.00\", \"tax_amount\": \"1.00\"}]"}
        """#
    }

    @Test func invoiceRowsChooseTheEventTypeFromTheirStatus() throws {
        let adapter = try S.adapter("debezium", zone: "Europe/Berlin")
        let issued = try S.event(adapter.adapt(try change("c", table: "invoices", after: invoiceRow(status: "issued"))))
        #expect(issued.type == "finance.invoice.issued")
        #expect(issued.data == (try JSONParser.parse(#"""
            {"invoiceId": "99001", "customerId": "1042", "sourceSystem": "erp", "invoiceNumber": "RE-2026-0001",
             "issueDate": "2026-03-01", "dueDate": "2026-03-31", "currency": "EUR", "totalAmount": "1250.50", "taxAmount": "200.50",
             "lines": [
               {"lineId": "1", "description": "Freight Hamburg–Berlin", "quantity": 1, "unitPrice": "1050.00", "amount": "1050.00", "taxAmount": "199.50"},
               {"lineId": "2", "description": "Insurance", "quantity": "1", "amount": "0.00", "taxAmount": "1.00"}
             ],
             "status": "issued", "revision": 3, "occurredAt": "2026-03-01T10:15:00.123456+01:00"}
            """#)))
        #expect(try S.event(adapter.adapt(try change("u", table: "invoices", after: invoiceRow(status: "posted")))).type == "finance.invoice.posted")
        #expect(try S.event(adapter.adapt(try change("u", table: "invoices", after: invoiceRow(status: "paid")))).type == "finance.invoice.paid")
        let voided = try S.event(adapter.adapt(try change("u", table: "invoices", after: invoiceRow(status: "void"))))
        #expect(voided.type == "finance.invoice.voided")
        #expect(voided.data == ["invoiceId": "99001", "voidedAt": "2026-03-01T10:15:00.123456+01:00"])
        #expect(S.filteredReason(adapter.adapt(try change("c", table: "invoices", after: invoiceRow(status: "draft")))) != nil)
        #expect(S.failure(adapter.adapt(try change("u", table: "invoices", after: invoiceRow(status: "archived"))))?.code == .unmapped)
    }

    @Test func deletedInvoicesAreVoidedUnlessTheyWereDrafts() throws {
        let adapter = try S.adapter("debezium", zone: "Europe/Berlin")
        let e = try S.event(adapter.adapt(try change("d", table: "invoices", before: invoiceRow(status: "posted"))))
        #expect(e.type == "finance.invoice.voided")
        #expect(e.data == ["invoiceId": "99001", "voidedAt": "2026-03-01T10:00:00Z", "reason": "deleted in source"])
        #expect(S.filteredReason(adapter.adapt(try change("d", table: "invoices", before: invoiceRow(status: "draft")))) != nil)
    }

    @Test func truncatesAreRejectedAndBadColumnsFail() throws {
        let adapter = try S.adapter("debezium", zone: "Europe/Berlin")
        #expect(S.failure(adapter.adapt(try change("t", table: "invoices")))?.code == .rejected)
        let badLines = invoiceRow(status: "issued").replacingOccurrences(of: #""lines": "[{"#, with: #""lines": "{{"#)
        let f = S.failure(adapter.adapt(try change("c", table: "invoices", after: badLines, schema: true)))
        #expect(f?.code == .transform)
        #expect(f?.location == JSONPointer("/payload/after/lines"))
        let badTotal = invoiceRow(status: "issued").replacingOccurrences(of: "\"Aeh6\"", with: "1250.5")
        #expect(S.failure(adapter.adapt(try change("c", table: "invoices", after: badTotal)))?.location == JSONPointer("/after/total_amount"))
    }

    @Test func theDebeziumAdapterNeedsTheSourceZone() throws {
        #expect(throws: MappingError.self) { try S.adapter("debezium") }
    }
}

/// The mapping's customer output holds to the shipped contract (schema and finance rules).
@Suite struct AdapterDebeziumContractTests {
    @Test func customerChangesValidateAgainstTheCatalog() throws {
        let root = String(#filePath).components(separatedBy: "/Tests/")[0]
        let registry = try ContractRegistry.load(directory: root + "/contracts")
        let adapter = try AdapterTestSupport.adapter("debezium", zone: "Europe/Berlin")
        let row = #"{"id": 7, "legal_name": "Nordwind AG", "tax_id": "DE811907980", "country_code": "de", "currency": "eur", "payment_terms_days": 30, "status": "inactive", "street": "Kai 1", "city": "Kiel", "postal_code": "24103"}"#
        let source = #"{"name": "erp", "ts_ms": 1772359200000, "table": "customers", "lsn": 4711, "db": "erp", "schema": "public"}"#
        for (op, before, after) in [("c", "null", row), ("d", row, "null")] {
            let input = try AdapterTestSupport.input(#"{"before": \#(before), "after": \#(after), "source": \#(source), "op": "\#(op)"}"#, topic: "erp.public.customers")
            let event = try AdapterTestSupport.event(adapter.adapt(input))
            let contract = try #require(registry.latest(event.type))
            let report = contract.validate(event.data)
            #expect(report.isValid, "\(op): \(report.violations)")
            #expect(event.data["status"] == "blocked")
        }
    }
}
