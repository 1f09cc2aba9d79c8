#!/usr/bin/env bash
# Every test: cargo's unit, property and integration tests (and the benchmarks compiled); then schemathesis against the running
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
bash .ci/schemathesis.sh "$target/debug/visitmatch"
bash .ci/browser.sh "$target/debug/visitmatch"
