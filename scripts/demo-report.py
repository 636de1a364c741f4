#!/usr/bin/env python3
"""Prints the demo's report from the bridge's outcome ledger: per source topic and event type,
what came in and what became of it; the DLQ by error code; the rate the bridge sustained."""
import collections
import datetime
import json
import sqlite3
import sys

store, log_path = sys.argv[1], sys.argv[2]
db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
rows = db.execute("SELECT p.topic, l.type, l.outcome, l.error_code, l.at FROM ledger l JOIN partitions p ON p.id = l.part").fetchall()
db.close()

table = collections.defaultdict(collections.Counter)
codes = collections.defaultdict(collections.Counter)
for topic, type_, outcome, code, _ in rows:
    key = (topic, type_ or "-")
    table[key]["in"] += 1
    table[key][outcome] += 1
    if code:
        codes[topic][code] += 1

cols = ["in", "published", "duplicate", "filtered", "parked", "dead_lettered"]
width = max(len(f"{t}  {ty}") for t, ty in table) + 2
print(f"{'source topic / event type':<{width}}" + "".join(f"{c:>14}" for c in cols))
for (topic, type_) in sorted(table):
    c = table[(topic, type_)]
    print(f"{topic + '  ' + type_:<{width}}" + "".join(f"{c[col]:>14}" for col in cols))
totals = collections.Counter()
for c in table.values():
    totals.update(c)
print(f"{'total':<{width}}" + "".join(f"{totals[col]:>14}" for col in cols))
conserved = totals["in"] == sum(totals[c] for c in cols[1:])
print(f"\nconservation: inputs {totals['in']} = published {totals['published']} + duplicate {totals['duplicate']}"
      f" + filtered {totals['filtered']} + parked {totals['parked']} + dead-lettered {totals['dead_lettered']}"
      f" -> {'holds' if conserved else 'BROKEN'}")
print("\ndead-lettered by code:")
for topic in sorted(codes):
    print(f"  {topic}: " + ", ".join(f"{code} ×{n}" for code, n in codes[topic].most_common()))

assigned = None
for line in open(log_path, errors="replace"):
    try:
        entry = json.loads(line)
    except ValueError:
        continue
    if entry.get("message") == "partitions assigned" and assigned is None:
        assigned = datetime.datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).timestamp()
last = max(r[4] for r in rows) / 1000 if rows else None
if assigned and last and last > assigned:
    print(f"\nthroughput: {totals['in']} inputs in {last - assigned:.2f}s after the group join "
          f"= {totals['in'] / (last - assigned):,.0f} events/s (release build, one instance, this machine)")
sys.exit(0 if conserved else 1)
