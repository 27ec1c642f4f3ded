#!/usr/bin/env bash
# Runs the whole TraceHub test suite on a fresh machine.
#
# Needs: a Rust toolchain, and PostgreSQL server programs (initdb, pg_ctl) — installed here
# with apt-get when missing and we are root. The tests start a private PostgreSQL cluster
# under target/ (or use TRACEHUB_TEST_DATABASE_URL), and this script stops it at the end.
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

stop_test_cluster() {
  if [ -x target/debug/tracehub ] && [ -z "${TRACEHUB_TEST_DATABASE_URL:-}" ]; then
    TRACEHUB_DATA_DIR="$PWD/target/tmp/tracehub-test-cluster" target/debug/tracehub cluster stop >/dev/null 2>&1 || true
  fi
}
trap stop_test_cluster EXIT

cargo test --locked --all-targets "$@"
