#!/usr/bin/env bash
# Mixed load over HTTP on loopback against the release server on the embedded default data:
# searches, reads, matches, plans, malformed bodies and conditional admin writes.
#
#   bash benches/load_mixed.sh [REQUESTS] [CONCURRENCY]      (default: 5000 8)
#
# Starts the server on 127.0.0.1 with a fresh data directory and an admin token, sends exactly
# REQUESTS requests with examples/load_mixed.rs, prints its JSON report and the server's peak
# RSS, and stops the server. Exits non-zero on any server error.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-5000}
concurrency=${2:-8}
target=${CARGO_TARGET_DIR:-target}
cargo build --release --locked --bin visitmatch --example load_mixed >&2
bin="$target/release/visitmatch"
source .ci/server.sh
start_server "$bin" load
"$target/release/examples/load_mixed" "http://127.0.0.1:$port" "$requests" "$concurrency" "$token"
echo "server peak RSS: $(grep VmHWM /proc/$server_pid/status | awk '{print int($2/1024)}') MB"
