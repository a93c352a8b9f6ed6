#!/usr/bin/env bash
# Load time of the tracking page for a whole day in headless Chromium (not a timed test).
# Usage: bench/tracking-page/run.sh [MISSION] [RUNS]   (default missions/monaco-day.ron, 5)
# Plans the mission, exports tracking.html, loads it RUNS times from disk and prints the
# page's own measure: ms from navigation start until the map and the order panel are
# drawn (load_ms), and the script's share (script_ms).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
mission="${1:-missions/monaco-day.ron}"
runs="${2:-5}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cd "$root"
cargo run --release -q -p skylane -- plan "$mission" -o "$out/plan" -q > /dev/null || true
cargo run --release -q -p skylane -- export "$out/plan/plan.ron" --format tracking -o "$out/page"
ls -l "$out/page/tracking.html" | awk '{printf "page_bytes %s\n", $5}'
for _ in $(seq "$runs"); do
    chromium --headless --no-sandbox --disable-gpu --dump-dom \
        "file://$out/page/tracking.html#order=M0001" 2>/dev/null \
        | grep -o 'data-load-ms="[0-9]*" data-script-ms="[0-9]*"' \
        | sed 's/data-load-ms="\([0-9]*\)" data-script-ms="\([0-9]*\)"/load_ms \1 script_ms \2/'
done
