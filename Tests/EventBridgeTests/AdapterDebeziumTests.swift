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
        {"id": 1042, "name": "Müller Logistik GmbH", "tax_id": "DE811907980", "email": "ap@mueller.example", "country_code": "de",
         "currency": "eur", "payment_terms_days": null, "credit_limit": "ehIA", "status": "active",
         "street": "Am Hafen 3", "street2": null, "city": "Bremen", "region": null, "postal_code": "28217", "updated_at": 1772360100123456}
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
            #expect(e.data == (try JSONParser.parse(#"""
                {"eventId": "\#(try eventId(op, table: "customers", id: "1042"))", "occurredAt": "2026-03-01T10:15:00.123456+01:00",
                 "sourceSystem": "legacy-erp", "sourceReference": "1042", "revision": 24023928,
                 "customerId": "1042", "legalName": "Müller Logistik GmbH", "taxId": "DE811907980", "country": "DE", "currency": "EUR",
                 "creditLimit": "80000.00", "paymentTermsDays": 30, "status": "active", "email": "ap@mueller.example",
                 "billingAddress": {"line1": "Am Hafen 3", "city": "Bremen", "postalCode": "28217", "country": "DE"}}
                """#)))
            try S.expectValid(e)
        }
        // A status the contract has no word for is a transform failure.
        let archived = customerRow.replacingOccurrences(of: #""status": "active""#, with: #""status": "archived""#)
        #expect(S.failure(adapter.adapt(try change("u", table: "customers", after: archived)))?.code == .transform)
    }

    /// The eventId of a change of `change(…)`: derived from LSN, table, row id and op.
    private func eventId(_ op: String, table: String, id: String) throws -> String {
        let adapter = try S.mapping(#"""
            {"name": "u", "rules": [{"emit": "x.y", "fields": {"/id": {"from": "/source/lsn", "transform": {"name": "uuidFromText",
             "namespace": "legacy-erp", "with": [{"from": "/source/table"}, {"const": "\#(id)"}, {"from": "/op"}]}}}}]}
            """#)
        return try #require(try S.event(adapter.adapt(try change(op, table: table))).data["id"]?.stringValue)
    }

    @Test func aDeletedCustomerRowIsUpsertedAsDeletedFromBefore() throws {
        let e = try S.event(try S.adapter("debezium", zone: "Europe/Berlin").adapt(try change("d", table: "customers", before: customerRow)))
        #expect(e.type == "finance.customer.upserted")
        #expect(e.data["status"] == "blocked")
        #expect(e.data["customerId"] == "1042")
        #expect(e.data["legalName"] == "Müller Logistik GmbH")
        #expect(e.data["occurredAt"] == "2026-03-01T10:00:00Z")
        try S.expectValid(e)
        // With the default REPLICA IDENTITY, before holds only the key: the input dead-letters.
        let keyOnly = S.failure(try S.adapter("debezium", zone: "Europe/Berlin").adapt(try change("d", table: "customers", before: #"{"id": 1042}"#)))
        #expect(keyOnly?.code == .missingField)
        #expect(keyOnly?.location == JSONPointer("/before/name"))
    }

    private func invoiceRow(status: String) -> String {
        // net 1050.00, tax 200.50 and total 1250.50 as NUMERIC(19,2) in precise mode; lines in a jsonb column.
        #"""
        {"id": 99001, "customer_id": 1042, "invoice_number": "RE-2026-0001", "issue_date": 20513, "due_date": 20543,
         "currency": "eur", "net_amount": "AZoo", "tax_amount": "TlI=", "total_amount": "Aeh6", "status": "\#(status)", "version": 3,
         "posting_date": 20514, "accounting_period": "2026-03", "company_code": "DE01", "receivable_account": "1400",
         "journal_entry_id": "JE-2026-0001", "tax_jurisdiction": "DE",
         "payment_reference": "PAY-2026-0042", "paid_amount": "Aeh6", "payment_date": 20517, "paid_at": 1772720000000000,
         "void_reason": "credited", "voided_by": "jsmith", "void_date": 20517, "credit_note_id": "CN-2026-0007", "updated_at": 1772360100123456,
         "lines": "[{\"line_no\": 1, \"description\": \"Freight Hamburg–Berlin\", \"quantity\": 1, \"unit_price\": 1050.00, \"net_amount\": 1050.00, \"tax_code\": \"S\", \"tax_rate\": 19, \"tax_amount\": 199.50}, {\"line_no\": 2, \"sku\": \"INS-1\", \"description\": \"Insurance\", \"quantity\": \"1\", \"unit_price\": \"0.00\", \"net_amount\": \"0.00\", \"tax_code\": \"IS\", \"tax_rate\": \"0\", \"tax_amount\": \"1.00\", \"revenue_account\": 4100}]"}
        """#
    }

    @Test func invoiceRowsChooseTheEventTypeFromTheirStatus() throws {
        let adapter = try S.adapter("debezium", zone: "Europe/Berlin")
        let issued = try S.event(adapter.adapt(try change("c", table: "invoices", after: invoiceRow(status: "issued"))))
        #expect(issued.type == "finance.invoice.issued")
        #expect(issued.data == (try JSONParser.parse(#"""
            {"eventId": "\#(try eventId("c", table: "invoices", id: "99001"))", "occurredAt": "2026-03-01T10:15:00.123456+01:00",
             "sourceSystem": "legacy-erp", "sourceReference": "99001", "revision": 24023928,
             "invoiceId": "99001", "customerId": "1042", "invoiceNumber": "RE-2026-0001",
             "issueDate": "2026-03-01", "dueDate": "2026-03-31", "currency": "EUR",
             "lines": [
               {"lineNumber": 1, "description": "Freight Hamburg–Berlin", "quantity": "1", "unitPrice": "1050.00", "netAmount": "1050.00",
                "taxCode": "S", "taxRate": "19", "taxAmount": "199.50"},
               {"lineNumber": 2, "sku": "INS-1", "description": "Insurance", "quantity": "1", "unitPrice": "0.00", "netAmount": "0.00",
                "taxCode": "IS", "taxRate": "0", "taxAmount": "1.00", "revenueAccount": "4100"}
             ],
             "netTotal": "1050.00", "taxTotal": "200.50", "grossTotal": "1250.50"}
            """#)))
        try S.expectValid(issued)
        let posted = try S.event(adapter.adapt(try change("u", table: "invoices", after: invoiceRow(status: "posted"))))
        #expect(posted.type == "finance.invoice.posted")
        #expect(posted.data["tax"] == ["amount": "200.50", "jurisdiction": "DE"])
        #expect(posted.data["postingDate"] == "2026-03-02")
        try S.expectValid(posted)
        let paid = try S.event(adapter.adapt(try change("u", table: "invoices", after: invoiceRow(status: "paid"))))
        #expect(paid.type == "finance.invoice.paid")
        #expect(paid.data["paymentId"] == "PAY-2026-0042")
        #expect(paid.data["paidAmount"] == "1250.50")
        #expect(paid.data["clearedAt"] == "2026-03-05T14:13:20+01:00")
        try S.expectValid(paid)
        let voided = try S.event(adapter.adapt(try change("u", table: "invoices", after: invoiceRow(status: "void"))))
        #expect(voided.type == "finance.invoice.voided")
        #expect(voided.data["voidReason"] == "credited")
        #expect(voided.data["creditNoteId"] == "CN-2026-0007")
        #expect(voided.data["voidedBy"] == "jsmith")
        #expect(voided.data["businessDate"] == "2026-03-05")
        try S.expectValid(voided)
        #expect(S.filteredReason(adapter.adapt(try change("c", table: "invoices", after: invoiceRow(status: "draft")))) != nil)
        #expect(S.failure(adapter.adapt(try change("u", table: "invoices", after: invoiceRow(status: "archived"))))?.code == .unmapped)
    }

    @Test func deletedInvoicesAreVoidedUnlessTheyWereDrafts() throws {
        let adapter = try S.adapter("debezium", zone: "Europe/Berlin")
        let e = try S.event(adapter.adapt(try change("d", table: "invoices", before: invoiceRow(status: "posted"))))
        #expect(e.type == "finance.invoice.voided")
        #expect(e.data["invoiceId"] == "99001")
        #expect(e.data["customerId"] == "1042")
        #expect(e.data["voidedAt"] == "2026-03-01T10:00:00Z")
        #expect(e.data["voidReason"] == "billing_error")
        #expect(e.data["businessDate"] == "2026-03-01")
        try S.expectValid(e)
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

    /// A connector without `table.include.list` sends the rows of every table: those of tables the
    /// mapping does not map are filtered, not dead-lettered (they would bury the real failures). A
    /// customers or invoices row no rule fits still goes to the DLQ, as does a row naming no table.
    @Test func rowsOfOtherTablesAreFilteredAndRowsOfMappedTablesStillFailLoudly() throws {
        let adapter = try S.adapter("debezium", zone: "Europe/Berlin")
        let product = #"{"id": 101, "name": "scooter", "description": "Small 2-wheel scooter", "weight": 3.14}"#
        for op in ["c", "u", "d", "r", "t"] {
            let row = op == "d" ? try change(op, table: "products", before: product) : try change(op, table: "products", after: product)
            #expect(S.filteredReason(adapter.adapt(row))?.contains("does not map") == true, "\(op)")
        }
        let unknownStatus = invoiceRow(status: "disputed")
        #expect(S.failure(adapter.adapt(try change("u", table: "invoices", after: unknownStatus)))?.code == .unmapped)
        // A flattened row without __table names no table: which of the two it is cannot be told.
        let flattened = try S.input(#"{"id": 1042, "name": "x", "__op": "c", "__source_ts_ms": 1772359200456, "__deleted": "false"}"#, topic: "erp.public.customers")
        #expect(S.failure(adapter.adapt(flattened))?.code == .rejected)
    }

    /// The shipped mapping reads the PostgreSQL connector (the LSN orders a row's changes and names
    /// the event): a customers row of another connector says so, instead of "source.lsn is absent".
    @Test func aRowOfAnotherConnectorIsRejectedNamingWhy() throws {
        let adapter = try S.adapter("debezium", zone: "Europe/Berlin")
        let mysql = try S.input(#"""
            {"before": null, "after": {"id": 1004, "first_name": "Anne", "last_name": "Kretchmar", "email": "annek@noanswer.org"},
             "source": {"version": "3.0.1.Final", "connector": "mysql", "name": "wasm", "ts_ms": 1731327511000, "snapshot": "true",
                        "db": "inventory", "table": "customers", "server_id": 0, "file": "mysql-bin.000003", "pos": 157, "row": 0},
             "op": "r", "ts_ms": 1731327512006}
            """#, topic: "wasm.inventory.customers")
        let f = S.failure(adapter.adapt(mysql))
        #expect(f?.code == .rejected && f?.message.contains("source.lsn") == true && f?.message.contains("debezium-examples") == true)
    }

    @Test func theDebeziumAdapterNeedsTheSourceZone() throws {
        #expect(throws: MappingError.self) { try S.adapter("debezium") }
    }
}
