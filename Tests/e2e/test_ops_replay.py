"""dlq replay, exactly once across hard interruptions; status and reconcile figures that must be exact.

The replay protocol (docs/operations.md): reserve in the store, produce to the source partition,
confirm. These tests cut it at each point by editing the store as a kill would have left it, and
with a real SIGKILL, and check that the source topic ends up with exactly one replay per DLQ record.
"""
import collections
import json
import signal
import sqlite3
import subprocess
import time

import traffic
from conftest import ledger, wait_for
from test_ops import copy_store


def cli(binary, *args, **kw):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120, **kw)


def replays_on(cluster, topic):
    return collections.Counter(r["headers"]["eventbridge.replay.of"] for r in cluster.read_all(topic)
                               if "eventbridge.replay.of" in r["headers"])


def dead_letter_run(cluster, make_bridge, names, n):
    """A bridge run whose every input is dead-lettered (n JSON syntax errors); the bridge is stopped after."""
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out])
    bridge = make_bridge([{"topic": src, "source": "urn:e2e"}], [{"name": "gl", "topic": out, "types": ["finance.*"]}])
    cluster.produce(src, [{"key": f"k{i}".encode(), "value": b"{broken " + str(i).encode()} for i in range(n)])
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) >= n, 120, "every input to have an outcome")
    assert bridge.terminate() == 0
    return bridge, src


def test_replay_resumes_after_kills_at_each_step_and_force(cluster, make_bridge, names, binary):
    n = 12
    bridge, src = dead_letter_run(cluster, make_bridge, names, n)
    cfg = bridge.config_path
    positions = [json.loads(l)["position"] for l in cli(binary, "dlq", "list", "--local", "--config", cfg, "--json").stdout.splitlines()]
    assert len(positions) == n

    first = cli(binary, "dlq", "replay", "--local", "--config", cfg, "--yes", "--max", "4", "--json")
    assert first.returncode == 0, first.stderr
    done = [json.loads(l) for l in first.stdout.splitlines()]
    assert [d["action"] for d in done] == ["replayed"] * 4
    # Each replay goes back to the partition its input came from.
    for d in done:
        dlq = json.loads(cli(binary, "dlq", "show", "--local", "--config", cfg, d["position"], "--json").stdout)
        assert d["target"].rsplit(":", 1)[0] == dlq["source"].rsplit(":", 1)[0]

    # The kill windows are simulated by editing the bridge's own store, so every command here reads it
    # (--local) rather than the changelog view.
    db = sqlite3.connect(bridge.store_path)
    # Killed after the broker acknowledged, before the confirmation: drop two confirmations.
    produced_unconfirmed = [d["position"] for d in done[:2]]
    for p in produced_unconfirmed:
        t, part, off = p.rsplit(":", 2)
        db.execute("DELETE FROM dlq_resolved WHERE topic = ? AND partition = ? AND offset = ?", (t, int(part), int(off)))
    # Killed after the reservation, before producing: a reservation by a process that is gone (an hour old,
    # another host), and one by a run that may still be going (just now, another host).
    rest = [p for p in positions if p not in {d["position"] for d in done}]
    reserved_dead, reserved_busy = rest[0], rest[1]
    now_ms = int(time.time() * 1000)
    for p, at in ((reserved_dead, now_ms - 3_600_000), (reserved_busy, now_ms)):
        t, part, off = p.rsplit(":", 2)
        db.execute("INSERT INTO dlq_replays(topic, partition, offset, attempt, replayed_at, target_topic, target_partition, "
                   "target_offset, actor) VALUES(?, ?, ?, 1, ?, ?, 0, 0, 'ops@elsewhere pid 1')", (t, int(part), int(off), at, src))
    db.commit()
    db.close()

    dry = cli(binary, "dlq", "replay", "--local", "--config", cfg, "--dry-run")
    assert dry.returncode == 0 and f"{n - 2 - 1} records to replay (3 interrupted earlier)" in dry.stdout, dry.stdout
    assert "1 reserved by a run still in progress" in dry.stdout

    resumed = cli(binary, "dlq", "replay", "--local", "--config", cfg, "--yes", "--json")
    assert resumed.returncode == 0, resumed.stderr
    actions = {json.loads(l)["position"]: json.loads(l)["action"] for l in resumed.stdout.splitlines()}
    assert {p: actions[p] for p in produced_unconfirmed} == {p: "found" for p in produced_unconfirmed}
    assert actions[reserved_dead] == "replayed" and reserved_busy not in actions
    assert len(actions) == n - 3

    per_position = replays_on(cluster, src)
    assert set(per_position) == set(positions) - {reserved_busy} and set(per_position.values()) == {1}, per_position

    again = cli(binary, "dlq", "replay", "--local", "--config", cfg, "--yes")
    assert again.returncode == 0 and "0 records to replay" in again.stdout, again.stdout

    # --force sends a replayed record again, as the next replay in the book.
    forced = cli(binary, "dlq", "replay", "--local", "--config", cfg, "--yes", "--force", "--max", "1", "--json")
    assert forced.returncode == 0, forced.stderr
    forced_position = json.loads(forced.stdout.splitlines()[0])["position"]
    assert replays_on(cluster, src)[forced_position] == 2
    trace = cli(binary, "trace", "--local", "--config", cfg, "--source", json.loads(
        cli(binary, "dlq", "show", "--local", "--config", cfg, forced_position, "--json").stdout)["source"], "--json")
    traced = json.loads(trace.stdout.splitlines()[0])["replays"]
    assert [r["state"] for r in traced] == ["done", "done"] and traced[1]["to"].startswith(src + ":")
    assert traced[1]["to"].rsplit(":", 1)[1].isdigit()


