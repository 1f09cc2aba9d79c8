#!/usr/bin/env bash
# Every test: cargo's unit, property and integration tests (and the benchmarks compiled); then the
# TOPTW feasibility subset; then schemathesis against the running
# server's OpenAPI document; then the officers' page in headless Chromium. The last two install
# what they need on first use (schemathesis from PyPI, Chromium from Debian, playwright-core
# from npm).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked
# The benchmarks are not run here (their figures come from a release build, see benches/README.md),
# but they must keep compiling against the crate.
cargo test --locked --benches --no-run
target=${CARGO_TARGET_DIR:-target}
# TOPTW feasibility: a few benchmark rows at a short limit, every route re-checked by the script
# with the benchmark's own rule (the quality figures come from benches/toptw.py on every row).
toptw_out=$(mktemp)
python3 benches/toptw.py --binary "$target/debug/visitmatch" --seconds 0.5 \
    --bench-dir tests/data/toptw --instances-dir tests/data/toptw --out "$toptw_out"
rm -f "$toptw_out"
bash .ci/schemathesis.sh "$target/debug/visitmatch"
bash .ci/browser.sh "$target/debug/visitmatch"
