"""Observability for finance, checked for real (docs/metrics.md, docs/operations.md):

- a real Prometheus (Debian's bookworm build, from the tools dir scripts/setup fills) on loopback,
  with a temp dir for its data, scrapes a running bridge every second and evaluates the shipped
  docker/prometheus/alerts.yml — unchanged — every second; the test asks its HTTP API for the
  series and alerts. The critical DLQ alert has `for: 0m` and its recording rule counts a series'
  first record whole, so nothing in the rules has to be shortened for the test;
- the Grafana dashboard's and the rules' queries name only metrics the bridge exports, and each
  evaluates in that Prometheus;
- `eventbridge report` agrees with the ledger read independently, follows a DLQ resolution, and its
  HTML renders in headless Chromium (screenshot kept in run/report/).
"""
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
import zlib

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

import traffic
from conftest import ROOT, Bridge, ledger, wait_for

TOOLS = os.environ.get("EVENTBRIDGE_TOOLS", "/usr/local/lib/eventbridge-tools")
PROMETHEUS = os.path.join(TOOLS, "prometheus", "prometheus")
ALERTS = os.path.join(ROOT, "docker", "prometheus", "alerts.yml")
DASHBOARD = os.path.join(ROOT, "docker", "grafana", "eventbridge.json")
OUT = os.path.join(ROOT, "run", "report")

N_PAYMENTS, N_DUP_PAYMENTS, N_CUSTOMERS, N_BAD_CUSTOMERS = 30, 5, 20, 2


def free_port(candidates=None):
    for port in candidates or [0]:
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return s.getsockname()[1]
        except OSError:
            continue
        finally:
            s.close()
    raise AssertionError(f"no free port among {candidates}")


def http_json(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read().decode())


def workflow(type_):
    return type_.rsplit(".", 1)[0] if type_ else "unattributed"


def payment(i, run, broken=False):
    p = traffic.example("finance.payment.settled")
    p["paymentId"] = f"PAY-{run}-{i:05d}"
    p["eventId"] = traffic.event_uuid("payment", run, i)
    if broken:
        del p["amount"]  # schema.required: the contract is known, so the DLQ record is the payment's (critical)
    return {"key": p["paymentId"].encode(), "value": json.dumps({"type": "finance.payment.settled", "data": p}).encode()}


def customer(i, run, broken=False):
    c = traffic.customer(i, run=run)
    if broken:
        c["country"] = "Atlantis"  # schema: not an ISO country
    # An event time long ago: every customer event is later than its 15-minute objective.
    return {"key": c["customerId"].encode(),
            "value": json.dumps({"type": "finance.customer.upserted", "time": "2025-03-14T09:30:00Z", "data": c}).encode()}


class Prometheus:
    def __init__(self, workdir, target_port):
        if not os.access(PROMETHEUS, os.X_OK):
            pytest.fail(f"{PROMETHEUS} missing: scripts/setup installs it from Debian's prometheus package")
        self.port = free_port(range(19390, 19400))
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = os.path.join(workdir, "prometheus")
        os.makedirs(self.dir)
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [ALERTS],
            "scrape_configs": [{"job_name": "eventbridge", "static_configs": [{"targets": [f"127.0.0.1:{target_port}"]}]}],
        }
        with open(os.path.join(self.dir, "prometheus.yml"), "w") as f:
            yaml.safe_dump(config, f)
        self.log = open(os.path.join(self.dir, "prometheus.log"), "wb")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={self.dir}/prometheus.yml", f"--storage.tsdb.path={self.dir}/data",
             f"--web.listen-address=127.0.0.1:{self.port}", "--web.console.libraries=", "--web.console.templates="],
            stdout=self.log, stderr=self.log)
        wait_for(self.ready, 30, "Prometheus to be ready")

    def ready(self):
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def query(self, expr):
        answer = http_json(self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def value(self, expr):
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def alerts(self, name):
        return [a for a in http_json(self.url + "/api/v1/alerts")["data"]["alerts"] if a["labels"]["alertname"] == name]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)
        self.log.close()


