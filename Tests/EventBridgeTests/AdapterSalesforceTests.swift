import Contracts
import Testing
@testable import EventBridge

/// The shipped `salesforce-cdc` mapping with AccountChangeEvent payloads as Change Data Capture
/// delivers them (header fields per the Salesforce CDC developer guide).
@Suite struct AdapterSalesforceTests {
    private typealias S = AdapterTestSupport

    private func change(_ changeType: String, recordIds: [String], fields: String = "", entity: String = "Account") throws -> AdapterInput {
        let ids = recordIds.map { "\"\($0)\"" }.joined(separator: ", ")
        return try S.input(#"""
            {"ChangeEventHeader": {"entityName": "\#(entity)", "recordIds": [\#(ids)], "changeType": "\#(changeType)",
              "changeOrigin": "com/salesforce/api/soap/61.0;client=SfdcInternalAPI/", "transactionKey": "0002343d-9d90-e395-ed20-cf416ba652ad",
              "sequenceNumber": 2, "commitTimestamp": 1772359200000, "commitNumber": 10656360225123456789,
              "commitUser": "005RM000001vI54YAE", "changedFields": ["Name", "LastModifiedDate"], "diffFields": [], "nulledFields": []}
              \#(fields)}
            """#, topic: "salesforce.AccountChangeEvent")
    }

    private let accountFields = #"""
        , "Name": "Acme Corporation", "Type": "Customer - Direct", "CurrencyIsoCode": "usd", "Tax_ID__c": "94-1234567",
        "BillingAddress": {"Street": "1 Market St", "City": "San Francisco", "State": "California",
                           "PostalCode": "94105", "Country": "United States", "CountryCode": "US", "StateCode": "CA"},
        "LastModifiedDate": "2026-03-01T10:00:00.000Z"
        """#

    @Test func createBecomesCustomerUpserted() throws {
        let e = try S.event(try S.adapter("salesforce-cdc").adapt(try change("CREATE", recordIds: ["001RM000003cKvvYAE"], fields: accountFields)))
        #expect(e.type == "finance.customer.upserted")
        #expect(e.subject == "001RM000003cKvvYAE")
        #expect(e.time == "2026-03-01T10:00:00Z")
        // commitNumber is above 2^63 − 1: it stays exact.
        var expected = try JSONParser.parse(#"""
            {"eventId": "", "occurredAt": "2026-03-01T10:00:00Z", "sourceSystem": "salesforce", "sourceReference": "001RM000003cKvvYAE",
             "customerId": "001RM000003cKvvYAE", "revision": 10656360225123456789, "legalName": "Acme Corporation", "taxId": "94-1234567",
             "country": "US", "currency": "USD", "paymentTermsDays": 30, "status": "active",
             "billingAddress": {"line1": "1 Market St", "city": "San Francisco", "region": "CA", "postalCode": "94105", "country": "US"}}
            """#)
        let id = try #require(e.data["eventId"]?.stringValue)
        #expect(id.count == 36)
        if case .object(var o) = expected { o["eventId"] = .string(id); expected = .object(o) }
        #expect(e.data == expected)
        try S.expectValid(e)
    }

    @Test func prospectsNeedNoTaxIdButActiveCustomersDo() throws {
        let adapter = try S.adapter("salesforce-cdc")
        let prospect = accountFields.replacingOccurrences(of: #""Type": "Customer - Direct", "CurrencyIsoCode": "usd", "Tax_ID__c": "94-1234567","#,
                                                          with: #""Type": "Prospect","#)
        let p = try S.event(adapter.adapt(try change("CREATE", recordIds: ["001A"], fields: prospect)))
        #expect(p.data["status"] == "prospect")
        #expect(p.data["currency"] == "USD")
        try S.expectValid(p)
        let noTax = accountFields.replacingOccurrences(of: #" "Tax_ID__c": "94-1234567","#, with: "")
        let a = try S.event(adapter.adapt(try change("UPDATE", recordIds: ["001A"], fields: noTax)))
        #expect(S.violations(a, try S.contracts()).contains { $0.hasSuffix("[rule.requiredWhen]") })
    }

    @Test func oneChangeForSeveralRecordsFansOutToOneEventPerRecord() throws {
        let ids = ["001RM000003cKvvYAE", "001RM000003cKvwYAE", "001RM000003cKvxYAE"]
        let events = S.events(try S.adapter("salesforce-cdc").adapt(try change("UPDATE", recordIds: ids, fields: accountFields)))
        #expect(events.count == 3)
        #expect(events.map { $0.data["customerId"] } == ids.map { .string($0) })
        #expect(Set(events.map(\.subject)).count == 3)
        #expect(events.allSatisfy { $0.data["legalName"] == "Acme Corporation" && $0.type == "finance.customer.upserted" })
        // One event id per record, derived from the change and the record id.
        #expect(Set(events.compactMap { $0.data["eventId"] }).count == 3)
        for e in events { try S.expectValid(e) }
    }

    @Test func aPartialAccountUpdateWithoutKnownStateIsANoticePerRecord() throws {
        // UPDATE carries only changed fields: with no earlier state of the records (and no Name
        // from an enriched channel), what it says is that they changed — a notice per record,
        // with nothing invented (no name, no address, no status).
        let partial = #", "Phone": "+1 415 555 0100""#
        let events = S.events(try S.adapter("salesforce-cdc").adapt(try change("UPDATE", recordIds: ["001A", "001B"], fields: partial)))
        #expect(events.map(\.type) == ["finance.customer.changed", "finance.customer.changed"])
        #expect(events.map { $0.data["customerId"] } == ["001A", "001B"])
        #expect(events.allSatisfy { $0.data["change"] == "updated" && $0.data["legalName"] == nil && $0.data["objectType"] == "Account" })
        for e in events { try S.expectValid(e) }
    }

    @Test func aPartialContactUpdateWithoutKnownStateFailsTheWholeInput() throws {
        // A contact has no notice type: without its earlier state the update cannot be published.
        let partial = #", "Phone": "+1 415 555 0100""#
        let outcome = try S.adapter("salesforce-cdc").adapt(try change("UPDATE", recordIds: ["003A", "003B"], fields: partial, entity: "Contact"))
        let f = S.failure(outcome)
        #expect(f?.code == .stateUnknown)
        #expect(f?.message.contains("no earlier state") == true)
        #expect(f?.message.contains("/LastName is absent") == true || f?.message.contains("/Name is absent") == true)
    }

    @Test func deletesAndGapsAreNoticesAndOverflowsRejected() throws {
        let adapter = try S.adapter("salesforce-cdc")
        let deleted = try S.event(adapter.adapt(try change("DELETE", recordIds: ["001A"])))
        #expect(deleted.type == "finance.customer.changed" && deleted.data["change"] == "deleted" && deleted.data["customerId"] == "001A")
        try S.expectValid(deleted)
        for gap in ["GAP_CREATE", "GAP_UPDATE", "GAP_DELETE"] {
            let e = try S.event(adapter.adapt(try change(gap, recordIds: ["001A"])))
            #expect(e.type == "finance.customer.changed" && e.data["change"] == "resync", "\(gap)")
        }
        #expect(S.failure(adapter.adapt(try change("GAP_OVERFLOW", recordIds: ["000000000000000AAA"])))?.code == .rejected)
        let contact = try S.input(#"""
            {"ChangeEventHeader": {"entityName": "Contact", "changeType": "CREATE", "recordIds": ["003A"], "commitNumber": 7,
             "commitTimestamp": 1772359200000, "transactionKey": "t-1", "sequenceNumber": 1},
             "Name": {"Salutation": null, "FirstName": "Ann", "LastName": "Lee"}, "AccountId": "001A", "Email": "ann@lee.example"}
            """#)
        let c = try S.event(adapter.adapt(contact))
        #expect(c.type == "finance.customer.contact.upserted" && c.data["name"] == "Ann Lee" && c.data["customerId"] == "001A")
        try S.expectValid(c)
        let opportunity = try S.input(#"{"ChangeEventHeader": {"entityName": "Opportunity", "changeType": "CREATE", "recordIds": ["006A"]}}"#)
        #expect(S.filteredReason(adapter.adapt(opportunity)) != nil)
    }
}
