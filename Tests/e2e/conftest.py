"""End-to-end tests: the real `eventbridge` binary against the local broker, checked from outside
with an independent Kafka client (confluent-kafka, its own librdkafka build).

scripts/test sets EVENTBRIDGE_TEST_BROKER (host:port of the test broker), EVENTBRIDGE_BIN (the
built binary) and EVENTBRIDGE_BROKER_PIDFILE (for the broker-stall test).
"""
import json
import os
import signal
import subprocess
import time
import uuid

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the end-to-end tests through scripts/test")
    return value


@pytest.fixture(scope="session")
def bootstrap():
    return env("EVENTBRIDGE_TEST_BROKER")


@pytest.fixture(scope="session")
def binary():
    path = env("EVENTBRIDGE_BIN")
    assert os.access(path, os.X_OK), f"{path} is not an executable"
    return path


class Cluster:
    """Topic administration and plain produce/consume against the test broker."""

    def __init__(self, bootstrap):
        self.bootstrap = bootstrap
        self.admin = AdminClient({"bootstrap.servers": bootstrap})

    def create_topics(self, names, partitions=4):
        futures = self.admin.create_topics([NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names])
        for name, f in futures.items():
            f.result(timeout=30)
        # Wait until metadata shows every partition with a leader.
        deadline = time.time() + 30
        while time.time() < deadline:
            md = self.admin.list_topics(timeout=10)
            if all(n in md.topics and len(md.topics[n].partitions) == partitions for n in names):
                return
            time.sleep(0.1)
        raise AssertionError(f"topics {names} did not appear")

    def producer(self, config=None):
        return Producer({"bootstrap.servers": self.bootstrap, "enable.idempotence": True, "acks": "all", "linger.ms": 5, **(config or {})})

    def produce(self, topic, records, config=None, rate=None):
        """records: iterable of dicts {key, value (bytes|None), headers, partition?}; `config`: more
        producer properties (e.g. a larger message.max.bytes); `rate`: at most this many records a
        second (in tenths of a second), else as fast as the broker takes them. One producer for all
        of them. Returns the count."""
        p = self.producer(config)
        errors = []

        def report(err, msg):
            if err is not None:
                errors.append(err)

        n = 0
        tick, tick_start = max(1, (rate or 0) // 10), time.time()
        for r in records:
            if rate and n and n % tick == 0:
                p.poll(0)
                time.sleep(max(0.0, 0.1 - (time.time() - tick_start)))
                tick_start = time.time()
            kwargs = {"key": r.get("key"), "value": r.get("value"), "headers": r.get("headers") or [], "on_delivery": report}
            if r.get("partition") is not None:
                kwargs["partition"] = r["partition"]
            while True:
                try:
                    p.produce(topic, **kwargs)
                    break
                except BufferError:
                    p.poll(0.05)
            n += 1
            if n % 1000 == 0:
                p.poll(0)
        remaining = p.flush(60)
        assert remaining == 0 and not errors, f"produce failed: {errors[:3]} remaining={remaining}"
        return n

    def partitions(self, topic):
        md = self.admin.list_topics(topic, timeout=10)
        return sorted(md.topics[topic].partitions)

    def read_all(self, topic, timeout=60):
        """Every record currently in the topic, read to the high-water marks that fetch responses
        report (Tansu's ListOffsets 'latest' is wrong after multi-record batches; the fetch one is right)."""
        parts = self.partitions(topic)
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "read-" + uuid.uuid4().hex,
                      "enable.auto.commit": False, "fetch.wait.max.ms": 50})
        c.assign([TopicPartition(topic, p, 0) for p in parts])
        out = []
        pos = {p: 0 for p in parts}
        deadline = time.time() + timeout
        while time.time() < deadline:
            for m in c.consume(2000, 0.3):
                if m.error():
                    continue
                pos[m.partition()] = m.offset() + 1
                out.append({"partition": m.partition(), "offset": m.offset(), "key": m.key(), "value": m.value(),
                            "timestamp": m.timestamp()[1],
                            "headers": {k: (v.decode(errors="replace") if v is not None else None) for k, v in (m.headers() or [])},
                            "raw_headers": m.headers() or []})
            done = True
            for p in parts:
                lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), cached=True)
                if hi < 0 or pos[p] < hi:
                    done = False
            if done:
                break
        c.close()
        assert time.time() < deadline, f"could not read {topic} to its end in {timeout}s: {pos}"
        return out