@pytest.fixture(scope="module")
def stack(binary, bootstrap, cluster, tmp_path_factory):
    started = time.time()
    workdir = str(tmp_path_factory.mktemp("observability"))
    run = uuid.uuid4().hex[:8]
    src, gl, customers = f"e2e.obs.src.{run}", f"e2e.obs.gl.{run}", f"e2e.obs.cust.{run}"
    cluster.create_topics([src, src + ".dlq", gl, customers])
    records = [payment(i, run) for i in range(N_PAYMENTS)]
    records += [payment(i, run) for i in range(N_DUP_PAYMENTS)]  # duplicates: same dedup key
    records += [customer(i, run) for i in range(N_CUSTOMERS)]
    records += [customer(100 + i, run, broken=True) for i in range(N_BAD_CUSTOMERS)]
    records += [{"key": b"bad", "value": b"{not json"}]  # unattributed (high)
    # An invoice whose customer finance has not released (no finance.customer.ready): parked.
    inv = traffic.invoice(1, run=run)
    records += [{"key": inv["invoiceId"].encode(), "value": json.dumps({"type": "finance.invoice.posted", "data": inv}).encode()}]
    cluster.produce(src, records)
    metrics_port = free_port()
    bridge = Bridge(binary, bootstrap, workdir, [{"topic": src, "source": "urn:e2e:obs"}],
                    [{"name": "gl", "topic": gl, "types": ["finance.payment.*", "finance.invoice.*"]},
                     {"name": "customers", "topic": customers, "types": ["finance.customer.*"]}],
                    {"metrics": {"address": f"127.0.0.1:{metrics_port}"}, "observability": {"reconcileInterval": "1s"},
                     "sequencing": {"gating": True}})
    bridge.start()
    prometheus = None
    try:
        wait_for(lambda: len(ledger(bridge.store_path)) >= len(records), 90, "every input to have an outcome")
        prometheus = Prometheus(workdir, metrics_port)
        yield {"bridge": bridge, "prometheus": prometheus, "src": src, "run": run, "metrics_port": metrics_port,
               "started": started, "records": len(records)}
    finally:
        if prometheus:
            prometheus.stop()
        if bridge.alive():
            bridge.terminate()


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def exported_families(text):
    """Family name → type, as the bridge renders them (counter families keep their _total name)."""
    families = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            families[name] = kind
    return families


def test_prometheus_scrapes_workflow_and_materiality_series(stack):
    prom = stack["prometheus"]
    payment_synced = 'eventbridge_events_synced_total{job="eventbridge",workflow="finance.payment",materiality="critical"}'
    wait_for(lambda: prom.value(payment_synced) == N_PAYMENTS, 30, "Prometheus to scrape the payments synced")
    assert prom.value('eventbridge_events_synced_total{workflow="finance.customer",materiality="normal"}') == N_CUSTOMERS
    assert prom.value('sum(eventbridge_duplicates_total{workflow="finance.payment",materiality="critical"})') == N_DUP_PAYMENTS
    assert prom.value('eventbridge_sync_lag_objective_seconds{workflow="finance.payment",materiality="critical"}') == 60
    assert prom.value('eventbridge_sync_lag_objective_seconds{workflow="finance.customer",materiality="normal"}') == 900
    # Payments carry the record's timestamp as event time (seconds old); customers one from 2025.
    assert prom.value('eventbridge_sync_lag_breaches_total{workflow="finance.payment"}') == 0
    assert prom.value('eventbridge_sync_lag_breaches_total{workflow="finance.customer"}') == N_CUSTOMERS
    assert prom.value('sum(eventbridge_sync_lag_seconds_count{workflow="finance.customer"})') == N_CUSTOMERS
    assert prom.value('sum by (workflow) (eventbridge_dlq_records_total{workflow="finance.customer",materiality="normal"})') == N_BAD_CUSTOMERS
    assert prom.value('eventbridge_dlq_records_total{workflow="unattributed",materiality="high",code="json.syntax"}') == 1
    # The in-process reconcile: everything committed is accounted for, and the open exceptions counted.
    wait_for(lambda: prom.value(f'eventbridge_reconcile_checked_inputs{{topic="{stack["src"]}"}}') == stack["records"], 30,
             "the reconcile to account for every committed input")
    assert prom.value(f'eventbridge_reconcile_missing_inputs{{topic="{stack["src"]}"}}') == 0
    assert prom.value("eventbridge_reconcile_completeness_ratio") == 1
    assert prom.value('sum(eventbridge_exceptions_open{workflow="finance.customer",materiality="normal"})') == N_BAD_CUSTOMERS
    assert prom.value('eventbridge_exceptions_open{workflow="unattributed",code="json.syntax"}') == 1
    assert prom.value('eventbridge_parked_events{workflow="finance.invoice",materiality="high",type="finance.invoice.posted"}') == 1
    age = prom.value('eventbridge_exceptions_oldest_age_seconds{workflow="finance.customer"}')
    assert age is not None and 0 <= age < time.time() - stack["started"] + 5
    # Every series is labelled from the catalog: no workflow outside it (and unattributed).
    workflows = {r["metric"]["workflow"] for r in prom.query('{__name__=~"eventbridge_.+", workflow!=""}')}
    catalog = {workflow(json.load(open(os.path.join(ROOT, "contracts", f)))["type"])
               for f in os.listdir(os.path.join(ROOT, "contracts")) if f.endswith(".json")}
    assert workflows <= catalog | {"unattributed"}, workflows - catalog


