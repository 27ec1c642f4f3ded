#!/usr/bin/env bash
# Runs the whole TraceHub test suite on a fresh machine.
#
# Needs: a Rust toolchain, and PostgreSQL server programs (initdb, pg_ctl) — installed here
# with apt-get when missing and we are root. The tests start a private PostgreSQL cluster
# under target/ (or use TRACEHUB_TEST_DATABASE_URL), and this script stops it at the end.
#
# The browser tests (tests/integration/browser*.rs) need Debian's Chromium and ChromeDriver
# (/usr/bin/chromium, /usr/bin/chromedriver; installed here with apt-get like PostgreSQL) and
# axe-core from the npm registry in target/browser-tools (the accessibility checks).
set -euo pipefail
cd "$(dirname "$0")/.."

have_pg_server() {
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}
if ! have_pg_server; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL server programs missing: installing them with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL server programs (initdb, pg_ctl) are missing: install PostgreSQL (e.g. apt-get install postgresql)" >&2
    exit 1
  fi
fi

have_browser() {
  [ -x /usr/bin/chromedriver ] && [ -x /usr/bin/chromium ]
}
if ! have_browser; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Chromium or ChromeDriver missing: installing them with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "Chromium and ChromeDriver (/usr/bin/chromium, /usr/bin/chromedriver) are missing: install them (e.g. apt-get install chromium chromium-driver)" >&2
    exit 1
  fi
fi

# The accessibility engine the browser tests inject into pages: pinned, fetched once (again
# when the pin changes).
AXE_CORE_VERSION=4.14.1
AXE_DIR=target/browser-tools/node_modules/axe-core
if [ ! -f "$AXE_DIR/axe.min.js" ] || ! grep -q "\"version\": \"$AXE_CORE_VERSION\"" "$AXE_DIR/package.json" 2>/dev/null; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing: install Node.js and npm to fetch axe-core for the browser tests" >&2
    exit 1
  fi
  mkdir -p target/browser-tools
  npm install --prefix target/browser-tools --no-save --no-audit --no-fund --silent \
    "axe-core@$AXE_CORE_VERSION" >/dev/null
fi

stop_test_cluster() {
  if [ -x target/debug/tracehub ] && [ -z "${TRACEHUB_TEST_DATABASE_URL:-}" ]; then
    TRACEHUB_DATA_DIR="$PWD/target/tmp/tracehub-test-cluster" target/debug/tracehub cluster stop >/dev/null 2>&1 || true
  fi
}
trap stop_test_cluster EXIT

cargo test --locked --all-targets "$@"
