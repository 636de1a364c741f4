import Contracts
import Testing
@testable import EventBridge

/// The shipped `stripe` mapping, with event objects shaped as in Stripe's API reference.
@Suite struct AdapterStripeTests {
    private typealias S = AdapterTestSupport

    /// An event envelope around `object` (2026-03-01T10:00:00Z).
    private func event(_ type: String, _ object: String) throws -> AdapterInput {
        try S.input(#"""
            {"id": "evt_1QxA2bLkdIwHu7ixZ0aBcDeF", "object": "event", "api_version": "2024-06-20",
             "created": 1772359200, "livemode": false, "pending_webhooks": 1,
             "request": {"id": "req_9aZ8yX7w", "idempotency_key": "0b1c2d3e"},
             "type": "\#(type)", "data": {"object": \#(object)}}
            """#, topic: "stripe.events")
    }

    private let invoice = #"""
        {"id": "in_1QxA2aLkdIwHu7ixAbCdEfGh", "object": "invoice", "customer": "cus_QpR8sT1uVwXyZa",
         "number": "A1B2C3D4-0001", "currency": "usd", "collection_method": "send_invoice",
         "subtotal": 11000, "tax": 1550, "total": 12550, "amount_due": 12550, "amount_paid": 0,
         "created": 1772290000, "effective_at": 1772359200, "due_date": 1774915200, "status": "open",
         "status_transitions": {"finalized_at": 1772359200, "paid_at": null, "voided_at": null, "marked_uncollectible_at": null},
         "lines": {"object": "list", "has_more": false, "url": "/v1/invoices/in_1QxA2aLkdIwHu7ixAbCdEfGh/lines", "data": [
           {"id": "il_1QxA2aLkdIwHu7ixLine0001", "object": "line_item", "amount": 10000, "currency": "usd",
            "description": "2 × Pro (at $50.00 / month)", "quantity": 2,
            "price": {"id": "price_1Pro", "object": "price", "unit_amount": 5000, "currency": "usd"}},
           {"id": "il_1QxA2aLkdIwHu7ixLine0002", "object": "line_item", "amount": 1000, "currency": "usd",
            "description": "Setup fee", "quantity": 1, "price": {"id": "price_1Setup", "unit_amount": 1000, "currency": "usd"}}
         ]}}
        """#

    @Test func invoiceFinalizedBecomesInvoiceIssuedWithLines() throws {
        let adapter = try S.adapter("stripe")
        let e = try S.event(adapter.adapt(try event("invoice.finalized", invoice)))
        #expect(e.type == "finance.invoice.issued")
        #expect(e.subject == "in_1QxA2aLkdIwHu7ixAbCdEfGh")
        #expect(e.time == "2026-03-01T10:00:00Z")
        let expected = try JSONParser.parse(#"""
            {"invoiceId": "in_1QxA2aLkdIwHu7ixAbCdEfGh", "customerId": "cus_QpR8sT1uVwXyZa", "sourceSystem": "stripe",
             "invoiceNumber": "A1B2C3D4-0001", "issueDate": "2026-03-01", "dueDate": "2026-03-31", "currency": "USD",
             "totalAmount": "125.50", "taxAmount": "15.50",
             "lines": [
               {"lineId": "il_1QxA2aLkdIwHu7ixLine0001", "description": "2 × Pro (at $50.00 / month)", "quantity": 2, "unitPrice": "50.00", "amount": "100.00"},
               {"lineId": "il_1QxA2aLkdIwHu7ixLine0002", "description": "Setup fee", "quantity": 1, "unitPrice": "10.00", "amount": "10.00"}
             ],
             "status": "issued", "revision": 1772359200, "occurredAt": "2026-03-01T10:00:00Z"}
            """#)
        #expect(e.data == expected)
    }

    @Test func invoicePaidUsesThePaidTransitionAndChargeAutomaticallyIsDueOnFinalization() throws {
        var paid = invoice.replacingOccurrences(of: #""status": "open""#, with: #""status": "paid""#)
        paid = paid.replacingOccurrences(of: #""paid_at": null"#, with: #""paid_at": 1772721000"#)
        paid = paid.replacingOccurrences(of: #""due_date": 1774915200"#, with: #""due_date": null"#)
        let e = try S.event(try S.adapter("stripe").adapt(try event("invoice.paid", paid)))
        #expect(e.type == "finance.invoice.paid")
        #expect(e.data["status"] == "paid")
        #expect(e.data["occurredAt"] == "2026-03-05T14:30:00Z")
        #expect(e.data["dueDate"] == "2026-03-01")
    }

    @Test func zeroDecimalAndThreeDecimalCurrencies() throws {
        let jpy = invoice.replacingOccurrences(of: "\"usd\"", with: "\"jpy\"")
        let e = try S.event(try S.adapter("stripe").adapt(try event("invoice.finalized", jpy)))
        #expect(e.data["totalAmount"] == "12550")
        #expect(e.data["lines"]?[0]?["unitPrice"] == "5000")
        let mga = invoice.replacingOccurrences(of: "\"usd\"", with: "\"mga\"")
        let m = try S.event(try S.adapter("stripe").adapt(try event("invoice.finalized", mga)))
        #expect(m.data["totalAmount"] == "12550.00")
        #expect(m.data["currency"] == "MGA")
    }

    @Test func invoiceVoided() throws {
        let voided = invoice.replacingOccurrences(of: #""voided_at": null"#, with: #""voided_at": 1772721000"#)
        let e = try S.event(try S.adapter("stripe").adapt(try event("invoice.voided", voided)))
        #expect(e.type == "finance.invoice.voided")
        #expect(e.data == ["invoiceId": "in_1QxA2aLkdIwHu7ixAbCdEfGh", "voidedAt": "2026-03-05T14:30:00Z"])
    }

    @Test func invoiceEventsWithoutAFinanceCounterpartAreFiltered() throws {
        let adapter = try S.adapter("stripe")
        for type in ["invoice.created", "invoice.updated", "invoice.payment_succeeded", "invoice.upcoming"] {
            #expect(S.filteredReason(adapter.adapt(try event(type, invoice))) != nil, "\(type)")
        }
        let unknown = S.failure(adapter.adapt(try event("radar.early_fraud_warning.created", "{}")))
        #expect(unknown?.code == .unmapped)
        #expect(unknown?.message.contains("radar.early_fraud_warning.created") == true)
    }

    @Test func paymentIntentSucceededBecomesPaymentSettled() throws {
        let pi = #"""
            {"id": "pi_3QxA2bLkdIwHu7ix1AbCdEfG", "object": "payment_intent", "amount": 12550, "amount_received": 12550,
             "currency": "eur", "customer": "cus_QpR8sT1uVwXyZa", "invoice": "in_1QxA2aLkdIwHu7ixAbCdEfGh",
             "latest_charge": "ch_3QxA2bLkdIwHu7ix1XyZ", "payment_method": "pm_1QxA", "payment_method_types": ["card"],
             "status": "succeeded", "created": 1772358000}
            """#
        let e = try S.event(try S.adapter("stripe").adapt(try event("payment_intent.succeeded", pi)))
        #expect(e.type == "finance.payment.settled")
        #expect(e.data == (try JSONParser.parse(#"""
            {"paymentId": "pi_3QxA2bLkdIwHu7ix1AbCdEfG", "invoiceId": "in_1QxA2aLkdIwHu7ixAbCdEfGh",
             "customerId": "cus_QpR8sT1uVwXyZa", "amount": "125.50", "currency": "EUR",
             "settledAt": "2026-03-01T10:00:00Z", "method": "card", "sourceSystem": "stripe"}
            """#)))
        // Without invoice and customer (a one-off payment) those members are left out.
        let bare = pi.replacingOccurrences(of: #""customer": "cus_QpR8sT1uVwXyZa", "invoice": "in_1QxA2aLkdIwHu7ixAbCdEfGh","#, with: #""customer": null,"#)
        let b = try S.event(try S.adapter("stripe").adapt(try event("payment_intent.succeeded", bare)))
        #expect(b.data["invoiceId"] == nil)
        #expect(b.data["customerId"] == nil)
    }

    @Test func chargeRefundedBecomesPaymentRefunded() throws {
        let charge = #"""
            {"id": "ch_3QxA2bLkdIwHu7ix1XyZ", "object": "charge", "amount": 12550, "amount_refunded": 5000,
             "currency": "usd", "payment_intent": "pi_3QxA2bLkdIwHu7ix1AbCdEfG", "refunded": false,
             "refunds": {"object": "list", "has_more": false, "data": [
               {"id": "re_3QxA2bLkdIwHu7ix1Rf01", "object": "refund", "amount": 5000, "currency": "usd",
                "created": 1772721000, "reason": "requested_by_customer", "status": "succeeded"}]}}
            """#
        let e = try S.event(try S.adapter("stripe").adapt(try event("charge.refunded", charge)))
        #expect(e.type == "finance.payment.refunded")
        #expect(e.data == (try JSONParser.parse(#"""
            {"refundId": "re_3QxA2bLkdIwHu7ix1Rf01", "paymentId": "pi_3QxA2bLkdIwHu7ix1AbCdEfG", "amount": "50.00",
             "currency": "USD", "refundedAt": "2026-03-05T14:30:00Z", "reason": "requested_by_customer"}
            """#)))
        // Newer API versions don't include the refunds list: the cumulative amount and event time stand in.
        let noList = #"{"id": "ch_1", "object": "charge", "amount_refunded": 12550, "currency": "usd", "payment_intent": null}"#
        let n = try S.event(try S.adapter("stripe").adapt(try event("charge.refunded", noList)))
        #expect(n.data == ["paymentId": "ch_1", "amount": "125.50", "currency": "USD", "refundedAt": "2026-03-01T10:00:00Z"])
    }

    @Test func customersAreUpsertedAndDeletedCustomersKeepTheirData() throws {
        let customer = #"""
            {"id": "cus_QpR8sT1uVwXyZa", "object": "customer", "name": "Acme GmbH", "email": "billing@acme.example",
             "currency": "eur", "address": {"line1": "Hauptstraße 1", "city": "Berlin", "postal_code": "10115", "country": "DE"},
             "created": 1772290000, "deleted": false}
            """#
        let adapter = try S.adapter("stripe")
        for type in ["customer.created", "customer.updated"] {
            let e = try S.event(adapter.adapt(try event(type, customer)))
            #expect(e.type == "finance.customer.upserted")
            #expect(e.data == (try JSONParser.parse(#"""
                {"customerId": "cus_QpR8sT1uVwXyZa", "sourceSystem": "stripe", "name": "Acme GmbH",
                 "email": "billing@acme.example", "country": "DE", "currency": "EUR", "status": "active",
                 "revision": 1772359200, "updatedAt": "2026-03-01T10:00:00Z"}
                """#)))
        }
        let deleted = try S.event(adapter.adapt(try event("customer.deleted", customer)))
        #expect(deleted.data["status"] == "deleted")
        let noCountry = customer.replacingOccurrences(of: #""country": "DE""#, with: #""country": null"#)
        let f = S.failure(adapter.adapt(try event("customer.created", noCountry)))
        #expect(f?.code == .missingField)
        #expect(f?.location == JSONPointer("/data/object/address/country"))
    }

    @Test func badAmountsAreTransformFailuresAtTheirLocation() throws {
        let broken = invoice.replacingOccurrences(of: #""total": 12550"#, with: #""total": "lots""#)
        let f = S.failure(try S.adapter("stripe").adapt(try event("invoice.finalized", broken)))
        #expect(f?.code == .transform)
        #expect(f?.location == JSONPointer("/data/object/total"))
        let badLine = invoice.replacingOccurrences(of: #""amount": 1000,"#, with: #""amount": 10.5,"#)
        let l = S.failure(try S.adapter("stripe").adapt(try event("invoice.finalized", badLine)))
        #expect(l?.location == JSONPointer("/data/object/lines/data/1/amount"))
    }
}
