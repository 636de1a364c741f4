"""The store is the truth behind every offset (docs/decisions.md): one bridge writes it, a bridge whose
store vanished stops instead of committing offsets nobody recorded, and a bridge never starts over
from an empty store on partitions the group already consumed unless told to (docs/store.md, "Safety")."""
import json
import os
import stat
import subprocess
import time

import traffic
from conftest import ledger, wait_for


def customers(n, run, start=0):
    return [{"key": f"c{i}".encode(), "value": json.dumps({"type": "finance.customer.upserted",
                                                          "data": traffic.customer(i, run=run)}).encode()}
            for i in range(start, start + n)]


def started(cluster, make_bridge, names, n, extra=None):
    """A bridge on a fresh two-partition source, started after n customers were produced and
    running once all n have an outcome. Returns (source topic, bridge, run id)."""
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out], partitions=2)
    bridge = make_bridge([{"topic": src, "source": "urn:e2e"}], [{"name": "gl", "topic": out, "types": ["finance.*"]}], extra)
    run = names("r").split(".")[-1]
    cluster.produce(src, customers(n, run))
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) >= n, 60, "the bridge to record its inputs")
    return src, bridge, run


def remove_store(bridge, suffixes=("", "-wal", "-shm")):
    for suffix in suffixes:
        if os.path.exists(bridge.store_path + suffix):
            os.unlink(bridge.store_path + suffix)


def wait_exit(bridge, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline and bridge.alive():
        time.sleep(0.2)
    return bridge.proc.poll()


def test_a_second_bridge_on_one_store_is_refused_and_the_files_are_private(cluster, make_bridge, names, binary):
    src, bridge, run = started(cluster, make_bridge, names, 20)
    second = subprocess.run([binary, "run", "--config", bridge.config_path], capture_output=True, text=True, timeout=60)
    assert second.returncode == 2, (second.returncode, second.stderr[-2000:])
    assert "in use" in second.stderr and f"pid {bridge.proc.pid}" in second.stderr, second.stderr[-2000:]
    assert bridge.alive()
    for suffix in ("", "-wal", "-shm", ".lock"):
        mode = stat.S_IMODE(os.stat(bridge.store_path + suffix).st_mode)
        assert mode == 0o600, (suffix, oct(mode))
    assert bridge.terminate() == 0


def test_a_deleted_store_stops_the_bridge_without_committing(cluster, make_bridge, names):
    src, bridge, run = started(cluster, make_bridge, names, 50)
    remove_store(bridge)
    cluster.produce(src, customers(50, run, start=50))
    code = wait_exit(bridge, 30)
    assert code is not None and code != 0, "the bridge kept running on a deleted store"
    assert "deleted or replaced" in bridge.log_text()


def test_committed_offsets_without_state_need_accept_empty_state(cluster, make_bridge, names, binary):
    """Without changelog topics (with them, a lost store is restored before the check: test_scaling)."""
    src, bridge, run = started(cluster, make_bridge, names, 30, extra={"changelog": {"enabled": False}})
    time.sleep(1)  # the last offsets reach the broker one commit interval behind the store
    assert bridge.terminate() == 0
    # The store is lost (a new host, a wiped volume); the group's offsets are not.
    remove_store(bridge, ("", "-wal", "-shm", ".lock"))
    bridge.start()
    code = wait_exit(bridge, 60)
    log = bridge.log_text()
    assert code is not None and code != 0, "the bridge started over from an empty store"
    assert "--accept-empty-state" in log and src in log, log[-3000:]
    assert ledger(bridge.store_path) == [], "nothing may be processed before the check"

    # Accepted explicitly: it runs on from the committed offsets (nothing consumed twice) and the
    # acceptance is recorded, so the next start needs no flag.
    cluster.produce(src, customers(10, run, start=30))
    accepted = subprocess.Popen([binary, "run", "--config", bridge.config_path, "--accept-empty-state"],
                                stdout=subprocess.DEVNULL, stderr=open(bridge.log_path, "ab"))
    try:
        wait_for(lambda: len(ledger(bridge.store_path)) >= 10, 60, "the new inputs after accepting empty state")
        time.sleep(1)
    finally:
        accepted.terminate()
        assert accepted.wait(60) == 0
    rows = ledger(bridge.store_path)
    assert len(rows) == 10 and all(r["outcome"] == "published" for r in rows), rows
    bridge.start()
    time.sleep(8)
    assert bridge.alive(), "the acceptance was not recorded: " + bridge.log_text()[-2000:]
    assert bridge.terminate() == 0
