#!/usr/bin/env bash
# Match latency and memory over HTTP on loopback, at 1k, 10k and 100k bases.
#
#   bash benches/load_matches.sh [SIZES...]        (default: 1000 10000 100000)
#
# For each size: generate a scaled catalog (cached), import it with --replace into its own data
# directory (cached), start the release server on 127.0.0.1, send a bounded number of
# POST /v1/matches requests with examples/load_matches.rs, read the server's peak RSS
# (VmHWM), and stop the server. Prints one Markdown row per size.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 10000 100000)
requests=${REQUESTS:-2000}
concurrency=${CONCURRENCY:-2}
target=${CARGO_TARGET_DIR:-target}
work="$target/bench-data"
mkdir -p "$work"

cargo build --release --locked --bin visitmatch --example load_matches >&2
bin="$target/release/visitmatch"
load="$target/release/examples/load_matches"

echo "| bases | requests | concurrency | p50 ms | p95 ms | p99 ms | max ms | req/s | non-200 | peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
  data="$work/data-$n"
  if [ ! -f "$data/.imported" ]; then
    rm -rf "$data"
    "$bin" generate --count "$n" --out "$work/bases-$n.jsonl" >&2
    "$bin" --data-dir "$data" import --replace "$work/bases-$n.jsonl" >&2
    touch "$data/.imported"
  fi
  port=$((20000 + RANDOM % 20000))
  RUST_LOG=warn "$bin" --data-dir "$data" serve --addr "127.0.0.1:$port" >&2 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
  result=$("$load" "http://127.0.0.1:$port" "$requests" "$concurrency")
  rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  kill "$server"; wait "$server" 2>/dev/null || true
  python3 - "$n" "$rss_kb" "$result" <<'PY'
import json, sys
n, rss_kb, result = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
print(f"| {int(n):,} | {result['requests']} | {result['concurrency']} | {result['p50_ms']:.2f} | {result['p95_ms']:.2f} | "
      f"{result['p99_ms']:.2f} | {result['max_ms']:.2f} | {result['requests_per_s']:.0f} | {result['non_200']} | {rss_kb/1024:.0f} |")
PY
done
