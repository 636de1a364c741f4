"""Readiness gating (docs/design.md §6) against the real binary and broker: invoices wait for their
customer's `finance.customer.ready`, are released once it arrives — in order per customer, each
under one `ce_id` — and go to the DLQ with `sequencing.prerequisite_timeout` when it never does, while
the bridge is SIGKILLed again and again. Conservation (inputs = published + duplicate + filtered +
parked + dead-lettered) is checked on the store while the run goes on, not only at the end."""
import collections
import datetime
import json
import random
import sqlite3
import threading
import time

import traffic
from conftest import ledger, wait_for

CUSTOMERS, PER_CUSTOMER, NEVER_READY = 2_000, 10, 0.1
DEADLINE_S = 40


def rfc3339(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def ready_event(customer_id, run, i):
    r = traffic.example("finance.customer.ready")
    r["customerId"] = customer_id
    r["eventId"] = traffic.event_uuid("ready", run, i)
    return r


def gating_traffic(run, rng):
    """Per customer: 10 invoices in order, and (for 90 % of customers) its `ready` event after a
    random number of them; customers interleaved at random, each keyed by its id (one partition)."""
    streams, expected_ready = [], {}
    for c in range(CUSTOMERS):
        cid = f"CUST-{run}-{c:06d}"
        stream = []
        for k in range(PER_CUSTOMER):
            inv = traffic.invoice(c * PER_CUSTOMER + k, run=run)
            inv["customerId"] = cid
            stream.append({"key": cid.encode(), "value": json.dumps({"type": "finance.invoice.posted", "data": inv}).encode(),
                           "kind": "invoice", "customer": cid, "invoice": inv["invoiceId"], "seq": k})
        if rng.random() >= NEVER_READY:
            at = rng.randint(1, PER_CUSTOMER)
            stream.insert(at, {"key": cid.encode(), "value": json.dumps({"type": "finance.customer.ready", "data": ready_event(cid, run, c)}).encode(),
                               "kind": "ready", "customer": cid})
            expected_ready[cid] = True
        streams.append(stream)
    records = []
    cursors = [0] * len(streams)
    live = list(range(len(streams)))
    while live:
        i = rng.randrange(len(live))
        s = live[i]
        records.append(streams[s][cursors[s]])
        cursors[s] += 1
        if cursors[s] == len(streams[s]):
            live[i] = live[-1]
            live.pop()
    return records, expected_ready


def conservation_now(store_path, src):
    """Every input below each partition's processed offset has exactly one outcome (read-only, while running)."""
    try:
        db = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True, timeout=10)
        try:
            offsets = dict(db.execute("SELECT p.partition, o.next_offset FROM offsets o JOIN partitions p ON p.id = o.part WHERE p.topic = ?", (src,)))
            rows = collections.Counter(p for (p,) in db.execute(
                "SELECT p.partition FROM ledger l JOIN partitions p ON p.id = l.part WHERE p.topic = ? AND l.offset < "
                "(SELECT o.next_offset FROM offsets o WHERE o.part = l.part)", (src,)))
            parked_rows = db.execute("SELECT count(*) FROM parked k JOIN ledger l ON l.part = k.part AND l.offset = k.offset "
                                     "WHERE l.outcome != 'parked'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError:
        return None  # not created yet
    for p, n in offsets.items():
        assert rows[p] == n, f"partition {p}: {rows[p]} outcomes below the processed offset {n}"
    assert parked_rows == 0, "a parked row whose ledger outcome is not 'parked'"
    return sum(offsets.values())


def test_invoices_wait_for_their_customer_through_sigkills(cluster, make_bridge, names):
    src, out, customers_topic = names("src"), names("gl"), names("customers")
    cluster.create_topics([src, src + ".dlq", out, customers_topic], partitions=4)
    bridge = make_bridge([{"topic": src, "source": "urn:e2e:erp"}],
                         [{"name": "gl", "topic": out, "types": ["finance.invoice.*"]},
                          {"name": "customers", "topic": customers_topic, "types": ["finance.customer.*"]}],
                         {"sequencing": {"gating": True, "deadline": f"{DEADLINE_S}s"}})
    run = names("r").split(".")[-1]
    rng = random.Random(13)
    records, ready = gating_traffic(run, rng)
    inputs = len(records)
    # Produced in four waves over ~15 s, so ready events really arrive later than their invoices.
    waves = [records[i * inputs // 4:(i + 1) * inputs // 4] for i in range(4)]

    def produce():
        for w in waves:
            cluster.produce(src, [{"key": r["key"], "value": r["value"]} for r in w])
            time.sleep(5)

    producer = threading.Thread(target=produce)
    producer.start()
    bridge.start()
    kills, checks = 0, 0
    while producer.is_alive() or kills < 6:
        time.sleep(rng.uniform(2.0, 4.0))
        bridge.kill()
        kills += 1
        if conservation_now(bridge.store_path, src) is not None:
            checks += 1
        bridge.start()
    producer.join()
    never = {r["customer"] for r in records if r["kind"] == "invoice"} - set(ready)
    expected_published = sum(1 for r in records if r["kind"] == "invoice" and r["customer"] in ready)
    expected_dlq = sum(1 for r in records if r["kind"] == "invoice" and r["customer"] in never)

    def settled():
        done = conservation_now(bridge.store_path, src)
        rows = ledger(bridge.store_path)
        return done == inputs and not any(r["outcome"] == "parked" for r in rows)

    wait_for(settled, DEADLINE_S + 240, "every input resolved: released, or expired past its deadline")
    assert bridge.terminate() == 0
    assert kills >= 5 and checks >= 3

    rows = [r for r in ledger(bridge.store_path) if r["topic"] == src]
    outcomes = collections.Counter(r["outcome"] for r in rows)
    assert outcomes == {"published": expected_published + len(ready), "dead_lettered": expected_dlq}, outcomes
    assert all(r["error_code"] == "sequencing.prerequisite_timeout" for r in rows if r["outcome"] == "dead_lettered")

    # Every invoice of a ready customer: published, one ce_id, after its customer's ready event, in order.
    published = collections.defaultdict(list)
    for m in cluster.read_all(out, timeout=120):
        published[m["headers"]["ce_subject"]].append(m)
    ready_at = {}
    for m in cluster.read_all(customers_topic):
        ready_at[m["headers"]["ce_subject"]] = min(ready_at.get(m["headers"]["ce_subject"], m["timestamp"]), m["timestamp"])
    assert set(ready_at) == set(ready)
    repeats = 0
    by_customer = collections.defaultdict(list)
    for r in records:
        if r["kind"] != "invoice" or r["customer"] not in ready:
            continue
        copies = published[r["invoice"]]
        assert copies, f"{r['invoice']} of ready customer {r['customer']} was never published"
        assert len({c["headers"]["ce_id"] for c in copies}) == 1, f"{r['invoice']} published under several ce_ids"
        repeats += len(copies) - 1
        first = min(c["timestamp"] for c in copies)
        assert first >= ready_at[r["customer"]], f"{r['invoice']} published before its customer was ready"
        by_customer[r["customer"]].append(first)
    for cid, times in by_customer.items():
        assert times == sorted(times), f"{cid}'s invoices were published out of order"
    assert not any(published[r["invoice"]] for r in records if r["kind"] == "invoice" and r["customer"] in never)

    # The never-ready customers' invoices: in the DLQ as they came, once each, after their deadline.
    dead = cluster.read_all(src + ".dlq")
    dead_positions = collections.Counter((m["headers"]["eventbridge.source.partition"], m["headers"]["eventbridge.source.offset"]) for m in dead)
    assert len(dead_positions) == expected_dlq
    assert all(m["headers"]["eventbridge.error.code"] == "sequencing.prerequisite_timeout" for m in dead)
    for m in dead:
        waited = rfc3339(m["headers"]["eventbridge.failed.last"]) - rfc3339(m["headers"]["eventbridge.source.timestamp"])
        assert waited >= DEADLINE_S - 1, f"expired after {waited:.1f} s, before its {DEADLINE_S} s deadline"
    print("gating:", {"inputs": inputs, "ready_customers": len(ready), "never_ready": len(never), "published": expected_published,
                      "dead_lettered": expected_dlq, "kills": kills, "conservation_checks": checks, "repeated_outputs": repeats,
                      "repeated_dlq_records": len(dead) - len(dead_positions)})


def test_operators_list_show_release_and_expire_parked_events(cluster, make_bridge, names):
    src, out = names("src"), names("gl")
    cluster.create_topics([src, src + ".dlq", out], partitions=1)
    bridge = make_bridge([{"topic": src, "source": "urn:e2e:erp"}], [{"name": "gl", "topic": out, "types": ["finance.*"]}],
                         {"sequencing": {"gating": True, "deadline": "1h"}})
    run = names("r").split(".")[-1]
    records = []
    for i in range(3):
        inv = traffic.invoice(i, run=run)
        inv["customerId"] = f"CUST-{run}-nobody"
        records.append({"key": inv["invoiceId"].encode(), "value": json.dumps({"type": "finance.invoice.posted", "data": inv}).encode()})
    cluster.produce(src, records)
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) == 3, 60, "three parked inputs")
    assert {r["outcome"] for r in ledger(bridge.store_path)} == {"parked"}

    listed = bridge.cli("parked", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    docs = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [d["source"] for d in docs] == [f"{src}:0:{i}" for i in range(3)]
    assert {d["waitingFor"] for d in docs} == {f"finance.customer.ready|CUST-{run}-nobody"}
    shown = bridge.cli("parked", "show", f"{src}:0:1")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert doc["waitingFor"] == f"finance.customer.ready|CUST-{run}-nobody" and f"INV-{run}-000001" in doc["value"]
    assert bridge.cli("parked", "release", f"{src}:0:0", "--reason", "x", "--yes").returncode == 2  # needs --force
    assert bridge.cli("parked", "release", f"{src}:0:0", "--force", "--yes").returncode == 2  # needs --reason

    released = bridge.cli("parked", "release", f"{src}:0:0", "--force", "--reason", "set up by phone", "--by", "alice", "--yes")
    assert released.returncode == 0, released.stdout + released.stderr
    assert json.loads(released.stdout)["outcome"] == "published"
    expired = bridge.cli("parked", "expire", f"{src}:0:2", "--reason", "customer closed", "--by", "bob", "--yes")
    assert expired.returncode == 0 and "dead_lettered" in expired.stdout, expired.stdout + expired.stderr

    rows = {r["offset"]: r for r in ledger(bridge.store_path)}
    assert [rows[i]["outcome"] for i in range(3)] == ["published", "parked", "dead_lettered"]
    assert rows[2]["error_code"] == "sequencing.prerequisite_timeout"
    trace = bridge.cli("trace", "--source", f"{src}:0:0", "--json")
    assert json.loads(trace.stdout)["note"] == "released by alice: set up by phone"
    assert json.loads(bridge.cli("trace", "--source", f"{src}:0:1").stdout)["waitingFor"] == f"finance.customer.ready|CUST-{run}-nobody"
    status = bridge.cli("status", "--json")
    assert [(p["type"], p["count"]) for p in json.loads(status.stdout)["parked"]] == [("finance.invoice.posted", 1)]
    assert len(cluster.read_all(out)) == 1 and len(cluster.read_all(src + ".dlq")) == 1
    assert bridge.terminate() == 0
