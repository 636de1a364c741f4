"""Scale-out and failover (docs/scaling.md): three instances in one consumer group share the
partitions while they are SIGKILLed, added and rolling-restarted, and one loses its store between
restarts. The state follows each partition through its changelog topic, so — across all instances —
every input has exactly one outcome, every event is published under one ce_id, a re-sent event is a
duplicate after any move, and a stale revision is never published."""
import collections
import json
import os
import random
import sqlite3
import subprocess
import time
import uuid

import traffic
from conftest import Bridge, wait_for
from test_bridge_guarantees import customers, produce_in_background

PARTITIONS = 6


def stale(i, run):
    """Revision 1 of a customer whose revision 2 was published: older, never to be published."""
    c = traffic.customer(i, revision=1, run=run)
    return {"key": c["customerId"].encode(), "value": json.dumps({"type": "finance.customer.upserted", "data": c}).encode()}


def cli_json(binary, config, *args):
    r = subprocess.run([binary, *args, "--config", config, "--json"], capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


def view_ledger(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute("SELECT p.partition, l.offset, l.outcome, l.event_id, l.entity FROM ledger l JOIN partitions p ON p.id = l.part").fetchall()
    finally:
        db.close()


def test_three_instances_keep_every_guarantee_through_moves(cluster, binary, bootstrap, tmp_path, names):
    n = int(os.environ.get("EVENTBRIDGE_SCALE_EVENTS", "200000"))
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out], partitions=PARTITIONS)
    group = "e2e-scale-" + uuid.uuid4().hex[:8]
    bridges = {}
    for name in "abc":
        workdir = tmp_path / name
        workdir.mkdir()
        bridges[name] = Bridge(binary, bootstrap, str(workdir), [{"topic": src, "source": "urn:e2e:erp"}],
                               [{"name": "gl", "topic": out, "types": ["finance.*"]}], {"groupId": group})
    a, b, c = bridges["a"], bridges["b"], bridges["c"]
    run = names("r").split(".")[-1]
    originals = customers(n, run)  # revision 2 (traffic.customer's default revision is 1: make it 2)
    for r in originals:
        doc = json.loads(r["value"])
        doc["data"]["revision"] = 2
        doc["data"]["eventId"] = traffic.event_uuid("customer", run, doc["data"]["customerId"], 2)
        r["value"] = json.dumps(doc).encode()
    rng = random.Random(11)
    try:
        producer = produce_in_background(cluster, src, originals, rate=5_000)
        a.start()
        b.start()
        events = []
        time.sleep(4); a.kill(); a.start(); events.append("kill a")
        time.sleep(4); c.start(); events.append("add c")
        for x in (a, b, c):  # rolling restart
            time.sleep(3); x.terminate(); x.start(); events.append("restart " + x.workdir[-1])
        time.sleep(4)
        b.kill()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(b.store_path + suffix):
                os.remove(b.store_path + suffix)
        b.start(); events.append("kill b, delete its store")
        time.sleep(3); c.kill(); c.start(); events.append("kill c")
        producer.join()
        # After the moves: re-sends of published events and stale revisions, then one more move.
        resent = rng.sample(range(n), 2_000)
        stale_ids = rng.sample(sorted(set(range(n)) - set(resent)), 2_000)
        wait_for(lambda: committed(binary, a.config_path) >= n // 2, 300, "half the inputs committed before the re-sends", interval=3)
        cluster.produce(src, [originals[i] for i in resent] + [stale(i, run) for i in stale_ids])
        time.sleep(2); a.kill(); a.start(); events.append("kill a")
        total = n + len(resent) + len(stale_ids)

        last = {}

        def done():
            code, stdout, stderr = cli_json(binary, a.config_path, "reconcile")
            last.update(code=code, stderr=stderr[-2000:], doc=stdout[-4000:])
            if not stdout.strip():
                return False
            doc = json.loads(stdout)
            committed_inputs = sum(p.get("committed") or 0 for p in doc["partitions"])
            return committed_inputs == total and doc["unaccounted"] == 0

        wait_for(done, 600, "every input of every partition to have an outcome, across the instances", interval=3,
                 detail=lambda: f"{total} inputs; reconcile from a: {last}")
        code, stdout, stderr = cli_json(binary, c.config_path, "reconcile")
        doc = json.loads(stdout)
        assert code == 0 and doc["ok"], f"reconcile from another instance: {stdout} {stderr}"
        for x in (a, b, c):
            assert x.terminate() == 0
    finally:
        for x in (a, b, c):
            if x.alive():
                x.kill()

    # Conservation across all instances, in the view every instance reads.
    rows = view_ledger(a.store_path + ".view")
    by_partition = collections.defaultdict(set)
    for p, o, *_ in rows:
        by_partition[p].add(o)
    inputs = collections.Counter(r["partition"] for r in cluster.read_all(src, timeout=180))
    assert {p: len(s) for p, s in by_partition.items()} == dict(inputs)
    assert all(by_partition[p] == set(range(k)) for p, k in inputs.items()), "an offset without exactly one outcome"
    outcomes = collections.Counter(r[2] for r in rows)
    assert outcomes == {"published": n, "duplicate": len(resent) + len(stale_ids)}, outcomes

    # Every event published, one ce_id each; no revision 1 of a stale customer ever published.
    outputs = cluster.read_all(out, timeout=300)
    ids = collections.defaultdict(set)
    stale_subjects = {f"CUST-{run}-{i:06d}" for i in stale_ids}
    for o in outputs:
        data = json.loads(o["value"])
        ids[(o["headers"]["ce_subject"], data["revision"])].add(o["headers"]["ce_id"])
        assert not (o["headers"]["ce_subject"] in stale_subjects and data["revision"] == 1), "a stale revision was published"
    assert len(ids) == n, f"{n - len(ids)} events never published"
    assert all(len(v) == 1 for v in ids.values()), "an event published under two ce_ids"
    # A re-sent event is one published input and one duplicate, whichever instance saw it.
    published_per_entity = collections.Counter(r[4] for r in rows if r[2] == "published")
    assert all(published_per_entity[f"CUST-{run}-{i:06d}"] == 1 for i in resent)
    print("scaling:", {"inputs": total, "instances": 3, "moves": events, "outputs": len(outputs), "repeated_outputs": len(outputs) - len(ids)})


def committed(binary, config):
    code, stdout, _ = cli_json(binary, config, "status")
    if not stdout.strip():
        return 0
    return sum(p.get("committed") or 0 for p in json.loads(stdout)["partitions"])
