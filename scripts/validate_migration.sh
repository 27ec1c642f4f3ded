#!/usr/bin/env bash
# Every success criterion of the runbook the database can show, one PASS/FAIL line each.
# Exit code 0 only if all pass. Pass --json for scripts.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TRACEHUB="$(find_tracehub)"
exec "$TRACEHUB" db verify "$@"
