"""The DLQ commands cannot be turned against the operator: one entry per failed input whatever copies
a crash left in the DLQ topic (docs/dlq.md, "Identity"), replay never sends one input twice, and the
destructive defaults ask for what they would touch (docs/operations.md)."""
import collections
import json
import subprocess

from conftest import wait_for
from test_ops_replay import dead_letter_run


def cli(binary, *args, **kw):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120, **kw)


def jsonl(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_a_crash_copy_of_a_dlq_record_is_one_entry_and_is_replayed_once(cluster, make_bridge, names, binary):
    n = 6
    bridge, src = dead_letter_run(cluster, make_bridge, names, n)
    dlq = src + ".dlq"
    originals = cluster.read_all(dlq)
    assert len(originals) == n
    ids = {r["headers"].get("eventbridge.dlq.id") for r in originals}
    assert None not in ids and len(ids) == n, "every DLQ record names its input with a deterministic id"
    # What a SIGKILL between the DLQ acknowledgement and the store commit leaves behind: the restarted
    # bridge dead-letters the same inputs again, a second record each (later failure time), and for a
    # record without a key on whichever partition the partitioner picks.
    copies = []
    for i, r in enumerate(originals[:3]):
        headers = [(k, v) for k, v in r["raw_headers"] if k != "eventbridge.failed.last"]
        headers.append(("eventbridge.failed.last", b"2099-01-01T00:00:00.000Z"))
        copies.append({"key": r["key"], "value": r["value"], "headers": headers, "partition": (r["partition"] + i) % 4})
    cluster.produce(dlq, copies)
    assert len(cluster.read_all(dlq)) == n + 3

    listed = jsonl(cli(binary, "dlq", "list", "--config", bridge.config_path, "--json"))
    assert len(listed) == n, "one entry per failed input"
    assert len({e["source"] for e in listed}) == n
    assert sum(e.get("copies", 1) for e in listed) == n + 3
    stats = json.loads(cli(binary, "dlq", "stats", "--config", bridge.config_path, "--json").stdout)
    assert stats["total"] == n and stats["byCode"] == {"json.syntax": n}

    # `show` on a copy says which record it is a copy of.
    canonical = {e["source"]: e["position"] for e in listed}
    copy_positions = [f"{dlq}:{r['partition']}:{r['offset']}" for r in cluster.read_all(dlq)
                      if f"{dlq}:{r['partition']}:{r['offset']}" not in canonical.values()]
    assert len(copy_positions) == 3
    shown = cli(binary, "dlq", "show", "--config", bridge.config_path, copy_positions[0])
    assert shown.returncode == 0 and "copy of" in shown.stdout, shown.stdout

    # Replay sends each input once, whichever copy the walk meets first.
    r = cli(binary, "dlq", "replay", "--config", bridge.config_path, "--yes", "--json")
    assert r.returncode == 0, r.stderr
    actions = [json.loads(l)["action"] for l in r.stdout.splitlines()]
    assert actions.count("replayed") == n, actions
    replays = [x for x in cluster.read_all(src) if "eventbridge.replay.of" in x["headers"]]
    by_source = collections.Counter()
    for x in replays:
        origin = next(o for o in cluster.read_all(dlq) if f"{dlq}:{o['partition']}:{o['offset']}" == x["headers"]["eventbridge.replay.of"])
        by_source[origin["headers"]["eventbridge.source.offset"] + "@" + origin["headers"]["eventbridge.source.partition"]] += 1
    assert len(by_source) == n and set(by_source.values()) == {1}, by_source
    again = cli(binary, "dlq", "replay", "--config", bridge.config_path, "--yes")
    assert again.returncode == 0 and "0 records to replay" in again.stdout, again.stdout


def test_dangerous_defaults_are_usage_errors(cluster, make_bridge, names, binary):
    bridge, src = dead_letter_run(cluster, make_bridge, names, 3)
    config = bridge.config_path

    # resolve with no filter would mark every record: it needs --all, and always a reason.
    everything = cli(binary, "dlq", "resolve", "--config", config, "--yes", "--reason", "x")
    assert everything.returncode == 2 and "--all" in everything.stderr, everything.stderr
    no_reason = cli(binary, "dlq", "resolve", "--config", config, "--yes", "--code", "json.syntax")
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr, no_reason.stderr
    assert len(jsonl(cli(binary, "dlq", "list", "--config", config, "--json"))) == 3, "nothing was resolved"

    for bad in ("-1", "0"):
        r = cli(binary, "dlq", "list", "--config", config, "--limit", bad)
        assert r.returncode == 2 and "--limit" in r.stderr, (bad, r.stderr)

    # show on a position that is not in a DLQ topic of this config says so.
    not_dlq = cli(binary, "dlq", "show", "--config", config, f"{src}:0:0")
    assert not_dlq.returncode == 2 and "not a DLQ topic" in not_dlq.stderr, not_dlq.stdout + not_dlq.stderr

    resolved = cli(binary, "dlq", "resolve", "--config", config, "--yes", "--all", "--reason", "bulk accepted")
    assert resolved.returncode == 0 and "resolved 3" in resolved.stdout, resolved.stdout + resolved.stderr
    assert jsonl(cli(binary, "dlq", "list", "--config", config, "--json")) == []
    # Resolving again never overwrites an earlier resolution (a replay's "replayed as …" mark included).
    again = cli(binary, "dlq", "resolve", "--config", config, "--yes", "--all", "--reason", "second pass")
    assert again.returncode == 0 and "resolved 0" in again.stdout, again.stdout
