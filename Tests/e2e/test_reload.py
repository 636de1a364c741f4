"""Reload (docs/operations.md, "Reload"): a running bridge takes a fixed catalog without a restart
(SIGHUP, `eventbridge reload`), keeps its old one on any error, and `dlq replay` refuses to replay
into a bridge that still runs another catalog than the one on disk."""
import collections
import json
import os
import shutil
import signal
import subprocess
import time

import traffic
from conftest import ROOT, ledger, wait_for
from test_metrics import free_port
from test_oversized_records import metric, readyz


def cli(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)


def customers(run, n, start=0, copies=1):
    out = []
    for i in range(start, start + n):
        record = {"key": f"c{i}".encode(), "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(i, run=run)}).encode()}
        out += [record] * copies
    return out


def partial_catalog(tmp_path):
    """The shipped contracts without finance.customer.upserted, and the shipped mappings."""
    contracts = tmp_path / "contracts"
    shutil.copytree(os.path.join(ROOT, "contracts"), str(contracts))
    shutil.rmtree(str(contracts / "examples"))
    for f in contracts.glob("finance.customer.upserted.*"):
        f.unlink()
    mappings = tmp_path / "mappings"
    shutil.copytree(os.path.join(ROOT, "mappings"), str(mappings))
    return contracts, mappings


def test_reload_takes_the_fixed_catalog_and_replay_waits_for_it(cluster, make_bridge, names, binary, tmp_path):
    contracts, mappings = partial_catalog(tmp_path)
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out])
    port = free_port()
    bridge = make_bridge([{"topic": src, "source": "urn:e2e"}], [{"name": "gl", "topic": out, "types": ["finance.*"]}],
                         {"contracts": str(contracts), "mappings": str(mappings), "metrics": {"address": f"127.0.0.1:{port}"}})
    run = names("r").split(".")[-1]
    n = 30
    cluster.produce(src, customers(run, n))
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) >= n, 60, "the customers to be dead-lettered")
    assert {r["error_code"] for r in ledger(bridge.store_path)} == {"contract.unknown_type"}
    old = readyz(port)[1]

    # The contract ships on disk; the bridge still runs the old catalog: replay must refuse.
    shutil.copy(os.path.join(ROOT, "contracts", "finance.customer.upserted.v1.json"), str(contracts))
    refused = cli(binary, "dlq", "replay", "--config", bridge.config_path, "--yes")
    assert refused.returncode == 1 and "eventbridge reload" in refused.stderr, refused.stdout + refused.stderr
    assert not [x for x in cluster.read_all(src) if "eventbridge.replay.of" in x["headers"]], "nothing replayed"

    reloaded = cli(binary, "reload", "--config", bridge.config_path)
    assert reloaded.returncode == 0 and "reloaded" in reloaded.stdout, reloaded.stdout + reloaded.stderr
    check = json.loads(cli(binary, "config", "check", bridge.config_path, "--json").stdout)
    status, body = readyz(port)
    assert status == 200 and f"catalog {check['catalog']['digest']}" in body and body != old, body
    assert metric(port, "eventbridge_catalog_reloads_total", result="ok") == 1
    assert metric(port, "eventbridge_catalog_info", digest=check["catalog"]["digest"]) == 1

    replayed = cli(binary, "dlq", "replay", "--config", bridge.config_path, "--yes")
    assert replayed.returncode == 0 and f"{n} replayed" in replayed.stdout, replayed.stdout + replayed.stderr
    wait_for(lambda: len(cluster.read_all(out)) >= n, 60, "the replayed customers to be published")
    assert cluster.read_all(src + ".dlq")[n:] == [], "no replay went back to the DLQ"

    # A broken catalog: `reload` refuses before signalling; a bare SIGHUP keeps the running catalog.
    (contracts / "finance.broken.v1.json").write_text("{ not json")
    refused = cli(binary, "reload", "--config", bridge.config_path)
    assert refused.returncode == 2 and "finance.broken.v1.json" in refused.stderr, refused.stderr
    os.kill(bridge.proc.pid, signal.SIGHUP)
    wait_for(lambda: "reload #2 failed" in readyz(port)[1], 30, "the failed reload to be reported")
    assert metric(port, "eventbridge_catalog_reloads_total", result="error") == 1
    assert f"catalog {check['catalog']['digest']}" in readyz(port)[1], "the running catalog stays"
    cluster.produce(src, customers(run, 5, start=n))
    wait_for(lambda: len(cluster.read_all(out)) >= n + 5, 60, "new customers under the kept catalog")
    assert "catalog reload failed; the running catalog stays" in bridge.log_text()
    assert bridge.alive()
    assert bridge.terminate() == 0


def test_reload_mid_stream_keeps_in_flight_dedup_state(cluster, make_bridge, names, binary):
    """Every customer arrives twice in a row; SIGHUPs land while thousands are in flight. The dedup
    stage's pending keys survive each swap, so every second copy is a duplicate: one output per customer."""
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out])
    bridge = make_bridge([{"topic": src, "source": "urn:e2e"}], [{"name": "gl", "topic": out, "types": ["finance.*"]}])
    run = names("r").split(".")[-1]
    n = 8_000
    cluster.produce(src, customers(run, n, copies=2))
    bridge.start()
    for _ in range(8):
        time.sleep(0.4)
        if bridge.alive():
            os.kill(bridge.proc.pid, signal.SIGHUP)
    wait_for(lambda: len(ledger(bridge.store_path)) >= 2 * n, 180, "every input to have an outcome")
    assert bridge.terminate() == 0
    outcomes = collections.Counter(r["outcome"] for r in ledger(bridge.store_path))
    assert outcomes == {"published": n, "duplicate": n}, outcomes
    outputs = cluster.read_all(out)
    assert len(outputs) == n and len({o["headers"]["ce_id"] for o in outputs}) == n
    assert bridge.log_text().count("catalog reloaded") >= 2, "the reloads did happen mid-stream"
