#!/usr/bin/env bash
# PyVRP peer benchmark: same Solomon files, same time limit as `skylane vrptw`.
# Not part of CI. Usage: bench/peers/pyvrp/run.sh [SECONDS] [SEED]
# Creates bench/peers/pyvrp/.venv on first use (needs PyPI).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
seconds="${1:-60}"
seed="${2:-1}"
if [ ! -x "$here/.venv/bin/python" ]; then
    python3 -m venv "$here/.venv"
    "$here/.venv/bin/pip" install --quiet pyvrp
fi
"$here/.venv/bin/pip" show pyvrp | grep -i '^version'
for inst in C101 C201 R101 R201 RC101; do
    start=$(date +%s.%N)
    last=$("$here/.venv/bin/python" "$here/solve.py" "$root/assets/solomon/$inst.txt" "$seconds" "$seed" | tail -n 1)
    end=$(date +%s.%N)
    printf '%s %s seconds %.1f seed %s\n' "$inst" "$last" "$(echo "$end - $start" | bc)" "$seed"
done
