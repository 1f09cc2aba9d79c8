#!/usr/bin/env bash
# Every test: cargo's unit, property and integration tests; then schemathesis against the running
# server's OpenAPI document; then the officers' page in headless Chromium. The last two install
# what they need on first use (schemathesis from PyPI, Chromium from Debian, playwright-core
# from npm).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked
target=${CARGO_TARGET_DIR:-target}
bash .ci/schemathesis.sh "$target/debug/visitmatch"
bash .ci/browser.sh "$target/debug/visitmatch"
