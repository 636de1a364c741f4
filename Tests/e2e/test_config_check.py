"""`eventbridge config check` builds everything `run` builds — contracts, mappings, the adapters the
sources name, the librdkafka configurations of the producer and the consumer — without connecting,
and says "ok" only to a config that `run` accepts (docs/configuration.md)."""
import json
import os
import shutil
import subprocess

from conftest import ROOT


def run(binary, *args, timeout=60):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout)


def write_config(tmp_path, **changes):
    config = {
        "kafka": {"bootstrap.servers": "127.0.0.1:1"},
        "contracts": os.path.join(ROOT, "contracts"),
        "mappings": os.path.join(ROOT, "mappings"),
        "store": {"path": str(tmp_path / "store.sqlite")},
        "sources": [{"topic": "in", "source": "urn:test", "adapter": "stripe"}],
        "subscribers": [{"name": "gl", "topic": "out", "types": ["finance.*"]}],
        "metrics": {"enabled": False},
    }
    for key, value in changes.items():
        config[key] = value
    path = tmp_path / "bridge.json"
    path.write_text(json.dumps(config))
    return str(path)


def problems(result):
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    doc = json.loads(result.stdout)
    assert doc["valid"] is False
    return {p["path"]: p["message"] for p in doc["problems"]}


def test_a_good_config_is_ok_and_says_what_it_built(binary, tmp_path):
    r = run(binary, "config", "check", write_config(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "ok" in r.stdout and "contracts:" in r.stdout and "stripe" in r.stdout
    assert "catalog sha256:" in r.stdout


def test_unknown_adapter(binary, tmp_path):
    path = write_config(tmp_path, sources=[{"topic": "in", "source": "urn:test", "adapter": "no-such-adapter"}])
    found = problems(run(binary, "config", "check", path, "--json"))
    assert "/sources/0/adapter" in found and "no-such-adapter" in found["/sources/0/adapter"], found


def test_librdkafka_rejects_a_property(binary, tmp_path):
    path = write_config(tmp_path, kafka={"bootstrap.servers": "127.0.0.1:1", "no.such.property": "1", "acks": "sometimes",
                                         "sasl.password": "hunter2"})
    r = run(binary, "config", "check", path, "--json")
    found = problems(r)
    assert "/kafka/no.such.property" in found, found
    assert "/kafka/acks" in found, found
    assert "hunter2" not in r.stdout + r.stderr


def test_mapping_with_a_syntax_error(binary, tmp_path):
    mappings = tmp_path / "mappings"
    shutil.copytree(os.path.join(ROOT, "mappings"), str(mappings))
    (mappings / "broken.json").write_text('{"name": "broken", "rules": [')
    found = problems(run(binary, "config", "check", write_config(tmp_path, mappings=str(mappings)), "--json"))
    assert "/mappings" in found and "broken.json" in found["/mappings"], found


def test_missing_or_empty_contracts_directory(binary, tmp_path):
    found = problems(run(binary, "config", "check", write_config(tmp_path, contracts=str(tmp_path / "nowhere")), "--json"))
    assert "/contracts" in found, found
    empty = tmp_path / "empty"
    empty.mkdir()
    found = problems(run(binary, "config", "check", write_config(tmp_path, contracts=str(empty)), "--json"))
    assert "/contracts" in found and "no contracts" in found["/contracts"], found


def test_run_refuses_what_check_refuses(binary, tmp_path):
    """`run` exits 2 before it touches the broker or the store: an empty catalog would dead-letter
    every event as contract.unknown_type; an unknown librdkafka property is an error, not a warning."""
    empty = tmp_path / "empty"
    empty.mkdir()
    for config in [write_config(tmp_path, contracts=str(empty)),
                   write_config(tmp_path, kafka={"bootstrap.servers": "127.0.0.1:1", "no.such.property": "1"})]:
        r = run(binary, "run", "--config", config, timeout=30)
        assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
        assert not os.path.exists(tmp_path / "store.sqlite"), "run opened the store before checking the config"


def test_deprecations_are_printed(binary, tmp_path):
    r = run(binary, "config", "check", write_config(tmp_path, retry={"maxAttempts": 3}))
    assert r.returncode == 0, r.stderr
    assert "/retry/maxAttempts" in r.stdout + r.stderr and "/dlq/replay/maxAttempts" in r.stdout + r.stderr
    doc = json.loads(run(binary, "config", "check", write_config(tmp_path, retry={"maxAttempts": 3}), "--json").stdout)
    assert doc["valid"] is True and doc["warnings"][0]["path"] == "/retry/maxAttempts"
