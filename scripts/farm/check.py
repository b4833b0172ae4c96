#!/usr/bin/env python3
"""Compares a run's findings.jsonl with the farm's hand-written expectations (farm/expected.jsonl),
host by host; prints the mismatches and a count. Exit 1 when any site differs.
    scripts/farm/check.py RUN_DIR [--set bulk|scenario] [--farm DIR]"""
import argparse, json, sys
from pathlib import Path

ap = argparse.ArgumentParser()
ap.add_argument("run")
ap.add_argument("--set", default="bulk")
ap.add_argument("--farm", default=str(Path(__file__).resolve().parents[2] / "farm"))
args = ap.parse_args()
expected = {}
for line in open(Path(args.farm) / "expected.jsonl"):
    e = json.loads(line)
    if e["set"] == args.set:
        expected[e["domain"]] = e
seen, wrong = {}, []
for line in open(Path(args.run) / "findings.jsonl"):
    r = json.loads(line)
    seen[r["domain"]] = seen.get(r["domain"], 0) + 1
    e = expected.get(r["domain"])
    if e is None:
        continue
    got = {}
    # A mobile view's findings are expected under "host@mobile".
    key = lambda f: f["host"] + ("@" + f["view"] if f.get("view") else "")
    for f in r["findings"]:
        got.setdefault(key(f), []).append(f["code"])
    for host in e["hosts"]:
        if sorted(got.get(host, [])) != sorted(e["findings"].get(host, [])):
            details = [f["detail"] for f in r["findings"] if key(f) == host]
            wrong.append(f"{r['domain']} {host}: got {sorted(got.get(host, []))}, expected {sorted(e['findings'].get(host, []))} {details[:2]}")
missing = [d for d in expected if seen.get(d, 0) != 1]
for w in wrong[:20]:
    print(w)
print(f"{len(expected)} sites expected, {len(missing)} without exactly one record, {len(wrong)} hosts with other findings")
sys.exit(1 if wrong or missing else 0)
