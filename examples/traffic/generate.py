#!/usr/bin/env python3
"""Writes the demo traffic files in this directory (deterministic: run it again after an edit).

One JSON line per Kafka record, in the format `eventbridge produce` reads. Every record carries a
header `x-demo-expect` naming its expected outcome: published, duplicate, stale (counted as
duplicate with sequencing.stale = duplicate), filtered, or dlq:<error code>. README.md has the
counts; Tests/EventBridgeTests/AdapterContractTests.swift checks the adapter and contract part.
"""
import base64, json, os

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1772442000  # 2026-03-02T09:00:00Z


def rec(key, value, expect, headers=None):
    h = {"x-demo-expect": expect}
    h.update(headers or {})
    return {"key": key, "headers": h, "value": value}


def write(name, records):
    with open(os.path.join(HERE, name), "w") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) + "\n")


# ---------------------------------------------------------------- Stripe

def stripe_event(n, type_, created, obj, request=None):
    return {"id": "evt_1Qdemo%018d" % n, "object": "event", "api_version": "2024-06-20", "created": created,
            "livemode": False, "pending_webhooks": 1, "request": {"id": request, "idempotency_key": None},
            "type": type_, "data": {"object": obj}}


CUSTOMERS = [
    # id, name, email, country, city, postal, street, currency, tax id (None: prospect)
    ("cus_Qdemo0000000001", "Nordlicht Handels GmbH", "ap@nordlicht.example", "DE", "Hamburg", "20457", "Speicherstraße 12", "eur", "DE811907980"),
    ("cus_Qdemo0000000002", "Acme Corporation", "billing@acme.example", "US", "San Francisco", "94105", "1 Market St", "usd", "94-1234567"),
    ("cus_Qdemo0000000003", "Fjord Analytics AS", "faktura@fjord.example", "NO", "Oslo", "0150", "Karl Johans gate 5", "nok", "NO923456789MVA"),
    ("cus_Qdemo0000000004", "Tanaka Trading KK", "keiri@tanaka.example", "JP", "Tokyo", "100-0005", "1-1 Marunouchi", "jpy", "T1234567890123"),
    ("cus_Qdemo0000000005", "Jane Doe", "jane.doe@mail.example", "GB", "London", "EC1A 1BB", "10 King St", "gbp", None),
    ("cus_Qdemo0000000006", "Bergstrom Consulting", "hello@bergstrom.example", "SE", "Stockholm", "111 22", "Drottninggatan 3", None, None),
]


def stripe_customer(c, deleted=False, name=None):
    cid, nm, email, country, city, postal, street, ccy, tax = c
    obj = {"id": cid, "object": "customer", "name": name or nm, "email": email, "currency": ccy,
           "address": {"line1": street, "line2": None, "city": city, "state": None, "postal_code": postal, "country": country},
           "created": T0 - 86400, "livemode": False, "invoice_prefix": "DEMO", "tax_exempt": "none",
           "tax_ids": {"object": "list", "has_more": False, "data": [] if tax is None else [
               {"id": "txi_" + cid[4:], "object": "tax_id", "type": "eu_vat", "value": tax, "country": country}]}}
    if deleted:
        obj["deleted"] = True
    return obj


def stripe_invoice(n, cust, ccy, lines, status="open", discount=0, paid_at=None, voided_at=None, finalized=None, pi=None):
    """lines: (description, quantity, unit minor, tax rate percent or None)."""
    data, sub, tax = [], 0, 0
    for i, (desc, qty, unit, rate) in enumerate(lines):
        amount = qty * unit
        t = 0 if not rate else (amount * int(rate * 100) + 5000) // 10000  # half up, in minor units
        line = {"id": "il_1Qdemo%04d%02d" % (n, i + 1), "object": "line_item", "amount": amount, "amount_excluding_tax": amount,
                "currency": ccy, "description": desc, "quantity": qty, "discountable": True,
                "price": {"id": "price_1Qdemo%02d" % (i + 1), "object": "price", "unit_amount": unit, "currency": ccy, "product": "prod_Qdemo%02d" % (i + 1)},
                "tax_rates": [] if rate is None else [{"id": "txr_1Qdemo%02d" % int(rate), "object": "tax_rate", "display_name": "VAT", "percentage": rate, "tax_type": "vat", "inclusive": False}],
                "tax_amounts": [] if rate is None else [{"amount": t, "inclusive": False, "tax_rate": "txr_1Qdemo%02d" % int(rate)}]}
        data.append(line)
        sub += amount
        tax += t
    total = sub + tax - discount
    fin = finalized or T0
    inv = {"id": "in_1Qdemo%010d" % n, "object": "invoice", "customer": cust, "number": "DEMO-%04d" % n, "currency": ccy,
           "collection_method": "send_invoice", "subtotal": sub, "subtotal_excluding_tax": sub, "tax": tax,
           "total_discount_amounts": [] if not discount else [{"amount": discount, "discount": "di_1Qdemo"}],
           "total": total, "total_excluding_tax": sub - discount, "amount_due": total,
           "amount_paid": total if status == "paid" else 0, "amount_remaining": 0 if status == "paid" else total,
           "created": fin - 600, "effective_at": fin, "due_date": fin + 30 * 86400, "status": status,
           "payment_intent": pi, "charge": None,
           "status_transitions": {"finalized_at": fin, "paid_at": paid_at, "voided_at": voided_at, "marked_uncollectible_at": None},
           "lines": {"object": "list", "has_more": False, "url": "/v1/invoices/in_1Qdemo%010d/lines" % n, "data": data}}
    return inv


