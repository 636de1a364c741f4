#!/usr/bin/env python3
"""Structural checks of the docker deployment that no schema can make (run by docker/check).

    check.py REPO_ROOT CONFIG_CHECK_JSON

CONFIG_CHECK_JSON is the output of `eventbridge config check docker/bridge.json --json`: the
topics the bridge will use, as the bridge itself reads its config. Prints one line per problem
and exits 1 if there is any; prints a summary and exits 0 otherwise.
"""
import json
import os
import re
import subprocess
import sys

import yaml

problems = []


def problem(message):
    problems.append(message)


def check_compose(compose, config_check):
    services = compose.get("services", {})
    for name in ("kafka", "kafka-init", "bridge"):
        if name not in services:
            problem(f"compose: service {name} is missing")
    if problems:
        return
    kafka, init, bridge = services["kafka"], services["kafka-init"], services["bridge"]

    # Kafka: the pinned image in KRaft mode, healthy before anyone uses it.
    if kafka.get("image") != "apache/kafka:3.9.0":
        problem(f"compose: kafka image is {kafka.get('image')!r}, expected apache/kafka:3.9.0")
    env = kafka.get("environment", {})
    for key in ("KAFKA_NODE_ID", "KAFKA_PROCESS_ROLES", "KAFKA_LISTENERS", "KAFKA_ADVERTISED_LISTENERS",
                "KAFKA_CONTROLLER_LISTENER_NAMES", "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"):
        if key not in env:
            problem(f"compose: kafka lacks {key} (KRaft needs it)")
    if set(str(env.get("KAFKA_PROCESS_ROLES", "")).split(",")) != {"broker", "controller"}:
        problem("compose: kafka must run as broker,controller (single-node KRaft)")
    node_id = str(env.get("KAFKA_NODE_ID"))
    if not str(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS", "")).startswith(f"{node_id}@kafka:"):
        problem("compose: the controller quorum voter must be this node (NODE_ID@kafka:PORT)")
    if "PLAINTEXT://kafka:9092" not in str(env.get("KAFKA_ADVERTISED_LISTENERS", "")):
        problem("compose: kafka must advertise PLAINTEXT://kafka:9092 to the compose network")
    if "healthcheck" not in kafka:
        problem("compose: kafka needs a healthcheck (the others wait for service_healthy)")

    # kafka-init: same image, waits for a healthy broker, creates exactly the bridge's topics.
    if init.get("image") != kafka.get("image"):
        problem("compose: kafka-init should use the kafka image (it runs kafka-topics.sh)")
    if init.get("depends_on", {}).get("kafka", {}).get("condition") != "service_healthy":
        problem("compose: kafka-init must depend on kafka with condition service_healthy")
    init_env = init.get("environment", {})
    declared = {
        "SOURCE_TOPICS": {s["topic"] for s in config_check["sources"]},
        "DLQ_TOPICS": {s["dlq"] for s in config_check["sources"]},
        "SUBSCRIBER_TOPICS": {s["topic"] for s in config_check["subscribers"]},
    }
    for key, wanted in declared.items():
        have = set(str(init_env.get(key, "")).split())
        if have != wanted:
            problem(f"compose: kafka-init {key} is {sorted(have)}, docker/bridge.json uses {sorted(wanted)}")
    script = "\n".join(init.get("command", [])).replace("$$", "$")
    if "--if-not-exists" not in script:
        problem("compose: kafka-init must create topics with --if-not-exists (it runs on every up)")
    syntax = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
    if syntax.returncode != 0:
        problem(f"compose: kafka-init script does not parse: {syntax.stderr.strip()}")

    # bridge: built here, waits for kafka and the topics, config mounted, store on a volume.
    build = bridge.get("build", {})
    if not str(build.get("dockerfile", "")).endswith("docker/Dockerfile"):
        problem("compose: bridge must be built from docker/Dockerfile")
    deps = bridge.get("depends_on", {})
    if deps.get("kafka", {}).get("condition") != "service_healthy":
        problem("compose: bridge must depend on kafka with condition service_healthy")
    if deps.get("kafka-init", {}).get("condition") != "service_completed_successfully":
        problem("compose: bridge must depend on kafka-init with condition service_completed_successfully")
    command = bridge.get("command", [])
    config_path = command[command.index("--config") + 1] if "--config" in command else "/etc/eventbridge/bridge.json"
    mounts = {v.get("target"): v for v in bridge.get("volumes", [])}
    config_mount = mounts.get(config_path)
    if not config_mount or not str(config_mount.get("source", "")).endswith("docker/bridge.json"):
        problem(f"compose: docker/bridge.json must be mounted at {config_path}")
    elif not config_mount.get("read_only"):
        problem("compose: the config mount should be read-only")
    store = mounts.get("/var/lib/eventbridge")
    if not store or store.get("type") != "volume" or store.get("source") not in compose.get("volumes", {}):
        problem("compose: the store directory /var/lib/eventbridge needs a named volume")
    published = bridge.get("ports", [])
    if not any(str(p.get("target")) == "9464" for p in published):
        problem("compose: the bridge's metrics port 9464 is not published")

    # Every published port of every service on the host's loopback only.
    for name, service in services.items():
        for port in service.get("ports", []):
            if port.get("host_ip") != "127.0.0.1":
                problem(f"compose: {name} publishes {port.get('published')} on {port.get('host_ip') or 'all interfaces'}, not 127.0.0.1")


def check_observability(compose, root):
    """Prometheus and Grafana beside the bridge: pinned images, the shipped rules and dashboard
    mounted where their configs look for them, the scrape target the bridge's metrics port, and
    every dashboard panel on the provisioned datasource."""
    services = compose.get("services", {})
    for name in ("prometheus", "grafana"):
        if name not in services:
            problem(f"compose: service {name} is missing")
    if "prometheus" not in services or "grafana" not in services:
        return
    prometheus, grafana = services["prometheus"], services["grafana"]
    for name, service, repo in (("prometheus", prometheus, "prom/prometheus"), ("grafana", grafana, "grafana/grafana")):
        image = str(service.get("image", ""))
        if not re.fullmatch(rf"{re.escape(repo)}:v?\d+\.\d+\.\d+", image):
            problem(f"compose: {name} image is {image!r}, expected {repo} pinned to a version")

    def mounts(service):
        return {v.get("target"): v for v in service.get("volumes", [])}

    def mounted(service, target, source):
        m = mounts(service).get(target)
        if not m or os.path.realpath(str(m.get("source", ""))) != os.path.realpath(os.path.join(root, source)):
            problem(f"compose: {source} must be mounted at {target}")
        elif m.get("type") == "bind" and not m.get("read_only"):
            problem(f"compose: {source} should be mounted read-only")

    command = prometheus.get("command", [])
    config_file = next((c.split("=", 1)[1] for c in command if c.startswith("--config.file=")), "/etc/prometheus/prometheus.yml")
    mounted(prometheus, config_file, "docker/prometheus/prometheus.yml")
    with open(os.path.join(root, "docker/prometheus/prometheus.yml")) as f:
        prom_config = yaml.safe_load(f)
    for rule_file in prom_config.get("rule_files", []):
        target = rule_file if rule_file.startswith("/") else os.path.join(os.path.dirname(config_file), rule_file)
        mounted(prometheus, target, "docker/prometheus/" + os.path.basename(rule_file))
    if "alerts.yml" not in [os.path.basename(r) for r in prom_config.get("rule_files", [])]:
        problem("docker/prometheus/prometheus.yml: rule_files must load alerts.yml")
    with open(os.path.join(root, "docker/bridge.json")) as f:
        metrics_port = json.load(f).get("metrics", {}).get("address", "127.0.0.1:9464").rsplit(":", 1)[-1]
    jobs = {j.get("job_name"): j for j in prom_config.get("scrape_configs", [])}
    targets = [t for sc in jobs.get("eventbridge", {}).get("static_configs", []) for t in sc.get("targets", [])]
    if f"bridge:{metrics_port}" not in targets:
        problem(f"docker/prometheus/prometheus.yml: job eventbridge must scrape bridge:{metrics_port}, has {targets}")
    store = mounts(prometheus).get("/prometheus")
    if not store or store.get("type") != "volume":
        problem("compose: prometheus needs a named volume at /prometheus (its TSDB)")

    # Grafana: provisioning, the dashboard where the provider reads it, the datasource every panel names.
    mounted(grafana, "/etc/grafana/provisioning", "docker/grafana/provisioning")
    with open(os.path.join(root, "docker/grafana/provisioning/dashboards/eventbridge.yml")) as f:
        providers = yaml.safe_load(f).get("providers", [])
    paths = [p.get("options", {}).get("path") for p in providers]
    if len(paths) != 1 or not paths[0]:
        problem("docker/grafana/provisioning/dashboards/eventbridge.yml: one file provider with options.path")
        return
    mounted(grafana, paths[0].rstrip("/") + "/eventbridge.json", "docker/grafana/eventbridge.json")
    home = grafana.get("environment", {}).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
    if home and home != paths[0].rstrip("/") + "/eventbridge.json":
        problem(f"compose: GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH {home} is not the mounted dashboard")
    with open(os.path.join(root, "docker/grafana/provisioning/datasources/prometheus.yml")) as f:
        datasources = yaml.safe_load(f).get("datasources", [])
    uids = {d.get("uid") for d in datasources if d.get("type") == "prometheus"}
    port = str(next((p.get("target") for p in prometheus.get("ports", [])), "9090"))
    if not any(d.get("url") == f"http://prometheus:{port}" for d in datasources):
        problem(f"grafana datasource: url must be http://prometheus:{port} (the compose service)")
    check_dashboard(os.path.join(root, "docker/grafana/eventbridge.json"), uids)


def check_dashboard(path, datasource_uids):
    """The dashboard's structure (its queries are checked against the bridge's metrics by the e2e test)."""
    with open(path) as f:
        dashboard = json.load(f)
    if not dashboard.get("uid") or not dashboard.get("title"):
        problem("eventbridge.json: needs a uid and a title")
    ids, cells = set(), {}
    for panel in dashboard.get("panels", []):
        title = panel.get("title", "?")
        if panel.get("id") in ids:
            problem(f"eventbridge.json: panel id {panel.get('id')} is used twice")
        ids.add(panel.get("id"))
        g = panel.get("gridPos", {})
        if g.get("x", 0) + g.get("w", 0) > 24 or g.get("w", 0) <= 0 or g.get("h", 0) <= 0:
            problem(f"eventbridge.json: panel {title!r} has gridPos {g} outside the 24 columns")
        for x in range(g.get("x", 0), g.get("x", 0) + g.get("w", 0)):
            for y in range(g.get("y", 0), g.get("y", 0) + g.get("h", 0)):
                if (x, y) in cells:
                    problem(f"eventbridge.json: panels {cells[(x, y)]!r} and {title!r} overlap")
                    break
                cells[(x, y)] = title
            else:
                continue
            break
        if panel.get("type") == "row":
            continue
        targets = panel.get("targets", [])
        if not targets or not all(t.get("expr") for t in targets):
            problem(f"eventbridge.json: panel {title!r} has no query")
        for ds in [panel.get("datasource")] + [t.get("datasource") for t in targets]:
            if not ds or ds.get("uid") not in datasource_uids:
                problem(f"eventbridge.json: panel {title!r} uses datasource {ds}, not the provisioned one {sorted(datasource_uids)}")
                break


def check_bridge_config(root):
    """docker/bridge.json is examples/bridge.json with only the deployment-specific keys changed."""
    with open(os.path.join(root, "examples/bridge.json")) as f:
        example = json.load(f)
    with open(os.path.join(root, "docker/bridge.json")) as f:
        docker = json.load(f)
    overridden = {"$comment", "groupId", "contracts", "mappings", "store.path", "kafka.bootstrap.servers", "metrics.address"}

    def flatten(value, prefix=""):
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                out.update(flatten(v, f"{prefix}{k}."))
            return out
        return {prefix[:-1]: value}

    a, b = flatten(example), flatten(docker)
    for key in sorted(set(a) | set(b)):
        if key not in overridden and a.get(key) != b.get(key):
            problem(f"docker/bridge.json: {key} differs from examples/bridge.json ({b.get(key)!r} vs {a.get(key)!r})")
    if b.get("kafka.bootstrap.servers") != "kafka:9092":
        problem("docker/bridge.json: kafka.bootstrap.servers must be kafka:9092")
    if not str(b.get("metrics.address", "")).startswith("0.0.0.0:"):
        problem("docker/bridge.json: metrics.address must bind 0.0.0.0 inside the container (compose publishes it on 127.0.0.1)")
    for key, prefix in (("contracts", "/usr/share/eventbridge/"), ("mappings", "/usr/share/eventbridge/"),
                        ("store.path", "/var/lib/eventbridge/")):
        if not str(b.get(key, "")).startswith(prefix):
            problem(f"docker/bridge.json: {key} must be under {prefix} (where the image puts it)")


def check_dockerfile(root):
    with open(os.path.join(root, "docker/Dockerfile")) as f:
        text = f.read()
    joined = re.sub(r"\\\n", " ", text)
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", joined, re.M | re.I)
    if len(stages) != 2 or not stages[0][0].startswith("swift:") or stages[1][0] != "debian:bookworm-slim":
        problem(f"Dockerfile: expected a swift:* build stage and a debian:bookworm-slim runtime stage, got {stages}")
    if "scripts/setup --no-build" not in joined:
        problem("Dockerfile: the build stage must install dependencies with scripts/setup --no-build")
    if "--static-swift-stdlib" not in joined or "--product eventbridge" not in joined:
        problem("Dockerfile: build the eventbridge product with --static-swift-stdlib")
    # COPY sources from the context must exist and must not be excluded by the ignore file.
    with open(os.path.join(root, "docker/Dockerfile.dockerignore")) as f:
        ignore = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    for line in re.findall(r"^COPY\s+(?!--from)(.+)$", joined, re.M):
        sources = line.split()[:-1]
        for source in sources:
            if not os.path.exists(os.path.join(root, source)):
                problem(f"Dockerfile: COPY source {source} does not exist in the repository")
            if f"!{source.rstrip('/')}" not in [i.rstrip("/") for i in ignore]:
                problem(f"Dockerfile: COPY source {source} is not re-included in docker/Dockerfile.dockerignore")
    # The runtime stage installs the package of every library librdkafka links.
    runtime = joined.split("AS runtime", 1)[-1]
    if not re.search(r"^USER\s+(?!0\b|root\b)\S+", runtime, re.M):
        problem("Dockerfile: the runtime stage must switch to a non-root USER")
    for what in ('ENTRYPOINT ["eventbridge"]', 'CMD ["run", "--config", "/etc/eventbridge/bridge.json"]', "HEALTHCHECK"):
        if what not in runtime:
            problem(f"Dockerfile: the runtime stage lacks {what}")
    # The runtime stage installs the package of every library that librdkafka (and, after
    # `docker/check --build`, the release binary) links; libc6 and libgcc-s1 are in the base image.
    elves = ["/usr/local/lib/librdkafka.so.1"] + ([os.environ["RELEASE_BIN"]] if os.environ.get("RELEASE_BIN") else [])
    for elf in elves:
        ldd = subprocess.run(["ldd", elf], capture_output=True, text=True)
        if "not found" in ldd.stdout or ldd.returncode != 0:
            problem(f"ldd {elf}: unresolved libraries:\n{ldd.stdout}{ldd.stderr}")
        for path in re.findall(r"=>\s+(\S+)", ldd.stdout):
            if path.startswith("/usr/local/lib/librdkafka"):
                continue  # copied from the build stage
            package = debian_package(path)
            if not package:
                problem(f"Dockerfile: {elf} links {path}, which no Debian package owns")
            elif package not in ("libc6", "libgcc-s1") and not re.search(rf"\b{re.escape(package)}\b", runtime):
                problem(f"Dockerfile: {os.path.basename(elf)} needs {path} from {package}, which the runtime stage does not install")


def debian_package(path):
    """The Debian package owning a library path (merged /usr and symlinked sonames considered)."""
    real = os.path.realpath(path)
    candidates = []
    for p in (path, real):
        candidates += [p, p[4:] if p.startswith("/usr/") else "/usr" + p]
    for candidate in candidates:
        found = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout:
            return found.stdout.split(":")[0]
    return ""


def check_healthcheck(root):
    """Runs the image's HEALTHCHECK command (port swapped) against a local server: 200 → healthy."""
    import http.server
    import tempfile
    import threading

    with open(os.path.join(root, "docker/Dockerfile")) as f:
        joined = re.sub(r"\\\n", " ", f.read())
    found = re.search(r"^HEALTHCHECK\b.*?\bCMD\s+(\[.*\])\s*$", joined, re.M)
    if not found:
        problem("Dockerfile: no HEALTHCHECK CMD in exec form")
        return
    command = json.loads(found.group(1))
    with tempfile.TemporaryDirectory() as docroot:
        open(os.path.join(docroot, "healthz"), "w").write("ok\n")

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=docroot, **kwargs)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            port = str(server.server_address[1])
            healthy = subprocess.run([c.replace("9464", port) for c in command], capture_output=True, timeout=10)
            if healthy.returncode != 0:
                problem(f"HEALTHCHECK: reports unhealthy against a server answering 200 ({healthy.stderr.decode().strip()})")
            os.remove(os.path.join(docroot, "healthz"))
            unhealthy = subprocess.run([c.replace("9464", port) for c in command], capture_output=True, timeout=10)
            if unhealthy.returncode == 0:
                problem("HEALTHCHECK: reports healthy against a server answering 404")
        finally:
            server.shutdown()


