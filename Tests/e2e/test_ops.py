"""Operating commands against a real bridge run: trace, reconcile, status; and no secret in any log."""
import json
import os
import shutil
import sqlite3
import subprocess

import traffic
from conftest import ledger, wait_for


def cli(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)


def copy_store(bridge, copy_dir):
    """A copy of the bridge's store (database, WAL, shm) and a config pointing at it, as an open
    sqlite3 connection to edit and the copied config's path."""
    copy_dir.mkdir()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(bridge.store_path + suffix):
            shutil.copy(bridge.store_path + suffix, str(copy_dir / ("bridge.sqlite" + suffix)))
    config = json.load(open(bridge.config_path))
    config["store"]["path"] = str(copy_dir / "bridge.sqlite")
    copied_config = copy_dir / "bridge.json"
    copied_config.write_text(json.dumps(config))
    return sqlite3.connect(str(copy_dir / "bridge.sqlite")), copied_config


def test_trace_reconcile_status_after_a_run(cluster, make_bridge, names, binary, tmp_path):
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out])
    bridge = make_bridge([{"topic": src, "source": "urn:e2e"}], [{"name": "gl", "topic": out, "types": ["finance.*"]}],
                         kafka={"sasl.password": "s3cr3t-never-logged"})
    run = names("r").split(".")[-1]
    records = [{"key": f"c{i}".encode(), "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(i, run=run)}).encode()}
               for i in range(20)]
    records.append({"key": b"bad", "value": b"{broken"})
    cluster.produce(src, records)
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) >= len(records), 120, "every input to have an outcome")
    assert bridge.terminate() == 0
    rows = ledger(bridge.store_path)
    published = next(r for r in rows if r["outcome"] == "published")
    failed = next(r for r in rows if r["outcome"] == "dead_lettered")

    t = cli(binary, "trace", "--config", bridge.config_path, "--event-id", published["event_id"], "--json")
    assert t.returncode == 0, t.stderr
    doc = json.loads(t.stdout.splitlines()[0])
    assert doc["outcome"] == "published" and doc["outputs"] and doc["outputs"][0].startswith(out + ":")
    t = cli(binary, "trace", "--config", bridge.config_path, "--source", f"{src}:{failed['partition']}:{failed['offset']}")
    assert t.returncode == 0 and "dead_lettered" in t.stdout and "json.syntax" in t.stdout and src + ".dlq:" in t.stdout
    assert cli(binary, "trace", "--config", bridge.config_path, "--key", "no-such-entity").returncode == 1

    r = cli(binary, "reconcile", "--config", bridge.config_path, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] and sum(p["total"] for p in report["partitions"]) == len(records)

    # A copy of the store with one outcome row deleted: reconcile must notice.
    db, copied_config = copy_store(bridge, tmp_path / "copy")
    db.execute("DELETE FROM ledger WHERE offset = ? AND part = (SELECT id FROM partitions WHERE topic = ? AND partition = ?)",
               (published["offset"], src, published["partition"]))
    db.commit()
    db.close()
    # (--local: the copy's own ledger, not the changelog view every instance shares.)
    r = cli(binary, "reconcile", "--config", str(copied_config), "--local")
    assert r.returncode == 1 and "MISSING 1" in r.stdout, r.stdout

    s = cli(binary, "status", "--config", bridge.config_path, "--json")
    assert s.returncode == 0, s.stderr
    status = json.loads(s.stdout)
    assert len(status["partitions"]) == 4 and status["store"]["ledgerRows"] >= len(records)
    assert status["dlq"][0]["topic"] == src + ".dlq"

    assert "s3cr3t-never-logged" not in bridge.log_text(), "a secret reached the log"
    assert "s3cr3t-never-logged" not in cli(binary, "config", "check", bridge.config_path).stdout


def test_dlq_list_show_stats_resolve(cluster, make_bridge, names, binary):
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out])
    bridge = make_bridge([{"topic": src, "source": "urn:e2e"}], [{"name": "gl", "topic": out, "types": ["finance.*"]}])
    run = names("r").split(".")[-1]
    bad_customer = traffic.customer(1, run=run)
    del bad_customer["legalName"]
    records = [
        {"key": b"a", "value": b"{broken"},
        {"key": b"b", "value": b"\x00\xff binary \x07"},
        {"key": b"c", "value": json.dumps({"type": "finance.customer.upserted", "data": bad_customer}).encode()},
        {"key": b"d", "value": json.dumps({"type": "finance.unknown.kind", "data": {}}).encode()},
        {"key": b"e", "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(2, run=run)}).encode()},
    ]
    cluster.produce(src, records)
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) >= len(records), 120, "every input to have an outcome")
    assert bridge.terminate() == 0

    listed = cli(binary, "dlq", "list", "--config", bridge.config_path, "--json")
    assert listed.returncode == 0, listed.stderr
    entries = [json.loads(l) for l in listed.stdout.splitlines()]
    assert sorted(e["code"] for e in entries) == ["contract.unknown_type", "json.syntax", "json.syntax", "schema.required"]
    only = cli(binary, "dlq", "list", "--config", bridge.config_path, "--code", "schema.required", "--json")
    schema_failure = json.loads(only.stdout.splitlines()[0])
    assert len(only.stdout.splitlines()) == 1 and schema_failure["contract"] == "finance.customer.upserted@1"
    assert any("legalName" in v["message"] for v in schema_failure["violations"])
    assert len(cli(binary, "dlq", "list", "--config", bridge.config_path, "--limit", "2", "--json").stdout.splitlines()) == 2
    assert cli(binary, "dlq", "list", "--config", bridge.config_path, "--until", "1d", "--json").stdout.strip() == ""

    stats = json.loads(cli(binary, "dlq", "stats", "--config", bridge.config_path, "--json").stdout)
    assert stats["total"] == 4 and stats["byCode"]["json.syntax"] == 2 and stats["aging"] == {"<1h": 4}

    shown = cli(binary, "dlq", "show", "--config", bridge.config_path, schema_failure["position"])
    assert shown.returncode == 0 and "legalName" in shown.stdout and '"customerId"' in shown.stdout
    for e in entries:
        text = cli(binary, "dlq", "show", "--config", bridge.config_path, e["position"]).stdout
        assert "eventbridge.error.code" in text
        assert "\x00" not in text and "\x07" not in text, "non-printable bytes are escaped"

    resolved = cli(binary, "dlq", "resolve", "--config", bridge.config_path, "--code", "json.syntax", "--yes", "--reason", "upstream fixed")
    assert resolved.returncode == 0 and "resolved 2" in resolved.stdout
    assert len(cli(binary, "dlq", "list", "--config", bridge.config_path, "--json").stdout.splitlines()) == 2
    assert len(cli(binary, "dlq", "list", "--config", bridge.config_path, "--all", "--json").stdout.splitlines()) == 4
    assert cli(binary, "dlq", "resolve", "--config", bridge.config_path).returncode == 2, "resolve without --yes is refused"