def stripe_pi(n, cust, ccy, amount, created, method="card", expanded=True, invoice=None):
    fee = amount * 29 // 1000 + (30 if ccy != "jpy" else 0)
    charge = "ch_3Qdemo%010d" % n
    if expanded:
        charge = {"id": charge, "object": "charge", "amount": amount, "currency": ccy,
                  "payment_method_details": {"type": method},
                  "balance_transaction": {"id": "txn_3Qdemo%010d" % n, "object": "balance_transaction", "amount": amount,
                                          "fee": fee, "net": amount - fee, "currency": ccy, "created": created,
                                          "available_on": created + 2 * 86400, "type": "charge", "status": "pending"}}
    return {"id": "pi_3Qdemo%010d" % n, "object": "payment_intent", "amount": amount, "amount_received": amount,
            "currency": ccy, "customer": cust, "invoice": invoice, "latest_charge": charge,
            "payment_method_types": [method], "status": "succeeded", "created": created - 5}


def stripe_charge_refunded(n, pi, cust, ccy, amount, refund, created, reason):
    return {"id": "ch_3Qdemo%010d" % n, "object": "charge", "amount": amount, "amount_refunded": refund, "currency": ccy,
            "customer": cust, "payment_intent": pi, "refunded": refund == amount,
            "refunds": {"object": "list", "has_more": False, "data": [
                {"id": "re_3Qdemo%010d" % n, "object": "refund", "amount": refund, "currency": ccy, "created": created,
                 "reason": reason, "status": "succeeded", "payment_intent": pi}]}}


