#!/usr/bin/env python3
"""Writes the demo's canonical ERP traffic as JSON lines for `eventbridge produce`:
invoices, customers, customer-ready signals, journal entries — and the things that go wrong in
real feeds: re-sent events, a stale customer update, an unbalanced journal entry, an invalid
invoice, an unknown event type and garbage bytes."""
import base64
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "e2e"))
import traffic  # noqa: E402

n_invoices = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
run = "demo"
lines = []


def emit(key, type_, data, headers=None):
    h = {"ce_type": type_}
    h.update(headers or {})
    lines.append({"key": key, "headers": h, "value": data})


def ready(i):
    r = traffic.example("finance.customer.ready")
    r["customerId"] = f"CUST-{run}-{i:06d}"
    r["eventId"] = traffic.event_uuid("ready", run, i)
    emit(r["customerId"], "finance.customer.ready", r)


# Readiness gating: invoices wait for their customer's finance.customer.ready. Customers 0–19 are
# ready before their invoices arrive, 20–89 only after (their invoices are parked, then released),
# 90–96 never during the demo (their invoices stay parked until the deadline).
for i in range(97):
    c = traffic.customer(i, revision=2, run=run)
    emit(c["customerId"], "finance.customer.upserted", c)
for i in range(20):
    ready(i)
for i in range(n_invoices):
    inv = traffic.invoice(i, run=run)
    emit(inv["invoiceId"], "finance.invoice.posted", inv)
for i in range(20, 90):
    ready(i)
for i in range(200):
    je = traffic.journal(i, run=run)
    emit(je["journalEntryId"], "finance.journal_entry.posted", je)
# What goes wrong in real feeds:
for i in range(5):  # an upstream retry re-sends five invoices
    inv = traffic.invoice(i, run=run)
    emit(inv["invoiceId"], "finance.invoice.posted", inv)
stale = traffic.customer(3, revision=1, run=run)  # an old update delivered after a newer one
emit(stale["customerId"], "finance.customer.upserted", stale)
unbalanced = traffic.journal(900, run=run, unbalanced=True)
emit(unbalanced["journalEntryId"], "finance.journal_entry.posted", unbalanced)
invalid = traffic.invoice(901, run=run)
del invalid["dueDate"]
emit(invalid["invoiceId"], "finance.invoice.posted", invalid)
lines.append({"key": "erp-batch-7", "valueBase64": base64.b64encode(b"\x00\x01 ERP export failed\xff").decode()})
lines.append({"key": "x", "value": {"type": "finance.forecast.updated", "data": {"id": 1}}})
for line in lines:
    print(json.dumps(line, separators=(",", ":")))