def test_dlq_replay_fixed_records_publish_and_nothing_replays_twice(cluster, make_bridge, names, binary, tmp_path):
    import collections
    import signal
    import time
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out])
    # First run: the catalog lacks the customer contract, so customers are dead-lettered.
    partial = tmp_path / "contracts-partial"
    shutil.copytree(os.path.join(os.path.dirname(__file__), "..", "..", "contracts"), str(partial))
    for f in partial.glob("finance.customer.upserted.*"):
        f.unlink()
    shutil.rmtree(str(partial / "examples"))
    bridge = make_bridge([{"topic": src, "source": "urn:e2e"}], [{"name": "gl", "topic": out, "types": ["finance.*"]}],
                         {"contracts": str(partial), "dlq": {"replay": {"maxAttempts": 2}}})
    run = names("r").split(".")[-1]
    n = 150
    records = [{"key": f"c{i}".encode(), "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(i, run=run)}).encode()}
               for i in range(n)]
    records.append({"key": b"junk", "value": b"{still broken"})
    cluster.produce(src, records)
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) >= len(records), 120, "the first run")
    assert bridge.terminate() == 0
    assert collections.Counter(r["error_code"] for r in ledger(bridge.store_path)) == {"contract.unknown_type": n, "json.syntax": 1}

    # The contract ships; the bridge runs with the full catalog.
    config = json.load(open(bridge.config_path))
    config["contracts"] = os.path.join(os.path.dirname(__file__), "..", "..", "contracts")
    json.dump(config, open(bridge.config_path, "w"))
    bridge.start()

    dry = cli(binary, "dlq", "replay", "--config", bridge.config_path, "--dry-run")
    assert dry.returncode == 0 and f"{n + 1} records to replay" in dry.stdout
    no_answer = subprocess.run([binary, "dlq", "replay", "--config", bridge.config_path], capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=60)
    assert no_answer.returncode == 2, "without --yes and without an answer, nothing is replayed"

    # Interrupt a replay with SIGINT, then resume.
    p = subprocess.Popen([binary, "dlq", "replay", "--config", bridge.config_path, "--yes"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = p.stdout.readline()
        if line.startswith("replayed "):
            break
    p.send_signal(signal.SIGINT)
    first_out, _ = p.communicate(timeout=60)
    resumed = cli(binary, "dlq", "replay", "--config", bridge.config_path, "--yes")
    assert resumed.returncode == 0, resumed.stderr
    again = cli(binary, "dlq", "replay", "--config", bridge.config_path, "--yes")
    assert again.returncode == 0 and "0 records to replay" in again.stdout, again.stdout

    # Every DLQ record was replayed exactly once; customers published, the junk failed again at attempt 2.
    wait_for(lambda: collections.Counter(r["outcome"] for r in ledger(bridge.store_path))["published"] >= n, 120,
             "the replayed customers to publish")
    time.sleep(1)
    assert bridge.terminate() == 0
    replays = [r for r in cluster.read_all(src) if "eventbridge.replay.of" in r["headers"]]
    per_position = collections.Counter(r["headers"]["eventbridge.replay.of"] for r in replays)
    assert len(per_position) == n + 1 and set(per_position.values()) == {1}, "each DLQ record replayed exactly once"
    assert all(r["headers"]["eventbridge.attempt"] == "2" for r in replays)
    assert all("eventbridge.error.code" not in r["headers"] for r in replays)
    outputs = cluster.read_all(out)
    assert len({o["headers"]["ce_subject"] for o in outputs}) == n
    dlq_again = [d for d in cluster.read_all(src + ".dlq") if d["headers"]["eventbridge.attempt"] == "2"]
    assert len(dlq_again) == 1 and dlq_again[0]["headers"]["eventbridge.error.code"] == "json.syntax"
    assert "eventbridge.replay.of" in dlq_again[0]["headers"]
