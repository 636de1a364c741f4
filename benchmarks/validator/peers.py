#!/usr/bin/env python3
"""Python peers for ValidatorBench: validates the same documents against the same schema.

    peers.py --impl fastjsonschema|jsonschema --dir DIR

DIR holds docs.jsonl (one document per line), schema.json (the contract schema) and
formats.json (ISO 4217 currencies and ISO 3166 countries, as the Swift validator knows them).
Parsing is not timed (as on the Swift side): documents are json.loads'ed first, then one untimed
warm-up pass and one timed pass validate every document. Prints one JSON object.

Formats: the contract asserts date, date-time, uuid, email, money, currency and country. Both
peers get equivalent checks registered for all seven (the same Python callables), so they do the
same work as the Swift validator with format assertion on.
"""
import argparse, datetime, json, re, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--impl", required=True, choices=["fastjsonschema", "jsonschema"])
ap.add_argument("--dir", required=True)
args = ap.parse_args()

with open(f"{args.dir}/schema.json") as f:
    schema = json.load(f)
with open(f"{args.dir}/formats.json") as f:
    iso = json.load(f)
with open(f"{args.dir}/docs.jsonl") as f:
    docs = [json.loads(line) for line in f if line.strip()]

CURRENCIES = frozenset(iso["currencies"])
COUNTRIES = frozenset(iso["countries"])
MONEY = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_money(s):
    return not isinstance(s, str) or (MONEY.match(s) is not None and sum(c.isdigit() for c in s) <= 38)


def is_date(s):
    if not isinstance(s, str):
        return True
    m = DATE.match(s)
    if not m:
        return False
    try:
        datetime.date(int(m[1]), int(m[2]), int(m[3]))
        return True
    except ValueError:
        return False


def is_date_time(s):
    if not isinstance(s, str):
        return True
    m = DATE_TIME.match(s)
    if not m:
        return False
    try:
        datetime.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return int(m[4]) < 24 and int(m[5]) < 60 and int(m[6]) < 61


FORMATS = {
    "money": is_money,
    "currency": lambda s: not isinstance(s, str) or s in CURRENCIES,
    "country": lambda s: not isinstance(s, str) or s in COUNTRIES,
    "date": is_date,
    "date-time": is_date_time,
    "uuid": lambda s: not isinstance(s, str) or UUID.match(s) is not None,
    "email": lambda s: not isinstance(s, str) or EMAIL.match(s) is not None,
}

if args.impl == "fastjsonschema":
    import fastjsonschema
    # fastjsonschema implements drafts 4/6/7; the contract only uses keywords whose meaning is the
    # same in draft 7 (its $refs are JSON Pointers into $defs), so it is compiled as draft 7.
    s = dict(schema)
    s["$schema"] = "http://json-schema.org/draft-07/schema#"
    validate = fastjsonschema.compile(s, formats=FORMATS)

    def is_valid(d):
        try:
            validate(d)
            return True
        except fastjsonschema.JsonSchemaException:
            return False
else:
    import jsonschema
    checker = jsonschema.FormatChecker(formats=())
    for name, fn in FORMATS.items():
        checker.checks(name)(fn)
    validator = jsonschema.Draft202012Validator(schema, format_checker=checker)
    is_valid = validator.is_valid

for d in docs:
    if not is_valid(d):
        print(json.dumps({"impl": args.impl, "error": "a document is invalid"}))
        sys.exit(1)
start = time.perf_counter()
valid = sum(1 for d in docs if is_valid(d))
seconds = time.perf_counter() - start
print(json.dumps({"impl": args.impl, "n": len(docs), "valid": valid, "seconds": seconds, "docs_per_s": len(docs) / seconds}))
sys.exit(0 if valid == len(docs) else 1)
