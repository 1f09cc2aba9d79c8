#!/usr/bin/env bash
# The officers' web page in a real browser: Debian's headless Chromium driven by playwright-core
# (npm) fills the form, plans two days, checks the timeline and the map, opens the print view,
# downloads the exports, switches to English and searches the library. Screenshots and the
# printed PDF go to $target/browser-artifacts.
#
#   bash .ci/browser.sh [PATH-TO-visitmatch-BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
bin=${1:-$target/debug/visitmatch}
[ -x "$bin" ] || cargo build --locked --bin visitmatch

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    apt-get update -qq && apt-get install -y -qq chromium > /dev/null
  else
    echo "Chromium is missing: install Debian's chromium package" >&2
    exit 1
  fi
fi
(cd tests/browser && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent; })

source .ci/server.sh
start_server "$bin" browser
# An officer's account for the page to sign in with (the server reads the catalog on each sign-in).
password="browser-test $(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$password" | "$bin" --data-dir "$work/data" user create --role officer wangli > /dev/null
# An approver's, to sign off the trip the officer files.
printf '%s\n' "$password" | "$bin" --data-dir "$work/data" user create --role approver chenjing > /dev/null
artifacts="$target/browser-artifacts"
CHROMIUM="$chromium" node tests/browser/plan.test.mjs "http://127.0.0.1:$port" "$artifacts" wangli "$password" chenjing
echo "screenshots: $artifacts"
