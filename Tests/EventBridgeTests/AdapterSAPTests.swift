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

    @Test func aNotificationOnlyEventNeedsEnrichment() throws {
        let f = S.failure(try S.adapter("sap-s4hana").adapt(try businessEvent("Created", data: #"{"BusinessPartner": "1000124"}"#)))
        #expect(f?.code == .missingField)
        #expect(f?.location == JSONPointer("/data/BusinessPartnerFullName"))
    }

    @Test func otherSAPEventsAreUnmapped() throws {
        let f = S.failure(try S.adapter("sap-s4hana").adapt(try S.input(#"""
            {"specversion": "1.0", "type": "sap.s4.beh.salesorder.v1.SalesOrder.Created.v1", "source": "/default/sap.s4.beh/244572008",
             "id": "b1", "time": "2026-03-01T10:00:00Z", "data": {"SalesOrder": "5000001"}}
            """#)))
        #expect(f?.code == .unmapped)
    }
}
