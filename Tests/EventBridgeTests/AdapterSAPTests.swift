import Contracts
import Testing
@testable import EventBridge

/// The shipped `sap-s4hana` mapping with Business Partner business events as CloudEvents
/// (structured mode), enriched with the fields finance needs.
@Suite struct AdapterSAPTests {
    private typealias S = AdapterTestSupport

    private func businessEvent(_ action: String, data: String) throws -> AdapterInput {
        try S.input(#"""
            {"specversion": "1.0", "type": "sap.s4.beh.businesspartner.v1.BusinessPartner.\#(action).v1",
             "source": "/default/sap.s4.beh/244572008", "id": "a823e884-5edc-4194-a81a-f3a3632417ee",
             "time": "2026-03-01T10:00:00Z", "datacontenttype": "application/json",
             "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
             "data": \#(data)}
            """#, topic: "sap.s4.businesspartner")
    }

    private let enriched = #"""
        {"BusinessPartner": "1000123", "BusinessPartnerCategory": "2", "BusinessPartnerFullName": "Nordwind Handels AG",
         "Country": "ch", "Currency": "CHF", "BusinessPartnerIsBlocked": false, "TaxNumber": "CHE-109.322.551", "PaymentTermsDays": 14,
         "Address": {"Street": "Bahnhofstrasse 1", "CityName": "Zürich", "PostalCode": "8001", "Region": "ZH", "Country": "CH"}}
        """#

    @Test func createdAndChangedBecomeCustomerUpserted() throws {
        let adapter = try S.adapter("sap-s4hana")
        for action in ["Created", "Changed"] {
            let e = try S.event(adapter.adapt(try businessEvent(action, data: enriched)))
            #expect(e.type == "finance.customer.upserted")
            #expect(e.subject == "1000123")
            #expect(e.time == "2026-03-01T10:00:00Z")
            #expect(e.traceparent == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            #expect(e.data == (try JSONParser.parse(#"""
                {"eventId": "\#(try sapEventId())", "occurredAt": "2026-03-01T10:00:00Z", "sourceSystem": "sap-s4", "sourceReference": "1000123",
                 "customerId": "1000123", "revision": 1772359200000, "legalName": "Nordwind Handels AG", "taxId": "CHE-109.322.551",
                 "country": "CH", "currency": "CHF", "paymentTermsDays": 14, "status": "active",
                 "billingAddress": {"line1": "Bahnhofstrasse 1", "city": "Zürich", "region": "ZH", "postalCode": "8001", "country": "CH"}}
                """#)))
            try S.expectValid(e)
        }
    }

    /// The eventId derived from the CloudEvents id of `businessEvent(…)`.
    private func sapEventId() throws -> String {
        let adapter = try S.mapping(#"{"name": "u", "rules": [{"emit": "x.y", "fields": {"/id": {"from": "/id", "transform": {"name": "uuidFromText", "namespace": "sap-s4"}}}}]}"#)
        return try #require(try S.event(adapter.adapt(try businessEvent("Created", data: "{}"))).data["id"]?.stringValue)
    }

    @Test func blockedPartnersAndMissingBlockFlag() throws {
        let adapter = try S.adapter("sap-s4hana")
        let blocked = enriched.replacingOccurrences(of: #""BusinessPartnerIsBlocked": false"#, with: #""BusinessPartnerIsBlocked": true"#)
        let b = try S.event(adapter.adapt(try businessEvent("Changed", data: blocked)))
        #expect(b.data["status"] == "blocked")
        try S.expectValid(b)
        let noFlag = enriched.replacingOccurrences(of: #", "BusinessPartnerIsBlocked": false"#, with: "")
        #expect(try S.event(adapter.adapt(try businessEvent("Changed", data: noFlag))).data["status"] == "active")
    }

    @Test func aNotificationOnlyEventIsANoticeUnlessThePartnerIsKnown() throws {
        let adapter = try S.adapter("sap-s4hana")
        let notice = try S.event(adapter.adapt(try businessEvent("Created", data: #"{"BusinessPartner": "1000124"}"#)))
        #expect(notice.type == "finance.customer.changed" && notice.data["customerId"] == "1000124" && notice.data["change"] == "created")
        #expect(notice.data["objectType"] == "BusinessPartner" && notice.data["objectReference"] == "/default/sap.s4.beh/244572008")
        try S.expectValid(notice)
        // Once an enriched event of the partner was seen, a key-only notice is merged onto it.
        let state = EntityStateStage(store: nil)
        let first = try AdapterContractTests.adapt(adapter, try businessEvent("Created", data: enriched), state)
        #expect(S.events(first).first?.type == "finance.customer.upserted")
        var changed = try businessEvent("Changed", data: #"{"BusinessPartner": "1000123"}"#)
        changed.offset += 1
        let merged = S.events(try AdapterContractTests.adapt(adapter, changed, state))
        #expect(merged.first?.type == "finance.customer.upserted")
        #expect(merged.first?.data["legalName"] == S.events(first).first?.data["legalName"])
    }

    @Test func salesOrderEventsAreNotices() throws {
        let e = try S.event(try S.adapter("sap-s4hana").adapt(try S.input(#"""
            {"specversion": "1.0", "type": "sap.s4.beh.salesorder.v1.SalesOrder.Created.v1", "source": "/default/sap.s4.beh/244572008",
             "id": "b1", "time": "2026-03-01T10:00:00Z", "data": {"SalesOrder": "5000001"}}
            """#)))
        #expect(e.type == "finance.sales_order.changed" && e.data["salesOrderId"] == "5000001" && e.data["change"] == "created")
        try S.expectValid(e)
    }
}