def stripe():
    out, n, t = [], 0, T0

    def ev(type_, obj, expect, key, request=None):
        nonlocal n, t
        n += 1
        t += 60
        e = stripe_event(n, type_, t, obj, request)
        out.append(rec(key, e, expect))
        return e

    C = CUSTOMERS
    # customers: 4 with tax ids (active), 2 without (prospect)
    for c in C:
        ev("customer.created", stripe_customer(c), "published", c[0])
    dup_customer = out[1]
    # updates
    ev("customer.updated", stripe_customer(C[0], name="Nordlicht Handels GmbH & Co. KG"), "published", C[0][0])
    ev("customer.updated", stripe_customer(C[1]), "published", C[1][0])
    ev("customer.updated", stripe_customer(C[4], name="Jane Doe-Smith"), "published", C[4][0])
    ev("customer.updated", stripe_customer(C[5]), "published", C[5][0])
    # invoices
    plans = [
        (C[0], "eur", [("Pro plan, March", 2, 5000, 19.0), ("Setup fee", 1, 1000, 19.0)]),
        (C[1], "usd", [("Enterprise seats", 10, 4900, None)]),
        (C[2], "nok", [("Analytics add-on", 3, 29900, 25.0)]),
        (C[3], "jpy", [("Consulting day", 2, 120000, 10.0), ("Travel", 1, 18000, 10.0)]),
        (C[0], "eur", [("Overage, February", 1, 2350, 19.0)]),
        (C[1], "usd", [("Support retainer", 1, 150000, None)]),
        (C[3], "jpy", [("Workshop", 1, 300000, 10.0)]),
    ]
    invoices = []
    for i, (c, ccy, lines) in enumerate(plans):
        inv = stripe_invoice(i + 1, c[0], ccy, lines, finalized=t + 60)
        invoices.append(inv)
        ev("invoice.created", dict(inv, status="draft"), "filtered", inv["id"]) if i == 0 else None
        ev("invoice.finalized", inv, "published", inv["id"])
    ev("invoice.upcoming", dict(invoices[4], id="upcoming_in_demo"), "filtered", invoices[4]["customer"])
    # a discounted invoice: net + tax ≠ gross under the contract (no discount field) → rule.sumEquals
    disc = stripe_invoice(8, C[2][0], "nok", [("Annual licence", 1, 500000, 25.0)], discount=50000, finalized=t + 60)
    ev("invoice.finalized", disc, "dlq:rule.sumEquals", disc["id"])
    # payments and paid invoices
    pays = []
    for i in range(5):
        inv = invoices[i]
        method = ["card", "sepa_debit", "card", "card", "us_bank_account"][i]
        pi = stripe_pi(i + 1, inv["customer"], inv["currency"], inv["total"], t + 60, method=method, invoice=inv["id"])
        pays.append(pi)
        ev("payment_intent.succeeded", pi, "published", pi["id"])
        paid = dict(inv, status="paid", amount_paid=inv["total"], amount_remaining=0, payment_intent=pi["id"],
                    status_transitions=dict(inv["status_transitions"], paid_at=t))
        if i == 0:
            # Stripe sends both for one payment: the first publishes, the twin (same invoice and
            # payment: the same dedup key) is a duplicate.
            ev("invoice.payment_succeeded", paid, "published", inv["id"])
        ev("invoice.paid", paid, "duplicate" if i == 0 else "published", inv["id"])
    dup_paid = out[-1]
    # a payment intent as Stripe's webhook sends it (latest_charge an id) → finance.payment.received
    raw = stripe_pi(6, C[1][0], "usd", 150000, t + 60, expanded=False, invoice=invoices[5]["id"])
    ev("payment_intent.succeeded", raw, "published", raw["id"])
    # a voided invoice
    v = invoices[6]
    ev("invoice.voided", dict(v, status="void", status_transitions=dict(v["status_transitions"], voided_at=t + 60)), "published", v["id"])
    # refunds: one with a reason, one without (→ requested_by_customer)
    ch = stripe_charge_refunded(1, pays[0]["id"], C[0][0], "eur", invoices[0]["total"], 1190, t + 60, "requested_by_customer")
    ev("charge.refunded", ch, "published", pays[0]["id"])
    ch = stripe_charge_refunded(3, pays[2]["id"], C[2][0], "nok", invoices[2]["total"], invoices[2]["total"], t + 60, None)
    ev("charge.refunded", ch, "published", pays[2]["id"])
    # a deleted customer → blocked
    ev("customer.deleted", stripe_customer(C[5], deleted=True), "published", C[5][0])
    # an event type without a finance counterpart → filtered
    ev("balance.available", {"object": "balance", "available": [{"amount": 120000, "currency": "eur"}], "pending": []},
       "filtered", None)
    # Stripe retries: two exact duplicate deliveries
    out.append(dict(dup_customer, headers={"x-demo-expect": "duplicate"}))
    out.append(dict(dup_paid, headers={"x-demo-expect": "duplicate"}))
    return out


# ---------------------------------------------------------------- Salesforce CDC

def sf_change(ids, change, commit, ts, fields, seq=1, entity="Account", changed=None, nulled=None):
    header = {"entityName": entity, "recordIds": ids, "changeType": change,
              "changeOrigin": "com/salesforce/api/soap/61.0;client=SfdcInternalAPI/",
              "transactionKey": "0002343d-9d90-e395-ed20-%012x" % commit, "sequenceNumber": seq,
              "commitTimestamp": ts * 1000, "commitNumber": commit, "commitUser": "005RM000001vI54YAE",
              "changedFields": changed or [], "diffFields": [], "nulledFields": nulled or []}
    v = {"ChangeEventHeader": header}
    v.update(fields)
    return v


