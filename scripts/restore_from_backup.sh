#!/usr/bin/env bash
# Full restore: verifies the dump against its manifest, takes a safety backup of the current
# database, restores into a fresh database, checks it, then swaps it in (the old database is
# kept under a new name). Usage: restore_from_backup.sh FILE.dump [--yes]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ $# -lt 1 ]; then
  echo "usage: $0 FILE.dump [--yes]" >&2
  exit 2
fi
TRACEHUB="$(find_tracehub)"
exec "$TRACEHUB" restore "$@"
