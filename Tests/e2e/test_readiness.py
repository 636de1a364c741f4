"""/readyz tells the truth (docs/metrics.md, "Readiness"): not ready while store commits fail, while
the broker has not answered for `health.brokerUnreachableAfter`, or while a partition with records
behind has not moved for `health.stuckPartitionAfter` — and ready again once that is over."""
import json
import os
import signal
import sqlite3
import time

import pytest

import traffic
from conftest import ledger, wait_for
from test_metrics import free_port
from test_oversized_records import BIG, metric, readyz


def customers(run, n, start=0):
    return [{"key": f"c{i}".encode(), "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(i, run=run)}).encode()}
            for i in range(start, start + n)]


def health_bridge(cluster, make_bridge, names, health):
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out])
    port = free_port()
    bridge = make_bridge([{"topic": src, "source": "urn:e2e"}], [{"name": "gl", "topic": out, "types": ["finance.*"]}],
                         {"metrics": {"address": f"127.0.0.1:{port}"}, "health": health})
    return src, port, bridge, names("r").split(".")[-1]


def test_not_ready_while_store_commits_fail(cluster, make_bridge, names):
    src, port, bridge, run = health_bridge(cluster, make_bridge, names, {})
    cluster.produce(src, customers(run, 10))
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) >= 10, 60, "the first inputs")
    wait_for(lambda: readyz(port)[0] == 200, 30, "ready")
    # Another process holds the store's write lock: every transaction fails after busy_timeout.
    holder = sqlite3.connect(bridge.store_path, timeout=1, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        cluster.produce(src, customers(run, 10, start=10))
        wait_for(lambda: readyz(port)[0] == 503, 40, "not ready while the store fails")
        assert "store commits failing" in readyz(port)[1]
        assert metric(port, "eventbridge_store_commit_failures_total") >= 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    wait_for(lambda: readyz(port)[0] == 200, 60, "ready again once the store commits")
    wait_for(lambda: len(ledger(bridge.store_path)) >= 20, 60, "the inputs of the failed commits recorded")
    assert bridge.terminate() == 0


def test_not_ready_while_the_broker_is_unreachable(cluster, make_bridge, names):
    pidfile = os.environ.get("EVENTBRIDGE_BROKER_PIDFILE")
    if not pidfile:
        pytest.fail("EVENTBRIDGE_BROKER_PIDFILE is not set: run through scripts/test")
    broker_pid = int(open(pidfile).read().strip())
    src, port, bridge, run = health_bridge(cluster, make_bridge, names, {"brokerUnreachableAfter": "3s"})
    cluster.produce(src, customers(run, 10))
    bridge.start()
    wait_for(lambda: readyz(port)[0] == 200, 60, "ready")
    assert metric(port, "eventbridge_broker_reachable") == 1
    os.kill(broker_pid, signal.SIGSTOP)
    try:
        wait_for(lambda: readyz(port)[0] == 503, 20, "not ready while the broker is stopped")
        assert "broker unreachable" in readyz(port)[1]
        assert metric(port, "eventbridge_broker_reachable") == 0
    finally:
        os.kill(broker_pid, signal.SIGCONT)
    wait_for(lambda: readyz(port)[0] == 200, 60, "ready again once the broker answers")
    assert bridge.terminate() == 0


def test_a_stuck_partition_is_counted_and_named(cluster, make_bridge, names):
    src, port, bridge, run = health_bridge(cluster, make_bridge, names, {"stuckPartitionAfter": "3s"})
    good = customers(run, 12)
    stuck = [{"key": b"k" * 1_200_000, "value": b"{not json", "partition": 2}] + [dict(r, partition=2) for r in good[:4]]
    cluster.produce(src, stuck + [dict(r, partition=i % 2) for i, r in enumerate(good[4:])], config=BIG)
    bridge.start()
    wait_for(lambda: metric(port, "eventbridge_stuck_partitions") >= 1, 60, "the stuck-partition gauge")
    status, body = readyz(port)
    assert status == 503 and f"partition {src}:2 made no progress" in body, body
    assert metric(port, "eventbridge_stuck_partitions") == 1, "only the partition with records behind and no progress"
    assert "catalog sha256:" in body
    assert bridge.terminate() == 0
