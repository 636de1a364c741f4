"""Records too large for a Kafka record never stall a partition in a silent rewind loop (docs/dlq.md,
"Size"): a DLQ record is truncated to fit `message.max.bytes`, with the original's size and SHA-256 in
its headers; an output too large for its topic dead-letters its input (`publish.too_large`); a record
that cannot be written even truncated is a hard failure an operator sees — log, metric, /readyz."""
import collections
import hashlib
import json
import urllib.error
import urllib.request

import traffic
from conftest import ledger, wait_for
from test_metrics import free_port, samples, scrape

BIG = {"message.max.bytes": 20_000_000}


def customer_records(run, n, start=0):
    return [{"key": f"c{i}".encode(), "value": json.dumps({"type": "finance.customer.upserted", "data": traffic.customer(i, run=run)}).encode()}
            for i in range(start, start + n)]


def readyz(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except urllib.error.URLError as e:  # not listening yet
        return 0, str(e)


def metric(port, name, **labels):
    """The sum of a family's samples with these labels (0 while the endpoint is not up yet)."""
    try:
        _, text = scrape(port)
    except urllib.error.URLError:
        return 0
    return sum(v for (n, ls), v in samples(text).items() if n == name and all(dict(ls).get(k) == w for k, w in labels.items()))


def bridge_with_metrics(cluster, make_bridge, names, kafka=None):
    src, out = names("src"), names("out")
    cluster.create_topics([src, src + ".dlq", out])
    port = free_port()
    bridge = make_bridge([{"topic": src, "source": "urn:e2e"}], [{"name": "gl", "topic": out, "types": ["finance.*"]}],
                         {"metrics": {"address": f"127.0.0.1:{port}"}}, kafka)
    return src, out, port, bridge


def test_oversized_invalid_records_are_dead_lettered_once_truncated(cluster, make_bridge, names):
    n = 10_000
    src, out, port, bridge = bridge_with_metrics(cluster, make_bridge, names)
    run = names("r").split(".")[-1]
    # 10 MB (over limits.maxRecordBytes: record.too_large) and 1.02 MB (under it, but its DLQ copy is
    # over librdkafka's default message.max.bytes of 1,000,000: json.syntax), among 10,000 good ones.
    ten_mb = b'{"type": "finance.customer.upserted", "data": "' + b"x" * 10_000_000 + b'"}'
    near_limit = b'{"type": "finance.customer.upserted", "data": "' + b"y" * 1_020_000
    good = customer_records(run, n)
    records = good[:4000] + [{"key": b"big", "value": ten_mb}] + good[4000:7000] + [{"key": b"near", "value": near_limit}] + good[7000:]
    cluster.produce(src, records, config=BIG)
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) >= n + 2, 180, "every input to have an outcome")

    rows = ledger(bridge.store_path)
    assert len(rows) == n + 2
    failed = sorted(r["error_code"] for r in rows if r["outcome"] == "dead_lettered")
    assert failed == ["json.syntax", "record.too_large"], failed
    assert collections.Counter(r["outcome"] for r in rows)["published"] == n
    outputs = cluster.read_all(out)
    assert len(outputs) == n and len({o["headers"]["ce_subject"] for o in outputs}) == n, "every good event published once"

    dlq = cluster.read_all(src + ".dlq")
    assert len(dlq) == 2, "each oversized record is in the DLQ once"
    originals = {b"big": ten_mb, b"near": near_limit}
    for d in dlq:
        original = originals[d["key"]]
        h = d["headers"]
        assert h["eventbridge.value.truncated"] == "true"
        assert h["eventbridge.value.size"] == str(len(original))
        assert h["eventbridge.value.sha256"] == hashlib.sha256(original).hexdigest()
        assert 900_000 < len(d["value"]) < 1_000_000 and original.startswith(d["value"])
        assert h["eventbridge.dlq.id"]

    assert metric(port, "eventbridge_delivery_rewinds_total") == 0, "no rewind"
    assert "rewinding" not in bridge.log_text()
    assert readyz(port)[0] == 200
    assert bridge.terminate() == 0


def test_an_output_too_large_for_its_topic_dead_letters_its_input(cluster, make_bridge, names):
    """With message.max.bytes 1,000 (librdkafka's minimum) a customer event's CloudEvent does not fit:
    the input goes to the DLQ (publish.too_large, truncated to fit too) instead of failing its delivery."""
    src, out, port, bridge = bridge_with_metrics(cluster, make_bridge, names, kafka={"message.max.bytes": "1000"})
    run = names("r").split(".")[-1]
    long_names = []
    for i in range(5):
        c = traffic.customer(i, run=run)
        c["legalName"] = "L" * 200
        long_names.append({"key": f"c{i}".encode(), "value": json.dumps({"type": "finance.customer.upserted", "data": c}).encode()})
    cluster.produce(src, long_names)
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) >= 5, 60, "every input to have an outcome")
    rows = ledger(bridge.store_path)
    assert {r["error_code"] for r in rows} == {"publish.too_large"}, rows
    dlq = cluster.read_all(src + ".dlq")
    assert len(dlq) == 5 and all(d["headers"]["eventbridge.error.stage"] == "publish" for d in dlq)
    assert cluster.read_all(out) == []
    assert metric(port, "eventbridge_delivery_rewinds_total") == 0
    assert bridge.terminate() == 0


def test_a_record_that_cannot_be_written_is_a_visible_hard_failure(cluster, make_bridge, names):
    """A 1.2 MB key cannot be cut (it is the record's identity and partitioning): its DLQ record can
    never be written. Its partition stops there — paused, nothing after it published, nothing committed —
    and the operator sees it; the other partitions go on; no rewind loop."""
    src, out, port, bridge = bridge_with_metrics(cluster, make_bridge, names)
    run = names("r").split(".")[-1]
    good = customer_records(run, 40)
    blocked = [{"key": b"k" * 1_200_000, "value": b"{not json", "partition": 0}] + [dict(r, partition=0) for r in good[:10]]
    others = [dict(r, partition=1 + i % 3) for i, r in enumerate(good[10:])]
    cluster.produce(src, blocked + others, config=BIG)
    bridge.start()
    wait_for(lambda: len(ledger(bridge.store_path)) >= 30, 60, "the other partitions' inputs")
    wait_for(lambda: metric(port, "eventbridge_unwritable_records_total", topic=src) >= 1, 30, "the unwritable-record metric")
    wait_for(lambda: readyz(port)[0] == 503, 30, "/readyz to say not ready")
    status, body = readyz(port)
    assert f"{src}:0" in body and "cannot be written" in body, body
    rows = ledger(bridge.store_path)
    assert not [r for r in rows if r["partition"] == 0], "nothing on the blocked partition has an outcome"
    assert not [o for o in cluster.read_all(out) if o["headers"]["ce_sourcepartition"] == "0"], "nothing after it was published"
    assert metric(port, "eventbridge_delivery_rewinds_total") == 0, "no rewind loop"
    assert "cannot be written" in bridge.log_text()
    assert bridge.alive()
    assert bridge.terminate() == 0
