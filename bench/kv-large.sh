#!/usr/bin/env bash
# A 1,000,000-record zone in the KV layout (tests/kv_large_zone.rs, release build): shard
# count and sizes, KV reads per cold query, decode time, and peak memory under the default
# budget against the 128 MiB isolate limit.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$FLATAPEX_ROOT"
out=bench/results; mkdir -p "$out"
cargo test --release --locked --test kv_large_zone -- --include-ignored --nocapture 2>&1 \
  | grep BENCH | sed 's/^BENCH //' | tee "$out/kv-large.txt"
