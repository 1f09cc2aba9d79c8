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
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
token=$("$bin" --data-dir "$work/data" token create --role admin --name load 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUST_LOG=warn "$bin" --data-dir "$work/data" serve --addr "127.0.0.1:$port" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break
  sleep 0.1
done
"$target/release/examples/load_mixed" "http://127.0.0.1:$port" "$requests" "$concurrency" "$token"
echo "server peak RSS: $(grep VmHWM /proc/$server_pid/status | awk '{print int($2/1024)}') MB"