@pytest.fixture(scope="session")
def cluster(bootstrap):
    return Cluster(bootstrap)


class Bridge:
    """One `eventbridge run` process with its own config, store and topics."""

    def __init__(self, binary, bootstrap, workdir, sources, subscribers, extra=None, kafka=None):
        self.binary = binary
        self.workdir = workdir
        self.config_path = os.path.join(workdir, "bridge.json")
        self.log_path = os.path.join(workdir, "bridge.log")
        self.store_path = os.path.join(workdir, "bridge.sqlite")
        config = {
            "kafka": {"bootstrap.servers": bootstrap, "session.timeout.ms": "6000", "heartbeat.interval.ms": "500", **(kafka or {})},
            "groupId": "e2e-" + uuid.uuid4().hex[:8],
            "contracts": os.path.join(ROOT, "contracts"),
            "mappings": os.path.join(ROOT, "mappings"),
            "store": {"path": self.store_path},
            "sources": sources,
            "subscribers": subscribers,
            "metrics": {"enabled": False},
            "log": {"level": "info"},
        }
        # Readiness gating would park these tests' invoices (no customer is ever "ready"): it is off
        # unless a test configures sequencing itself (test_gating.py does).
        config["sequencing"] = {"gating": False}
        config.update(extra or {})
        with open(self.config_path, "w") as f:
            json.dump(config, f, indent=2)
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary, "run", "--config", self.config_path], stdout=log, stderr=log,
                                     cwd=self.workdir)
        return self

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def terminate(self, timeout=60):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cli(self, *args):
        """Runs another eventbridge command against this bridge's config; returns parsed --json output."""
        out = subprocess.run([self.binary, *args, "--config", self.config_path, "--json"], capture_output=True, text=True,
                             timeout=120)
        return out

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


@pytest.fixture
def make_bridge(binary, bootstrap, tmp_path):
    bridges = []

    def factory(sources, subscribers, extra=None, kafka=None):
        b = Bridge(binary, bootstrap, str(tmp_path), sources, subscribers, extra, kafka)
        bridges.append(b)
        return b

    yield factory
    for b in bridges:
        if b.alive():
            b.kill()


@pytest.fixture
def names():
    """Unique topic names for one test."""
    suffix = uuid.uuid4().hex[:8]
    return lambda base: f"e2e.{base}.{suffix}"


def ledger(store_path):
    """Every outcome row of a bridge's store: dicts with topic, partition, offset, outcome, event_id,
    type, entity, outputs (list), dlq, error_code. Read-only; safe while the bridge runs (WAL)."""
    import sqlite3
    if not os.path.exists(store_path):
        return []
    db = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute(
            "SELECT p.topic, p.partition, l.offset, l.outcome, l.event_id, l.type, l.entity, l.outputs, l.dlq, l.error_code "
            "FROM ledger l JOIN partitions p ON p.id = l.part").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()
    out = []
    for t, p, o, outcome, eid, typ, ent, outputs, dlq, code in rows:
        out.append({"topic": t, "partition": p, "offset": o, "outcome": outcome, "event_id": eid, "type": typ,
                    "entity": ent, "outputs": json.loads(outputs) if outputs else [], "dlq": dlq, "error_code": code})
    return out


def wait_for(predicate, timeout, what, interval=0.25, detail=None):
    """Polls `predicate` until it holds; on timeout fails, saying what `detail()` returns (what was
    seen last) when given."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(interval)
    seen = f"; last seen: {detail()}" if detail else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{seen}")
