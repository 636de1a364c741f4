"""The bridge's Prometheus endpoint, read with the reference parser (prometheus_client)."""
import collections
import json
import os
import socket
import subprocess
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

import traffic
from conftest import ledger, wait_for


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def scrape(port, path="/metrics"):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return r.status, r.read().decode()


def samples(text):
    out = collections.defaultdict(float)
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] += s.value
    return out


def metrics_bridge(cluster, make_bridge, names):
    """A bridge with its metrics endpoint on a free port, one source, customers to one subscriber."""
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out])
    port = free_port()
    bridge = make_bridge([{"topic": src, "source": "urn:e2e"}], [{"name": "gl", "topic": out, "types": ["finance.customer.*"]}],
                         {"metrics": {"address": f"127.0.0.1:{port}"}})
    return src, port, bridge, names("r").split(".")[-1]


def test_metrics_match_the_run(cluster, make_bridge, names):
    src, port, bridge, run = metrics_bridge(cluster, make_bridge, names)
    # Half the events carry their time (ce_time ← the envelope's "time"), half take the record's timestamp.
    records = [{"key": f"c{i}".encode(), "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(i, run=run),
                                                               **({"time": "2025-03-14T09:30:00Z"} if i % 2 else {})}).encode()}
               for i in range(40)]
    records += records[:5]  # duplicates
    # A newer revision of customer 41, then its older one (stale: a duplicate), then a replay from the DLQ.
    records += [{"key": b"c41", "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(41, revision=2, run=run)}).encode()},
                {"key": b"c41", "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(41, revision=1, run=run)}).encode()},
                {"key": b"c42", "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(42, run=run)}).encode(),
                 "headers": [("eventbridge.replay.of", b"elsewhere.dlq:0:7"), ("eventbridge.attempt", b"2")]}]
    records += [{"key": b"bad", "value": b"{oops"}, {"key": b"t", "value": None}]
    # Valid events no subscriber wants: filtered, counted under their type.
    records += [{"key": f"i{i}".encode(), "value": json.dumps({"type": "finance.invoice.posted", "data": traffic.invoice(i, run=run)}).encode()}
                for i in range(3)]
    cluster.produce(src, records)
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) >= len(records), 120, "every input to have an outcome")
    wait_for(lambda: scrape(port, "/readyz")[0] == 200, 30, "readiness")
    assert scrape(port, "/healthz")[0] == 200
    # Counters are updated as inputs are handled; the ledger lags them by at most one commit.
    status, text = scrape(port)
    assert status == 200
    m = samples(text)
    assert m[("eventbridge_records_consumed_total", (("topic", src),))] == len(records)
    assert m[("eventbridge_record_outcomes_total", (("outcome", "published"), ("topic", src)))] == 42
    assert m[("eventbridge_record_outcomes_total", (("outcome", "duplicate"), ("topic", src)))] == 6
    assert m[("eventbridge_stale_events_total", (("action", "duplicate"), ("type", "finance.customer.upserted")))] == 1
    assert m[("eventbridge_replayed_records_total", (("topic", src),))] == 1
    assert m[("eventbridge_record_outcomes_total", (("outcome", "dead_lettered"), ("topic", src)))] == 2
    assert m[("eventbridge_events_published_total", (("subscriber", "gl"), ("type", "finance.customer.upserted")))] == 42
    # Inputs without a contract are unattributed (materiality high by default, docs/metrics.md).
    unattributed = (("materiality", "high"), ("stage", "decode"), ("workflow", "unattributed"))
    assert m[("eventbridge_dlq_records_total", (("code", "json.syntax"),) + unattributed)] == 1
    assert m[("eventbridge_dlq_records_total", (("code", "record.tombstone"),) + unattributed)] == 1
    assert m[("eventbridge_record_outcomes_total", (("outcome", "filtered"), ("topic", src)))] == 3
    assert m[("eventbridge_filtered_total", (("type", "finance.invoice.posted"),))] == 3
    assert m[("eventbridge_processing_duration_seconds_count", ())] == len(records)
    # Sync lag: one observation per published event, now − its ce_time: the 20 timed in 2025 are
    # over a day behind (above the last finite bucket), the other 22 seconds at most.
    customers = (("materiality", "normal"), ("topic", src), ("workflow", "finance.customer"))
    assert m[("eventbridge_sync_lag_seconds_count", customers)] == 42
    assert m[("eventbridge_events_synced_total", (("materiality", "normal"), ("workflow", "finance.customer")))] == 42
    # Objective 15 minutes: the 20 timed in 2025 breach it.
    assert m[("eventbridge_sync_lag_breaches_total", (("materiality", "normal"), ("workflow", "finance.customer")))] == 20
    within_a_day = [v for (name, labels), v in m.items() if name == "eventbridge_sync_lag_seconds_bucket"
                    and dict(labels).get("topic") == src and float(dict(labels)["le"]) == 86400]
    assert within_a_day == [22]
    assert m[("eventbridge_up", ())] == 1
    assert any(k[0] == "eventbridge_consumer_lag_records" for k in m)
    assert bridge.terminate() == 0


