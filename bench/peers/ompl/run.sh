#!/usr/bin/env bash
# OMPL peer benchmark on skylane's city queries. Not part of CI (needs PyPI).
# Usage: bench/peers/ompl/run.sh SCENE.json OUTDIR [FIRST_N] [TIME_S]
#   SCENE.json from `skylane export-scene missions/monaco.ron -o SCENE.json`.
# Creates bench/peers/ompl/.venv on first use, checks the validity checker against the
# exact rule, runs RRTConnect and BIT* (TIME_S per query, default 1) over every query
# skylane solved (or the first FIRST_N queries of the scene), re-checks every path and
# prints the summary (also written to OUTDIR/summary.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scene="$1"
out="$2"
first="${3:-}"
limit="${4:-1.0}"
py="$here/.venv/bin/python"
if [ ! -x "$py" ]; then
    python3 -m venv "$here/.venv"
    "$here/.venv/bin/pip" install --quiet ompl==2.0.1 shapely==2.2.0 numpy==2.4.6
fi
"$here/.venv/bin/pip" show ompl | grep -i '^version'
mkdir -p "$out"
"$py" "$here/city.py" selftest "$scene"
extra=()
if [ -n "$first" ]; then extra=(--first "$first"); fi
for planner in rrtconnect bitstar; do
    "$py" "$here/city.py" solve "$scene" --planner "$planner" --time "$limit" --check \
        --csv "$out/$planner.csv" "${extra[@]}"
done
"$py" "$here/city.py" summary "$scene" "$out/rrtconnect.csv" "$out/bitstar.csv" \
    | tee "$out/summary.md"
