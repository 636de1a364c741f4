"""The bridge's Prometheus endpoint, read with the reference parser (prometheus_client)."""
import collections
import json
import socket
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


def test_metrics_match_the_run(cluster, make_bridge, names):
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out])
    port = free_port()
    bridge = make_bridge([{"topic": src, "source": "urn:e2e"}], [{"name": "gl", "topic": out, "types": ["finance.customer.*"]}],
                         {"metrics": {"address": f"127.0.0.1:{port}"}})
    run = names("r").split(".")[-1]
    records = [{"key": f"c{i}".encode(), "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(i, run=run)}).encode()}
               for i in range(40)]
    records += records[:5]  # duplicates
    records += [{"key": b"bad", "value": b"{oops"}, {"key": b"t", "value": None}]
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
    assert m[("eventbridge_record_outcomes_total", (("outcome", "published"), ("topic", src)))] == 40
    assert m[("eventbridge_record_outcomes_total", (("outcome", "duplicate"), ("topic", src)))] == 5
    assert m[("eventbridge_record_outcomes_total", (("outcome", "dead_lettered"), ("topic", src)))] == 2
    assert m[("eventbridge_events_published_total", (("subscriber", "gl"), ("type", "finance.customer.upserted")))] == 40
    assert m[("eventbridge_dlq_records_total", (("code", "json.syntax"), ("stage", "decode")))] == 1
    assert m[("eventbridge_dlq_records_total", (("code", "record.tombstone"), ("stage", "decode")))] == 1
    assert m[("eventbridge_processing_duration_seconds_count", ())] == len(records)
    assert m[("eventbridge_up", ())] == 1
    assert any(k[0] == "eventbridge_consumer_lag_records" for k in m)
    assert bridge.terminate() == 0
