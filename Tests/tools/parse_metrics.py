#!/usr/bin/env python3
"""Parses Prometheus text exposition (0.0.4) with the reference Python parser and prints JSON.

    parse_metrics.py                      read the text from stdin
    parse_metrics.py http://HOST:PORT/metrics   fetch it (checks status 200 and the content type)

Output: {"family": {"type": ..., "help": ..., "samples": [{"name", "labels", "value"}]}}.
Values that JSON cannot carry (+Inf, -Inf, NaN) are printed as strings. Exit 1 when the text
does not parse or the fetch fails, with the reason on stderr.
"""
import json
import math
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

EXPECTED_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def read_text(argv):
    if len(argv) < 2 or argv[1] == "-":
        return sys.stdin.read()
    with urllib.request.urlopen(argv[1], timeout=10) as response:
        if response.status != 200:
            raise ValueError(f"status {response.status}")
        content_type = response.headers.get("Content-Type", "")
        if content_type != EXPECTED_CONTENT_TYPE:
            raise ValueError(f"content type {content_type!r}, expected {EXPECTED_CONTENT_TYPE!r}")
        return response.read().decode("utf-8")


def value(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return v


def main(argv):
    try:
        text = read_text(argv)
        families = {}
        for family in text_string_to_metric_families(text):
            if family.name in families:
                raise ValueError(f"family {family.name} appears twice")
            families[family.name] = {
                "type": family.type,
                "help": family.documentation,
                "samples": [{"name": s.name, "labels": s.labels, "value": value(s.value)} for s in family.samples],
            }
    except Exception as error:  # report any parse or fetch failure as one line
        print(f"parse_metrics: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    json.dump(families, sys.stdout, sort_keys=True, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
