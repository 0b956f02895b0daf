#!/usr/bin/env bash
# The edge worker's figures: wasm size, CPU per warm query inside wasm, and the cold start in
# wrangler dev (real workerd + local KV) for zones of 1k and 100k records.
# usage: bench/edge.sh [RUNS]   (cold starts per zone size, default 3; the median is reported)
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$FLATAPEX_ROOT"
runs=${1:-3}
ensure_worker_toolchain
worker_env
out=bench/results; mkdir -p "$out"
report=$out/edge.txt; : > "$report"
say() { echo "$*" | tee -a "$report"; }

echo "building the worker and the CLI"
scripts/build-worker >/dev/null 2>&1
cargo build --quiet --release --locked --bin flatapex
size=$(wc -c <build/index_bg.wasm); gz=$(gzip -9 -c build/index_bg.wasm | wc -c)
say "wasm: $size bytes, $gz bytes gzipped ($((gz / 1024)) KiB; target <= 400 KiB)"

echo "CPU per warm query inside wasm (node, release build, 200k queries)"
line=$(CARGO_PROFILE_RELEASE_OPT_LEVEL=s cargo test --release --locked --target wasm32-unknown-unknown \
  --test wasm_query_cpu -- --include-ignored --nocapture 2>&1 | grep BENCH)
say "${line#BENCH }"

work=$(mktemp -d)
pid=
stop() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi
}
trap 'stop; rm -rf "$work"' EXIT

zone_of() {  # records → a zone file of about that many records
  local n=$1 f=$work/bench.test.zone
  {
    echo '$ORIGIN bench.test.'; echo '$TTL 300'
    echo '@ SOA ns1 hostmaster 1 3600 600 86400 60'; echo '@ NS ns1'; echo 'ns1 A 192.0.2.1'
    awk -v n="$n" 'BEGIN { for (i = 0; i < n - 3; i++)
      if (i % 4 == 3) printf "txt%d TXT \"record %d of the benchmark zone\"\n", i, i;
      else printf "host%d A 10.%d.%d.%d\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'
  } > "$f"
}

first_request() {  # url → seconds for the first request after wrangler dev is ready
  local port; port=$(free_port)
  node_modules/.bin/wrangler dev --config tests/e2e/wrangler.toml --persist-to "$work/state" \
    --ip 127.0.0.1 --port "$port" >"$work/wrangler.log" 2>&1 &
  pid=$!
  for _ in $(seq 240); do grep -q "Ready on" "$work/wrangler.log" && break; sleep 0.25; done
  curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port$1"
  printf ' '
  curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$1"
  stop
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

say ""
say "cold start in wrangler dev: the first request after start, then a warm one (median of $runs)"
say "| zone | stored | first request | warm request | isolate start alone |"
say "|---|---|---|---|---|"
for n in 1000 100000; do
  zone_of "$n"
  rm -rf "$work/state"
  target/release/flatapex push --local --persist-to "$work/state" --config tests/e2e/wrangler.toml \
    "$work/bench.test.zone" > "$work/push.log" 2>&1 || { cat "$work/push.log"; exit 1; }
  stored=$(grep -o '[0-9]* shard(s), [0-9]* bytes' "$work/push.log")
  q="/dns-query?name=host$((n / 2)).bench.test&type=A"
  : > "$work/cold"; : > "$work/warm"; : > "$work/bare"
  for _ in $(seq "$runs"); do
    read -r cold warm < <(first_request "$q")
    echo "$cold" >> "$work/cold"; echo "$warm" >> "$work/warm"
    read -r bare _ < <(first_request "/nothing-here")
    echo "$bare" >> "$work/bare"
  done
  ms() { median < "$1" | awk '{ printf "%.1f ms", $1 * 1000 }'; }
  say "| $n records | $stored | $(ms "$work/cold") | $(ms "$work/warm") | $(ms "$work/bare") |"
done
echo "results in $report"
