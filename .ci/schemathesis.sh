#!/usr/bin/env bash
# Hostile-input test of the HTTP API: schemathesis generates requests from the served OpenAPI
# document (valid, invalid and edge-case data for every operation) against the real server on
# 127.0.0.1, with an admin token so the write routes are reached too. Fails on any server error
# (5xx), any undocumented status code or media type, and any response that violates its schema.
#
#   bash .ci/schemathesis.sh [PATH-TO-visitmatch-BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
bin=${1:-$target/debug/visitmatch}
[ -x "$bin" ] || cargo build --locked --bin visitmatch
examples=${SCHEMATHESIS_MAX_EXAMPLES:-30}

# Schemathesis from PyPI, pinned, in a virtual environment kept between runs when possible.
venv="${XDG_CACHE_HOME:-$HOME/.cache}/visitmatch/schemathesis-venv"
if [ ! -x "$venv/bin/schemathesis" ]; then
  rm -rf "$venv"   # a half-made or dangling environment from an earlier run
  # Debian's python3 needs python3-venv for this; install it when we may.
  python3 -m venv "$venv" 2>/dev/null || {
    if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
      apt-get install -y -qq python3-venv > /dev/null && python3 -m venv "$venv"
    else
      echo "python3 -m venv failed; install python3-venv" >&2
      exit 1
    fi
  }
  "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
fi

source .ci/server.sh
start_server "$bin" schemathesis

status=0
# One worker: Hypothesis, which generates the cases, is not safe to share between threads
# (two workers once gave a spurious "inconsistent results" error in its own example drawing).
SCHEMATHESIS_HOOKS="$PWD/.ci/schemathesis_hooks.py" "$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$examples" --workers 1 --seed 1 --no-color --generation-database none \
  --request-timeout 60 || status=$?
if grep -q "panicked" "$work/server.log"; then
  echo "the server panicked during the run:" >&2
  grep -A5 "panicked" "$work/server.log" >&2
  status=1
fi
exit $status
