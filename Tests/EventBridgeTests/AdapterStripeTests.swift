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
         "subtotal": 11000, "subtotal_excluding_tax": 11000, "tax": 1100, "total": 12100, "amount_due": 12100, "amount_paid": 0,
         "amount_remaining": 12100, "payment_intent": null,
         "created": 1772290000, "effective_at": 1772359200, "due_date": 1774915200, "status": "open",
         "status_transitions": {"finalized_at": 1772359200, "paid_at": null, "voided_at": null, "marked_uncollectible_at": null},
         "lines": {"object": "list", "has_more": false, "url": "/v1/invoices/in_1QxA2aLkdIwHu7ixAbCdEfGh/lines", "data": [
           {"id": "il_1QxA2aLkdIwHu7ixLine0001", "object": "line_item", "amount": 10000, "amount_excluding_tax": 10000, "currency": "usd",
            "description": "2 × Pro (at $50.00 / month)", "quantity": 2,
            "price": {"id": "price_1Pro", "object": "price", "unit_amount": 5000, "currency": "usd", "product": "prod_Pro"},
            "tax_rates": [{"id": "txr_1", "object": "tax_rate", "display_name": "Sales tax", "percentage": 10.0, "tax_type": "sales_tax"}],
            "tax_amounts": [{"amount": 1000, "inclusive": false, "tax_rate": "txr_1"}]},
           {"id": "il_1QxA2aLkdIwHu7ixLine0002", "object": "line_item", "amount": 1000, "currency": "usd",
            "description": "Setup fee", "quantity": 1, "price": {"id": "price_1Setup", "unit_amount": 1000, "currency": "usd"},
            "tax_rates": [{"id": "txr_1", "object": "tax_rate", "display_name": "Sales tax", "percentage": 10.0, "tax_type": "sales_tax"}],
            "tax_amounts": [{"amount": 100, "inclusive": false, "tax_rate": "txr_1"}]}
         ]}}
        """#

    /// The eventId every event of `event(…)` gets: derived from the Stripe event id.
    private var eventId: JSONValue {
        get throws {
            let adapter = try S.mapping(#"{"name": "u", "rules": [{"emit": "x.y", "fields": {"/id": {"from": "/id", "transform": {"name": "uuidFromText", "namespace": "stripe"}}}}]}"#)
            return try #require(try S.event(adapter.adapt(try event("x", "{}"))).data["id"])
        }
    }

    @Test func invoiceFinalizedBecomesInvoiceIssuedWithLines() throws {
        let adapter = try S.adapter("stripe")
        let e = try S.event(adapter.adapt(try event("invoice.finalized", invoice)))
        #expect(e.type == "finance.invoice.issued")
        #expect(e.subject == "in_1QxA2aLkdIwHu7ixAbCdEfGh")
        #expect(e.time == "2026-03-01T10:00:00Z")
        var expected = try JSONParser.parse(#"""
            {"eventId": "", "occurredAt": "2026-03-01T10:00:00Z", "sourceSystem": "stripe", "sourceReference": "in_1QxA2aLkdIwHu7ixAbCdEfGh",
             "invoiceId": "in_1QxA2aLkdIwHu7ixAbCdEfGh", "invoiceNumber": "A1B2C3D4-0001", "revision": 1772359200,
             "customerId": "cus_QpR8sT1uVwXyZa", "issueDate": "2026-03-01", "dueDate": "2026-03-31", "currency": "USD",
             "lines": [
               {"lineNumber": 1, "sku": "prod_Pro", "description": "2 × Pro (at $50.00 / month)", "quantity": "2", "unitPrice": "50.00",
                "netAmount": "100.00", "taxCode": "sales_tax", "taxRate": "10.0", "taxAmount": "10.00"},
               {"lineNumber": 2, "description": "Setup fee", "quantity": "1", "unitPrice": "10.00",
                "netAmount": "10.00", "taxCode": "sales_tax", "taxRate": "10.0", "taxAmount": "1.00"}
             ],
             "netTotal": "110.00", "taxTotal": "11.00", "grossTotal": "121.00"}
            """#)
        if case .object(var o) = expected { o["eventId"] = try eventId; expected = .object(o) }
        #expect(e.data == expected)
        try S.expectValid(e)
        // An untaxed line: tax code "none", rate and tax 0.
        let untaxed = invoice.replacingOccurrences(of: #""tax_rates": [{"id": "txr_1", "object": "tax_rate", "display_name": "Sales tax", "percentage": 10.0, "tax_type": "sales_tax"}],"#, with: "")
        let u = try S.event(adapter.adapt(try event("invoice.finalized", untaxed)))
        #expect(u.data["lines"]?[0]?["taxCode"] == "none")
        #expect(u.data["lines"]?[0]?["taxRate"] == "0")
    }

    @Test func invoicePaidUsesThePaidTransitionAndThePaymentIntent() throws {
        var paid = invoice.replacingOccurrences(of: #""status": "open""#, with: #""status": "paid""#)
        paid = paid.replacingOccurrences(of: #""paid_at": null"#, with: #""paid_at": 1772721000"#)
        paid = paid.replacingOccurrences(of: #""amount_paid": 0,"#, with: #""amount_paid": 12100,"#)
        paid = paid.replacingOccurrences(of: #""amount_remaining": 12100"#, with: #""amount_remaining": 0"#)
        paid = paid.replacingOccurrences(of: #""payment_intent": null"#, with: #""payment_intent": "pi_3QxA2bLkdIwHu7ix1AbCdEfG""#)
        let e = try S.event(try S.adapter("stripe").adapt(try event("invoice.paid", paid)))
        #expect(e.type == "finance.invoice.paid")
        var expected = try JSONParser.parse(#"""
            {"eventId": "", "occurredAt": "2026-03-01T10:00:00Z", "sourceSystem": "stripe", "sourceReference": "in_1QxA2aLkdIwHu7ixAbCdEfGh",
             "invoiceId": "in_1QxA2aLkdIwHu7ixAbCdEfGh", "paymentId": "pi_3QxA2bLkdIwHu7ix1AbCdEfG", "revision": 1772359200,
             "customerId": "cus_QpR8sT1uVwXyZa", "paidAmount": "121.00", "remainingAmount": "0.00", "currency": "USD",
             "paymentDate": "2026-03-05", "clearedAt": "2026-03-05T14:30:00Z", "fullyPaid": true}
            """#)
        if case .object(var o) = expected { o["eventId"] = try eventId; expected = .object(o) }
        #expect(e.data == expected)
        try S.expectValid(e)
        // Paid out of band: no payment intent or charge, the invoice id stands in (so invoice.paid
        // and invoice.payment_succeeded of one payment share the dedup key).
        let outOfBand = paid.replacingOccurrences(of: #""payment_intent": "pi_3QxA2bLkdIwHu7ix1AbCdEfG""#, with: #""payment_intent": null"#)
        #expect(try S.event(try S.adapter("stripe").adapt(try event("invoice.paid", outOfBand))).data["paymentId"] == "in_1QxA2aLkdIwHu7ixAbCdEfGh")
        let twin = try S.event(try S.adapter("stripe").adapt(try event("invoice.payment_succeeded", paid)))
        #expect(twin.type == "finance.invoice.paid" && twin.data["paymentId"] == e.data["paymentId"])
    }

    /// From API 2025-03-31.basil an invoice names none of its payments (shaped as a signed basil
    /// `invoice.payment_succeeded` delivery: `total_taxes`, `parent`, no `payment_intent`, `charge`
    /// or `paid_out_of_band`), and Stripe sends `invoice_payment.paid` per payment. Published under
    /// the invoice's id it would have been a second `finance.invoice.paid` of the same money (the
    /// payment's is keyed by its payment intent): it is filtered, the payment publishes once.
    @Test func basilInvoicesLeaveTheirPaymentsToInvoicePaymentPaid() throws {
        let basil = #"""
            {"id": "in_1RMgafCMHTTliF5ilpBkRLZf", "object": "invoice", "amount_due": 4999, "amount_overpaid": 0, "amount_paid": 4999,
             "amount_remaining": 0, "billing_reason": "subscription_create", "collection_method": "charge_automatically",
             "created": 1746757387, "currency": "cad", "customer": "cus_SGqVI5XZS5sDjA", "effective_at": 1746757387,
             "number": "KP9VDVTM-0019", "parent": {"quote_details": null, "subscription_details": {"metadata": {}, "subscription": "sub_1RMgafCMHTTliF5imBKfvfyV"}, "type": "subscription_details"},
             "status": "paid", "status_transitions": {"finalized_at": 1746757387, "marked_uncollectible_at": null, "paid_at": 1746757388, "voided_at": null},
             "subtotal": 4999, "total": 4999, "total_discount_amounts": [], "total_excluding_tax": 4999, "total_pretax_credit_amounts": [], "total_taxes": []}
            """#
        let adapter = try S.adapter("stripe")
        for type in ["invoice.paid", "invoice.payment_succeeded"] {
            let reason = S.filteredReason(adapter.adapt(try event(type, basil)))
            #expect(reason?.contains("invoice_payment.paid") == true, "\(type)")
        }
        let payment = #"""
            {"id": "inpay_1RMgagCMHTTliF5iQ0hBq1Xy", "object": "invoice_payment", "amount_paid": 4999, "amount_requested": 4999,
             "currency": "cad", "invoice": "in_1RMgafCMHTTliF5ilpBkRLZf", "is_default": true, "livemode": false,
             "payment": {"type": "payment_intent", "payment_intent": "pi_3RMgagCMHTTliF5i0m5Qn3Lk"}, "status": "paid",
             "status_transitions": {"canceled_at": null, "paid_at": 1746757388}, "created": 1746757387}
            """#
        let paid = try S.event(adapter.adapt(try event("invoice_payment.paid", payment)))
        #expect(paid.type == "finance.invoice.paid" && paid.data["paymentId"] == "pi_3RMgagCMHTTliF5i0m5Qn3Lk" && paid.data["paidAmount"] == "49.99")
        // Before basil an out-of-band payment names neither either, but the invoice says
        // paid_out_of_band: still published from the invoice (covered above).
        let acacia = basil.replacingOccurrences(of: #""total_taxes": []"#, with: #""total_taxes": [], "paid_out_of_band": true"#)
        #expect(try S.event(adapter.adapt(try event("invoice.paid", acacia))).data["paymentId"] == "in_1RMgafCMHTTliF5ilpBkRLZf")
    }

    /// From API 2025-03-31.basil a line's tax names its rate by id only and the invoice's `tax` is
    /// gone (`total_taxes`): a taxed invoice cannot say its lines' percentages, which the contract
    /// requires, so it is refused with that reason — not published as untaxed, and not left to
    /// `rule.sumEquals`. One whose tax is zero (Stripe Tax not collecting) publishes as untaxed.
    @Test func basilTaxedInvoicesAreRefusedWithTheReason() throws {
        let taxed = #"""
            {"id": "in_1SgTaxBasil0001", "object": "invoice", "customer": "cus_SgTax0001", "number": "F3A1-0007",
             "currency": "eur", "collection_method": "send_invoice", "created": 1772290000, "due_date": 1774915200,
             "effective_at": 1772359200, "status": "open", "subtotal": 10000, "subtotal_excluding_tax": 10000,
             "total": 12000, "total_excluding_tax": 10000, "amount_due": 12000, "amount_paid": 0, "amount_remaining": 12000,
             "status_transitions": {"finalized_at": 1772359200, "paid_at": null, "voided_at": null, "marked_uncollectible_at": null},
             "total_discount_amounts": [], "total_pretax_credit_amounts": [],
             "total_taxes": [{"amount": 2000, "tax_behavior": "exclusive", "tax_rate_details": {"tax_rate": "txr_1SgVat20"},
                              "taxability_reason": "standard_rated", "taxable_amount": 10000, "type": "tax_rate_details"}],
             "lines": {"object": "list", "has_more": false, "url": "/v1/invoices/in_1SgTaxBasil0001/lines", "data": [
               {"id": "il_1SgTaxBasilLine01", "object": "line_item", "amount": 10000, "currency": "eur",
                "description": "1 × Pro (at €100.00 / month)", "quantity": 1,
                "pricing": {"type": "price_details", "price_details": {"price": "price_1SgPro", "product": "prod_SgPro"}, "unit_amount_decimal": "10000"},
                "taxes": [{"amount": 2000, "tax_behavior": "exclusive", "tax_rate_details": {"tax_rate": "txr_1SgVat20"},
                           "taxability_reason": "standard_rated", "taxable_amount": 10000, "type": "tax_rate_details"}]}
             ]}}
            """#
        let adapter = try S.adapter("stripe")
        let refused = S.failure(adapter.adapt(try event("invoice.finalized", taxed)))
        #expect(refused?.code == .rejected)
        #expect(refused?.message.contains("tax_rate_details.tax_rate") == true, "\(String(describing: refused))")
        // Not collecting: the tax is zero and the invoice is what it says, untaxed.
        let untaxed = taxed.replacingOccurrences(of: #""total": 12000"#, with: #""total": 10000"#)
            .replacingOccurrences(of: #""amount": 2000"#, with: #""amount": 0"#)
            .replacingOccurrences(of: #""standard_rated""#, with: #""not_collecting""#)
        let published = try S.event(adapter.adapt(try event("invoice.finalized", untaxed)))
        #expect(published.type == "finance.invoice.issued" && published.data["taxTotal"] == "0.00" && published.data["grossTotal"] == "100.00")
        try S.expectValid(published)
    }

    /// An event whose object says nothing was received is refused, not published as a receipt of
    /// 0.00 (a fixture reusing one object for several event types showed both).
    @Test func eventsWhoseObjectSaysNothingWasReceivedAreRejected() throws {
        let adapter = try S.adapter("stripe")
        let pending = #"{"id": "pi_1", "object": "payment_intent", "amount": 1000, "amount_received": 0, "currency": "usd", "status": "requires_payment_method"}"#
        #expect(S.failure(adapter.adapt(try event("payment_intent.succeeded", pending)))?.code == .rejected)
        let charge = #"""
            {"id": "ch_1", "object": "charge", "amount": 2500, "amount_captured": 0, "captured": false, "paid": false,
             "status": "failed", "currency": "usd", "created": 1651217744, "payment_method_details": {"type": "card"}}
            """#
        #expect(S.failure(adapter.adapt(try event("charge.captured", charge)))?.code == .rejected)
        #expect(S.failure(adapter.adapt(try event("charge.succeeded", charge.replacingOccurrences(of: #""captured": false"#, with: #""captured": true"#))))?.code == .rejected)
        // A charge of a payment intent is the payment intent's, charge.captured included.
        let ofIntent = charge.replacingOccurrences(of: #""id": "ch_1","#, with: #""id": "ch_1", "payment_intent": "pi_1","#)
        #expect(S.filteredReason(adapter.adapt(try event("charge.captured", ofIntent))) != nil)
        // Captured days after the authorization: received when captured (the event's time).
        let captured = charge.replacingOccurrences(of: #""amount_captured": 0, "captured": false, "paid": false,"#, with: #""amount_captured": 2500, "captured": true, "paid": true,"#)
            .replacingOccurrences(of: #""status": "failed""#, with: #""status": "succeeded""#)
        let e = try S.event(adapter.adapt(try event("charge.captured", captured)))
        #expect(e.type == "finance.payment.received" && e.data["amount"] == "25.00" && e.data["receivedAt"] == "2026-03-01T10:00:00Z")
    }

    /// Thin events (event destinations: a type and the related object's id, no snapshot) are not
    /// dead-lettered as unknown shapes: filtered, except money movements, which the bridge cannot
    /// publish without the object.
    @Test func thinEventsAreFilteredUnlessTheyMoveMoney() throws {
        let adapter = try S.adapter("stripe")
        let meter = try S.input(#"""
            {"id": "evt_test_65R9Ijk8b2S3Pu1NA6Q16PA9IhjRS4fAHCSqlOBNVQ4C", "object": "v2.core.event", "type": "v1.billing.meter.error_report_triggered",
             "livemode": false, "created": "2024-09-17T06:20:52.246Z",
             "related_object": {"id": "mtr_test_61R9IeFTuCT5jjZ6D41EHbZuIVYqX5uq", "type": "billing.meter", "url": "/v1/billing/meters/mtr_test_61R9IeFTuCT5jjZ6D41EHbZuIVYqX5uq"}}
            """#, topic: "stripe.events")
        #expect(S.filteredReason(adapter.adapt(meter)) != nil)
        let transfer = try S.input(#"""
            {"id": "evt_test_1", "object": "v2.core.event", "type": "v2.money_management.outbound_transfer.posted", "created": "2025-10-01T06:20:52.246Z",
             "related_object": {"id": "obt_test_1", "type": "v2.money_management.outbound_transfer", "url": "/v2/money_management/outbound_transfers/obt_test_1"}}
            """#, topic: "stripe.events")
        #expect(S.failure(adapter.adapt(transfer))?.code == .rejected)
    }

    /// A connected account's event (Connect endpoints: top-level `account`) is that account's
    /// money: published, its payout would read as the platform's own, since no contract says whose
    /// it is. Filtered, with the way to publish them named.
    @Test func connectedAccountsEventsAreNotThePlatformsMoney() throws {
        let adapter = try S.adapter("stripe")
        let payout = #"{"id": "po_1", "object": "payout", "amount": 7311, "currency": "brl", "arrival_date": 1529280000, "method": "standard", "status": "paid"}"#
        let platform = try S.event(adapter.adapt(try event("payout.paid", payout)))
        #expect(platform.type == "finance.payout.paid" && platform.data["amount"] == "73.11")
        let connected = try S.input(#"""
            {"id": "evt_1", "object": "event", "api_version": "2018-02-28", "created": 1528934400, "account": "acct_1CZ5vkLlCJ9CeQRe",
             "type": "payout.paid", "data": {"object": \#(payout)}}
            """#, topic: "stripe.events")
        #expect(S.filteredReason(adapter.adapt(connected))?.contains("connected account") == true)
    }

    @Test func chargeAutomaticallyInvoicesAreDueOnFinalization() throws {
        let auto = invoice.replacingOccurrences(of: #""due_date": 1774915200"#, with: #""due_date": null"#)
        let e = try S.event(try S.adapter("stripe").adapt(try event("invoice.finalized", auto)))
        #expect(e.data["dueDate"] == "2026-03-01")
        try S.expectValid(e)
    }

    @Test func zeroDecimalAndThreeDecimalCurrencies() throws {
        let jpy = invoice.replacingOccurrences(of: "\"usd\"", with: "\"jpy\"")
        let e = try S.event(try S.adapter("stripe").adapt(try event("invoice.finalized", jpy)))
        #expect(e.data["grossTotal"] == "12100")
        #expect(e.data["lines"]?[0]?["unitPrice"] == "5000")
        try S.expectValid(e)
        let mga = invoice.replacingOccurrences(of: "\"usd\"", with: "\"mga\"")
        let m = try S.event(try S.adapter("stripe").adapt(try event("invoice.finalized", mga)))
        #expect(m.data["grossTotal"] == "12100.00")
        #expect(m.data["currency"] == "MGA")
        try S.expectValid(m)
    }

    @Test func invoiceVoided() throws {
        let voided = invoice.replacingOccurrences(of: #""voided_at": null"#, with: #""voided_at": 1772721000"#)
        let e = try S.event(try S.adapter("stripe").adapt(try event("invoice.voided", voided)))
        #expect(e.type == "finance.invoice.voided")
        #expect(e.data["invoiceId"] == "in_1QxA2aLkdIwHu7ixAbCdEfGh")
        #expect(e.data["voidedAt"] == "2026-03-05T14:30:00Z")
        #expect(e.data["businessDate"] == "2026-03-05")
        #expect(e.data["voidReason"] == "billing_error")
        #expect(e.data["voidedBy"] == "stripe")
        try S.expectValid(e)
    }

    @Test func invoiceEventsWithoutAFinanceCounterpartAreFiltered() throws {
        let adapter = try S.adapter("stripe")
        for type in ["invoice.created", "invoice.updated", "invoice.sent", "invoice.upcoming"] {
            #expect(S.filteredReason(adapter.adapt(try event(type, invoice))) != nil, "\(type)")
        }
        #expect(S.filteredReason(adapter.adapt(try event("radar.early_fraud_warning.created", "{}"))) != nil)
    }

    @Test func paymentIntentSucceededBecomesPaymentSettled() throws {
        let pi = #"""
            {"id": "pi_3QxA2bLkdIwHu7ix1AbCdEfG", "object": "payment_intent", "amount": 12550, "amount_received": 12550,
             "currency": "eur", "customer": "cus_QpR8sT1uVwXyZa", "invoice": "in_1QxA2aLkdIwHu7ixAbCdEfGh",
             "latest_charge": {"id": "ch_3QxA2bLkdIwHu7ix1XyZ", "object": "charge", "amount": 12550, "currency": "eur",
               "payment_method_details": {"type": "sepa_debit"},
               "balance_transaction": {"id": "txn_3QxA2bLkdIwHu7ix1Bt", "object": "balance_transaction", "amount": 12550, "fee": 394,
                 "net": 12156, "currency": "eur", "created": 1772359200, "available_on": 1772582400}},
             "payment_method": "pm_1QxA", "payment_method_types": ["card", "sepa_debit"], "status": "succeeded", "created": 1772358000}
            """#
        let e = try S.event(try S.adapter("stripe").adapt(try event("payment_intent.succeeded", pi)))
        #expect(e.type == "finance.payment.settled")
        var expected = try JSONParser.parse(#"""
            {"eventId": "", "occurredAt": "2026-03-01T10:00:00Z", "sourceSystem": "stripe", "sourceReference": "pi_3QxA2bLkdIwHu7ix1AbCdEfG",
             "paymentId": "pi_3QxA2bLkdIwHu7ix1AbCdEfG", "revision": 1772359200, "customerId": "cus_QpR8sT1uVwXyZa",
             "method": "sepa_direct_debit", "amount": "125.50", "feeAmount": "3.94", "netAmount": "121.56", "currency": "EUR",
             "settlementDate": "2026-03-01", "valueDate": "2026-03-04", "bankReference": "txn_3QxA2bLkdIwHu7ix1Bt"}
            """#)
        if case .object(var o) = expected { o["eventId"] = try eventId; expected = .object(o) }
        #expect(e.data == expected)
        try S.expectValid(e)
        // As a webhook sends it (latest_charge an id): fee and net are unknown, the payment is received.
        let bare = #"{"id": "pi_1", "object": "payment_intent", "amount_received": 100, "currency": "eur", "customer": "cus_1", "latest_charge": "ch_1", "status": "succeeded"}"#
        let received = try S.event(try S.adapter("stripe").adapt(try event("payment_intent.succeeded", bare)))
        #expect(received.type == "finance.payment.received" && received.data["amount"] == "1.00" && received.data["chargeId"] == "ch_1")
        try S.expectValid(received)
        // A payment method the contract has no word for is a transform failure.
        let klarna = pi.replacingOccurrences(of: #""type": "sepa_debit""#, with: #""type": "klarna""#)
        #expect(S.failure(try S.adapter("stripe").adapt(try event("payment_intent.succeeded", klarna)))?.code == .transform)
    }

    @Test func chargeRefundedBecomesPaymentRefunded() throws {
        let charge = #"""
            {"id": "ch_3QxA2bLkdIwHu7ix1XyZ", "object": "charge", "amount": 12550, "amount_refunded": 5000,
             "currency": "usd", "customer": "cus_QpR8sT1uVwXyZa", "payment_intent": "pi_3QxA2bLkdIwHu7ix1AbCdEfG", "refunded": false,
             "refunds": {"object": "list", "has_more": false, "data": [
               {"id": "re_3QxA2bLkdIwHu7ix1Rf01", "object": "refund", "amount": 5000, "currency": "usd",
                "created": 1772721000, "reason": "requested_by_customer", "status": "succeeded"}]}}
            """#
        let adapter = try S.adapter("stripe")
        let e = try S.event(adapter.adapt(try event("charge.refunded", charge)))
        #expect(e.type == "finance.payment.refunded")
        var expected = try JSONParser.parse(#"""
            {"eventId": "", "occurredAt": "2026-03-01T10:00:00Z", "sourceSystem": "stripe", "sourceReference": "re_3QxA2bLkdIwHu7ix1Rf01",
             "refundId": "re_3QxA2bLkdIwHu7ix1Rf01", "paymentId": "pi_3QxA2bLkdIwHu7ix1AbCdEfG", "customerId": "cus_QpR8sT1uVwXyZa",
             "amount": "50.00", "currency": "USD", "refundedAt": "2026-03-05T14:30:00Z", "reason": "requested_by_customer"}
            """#)
        if case .object(var o) = expected { o["eventId"] = try eventId; expected = .object(o) }
        #expect(e.data == expected)
        try S.expectValid(e)
        // No reason given: requested by the customer.
        let noReason = charge.replacingOccurrences(of: #""reason": "requested_by_customer""#, with: #""reason": null"#)
        #expect(try S.event(adapter.adapt(try event("charge.refunded", noReason))).data["reason"] == "requested_by_customer")
        // An expired uncaptured charge moved no money.
        let expired = charge.replacingOccurrences(of: #""reason": "requested_by_customer""#, with: #""reason": "expired_uncaptured_charge""#)
        #expect(S.filteredReason(adapter.adapt(try event("charge.refunded", expired))) != nil)
        // Newer API versions don't include the refunds list: refund.created carries the refund, so
        // this one is filtered.
        let noList = #"{"id": "ch_1", "object": "charge", "amount_refunded": 12550, "currency": "usd", "customer": "cus_1", "payment_intent": null}"#
        #expect(S.filteredReason(adapter.adapt(try event("charge.refunded", noList)))?.contains("refund.created") == true)
    }

    @Test func customersAreUpsertedActiveWithATaxIdAndBlockedWhenDeleted() throws {
        let customer = #"""
            {"id": "cus_QpR8sT1uVwXyZa", "object": "customer", "name": "Acme GmbH", "email": "billing@acme.example",
             "currency": "eur", "address": {"line1": "Hauptstraße 1", "line2": null, "city": "Berlin", "state": null, "postal_code": "10115", "country": "DE"},
             "tax_ids": {"object": "list", "has_more": false, "data": [{"id": "txi_1", "object": "tax_id", "type": "eu_vat", "value": "DE123456789"}]},
             "created": 1772290000, "deleted": false}
            """#
        let adapter = try S.adapter("stripe")
        for type in ["customer.created", "customer.updated"] {
            let e = try S.event(adapter.adapt(try event(type, customer)))
            #expect(e.type == "finance.customer.upserted")
            var expected = try JSONParser.parse(#"""
                {"eventId": "", "occurredAt": "2026-03-01T10:00:00Z", "sourceSystem": "stripe", "sourceReference": "cus_QpR8sT1uVwXyZa",
                 "customerId": "cus_QpR8sT1uVwXyZa", "revision": 1772359200, "legalName": "Acme GmbH", "taxId": "DE123456789",
                 "country": "DE", "currency": "EUR", "paymentTermsDays": 30, "status": "active", "email": "billing@acme.example",
                 "billingAddress": {"line1": "Hauptstraße 1", "city": "Berlin", "postalCode": "10115", "country": "DE"}}
                """#)
            if case .object(var o) = expected { o["eventId"] = try eventId; expected = .object(o) }
            #expect(e.data == expected)
            try S.expectValid(e)
        }
        let noTaxId = customer.replacingOccurrences(of: #"{"id": "txi_1", "object": "tax_id", "type": "eu_vat", "value": "DE123456789"}"#, with: "")
        let prospect = try S.event(adapter.adapt(try event("customer.created", noTaxId)))
        #expect(prospect.data["status"] == "prospect")
        #expect(prospect.data["taxId"] == nil)
        try S.expectValid(prospect)
        let deleted = try S.event(adapter.adapt(try event("customer.deleted", noTaxId)))
        #expect(deleted.data["status"] == "blocked")
        try S.expectValid(deleted)
        let noCurrency = customer.replacingOccurrences(of: #""currency": "eur""#, with: #""currency": null"#)
        #expect(try S.event(adapter.adapt(try event("customer.created", noCurrency))).data["currency"] == "USD")
        let noCountry = customer.replacingOccurrences(of: #""country": "DE""#, with: #""country": null"#)
        let f = S.failure(adapter.adapt(try event("customer.created", noCountry)))
        #expect(f?.code == .missingField)
        #expect(f?.location == JSONPointer("/data/object/address/country"))
    }

    @Test func badAmountsAreTransformFailuresAtTheirLocation() throws {
        let broken = invoice.replacingOccurrences(of: #""total": 12100"#, with: #""total": "lots""#)
        let f = S.failure(try S.adapter("stripe").adapt(try event("invoice.finalized", broken)))
        #expect(f?.code == .transform)
        #expect(f?.location == JSONPointer("/data/object/total"))
        let badLine = invoice.replacingOccurrences(of: #""amount": 1000, "currency""#, with: #""amount": 10.5, "currency""#)
        let l = S.failure(try S.adapter("stripe").adapt(try event("invoice.finalized", badLine)))
        #expect(l?.location == JSONPointer("/data/object/lines/data/1/amount"))
    }
}