def test_replay_killed_with_sigkill_then_resumed_replays_each_once(cluster, make_bridge, names, binary):
    n = 60
    bridge, src = dead_letter_run(cluster, make_bridge, names, n)
    cfg = bridge.config_path
    p = subprocess.Popen([binary, "dlq", "replay", "--config", cfg, "--yes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    replayed = 0
    deadline = time.time() + 60
    while time.time() < deadline and replayed < 5:
        if p.stdout.readline().startswith("replayed "):
            replayed += 1
    p.send_signal(signal.SIGKILL)
    p.wait(30)
    resumed = cli(binary, "dlq", "replay", "--config", cfg, "--yes")
    assert resumed.returncode == 0, resumed.stderr
    left = int(resumed.stdout.split(" records to replay")[0].split()[-1])
    assert replayed == 5 and left < n, "the first run was killed part-way"
    per_position = replays_on(cluster, src)
    assert len(per_position) == n and set(per_position.values()) == {1}, "each DLQ record replayed exactly once"
    assert "0 records to replay" in cli(binary, "dlq", "replay", "--config", cfg, "--yes").stdout


def test_status_is_exact_and_reconcile_checks_outputs(cluster, make_bridge, names, binary, tmp_path):
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out])
    bridge = make_bridge([{"topic": src, "source": "urn:e2e"}], [{"name": "gl", "topic": out, "types": ["finance.*"]}])
    run = names("r").split(".")[-1]
    good = [{"key": f"c{i}".encode(), "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(i, run=run)}).encode()}
            for i in range(30)]
    bad = [{"key": f"b{i}".encode(), "value": b"{nope"} for i in range(7)]
    cluster.produce(src, good + bad)   # produced in multi-record batches: ListOffsets 'latest' would be wrong on Tansu
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) >= len(good) + len(bad), 120, "every input to have an outcome")
    assert bridge.terminate() == 0

    s = cli(binary, "status", "--config", bridge.config_path, "--json")
    assert s.returncode == 0, s.stderr
    status = json.loads(s.stdout)
    assert status["totalLag"] == 0
    assert sum(p["highWatermark"] for p in status["partitions"]) == len(good) + len(bad)
    assert status["dlq"][0]["depth"] == len(bad) and 0 <= status["dlq"][0]["oldestAgeSeconds"] < 3600
    text = cli(binary, "status", "--config", bridge.config_path).stdout
    assert "total lag 0" in text and f"{len(bad)} record(s), oldest" in text

    r = cli(binary, "reconcile", "--config", bridge.config_path, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["outputs"]["checked"] == len(good) + len(bad) and report["outputs"]["missing"] == 0

    # A copy of the store whose ledger names an output the topic never held.
    db, copied_config = copy_store(bridge, tmp_path / "copy")
    db.execute("UPDATE ledger SET outputs = ? WHERE id = (SELECT min(id) FROM ledger WHERE outcome = 'published')",
               (json.dumps([f"{out}:0:999999"]),))
    db.commit()
    db.close()
    r = cli(binary, "reconcile", "--config", str(copied_config), "--local")
    assert r.returncode == 1 and "1 of" in r.stdout and f"{out}:0:999999" in r.stdout, r.stdout
