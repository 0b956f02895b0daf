#!/usr/bin/env bash
# The native server under hostile clients (bench/hostile-probe.py): a padded-query flood, running
# out of file descriptors, and 5,000 idle connections per port beside a legitimate client. Runs
# the debug build of the working tree, and of COMMIT too when given, so before and after come
# from one run (the README's "before" is b4fa3fd, the code before issue 9's hardening).
# usage: bench/hostile.sh [COMMIT]
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$FLATAPEX_ROOT"
scratch_dir
mkdir -p "$work/zones"
cp tests/zones/battery.test.zone tests/zones/child.battery.test.zone "$work/zones/"
echo "building flatapex (debug)"
cargo build --quiet --locked --bin flatapex
bins=("$FLATAPEX_ROOT/target/debug/flatapex")
if [ -n "${1:-}" ]; then
  echo "building flatapex at $1 (debug)"
  git worktree add --quiet --detach "$work/old" "$1"
  trap 'git worktree remove --force "$work/old" 2>/dev/null || true; rm -rf "$work"' EXIT
  (cd "$work/old" && CARGO_TARGET_DIR="$FLATAPEX_ROOT/target/bench-old" cargo build --quiet --locked --bin flatapex)
  bins=("$FLATAPEX_ROOT/target/bench-old/debug/flatapex" "${bins[@]}")
fi
# The idle flood needs 10,000 descriptors in this process and in the server.
ulimit -n "$(ulimit -Hn)"
for bin in "${bins[@]}"; do
  for mode in padding fds idle; do
    python3 bench/hostile-probe.py "$bin" "$work/zones" "$mode"
  done
done