def test_a_critical_contract_dlq_record_fires_the_critical_alert(stack, cluster):
    prom = stack["prometheus"]
    # Before: bad JSON (unattributed, high) opened a ticket; nothing critical is firing.
    wait_for(lambda: any(a["state"] == "firing" and a["labels"]["workflow"] == "unattributed" for a in prom.alerts("EventBridgeHighDLQInflow")),
             30, "the high-materiality DLQ alert for the bad JSON record")
    assert prom.alerts("EventBridgeCriticalDLQInflow") == []
    # The series a critical record will increase is not yet known to Prometheus (a new label set).
    assert prom.query('eventbridge_dlq_records_total{materiality="critical"}') == []
    cluster.produce(stack["src"], [payment(999, stack["run"], broken=True)])
    t0 = time.time()
    wait_for(lambda: any(a["state"] == "firing" for a in prom.alerts("EventBridgeCriticalDLQInflow")), 30,
             "the critical DLQ alert to fire")
    fired = [a for a in prom.alerts("EventBridgeCriticalDLQInflow") if a["state"] == "firing"]
    assert len(fired) == 1
    alert = fired[0]
    assert alert["labels"] == {"alertname": "EventBridgeCriticalDLQInflow", "severity": "page", "workflow": "finance.payment",
                               "materiality": "critical"}
    assert float(alert["value"]) == 1
    assert alert["annotations"]["runbook"].startswith("eventbridge report ")
    print(f"critical alert firing {time.time() - t0:.1f}s after the bad payment was produced")
    wait_for(lambda: prom.value('eventbridge_exceptions_open{workflow="finance.payment",materiality="critical",code="schema.required"}') == 1,
             30, "the open critical exception")


def referenced_metrics(expr):
    return set(re.findall(r"\b((?:eventbridge_|eventbridge:)[a-z0-9_:]+)", expr))


def dashboard_queries():
    with open(DASHBOARD) as f:
        dashboard = json.load(f)
    exprs = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            exprs.append((panel["title"], target["expr"]))
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            inner = re.match(r"label_values\((.+),\s*\w+\)$", query)
            exprs.append((f"variable {variable['name']}", inner.group(1) if inner else query))
    return exprs


