#!/usr/bin/env bash
# Runbook step 2: the Sprint 8 migration (revisions 003-006 and later), orchestrated:
# preflight, verified backup into BACKUP_DIR, each revision with its time, validation of every
# success criterion, summary. On failure it prints the exact rollback and restore commands.
# Without a terminal, pass --yes. Reads DATABASE_URL (unset: the managed local cluster).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TRACEHUB="$(find_tracehub)"
exec "$TRACEHUB" migrate --backup-dir "${BACKUP_DIR:-/backup/tracehub}" "$@"
