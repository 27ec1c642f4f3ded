# Shared by the runbook scripts: find the tracehub binary.
# Order: $TRACEHUB_BIN, `tracehub` in PATH, then this checkout's release and debug builds.
find_tracehub() {
  if [ -n "${TRACEHUB_BIN:-}" ]; then echo "$TRACEHUB_BIN"; return; fi
  if command -v tracehub >/dev/null 2>&1; then command -v tracehub; return; fi
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  for candidate in "$root/target/release/tracehub" "$root/target/debug/tracehub"; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  echo "tracehub binary not found: build it with 'cargo build --release' or set TRACEHUB_BIN" >&2
  return 1
}