def main():
    root, config_check_path = sys.argv[1], sys.argv[2]
    with open(config_check_path) as f:
        config_check = json.load(f)
    compose_json = subprocess.run(
        [os.environ.get("COMPOSE", "docker-compose"), "-f", os.path.join(root, "docker/compose.yaml"),
         "config", "--format", "json"], capture_output=True, text=True)
    if compose_json.returncode != 0:
        problem(f"compose: config failed: {compose_json.stderr.strip()}")
    else:
        resolved = json.loads(compose_json.stdout)
        check_compose(resolved, config_check)
        check_observability(resolved, root)
    # The raw YAML too: ports written as strings must name the loopback explicitly.
    with open(os.path.join(root, "docker/compose.yaml")) as f:
        raw = yaml.safe_load(f)
    for name, service in raw.get("services", {}).items():
        for port in service.get("ports", []):
            if isinstance(port, str) and not port.startswith("127.0.0.1:"):
                problem(f"compose.yaml: {name} port {port!r} must start with 127.0.0.1:")
    check_bridge_config(root)
    check_dockerfile(root)
    check_healthcheck(root)
    for p in problems:
        print(f"docker/check: {p}")
    if problems:
        return 1
    print("docker/check: compose structure, topics, config, Dockerfile, Prometheus and Grafana consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
