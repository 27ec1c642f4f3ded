#!/usr/bin/env bash
# Runbook step 1: a verified backup before the Sprint 8 migration.
# Writes BACKUP_DIR/tracehub_pre_sprint8_<timestamp>.dump and its manifest, restores it into a
# scratch database to check every table's rows against the manifest, and fails if anything
# differs. Reads DATABASE_URL (unset: the managed local cluster). Last line: the dump's path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TRACEHUB="$(find_tracehub)"
exec "$TRACEHUB" backup --dir "${BACKUP_DIR:-/backup/tracehub}" --label pre_sprint8 "$@"