def test_dashboard_and_rule_queries_name_exported_metrics_and_evaluate(stack):
    prom = stack["prometheus"]
    families = exported_families(scrape(stack["metrics_port"]))
    histograms = {n for n, kind in families.items() if kind == "histogram"}
    exported = set(families) | {h + s for h in histograms for s in ("_bucket", "_count", "_sum")}
    with open(ALERTS) as f:
        rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
    recorded = {r["record"] for r in rules if "record" in r}
    queries = dashboard_queries() + [(r.get("alert") or r["record"], r["expr"]) for r in rules]
    assert len(dashboard_queries()) >= 15
    for where, expr in queries:
        names = referenced_metrics(expr)
        # Prometheus' own series: ALERTS, and up for the scrape job.
        assert names or "ALERTS{" in expr or 'up{job="eventbridge"}' in expr, f"{where}: names no eventbridge metric: {expr}"
        unknown = names - exported - recorded
        assert not unknown, f"{where}: {sorted(unknown)} are not exported by the bridge"
        concrete = expr.replace("$__rate_interval", "1m").replace("$__range", "1h").replace("$workflow", ".*")
        assert "$" not in concrete.replace("$value", ""), f"{where}: an unknown dashboard variable: {expr}"
        prom.query(concrete)  # raises on a PromQL error


def report(stack, *args):
    out = subprocess.run([os.environ["EVENTBRIDGE_BIN"], "report", "--config", stack["bridge"].config_path, *args],
                         capture_output=True, text=True, timeout=120)
    return out


def expected_from_ledger(store_path):
    """Per workflow, straight from the ledger rows: inputs published, duplicates, DLQ rows."""
    rows = ledger(store_path)
    by = {}
    for r in rows:
        w = by.setdefault(workflow(r["type"]), {"published": 0, "duplicate": 0, "dead_lettered": 0})
        if r["outcome"] in w:
            w[r["outcome"]] += 1
    return by