ACCOUNTS = [
    ("001RM000003cKv1YAE", "Globex Corporation", "Customer - Direct", "usd", "1 Globex Plaza", "Springfield", "IL", "62701", "US", "US-36-1234567"),
    ("001RM000003cKv2YAE", "Initech GmbH", "Customer - Direct", "eur", "Am Sandtorkai 1", "Hamburg", None, "20457", "DE", "DE123456789"),
    ("001RM000003cKv3YAE", "Umbrella Pharma Ltd", "Customer - Channel", "gbp", "12 Harley St", "London", None, "W1G 9PF", "GB", "GB123456789"),
    ("001RM000003cKv4YAE", "Stark Solutions SA", "Customer - Direct", "eur", "Rue du Rhône 8", "Genève", "GE", "1204", "CH", "CHE-123.456.789"),
    ("001RM000003cKv5YAE", "Wayne Logistics Inc", "Customer - Direct", "usd", "1007 Mountain Dr", "Gotham", "NJ", "07001", "US", "US-22-7654321"),
    ("001RM000003cKv6YAE", "Hooli Prospects LLC", "Prospect", "usd", "2624 Mill St", "Palo Alto", "CA", "94301", "US", None),
    ("001RM000003cKv7YAE", "Vandelay Imports", "Customer - Direct", "usd", "129 W 81st St", "New York", "NY", "10024", "US", "US-13-5550100"),
    ("001RM000003cKv8YAE", "Soylent Foods BV", "Customer - Direct", "eur", "Damrak 70", "Amsterdam", None, "1012 LM", "NL", "NL123456789B01"),
    ("001RM000003cKv9YAE", "Cyberdyne Systems", "Customer - Channel", "usd", "18144 El Camino Real", "Sunnyvale", "CA", "94087", "US", "US-94-2000001"),
]


def sf_fields(a, name=None, type_=None, tax="keep"):
    _, nm, tp, ccy, street, city, state, postal, country, taxid = a
    f = {"Name": name or nm, "Type": type_ or tp, "CurrencyIsoCode": ccy.upper(),
         "BillingAddress": {"Street": street, "City": city, "State": state, "PostalCode": postal,
                            "Country": None, "CountryCode": country, "StateCode": state},
         "LastModifiedDate": None}
    t = taxid if tax == "keep" else tax
    if t is not None:
        f["Tax_ID__c"] = t
    return f


def salesforce():
    out, commit, t = [], 10656360225123456000, T0
    A = ACCOUNTS

    def ch(ids, change, fields, expect, key, changed=None, nulled=None):
        nonlocal commit, t
        commit += 37
        t += 45
        out.append(rec(key, sf_change(ids, change, commit, t, fields, changed=changed, nulled=nulled), expect))

    for a in A:
        ch([a[0]], "CREATE", sf_fields(a), "published", a[0])
    ch([A[0][0]], "UPDATE", sf_fields(A[0], name="Globex Corporation International"), "published", A[0][0], ["Name"])
    ch([A[5][0]], "UPDATE", sf_fields(A[5], type_="Customer - Direct", tax="US-77-3334445"), "published", A[5][0], ["Type", "Tax_ID__c"])
    # one change of three accounts (a mass update): fan-out to three customer events
    group = [A[1], A[3], A[7]]
    shared = sf_fields(A[1])
    shared["Type"] = "Customer - Channel"
    ch([a[0] for a in group], "UPDATE", shared, "published", A[1][0], ["Type"])
    ch([A[6][0]], "UPDATE", sf_fields(A[6], name="Vandelay Industries"), "published", A[6][0], ["Name"])
    ch([A[8][0]], "DELETE", {}, "published", A[8][0])
    ch([A[8][0]], "UNDELETE", sf_fields(A[8]), "published", A[8][0])
    # a partial update (only the changed field): merged onto the account's state from its CREATE
    ch([A[4][0]], "UPDATE", {"Phone": "+1 973 555 0199"}, "published", A[4][0], ["Phone"])
    # a partial update of an account the bridge never saw → a notice (finance.customer.changed)
    ch(["001RM000003cKvZYAE"], "UPDATE", {"Phone": "+1 415 555 0100"}, "published", "001RM000003cKvZYAE", ["Phone"])
    # a partial update of a contact the bridge never saw (no notice type) → adapter.state_unknown
    ch(["003RM000001aBcZYAU"], "UPDATE", {"Phone": "+1 415 555 0101"}, "dlq:adapter.state_unknown", "003RM000001aBcZYAU", ["Phone"])
    out[-1]["value"]["ChangeEventHeader"]["entityName"] = "Contact"
    # an active customer whose tax id was cleared (nulledFields) → rule.requiredWhen
    ch([A[2][0]], "UPDATE", sf_fields(A[2], tax=None), "dlq:rule.requiredWhen", A[2][0], ["Tax_ID__c"], nulled=["Tax_ID__c"])
    # a gap event: the change was not captured → a resync notice (finance.customer.changed)
    ch([A[3][0]], "GAP_UPDATE", {}, "published", A[3][0])
    # a contact on the same channel → finance.customer.contact.upserted
    ch(["003RM000001aBcDYAU"], "CREATE", {"Name": {"FirstName": "Ann", "LastName": "Lee"}}, "published", "003RM000001aBcDYAU")
    out[-1]["value"]["ChangeEventHeader"]["entityName"] = "Contact"
    return out