def pipeline_thread(pid):
    """The bridge's pipeline thread (its OS name is eb-pipeline)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            if f.read().strip() == "eb-pipeline":
                return tid
    raise AssertionError("no thread named eb-pipeline in the bridge")


def schedstat(pid, tid):
    """(nanoseconds on a CPU, nanoseconds runnable but waiting for one) of a thread."""
    with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
        on_cpu, waiting, _ = f.read().split()
    return int(on_cpu), int(waiting)


def process_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_concurrent_scrapes_do_not_slow_the_pipeline(cluster, make_bridge, names, record_property):
    """Bursts of 100 concurrent scrapes (one burst a second) while the bridge works through a
    backlog, in interleaved windows (quiet, scraping, quiet, …) so the machine's drift cancels.

    The pipeline thread's time is split with the kernel's schedstat into on-CPU, waiting for a CPU
    (other processes — the broker, curl — competing on this 2-core machine) and blocked (waiting
    on something: the broker's acknowledgements, the store's fsync)."""
    src, port, bridge, run = metrics_bridge(cluster, make_bridge, names)
    n = 150_000
    cluster.produce(src, [{"key": f"c{i}".encode(),
                           "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(i, run=run)}).encode()}
                          for i in range(n)])
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) > 2_000, 120, "the bridge to be working through the backlog")
    pid = bridge.proc.pid
    tid = pipeline_thread(pid)
    failures = []
    url = f"http://127.0.0.1:{port}/metrics"

    def burst():
        # One curl process, 100 transfers at once: the client costs little CPU next to the bridge.
        r = subprocess.run(["curl", "-s", "--parallel", "--parallel-immediate", "--parallel-max", "100",
                            "-w", "%{http_code}\\n", "--max-time", "5"] + ["-o", "/dev/null", url] * 100,
                           capture_output=True, text=True)
        codes = r.stdout.split()
        failures.extend(c for c in codes if c != "200")
        if len(codes) != 100:
            failures.append(f"{len(codes)} of 100 answered")

    def window(seconds, scraping, acc):
        count0, t0, (cpu0, wait0) = len(ledger(bridge.store_path)), time.time(), schedstat(pid, tid)
        process0 = process_cpu_seconds(pid)
        bursts = 0
        while time.time() - t0 < seconds:
            if scraping:
                burst()
                bursts += 1
                time.sleep(max(0.0, 1.0 * bursts - (time.time() - t0)))
            else:
                time.sleep(0.05)
        count1, t1, (cpu1, wait1) = len(ledger(bridge.store_path)), time.time(), schedstat(pid, tid)
        acc["process_cpu"] += process_cpu_seconds(pid) - process0
        acc["records"] += count1 - count0
        acc["wall"] += t1 - t0
        acc["cpu"] += (cpu1 - cpu0) / 1e9
        acc["waiting"] += (wait1 - wait0) / 1e9
        acc["scrapes"] += 100 * bursts

    quiet, busy = (dict(records=0, wall=0.0, cpu=0.0, waiting=0.0, process_cpu=0.0, scrapes=0) for _ in range(2))
    for _ in range(4):
        window(2.0, False, quiet)
        window(2.0, True, busy)
        if len(ledger(bridge.store_path)) > n - 20_000:
            break
    assert not failures, f"{len(failures)} scrapes failed, e.g. {failures[:3]}"
    assert quiet["records"] > 0 and busy["records"] > 0, "the backlog ran out before the windows were measured"

    def blocked(a):
        return max(0.0, a["wall"] - a["cpu"] - a["waiting"]) / a["wall"]

    summary = {
        "scrapes": busy["scrapes"], "scrape_bytes": len(scrape(port)[1]),
        "records_per_s": [round(quiet["records"] / quiet["wall"]), round(busy["records"] / busy["wall"])],
        "records_per_cpu_s": [round(quiet["records"] / quiet["cpu"]), round(busy["records"] / busy["cpu"])],
        "blocked_fraction": [round(blocked(quiet), 3), round(blocked(busy), 3)],
        "other_threads_cpu_per_s": [round((a["process_cpu"] - a["cpu"]) / a["wall"], 3) for a in (quiet, busy)],
        "waiting_for_cpu_fraction": [round(quiet["waiting"] / quiet["wall"], 3), round(busy["waiting"] / busy["wall"], 3)],
    }
    record_property("scrape_load", summary)
    print("concurrent scrapes (quiet, scraping):", summary)
    # What the bridge controls: serving the scrapes costs its process (all threads but the
    # pipeline) under 5 % of a core. The records/s pair and the pipeline's blocked fraction are
    # reported, not judged tightly: on 2 cores the broker, curl and the bridge compete for CPU (a
    # broker slowed by curl acknowledges later, and the pipeline waits on its in-flight limit), so
    # the machine's noise (±20 %) swamps a few percent either way. The hot path shares no lock
    # with a scrape (PipelineMetrics caches its children; values are atomics).
    other = summary["other_threads_cpu_per_s"]
    assert other[1] - other[0] <= 0.05, f"serving the scrapes cost the bridge {other[1] - other[0]:.3f} of a core: {summary}"
    rate = summary["records_per_s"]
    assert rate[1] >= 0.3 * rate[0], f"the pipeline nearly stopped while scrapes ran: {summary}"
    assert bridge.terminate() == 0