def test_report_agrees_with_the_ledger_and_follows_a_resolution(stack):
    bridge = stack["bridge"]
    wait_for(lambda: len(ledger(bridge.store_path)) >= stack["records"], 30, "the ledger")
    out = report(stack, "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    rows = {(w["workflow"], w["materiality"]): w for w in doc["workflows"]}
    expected = expected_from_ledger(bridge.store_path)
    payments, customers = rows[("finance.payment", "critical")], rows[("finance.customer", "normal")]
    assert payments["eventsSynced"] == payments["inputsPublished"] == expected["finance.payment"]["published"] == N_PAYMENTS
    assert payments["duplicatesDropped"] == expected["finance.payment"]["duplicate"] == N_DUP_PAYMENTS
    assert customers["eventsSynced"] == expected["finance.customer"]["published"] == N_CUSTOMERS
    assert customers["exceptionsOpen"]["total"] == expected["finance.customer"]["dead_lettered"] == N_BAD_CUSTOMERS
    assert customers["exceptionsOpen"]["byAge"]["<1h"] == N_BAD_CUSTOMERS
    assert customers["syncLagObjectiveSeconds"] == 900 and payments["syncLagObjectiveSeconds"] == 60
    assert payments["sourceTopics"] == [stack["src"]]
    assert rows[("finance.invoice", "high")]["parked"] == 1
    unattributed = rows[("unattributed", "high")]
    assert unattributed["exceptionsOpen"]["byCode"] == {"json.syntax": 1}
    assert doc["reconciliation"]["status"] == "ok" and doc["reconciliation"]["missing"] == 0
    assert sum(p["checked"] for p in doc["reconciliation"]["partitions"]) >= stack["records"]
    assert sum(s["published"] for s in doc["timeline"]["slots"]) == sum(w["published"] for w in expected.values())
    # The text form: a row per workflow, the reconciliation line; usage errors exit 2.
    text = report(stack, "--since", "1h")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[1].split()[:3] == ["WORKFLOW", "MATERIALITY", "OBJECTIVE"]
    payment_line = next(l for l in lines if l.startswith("finance.payment "))
    assert payment_line.split()[1:5] == ["critical", "60s", str(N_PAYMENTS), str(N_DUP_PAYMENTS)]
    assert lines[-1].startswith("every committed input has an outcome")
    for bad in (["--json", "--html", "x.html"], ["--since", "10s"], ["--since", "soon"]):
        assert report(stack, *bad).returncode == 2, bad
    # Resolving the bad JSON record in the DLQ book closes the exception, in the report and — through
    # the global changelog the bridge follows — in the bridge's own metric.
    resolved = subprocess.run([os.environ["EVENTBRIDGE_BIN"], "dlq", "resolve", "--config", bridge.config_path, "--code", "json.syntax",
                               "--yes", "--reason", "e2e: handled by hand"], capture_output=True, text=True, timeout=120)
    assert resolved.returncode == 0, resolved.stdout + resolved.stderr
    doc = json.loads(report(stack, "--json").stdout)
    rows = {(w["workflow"], w["materiality"]): w for w in doc["workflows"]}
    assert rows[("unattributed", "high")]["exceptionsOpen"]["total"] == 0
    assert rows[("finance.customer", "normal")]["exceptionsOpen"]["total"] == N_BAD_CUSTOMERS

    def closed_in_bridge():
        families = {f.name: f for f in text_string_to_metric_families(scrape(stack["metrics_port"]))}
        return not any(s.labels.get("code") == "json.syntax" for s in families["eventbridge_exceptions_open"].samples)
    wait_for(closed_in_bridge, 30, "the bridge's reconcile to see the resolution")


def png_pixels(path):
    """(width, height, set of distinct RGB(A) pixel values) of an 8-bit RGB/RGBA PNG, decoded here
    (no imaging library in the tool venv)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), f"unexpected PNG format depth={depth} color={color}"
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    colors = set()
    for y in range(height):
        filter_type = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if filter_type == 1:
                line[i] = (line[i] + a) & 0xFF
            elif filter_type == 2:
                line[i] = (line[i] + b) & 0xFF
            elif filter_type == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif filter_type == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        if y % 4 == 0:
            colors.update(bytes(line[x:x + channels]) for x in range(0, stride, channels * 4))
        previous = line
    return width, height, colors


def chromium():
    for name in ("chromium-headless-shell", "chromium"):
        path = shutil.which(name) or (f"/usr/lib/chromium/{name}" if os.path.exists(f"/usr/lib/chromium/{name}") else None)
        if path:
            return path
    pytest.fail("no headless Chromium: scripts/setup installs chromium-headless-shell from Debian")


def test_report_html_renders_in_headless_chromium(stack):
    os.makedirs(OUT, exist_ok=True)
    html = os.path.join(OUT, "report.html")
    png = os.path.join(OUT, "report.png")
    for stale in (html, png):
        if os.path.exists(stale):
            os.remove(stale)
    out = report(stack, "--html", html, "--since", "2h")
    assert out.returncode == 0, out.stdout + out.stderr
    text = open(html, encoding="utf-8").read()
    # Self-contained: no script, no external stylesheet, image, font or link.
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", text, re.I), "an external reference"
    assert re.findall(r"https?://[^\"'\s<]+", text) == ["http://www.w3.org/2000/svg"] * text.count("<svg"), "a URL other than the SVG namespace"
    browser = chromium()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
             "--user-data-dir=" + os.path.join(OUT, "chromium-profile")]
    dom = subprocess.run([browser, *flags, "--dump-dom", "file://" + html], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") == 3, "three charts"
    assert dom.stdout.count("<rect") >= 5, "bars in the charts"
    assert "finance.payment" in dom.stdout and "finance.customer" in dom.stdout
    shot = subprocess.run([browser, *flags, "--window-size=1280,1700", f"--screenshot={png}", "file://" + html],
                          capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0 and os.path.exists(png), shot.stderr[-2000:]
    shutil.rmtree(os.path.join(OUT, "chromium-profile"), ignore_errors=True)
    width, height, colors = png_pixels(png)
    assert (width, height) == (1280, 1700)
    # Text, bars in the outcome and materiality colours: far more than a blank page's one colour.
    assert len(colors) > 20, f"only {len(colors)} colours: the page did not render"
    published_green = bytes([0x2E, 0x8B, 0x57])
    assert any(c[:3] == published_green for c in colors), "no bar in the 'published' colour"
