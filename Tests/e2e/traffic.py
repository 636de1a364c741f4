"""Canonical finance events built from the shipped catalog's examples, for end-to-end tests and
the demo. Every generator is deterministic for a given seed and index."""
import copy
import json
import os
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLES = os.path.join(ROOT, "contracts", "examples")


def example(type_, version=1):
    with open(os.path.join(EXAMPLES, f"{type_}.v{version}.json")) as f:
        return json.load(f)


def event_uuid(*parts):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, parts))))


def customer(i, revision=1, run="r"):
    c = example("finance.customer.upserted")
    c["customerId"] = f"CUST-{run}-{i:06d}"
    c["revision"] = revision
    c["eventId"] = event_uuid("customer", run, i, revision)
    c["sourceReference"] = f"SF-{run}-{i}"
    c["legalName"] = f"Customer {i} GmbH"
    return c


def invoice(i, run="r", version=2):
    inv = example("finance.invoice.posted", version)
    inv["invoiceId"] = f"INV-{run}-{i:06d}"
    inv["invoiceNumber"] = f"{run}-{i:06d}"
    inv["eventId"] = event_uuid("invoice", run, i)
    inv["customerId"] = f"CUST-{run}-{i % 97:06d}"
    return inv


def journal(i, run="r", unbalanced=False):
    j = example("finance.journal_entry.posted")
    for key in ("journalEntryId", "entryId", "journalId"):
        if key in j:
            j[key] = f"JE-{run}-{i:06d}"
    j["eventId"] = event_uuid("journal", run, i)
    if unbalanced:
        # Move one cent on the first line: debits no longer equal credits.
        line = j["lines"][0]
        for key in ("amount", "debit", "credit"):
            if key in line and line[key] not in (None, "0.00"):
                cents = round(float(line[key]) * 100) + 1
                line[key] = f"{cents // 100}.{cents % 100:02d}"
                break
    return j


def envelope(type_, data):
    """A canonical input record: the {type, data} envelope as the value, keyed by nothing special."""
    return {"value": json.dumps({"type": type_, "data": data}).encode()}


def header_typed(type_, data, key=None, traceparent=None):
    headers = [("ce_type", type_.encode())]
    if traceparent:
        headers.append(("traceparent", traceparent.encode()))
    return {"key": key.encode() if key else None, "value": json.dumps(data).encode(), "headers": headers}
