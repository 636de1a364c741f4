#!/usr/bin/env python3
"""What promtool does not check about docker/prometheus/alerts.yml (run by Tests/prometheus/check):

- every alert has at least one unit test in which it fires (a non-empty exp_alerts);
- every alert has a `severity` of page, ticket or info, a summary, and a `runbook` annotation
  that is an `eventbridge` command: the command exists (`--help` exits 0) and every option the
  runbook uses is in its help.

    check_rules.py ALERTS_YML TESTS_YML EVENTBRIDGE_BIN
"""
import re
import subprocess
import sys

import yaml


def main():
    rules_path, tests_path, binary = sys.argv[1:4]
    with open(rules_path) as f:
        rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
    with open(tests_path) as f:
        tests = yaml.safe_load(f)["tests"]
    alerts = [r for r in rules if "alert" in r]
    fired = {case["alertname"] for t in tests for case in t.get("alert_rule_test", []) if case.get("exp_alerts")}
    problems = []
    for rule in alerts:
        name = rule["alert"]
        if name not in fired:
            problems.append(f"{name}: no unit test in {tests_path} shows it firing")
        if rule.get("labels", {}).get("severity") not in ("page", "ticket", "info"):
            problems.append(f"{name}: severity must be page, ticket or info")
        annotations = rule.get("annotations", {})
        if not annotations.get("summary"):
            problems.append(f"{name}: no summary annotation")
        runbook = annotations.get("runbook", "")
        words = runbook.split()
        if len(words) < 2 or words[0] != "eventbridge":
            problems.append(f"{name}: the runbook annotation must be an eventbridge command, got {runbook!r}")
            continue
        command = []
        for w in words[1:]:
            if w.startswith("-"):
                break
            command.append(w)
        helped = subprocess.run([binary, *command, "--help"], capture_output=True, text=True, timeout=30)
        if helped.returncode != 0:
            problems.append(f"{name}: runbook command 'eventbridge {' '.join(command)}' does not exist ({helped.stderr.strip()})")
            continue
        for option in re.findall(r"(?<!\S)(--[a-z][a-z-]*)", runbook):
            if option not in helped.stdout:
                problems.append(f"{name}: runbook option {option} is not an option of 'eventbridge {' '.join(command)}'")
    for p in problems:
        print(f"check_rules: {p}")
    if problems:
        return 1
    print(f"check_rules: {len(alerts)} alerts, each tested firing, with a severity and a runbook command that exists")
    return 0


if __name__ == "__main__":
    sys.exit(main())
