"""The CLI as a platform engineer uses it: exit codes, human output, and --json that parses."""
import json
import os
import subprocess

from conftest import ROOT


def run(binary, *args, input=None):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120, input=input)


def test_version_reports_librdkafka_2_8_at_run_time(binary):
    r = run(binary, "version", "--json")
    assert r.returncode == 0, r.stderr
    v = json.loads(r.stdout)
    text = json.dumps(v)
    assert "2.8." in text, v


def test_help_at_every_level(binary):
    top = run(binary, "--help")
    assert top.returncode == 0
    for command in ["run", "config", "contracts", "produce", "json", "schema", "version", "topics"]:
        assert command in top.stdout
    for path in [["topics", "--help"], ["topics", "create", "--help"], ["config", "check", "--help"], ["run", "--help"]]:
        r = run(binary, *path)
        assert r.returncode == 0 and "USAGE" in r.stdout.upper(), (path, r.stdout)
    assert run(binary, "no-such-command").returncode == 2
    assert run(binary, "topics", "create").returncode == 2


def test_topics_create_describe_list_delete(binary, bootstrap, names):
    topic = names("cli")
    assert run(binary, "topics", "create", topic, "--partitions", "3", "--bootstrap", bootstrap).returncode == 0
    again = run(binary, "topics", "create", topic, "--partitions", "3", "--bootstrap", bootstrap)
    assert again.returncode == 1 and "exist" in (again.stdout + again.stderr).lower()
    d = run(binary, "topics", "describe", topic, "--bootstrap", bootstrap, "--json")
    assert d.returncode == 0, d.stderr
    described = json.loads(d.stdout)
    assert topic in json.dumps(described) and json.dumps(described).count('"partition"') >= 3 or "partitions" in json.dumps(described)
    listed = run(binary, "topics", "list", "--bootstrap", bootstrap, "--json")
    assert listed.returncode == 0 and topic in json.dumps(json.loads(listed.stdout))
    assert run(binary, "topics", "delete", topic, "--bootstrap", bootstrap).returncode == 0


def test_unreachable_broker_is_a_clear_error(binary):
    r = run(binary, "topics", "list", "--bootstrap", "127.0.0.1:1", "--timeout", "2")
    assert r.returncode == 1
    assert "127.0.0.1:1" in r.stderr


def test_config_check_reports_problems_with_json_paths(binary, tmp_path):
    ok = run(binary, "config", "check", os.path.join(ROOT, "examples", "bridge.json"), "--json")
    # EVENTBRIDGE_BOOTSTRAP is not set here: that is a problem with its path, exit 2.
    env_missing = json.loads(ok.stdout)
    if "EVENTBRIDGE_BOOTSTRAP" not in os.environ:
        assert ok.returncode == 2 and env_missing["problems"][0]["path"] == "/kafka/bootstrap.servers"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kafka": {"bootstrap.servers": "x:1", "sasl.password": "hunter2"}, "store": {},
                               "sources": [{"topic": "a"}], "subscribers": [], "surprise": 1}))
    r = run(binary, "config", "check", str(bad))
    assert r.returncode == 2
    for path in ["/store/path", "/sources/0/source", "/subscribers", "/surprise"]:
        assert path in r.stderr, r.stderr
    assert "hunter2" not in r.stdout + r.stderr


