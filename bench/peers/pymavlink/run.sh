#!/usr/bin/env bash
# pymavlink peer check of `skylane export`: loads every exported mission with pymavlink.
# Not part of CI. Usage: bench/peers/pymavlink/run.sh PLAN.ron OUTDIR
# Creates bench/peers/pymavlink/.venv on first use (needs PyPI).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
plan="$(realpath "$1")"
out="$(realpath -m "$2")"
if [ ! -x "$here/.venv/bin/python" ]; then
    python3 -m venv "$here/.venv"
    "$here/.venv/bin/pip" install --quiet pymavlink
fi
"$here/.venv/bin/pip" show pymavlink | grep -i '^version'
(cd "$root" && cargo run --release -q -p skylane -- export "$plan" --format waypoints -o "$out/waypoints")
(cd "$root" && cargo run --release -q -p skylane -- export "$plan" --format qgc-plan -o "$out/qgc-plan")
"$here/.venv/bin/python" "$here/check.py" "$out/waypoints" "$out/qgc-plan"