# ---------------------------------------------------------------- Debezium

def dec(text):
    """NUMERIC(19,2) as Debezium precise bytes: base64 of the big-endian two's-complement unscaled value."""
    unscaled = int(text.replace(".", ""))
    n = 1
    while not -(1 << (8 * n - 1)) <= unscaled < (1 << (8 * n - 1)):
        n += 1
    return base64.b64encode(unscaled.to_bytes(n, "big", signed=True)).decode()


def days(iso):
    import datetime
    return (datetime.date.fromisoformat(iso) - datetime.date(1970, 1, 1)).days


def micros(wall):  # wall clock in the source zone (America/New_York), as Debezium MicroTimestamp
    import datetime
    d = datetime.datetime.fromisoformat(wall).replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1_000_000


DBZ_CUSTOMERS = [
    (2001, "Harbor Freight Partners LLC", "US-31-1111111", "ap@harbor.example", "us", "usd", 30, "50000.00", "active", "500 Pier Ave", None, "Boston", "MA", "02110"),
    (2002, "Maple Leaf Supplies Inc", "CA-123456789", "ap@maple.example", "ca", "cad", 45, "20000.00", "active", "200 Bay St", "Suite 900", "Toronto", "ON", "M5J 2J2"),
    (2003, "Lone Star Builders", None, "office@lonestar.example", "us", "usd", None, None, "prospect", "1 Congress Ave", None, "Austin", "TX", "78701"),
    (2004, "Empire Office Co", "US-13-2222222", "pay@empire.example", "us", "usd", 15, "10000.00", "active", "350 5th Ave", None, "New York", "NY", "10118"),
    (2005, "Pacific Rim Foods", "US-94-3333333", "ap@pacrim.example", "us", "usd", 60, "75000.00", "active", "88 Embarcadero", None, "San Francisco", "CA", "94105"),
]


def dbz_customer_row(c, **over):
    cid, name, tax, email, cc, ccy, terms, limit, status, street, street2, city, region, postal = c
    row = {"id": cid, "name": name, "tax_id": tax, "email": email, "country_code": cc, "currency": ccy,
           "payment_terms_days": terms, "credit_limit": dec(limit) if limit else None, "status": status,
           "street": street, "street2": street2, "city": city, "region": region, "postal_code": postal,
           "updated_at": micros("2026-03-02T08:00:00")}
    row.update(over)
    return row