def test_config_check_reports_the_deprecated_replay_limit(binary, tmp_path):
    old = tmp_path / "old.json"
    # A catalog is part of a valid config (config check builds it, as run does).
    old.write_text(json.dumps({"kafka": {"bootstrap.servers": "x:1"}, "store": {"path": "s.sqlite"},
                               "contracts": os.path.join(ROOT, "contracts"), "mappings": os.path.join(ROOT, "mappings"),
                               "sources": [{"topic": "a", "source": "urn:a"}],
                               "subscribers": [{"name": "s", "topic": "b", "types": ["*"]}],
                               "retry": {"maxAttempts": 3}}))
    r = run(binary, "config", "check", str(old), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["valid"] and [w["path"] for w in doc["warnings"]] == ["/retry/maxAttempts"]
    assert "/dlq/replay/maxAttempts" in doc["warnings"][0]["message"]
    text = run(binary, "config", "check", str(old))
    assert text.returncode == 0 and "warning:" in text.stdout and "deprecated" in text.stdout


def test_produce_reads_json_lines(binary, bootstrap, cluster, names):
    topic = names("produce")
    cluster.create_topics([topic], partitions=1)
    lines = "\n".join([
        json.dumps({"key": "k1", "headers": {"h": "v"}, "value": {"a": 1}}),
        json.dumps({"key": None, "value": None}),
        json.dumps({"key": "k3", "valueBase64": "AAE="}),
    ])
    r = run(binary, "produce", "--topic", topic, "--bootstrap", bootstrap, "--json", input=lines)
    assert r.returncode == 0 and json.loads(r.stdout) == {"produced": 3, "failed": 0}
    got = cluster.read_all(topic)
    assert [g["value"] for g in got] == [b'{"a":1}', None, b"\x00\x01"]
    assert got[0]["headers"] == {"h": "v"} and got[1]["key"] is None
    bad = run(binary, "produce", "--topic", topic, "--bootstrap", bootstrap, input="{not json\n")
    assert bad.returncode == 2 and "stdin:1" in bad.stderr
    # Input order is kept within a partition, however many records are in flight.
    bulk = names("produce-order")
    cluster.create_topics([bulk], partitions=1)
    many = "\n".join(json.dumps({"key": f"k{i % 7}", "value": {"n": i}}) for i in range(3000))
    r = run(binary, "produce", "--topic", bulk, "--bootstrap", bootstrap, "--json", input=many)
    assert r.returncode == 0 and json.loads(r.stdout) == {"produced": 3000, "failed": 0}
    assert [json.loads(g["value"])["n"] for g in cluster.read_all(bulk)] == list(range(3000))


def adapt(binary, *args, input=None):
    """`eventbridge adapt` on the demo config, with no broker at all (the bootstrap is unreachable)."""
    env = dict(os.environ, EVENTBRIDGE_BOOTSTRAP="127.0.0.1:1")
    return subprocess.run([binary, "adapt", "--config", os.path.join(ROOT, "examples", "bridge.json"), *args],
                          capture_output=True, text=True, timeout=120, input=input, env=env)


def test_adapt_runs_real_payloads_offline(binary):
    real = os.path.join(ROOT, "Tests", "fixtures", "real")
    paid = os.path.join(real, "stripe", "invoice.paid.2020-08-27.json")
    bad = os.path.join(real, "stripe", "invoice.finalized.2018-11-08.json")
    r = adapt(binary, "--source", "billing.stripe.events", "--json", paid, bad)
    assert r.returncode == 1, r.stderr  # one input dead-letters
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["outcome"] for o in out] == ["published", "dead_lettered"]
    event = out[0]["events"][0]
    assert event["type"] == "finance.invoice.paid" and event["data"]["paidAmount"] == "20.00" and event["data"]["currency"] == "USD"
    assert event["subscribers"] == ["general-ledger"]
    assert out[1]["error"]["code"] == "rule.sumEquals" and "9.99" in out[1]["error"]["message"]
    # Human output: the outcome, the event and its data.
    text = adapt(binary, "--source", "billing.stripe.events", paid)
    assert text.returncode == 0 and "published 1 event" in text.stdout and '"paidAmount": "20.00"' in text.stdout


def test_adapt_keeps_entity_state_across_the_inputs_given(binary):
    header = {"entityName": "Account", "recordIds": ["001X"], "commitNumber": 1, "commitTimestamp": 1772359200000,
              "transactionKey": "t", "sequenceNumber": 1, "nulledFields": []}
    create = dict(ChangeEventHeader=dict(header, changeType="CREATE"), Name="Acme", Type="Prospect",
                  BillingAddress={"Street": "1 A St", "City": "Boston", "PostalCode": "02110", "CountryCode": "US"})
    update = dict(ChangeEventHeader=dict(header, changeType="UPDATE", commitNumber=2), Phone="1")
    lines = "\n".join(json.dumps({"key": "001X", "value": v}) for v in [create, update]) + "\n"
    r = adapt(binary, "--source", "crm.salesforce.cdc", "--json", "--jsonl", "-", input=lines)
    assert r.returncode == 0, r.stdout + r.stderr
    merged = json.loads(r.stdout.splitlines()[1])
    assert merged["outcome"] == "published" and merged["events"][0]["data"]["legalName"] == "Acme"
    # The update alone: no earlier state, so only a notice that the account changed, nothing invented.
    alone = adapt(binary, "--source", "crm.salesforce.cdc", "--json", "--jsonl", "-", input=lines.splitlines()[1] + "\n")
    notice = json.loads(alone.stdout)
    assert alone.returncode == 0 and notice["events"][0]["type"] == "finance.customer.changed", alone.stdout
    assert notice["events"][0]["data"]["change"] == "updated" and "legalName" not in notice["events"][0]["data"]
    # A contact has no notice: its update alone dead-letters.
    contact = dict(update, ChangeEventHeader=dict(update["ChangeEventHeader"], entityName="Contact"))
    unknown = adapt(binary, "--source", "crm.salesforce.cdc", "--json", "--jsonl", "-", input=json.dumps({"key": "003X", "value": contact}) + "\n")
    assert unknown.returncode == 1 and json.loads(unknown.stdout)["error"]["code"] == "adapter.state_unknown", unknown.stdout


def test_adapt_reads_binary_mode_cloudevents_and_reports_usage_errors(binary, tmp_path):
    data = tmp_path / "payout.json"
    data.write_text(open(os.path.join(ROOT, "contracts", "examples", "finance.payout.paid.v1.json")).read())
    headers = ["--header", "ce_specversion=1.0", "--header", "ce_id=1", "--header", "ce_source=urn:t",
               "--header", "ce_type=finance.payout.paid", "--header", "content-type=application/json"]
    r = adapt(binary, "--source", "events.cloudevents", "--json", *headers, str(data))
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["events"][0]["type"] == "finance.payout.paid"
    assert adapt(binary, "--source", "no.such.topic", str(data)).returncode == 2
    assert adapt(binary, "--source", "events.cloudevents").returncode == 2
    assert adapt(binary, "--source", "events.cloudevents", "--header", "novalue", str(data)).returncode == 2
