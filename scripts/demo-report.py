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
released = db.execute("SELECT l.type, count(*) FROM ledger l WHERE l.note LIKE 'released when %' GROUP BY l.type").fetchall()
waiting = db.execute("SELECT type, prerequisite, count(*) FROM parked GROUP BY type, prerequisite ORDER BY prerequisite").fetchall()
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
print("\nreadiness gating (invoices wait for their customer's finance.customer.ready):")
for type_, n in released:
    print(f"  {type_}: {n} arrived before their customer was ready, were parked, and were released once it was")
if waiting:
    customers = sorted({p.split("|", 1)[1] for _, p, _ in waiting})
    print(f"  still parked: {sum(n for _, _, n in waiting)} event(s) of {len(customers)} customer(s) not ready yet "
          f"({', '.join(customers[:3])}{', …' if len(customers) > 3 else ''}); see `eventbridge parked list`")
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
