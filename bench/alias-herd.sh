#!/usr/bin/env bash
# ALIAS under a herd and under failing upstreams (issue 9), natively and in wrangler dev: runs
# the named tests that measure it (tests/native_alias_herd.rs, tests/e2e_edge_herd.rs) with their
# output shown, and keeps only the figure lines. The README's "Herd-proofing" table quotes them.
# usage: bench/alias-herd.sh
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$FLATAPEX_ROOT"
ensure_worker_toolchain
scripts/build-worker >/dev/null 2>&1 || scripts/build-worker
figures='fetch\(es\)|p50|p99|first stale|uncached'
echo "native (debug build, UDP on 127.0.0.1, tests/fake_upstream):"
cargo test --quiet --locked --test native_alias_herd -- --nocapture --test-threads 1 2>&1 |
  grep -E "$figures" | sed 's/^/  /'
echo "wrangler dev (one isolate, DoH POST):"
cargo test --quiet --locked --test e2e_edge_herd -- --ignored --nocapture --test-threads 1 2>&1 |
  grep -E "$figures" | sed 's/^/  /'