def dbz_invoice_row(iid, cust, status, lines, ccy="usd", version=1, wall="2026-03-02T09:00:00", **extra):
    net = sum(int(l[3].replace(".", "")) * 1 for l in lines)
    tax = sum(int(l[6].replace(".", "")) for l in lines)
    js = [{"line_no": i + 1, "sku": "SKU-%d" % (100 + i), "description": l[0], "quantity": l[1], "unit_price": l[2],
           "net_amount": l[3], "tax_code": l[4], "tax_rate": l[5], "tax_amount": l[6], "revenue_account": 4000}
          for i, l in enumerate(lines)]
    fmt = lambda cents: "%d.%02d" % (cents // 100, cents % 100)
    row = {"id": iid, "customer_id": cust, "invoice_number": "LE-2026-%05d" % iid, "issue_date": days("2026-03-02"),
           "due_date": days("2026-04-01"), "currency": ccy, "net_amount": dec(fmt(net)), "tax_amount": dec(fmt(tax)),
           "total_amount": dec(fmt(net + tax)), "status": status, "version": version,
           "lines": json.dumps(js, separators=(",", ":")),
           "posting_date": None, "accounting_period": None, "company_code": None, "receivable_account": None,
           "journal_entry_id": None, "tax_jurisdiction": None, "payment_reference": None, "paid_amount": None,
           "payment_date": None, "paid_at": None, "void_reason": None, "voided_by": None, "void_date": None,
           "credit_note_id": None, "updated_at": micros(wall)}
    row.update(extra)
    return row


def debezium():
    out = []
    lsn, ts = 24_000_000, T0 * 1000

    def change(table, op, before, after, expect, key, snapshot="false", at_lsn=None, at_ts=None):
        nonlocal lsn, ts
        if at_lsn is None:
            lsn += 4_096
            ts += 30_000
        src = {"version": "2.7.3.Final", "connector": "postgresql", "name": "legacy", "ts_ms": at_ts or ts,
               "snapshot": snapshot, "db": "erp", "sequence": "[null,\"%d\"]" % (at_lsn or lsn), "schema": "public",
               "table": table, "txId": 7000 + len(out), "lsn": at_lsn or lsn, "xmin": None}
        value = {"before": before, "after": after, "source": src, "op": op, "ts_ms": (at_ts or ts) + 120, "transaction": None}
        out.append(rec(key, value, expect))

    C = DBZ_CUSTOMERS
    # initial snapshot: three rows read at one LSN
    snap = lsn
    for c in C[:3]:
        change("customers", "r", None, dbz_customer_row(c), "published", str(c[0]),
               snapshot="true" if c is not C[2] else "last", at_lsn=snap, at_ts=ts)
    for c in C[3:]:
        change("customers", "c", None, dbz_customer_row(c), "published", str(c[0]))
    change("customers", "u", dbz_customer_row(C[0]), dbz_customer_row(C[0], credit_limit=dec("80000.00")), "published", "2001")
    change("customers", "u", dbz_customer_row(C[2]), dbz_customer_row(C[2], status="active", tax_id="US-74-4444444", payment_terms_days=30), "published", "2003")
    change("customers", "u", dbz_customer_row(C[4]), dbz_customer_row(C[4], status="on_hold"), "published", "2005")
    # a deleted customer row → blocked, then Debezium's tombstone for compaction (tombstones.on.delete=true, the
    # default) → DLQ record.tombstone: the bridge keeps null values visible (docs/decisions.md 2026-11-26)
    change("customers", "d", dbz_customer_row(C[3]), None, "published", "2004")
    out.append({"key": "2004", "headers": {"x-demo-expect": "filtered"}, "value": None})  # after the delete of 2004
    # an active customer row without a tax id → rule.requiredWhen
    change("customers", "u", dbz_customer_row(C[1]), dbz_customer_row(C[1], tax_id=None), "dlq:rule.requiredWhen", "2002")

    L1 = [("Pallet racking", 4, "250.00", "1000.00", "TX", "6.25", "62.50"), ("Installation", 1, "400.00", "400.00", "TX", "6.25", "25.00")]
    L2 = [("Office chairs", 12, "180.00", "2160.00", "NY", "8.875", "191.70")]
    L3 = [("Frozen goods, pallet", 20, "95.50", "1910.00", "EX", "0", "0.00")]
    L4 = [("Maple syrup, case", 30, "42.00", "1260.00", "HST", "13", "163.80")]
    # invoice 5001: draft, issued, due date moved (issued again), posted, paid
    change("invoices", "c", None, dbz_invoice_row(5001, 2001, "draft", L1), "filtered", "5001")
    change("invoices", "u", None, dbz_invoice_row(5001, 2001, "issued", L1, version=2), "published", "5001")
    older_lsn, older_ts = lsn, ts
    change("invoices", "u", None, dbz_invoice_row(5001, 2001, "issued", L1, version=3, due_date=days("2026-04-15")), "published", "5001")
    posted = dict(posting_date=days("2026-03-03"), accounting_period="2026-03", company_code="US01", receivable_account="1200",
                  journal_entry_id="JE-2026-000417", tax_jurisdiction="US-TX")
    change("invoices", "u", None, dbz_invoice_row(5001, 2001, "posted", L1, version=4, due_date=days("2026-04-15"), **posted), "published", "5001")
    # invoice 5002, 5003, 5004: issued; 5002 posted and paid
    change("invoices", "c", None, dbz_invoice_row(5002, 2004, "issued", L2), "published", "5002")
    change("invoices", "c", None, dbz_invoice_row(5003, 2005, "issued", L3), "published", "5003")
    change("invoices", "c", None, dbz_invoice_row(5004, 2002, "issued", L4, ccy="cad"), "published", "5004")
    change("invoices", "u", None, dbz_invoice_row(5002, 2004, "posted", L2, version=2, **dict(posted, journal_entry_id="JE-2026-000418", tax_jurisdiction="US-NY")), "published", "5002")
    paid = dict(posted, journal_entry_id="JE-2026-000418", tax_jurisdiction="US-NY", payment_reference="PAY-88213",
                paid_amount=dec("2351.70"), payment_date=days("2026-03-10"), paid_at=micros("2026-03-10T14:12:00"))
    change("invoices", "u", None, dbz_invoice_row(5002, 2004, "paid", L2, version=3, **paid), "published", "5002")
    # the stale update: the first issued row of 5001 (older LSN and ts_ms) delivered again after the newer one,
    # with a changed amount of work (so it is not a duplicate of the same revision): stale → counted as duplicate
    change("invoices", "u", None, dbz_invoice_row(5001, 2001, "issued", L1, version=2, due_date=days("2026-04-08")), "stale", "5001",
           at_lsn=older_lsn - 2048, at_ts=older_ts - 15_000)
    # 5003 voided as a duplicate; 5005 issued then hard-deleted (voided); 5006 draft deleted (filtered)
    change("invoices", "u", None, dbz_invoice_row(5003, 2005, "void", L3, version=2, void_reason="duplicate", voided_by="jsmith",
                                                   void_date=days("2026-03-04")), "published", "5003")
    change("invoices", "c", None, dbz_invoice_row(5005, 2004, "issued", L2), "published", "5005")
    change("invoices", "d", dbz_invoice_row(5005, 2004, "issued", L2), None, "published", "5005")
    out.append({"key": "5005", "headers": {"x-demo-expect": "filtered"}, "value": None})  # after the delete of 5005
    change("invoices", "c", None, dbz_invoice_row(5006, 2001, "draft", L4), "filtered", "5006")
    change("invoices", "d", dbz_invoice_row(5006, 2001, "draft", L4), None, "filtered", "5006")
    # an issued invoice whose lines don't add up to the header (net 1400.00 vs lines 1390.00) → rule.sumEquals
    bad = dbz_invoice_row(5007, 2005, "issued", L1)
    bad["net_amount"] = dec("1390.00")
    bad["total_amount"] = dec("1477.50")
    change("invoices", "c", None, bad, "dlq:rule.sumEquals", "5007")
    # a logical decoding message → filtered; a truncate → adapter.rejected
    lsn += 4096
    ts += 30_000
    out.append(rec(None, {"op": "m", "ts_ms": ts, "source": {"version": "2.7.3.Final", "connector": "postgresql", "name": "legacy",
                                                              "ts_ms": ts, "db": "erp", "lsn": lsn, "table": ""},
                          "message": {"prefix": "audit", "content": "YXVkaXQ="}}, "filtered"))
    change("invoices", "t", None, None, "dlq:adapter.rejected", None)
    return out


# ---------------------------------------------------------------- SAP S/4HANA

def sap():
    out = []

    def ev(n, action, time, data, expect):
        out.append(rec(data["BusinessPartner"], {
            "specversion": "1.0", "type": "sap.s4.beh.businesspartner.v1.BusinessPartner.%s.v1" % action,
            "source": "/default/sap.s4.beh/244572008", "id": "a823e884-5edc-4194-a81a-f3a36324%04x" % n,
            "time": time, "datacontenttype": "application/json", "data": data}, expect))

    def bp(num, name, country, ccy, tax, blocked=False, street="Speicherstraße 12", city="Hamburg", postal="20457"):
        d = {"BusinessPartner": num, "BusinessPartnerCategory": "2", "BusinessPartnerFullName": name, "Country": country,
             "Currency": ccy, "BusinessPartnerIsBlocked": blocked, "PaymentTermsDays": 30,
             "Address": {"Street": street, "CityName": city, "PostalCode": postal, "Region": None, "Country": country}}
        if tax:
            d["TaxNumber"] = tax
        return d

    ev(1, "Created", "2026-03-02T09:00:00Z", bp("1000123", "Nordwind Handels AG", "CH", "CHF", "CHE-109.322.551", street="Bahnhofstrasse 1", city="Zürich", postal="8001"), "published")
    ev(2, "Created", "2026-03-02T09:05:00Z", bp("1000124", "Elbe Maschinenbau GmbH", "DE", "EUR", "DE129273398"), "published")
    ev(3, "Changed", "2026-03-02T09:10:00Z", bp("1000123", "Nordwind Handels AG", "CH", "CHF", "CHE-109.322.551", blocked=True, street="Bahnhofstrasse 1", city="Zürich", postal="8001"), "published")
    ev(4, "Created", "2026-03-02T09:15:00Z", {"BusinessPartner": "1000125"}, "published")  # key only: a notice
    ev(5, "Changed", "2026-03-02T09:20:00Z", bp("1000124", "Elbe Maschinenbau GmbH", "DE", "EUR", "DE129273398"), "published")
    # a business event queue entry (OData C_BEHQUEUEDATA_CDS, pulled by a consumer) → a notice
    out.append(rec("1000126", {"BusinessEvent": "fa163efd-5489-1ed9-92aa-7a6e4d75d0c1", "SAPObjectType": "BusinessPartner",
                               "SAPObjectTaskCode": "Changed", "SAPBusinessObjectKey1": "1000126", "SAPBusinessObjectKey2": "",
                               "CreationUTCDateTime": "20260302093000"}, "published"))
    # an OData V2 A_BusinessPartner entity (an enricher's read of the partner) → a notice with its name
    out.append(rec("1000127", {"d": {"__metadata": {"uri": "https://s4.example/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner('1000127')",
                                                    "type": "API_BUSINESS_PARTNER.A_BusinessPartnerType"},
                                     "BusinessPartner": "1000127", "BusinessPartnerFullName": "Donau Logistik GmbH",
                                     "CreationDate": "/Date(1772409600000)/", "LastChangeDate": "/Date(1772452800000)/"}}, "published"))
    return out


# ---------------------------------------------------------------- CloudEvents

def example(type_, version=1):
    """The catalog's own example document of a contract (contracts/examples)."""
    path = os.path.join(HERE, "..", "..", "contracts", "examples", "%s.v%d.json" % (type_, version))
    with open(path) as f:
        return json.load(f)


def cloudevents():
    """Canonical finance events from a producer that already speaks the catalog, in every CloudEvents mode."""
    out = []
    ce = lambda n, type_, data, **extra: dict({"specversion": "1.0", "id": "ce-demo-%04d" % n, "source": "urn:demo:treasury",
                                                "type": type_, "time": "2026-03-02T10:%02d:00Z" % n, "datacontenttype": "application/json",
                                                "data": data}, **extra)
    structured = {"content-type": "application/cloudevents+json"}
    # structured mode
    out.append(rec("PAY-1", ce(1, "finance.payment.received", example("finance.payment.received")), "published", structured))
    # binary mode: attributes in ce_ headers, the value is the data
    binary = {"ce_specversion": "1.0", "ce_id": "ce-demo-0002", "ce_source": "urn:demo:treasury", "ce_type": "finance.payout.paid",
              "ce_time": "2026-03-02T10:02:00Z", "content-type": "application/json"}
    out.append(rec("po_1", example("finance.payout.paid"), "published", binary))
    # data_base64
    raw = json.dumps(example("finance.refund.failed")).encode()
    b64 = ce(3, "finance.refund.failed", None)
    del b64["data"]
    b64["data_base64"] = base64.b64encode(raw).decode()
    out.append(rec("re_1", b64, "published", structured))
    # a batch of two events (one outcome for the record: both publish)
    batch = [ce(4, "finance.dispute.opened", example("finance.dispute.opened")), ce(5, "finance.credit_note.issued", example("finance.credit_note.issued"))]
    out.append(rec("batch-1", batch, "published", {"content-type": "application/cloudevents-batch+json"}))
    # a type that is not a catalog type → filtered
    out.append(rec("x-1", ce(6, "com.example.order.shipped", {"orderId": "o-1"}), "filtered", structured))
    # a finance type whose data is XML → adapter.unsupported_content_type
    xml = ce(7, "finance.payment.received", "<payment><id>PAY-2</id></payment>", datacontenttype="application/xml")
    out.append(rec("PAY-2", xml, "dlq:adapter.unsupported_content_type", structured))
    return out


if __name__ == "__main__":
    write("cloudevents.jsonl", cloudevents())
    write("stripe.jsonl", stripe())
    write("salesforce-cdc.jsonl", salesforce())
    write("debezium.jsonl", debezium())
    write("sap-s4hana.jsonl", sap())
    for name in ["stripe.jsonl", "salesforce-cdc.jsonl", "debezium.jsonl", "sap-s4hana.jsonl", "cloudevents.jsonl"]:
        counts = {}
        for line in open(os.path.join(HERE, name)):
            e = json.loads(line)["headers"]["x-demo-expect"]
            counts[e] = counts.get(e, 0) + 1
        print(name, sum(counts.values()), dict(sorted(counts.items())))
