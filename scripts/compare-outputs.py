#!/usr/bin/env python3
"""Checks that a refactor left the planner's behaviour unchanged.

Plans every shipped mission (missions/*.ron, except the generated big days) with two
`skylane` binaries and compares the output sets:

- plan.ron and flights.geojson byte for byte, except for fields the second binary adds
  (given with --new-field, e.g. `promised_s`), which are removed before comparing;
- timeline.csv cell for cell, except for the columns given with --ignore-column (e.g.
  `reason`, filled in by the newer code) and the columns the second binary adds.

Usage: scripts/compare-outputs.py OLD_SKYLANE NEW_SKYLANE [--new-field F]...
       [--ignore-column C]... [--missions FILE...]
Exit code 0 when every mission compares equal, 1 otherwise.
"""
import argparse
import csv
import io
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def plan(binary, mission, out):
    run = subprocess.run([binary, "plan", str(mission), "-o", str(out), "-q", "--no-cache"],
                         capture_output=True, text=True)
    if run.returncode not in (0, 1):  # 1: some orders rejected, still a plan
        sys.exit(f"{binary} plan {mission} failed ({run.returncode}):\n{run.stderr}")


def strip_fields(text, fields):
    for f in fields:
        # RON writes an Option<f64> as `f: Some(x),` (pretty or compact).
        text = re.sub(r"\s*\b" + re.escape(f) + r": *(Some\([^()]*\)|[-0-9.e+]+|None),?", "", text)
    return text


def table(text, drop):
    rows = list(csv.reader(io.StringIO(text)))
    keep = [i for i, name in enumerate(rows[0]) if name not in drop]
    return [[r[i] for i in keep] for r in rows]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--new-field", action="append", default=[])
    ap.add_argument("--ignore-column", action="append", default=[])
    ap.add_argument("--missions", nargs="*")
    a = ap.parse_args()
    missions = [pathlib.Path(m) for m in a.missions] if a.missions else sorted(
        p for p in (ROOT / "missions").glob("*.ron"))
    same = True
    with tempfile.TemporaryDirectory() as tmp:
        for m in missions:
            o, n = pathlib.Path(tmp, m.stem, "old"), pathlib.Path(tmp, m.stem, "new")
            plan(a.old, m, o)
            plan(a.new, m, n)
            checks = []
            for name in ["plan.ron", "flights.geojson"]:
                old = (o / name).read_text()
                new = strip_fields((n / name).read_text(), a.new_field)
                checks.append((name, old == new))
            old_t = (o / "timeline.csv").read_text()
            new_t = (n / "timeline.csv").read_text()
            added = set(next(csv.reader(io.StringIO(new_t)))) - set(
                next(csv.reader(io.StringIO(old_t))))
            drop = set(a.ignore_column) | added
            checks.append(("timeline.csv", table(old_t, drop) == table(new_t, drop)))
            for name, ok in checks:
                print(f"{m.name:24} {name:16} {'same' if ok else 'DIFFERENT'}")
                same &= ok
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
