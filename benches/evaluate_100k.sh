#!/usr/bin/env bash
# Batch evaluation at scale: a synthetic file of N past visits (default 100 000) replayed under
# the BM25 baseline and the default configuration, with the itinerary sample at its default.
#
#   bash benches/evaluate_100k.sh [N]
#
# Generates the visits once (cached under the build directory, same generator and seed as the
# fixture), runs `visitmatch evaluate` on a fresh data directory, and prints the wall-clock
# time and peak RSS measured by GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
target=${CARGO_TARGET_DIR:-target}
work="$target/bench-data"
mkdir -p "$work"
cargo build --release --locked --bin visitmatch >&2
visits="$work/visits-$count.csv"
[ -f "$visits" ] || python3 fixtures/past_visits/generate.py --count "$count" --out "$visits" >&2
data="$work/evaluate-data"
out="$work/evaluate-report-$count"
rm -rf "$out"
"$target/release/visitmatch" --data-dir "$data" index rebuild >/dev/null 2>&1 || true
/usr/bin/time -v "$target/release/visitmatch" --data-dir "$data" evaluate --visits "$visits" --out "$out" \
  2> "$work/evaluate-time-$count.txt" | tail -8
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$work/evaluate-time-$count.txt"
