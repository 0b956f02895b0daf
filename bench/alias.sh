#!/usr/bin/env bash
# ALIAS benchmarks on the native server, with a real upstream (Knot behind dnsdist's DoH):
#  1. throughput of an ALIAS-heavy query mix against a static mix, warm cache, in one run
#     (flatapex pinned to CPU 0 with one worker, dnsperf to CPU 1, SECONDS each), alternated
#     for ROUNDS rounds so that machine noise hits both mixes alike; the median ratio counts;
#  2. latency of uncached ALIAS answers when the first upstream is black-holed: every query
#     asks for a target not yet cached, so each one waits for the hedge to the second upstream.
# usage: bench/alias.sh [SECONDS] [COLD-QUERIES] [ROUNDS]
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$FLATAPEX_ROOT"
secs=${1:-10}; cold=${2:-400}; rounds=${3:-3}
ensure_apt knot dnsdist dnsperf bind9-dnsutils python3-dnspython >/dev/null
cargo build --quiet --release --locked --bin flatapex
out=bench/results; mkdir -p "$out"
scratch_dir
n=200   # ALIAS owners in the warm mix

{
  echo '$ORIGIN cdn.real.'; echo '$TTL 3600'
  echo '@ SOA ns hostmaster 1 3600 600 86400 300'; echo '@ NS ns'; echo 'ns A 127.0.0.1'
  for i in $(seq 0 $((n + cold))); do echo "t$i A 198.51.100.$((i % 250 + 1))"; echo "t$i AAAA 2001:db8:7::$i"; done
} > "$work/cdn.real.zone"
mkdir -p "$work/zones" "$work/knot"
{
  echo '$ORIGIN bench.test.'; echo '$TTL 3600'
  echo '@ SOA ns1 hostmaster 1 3600 600 86400 60'; echo '@ NS ns1'; echo 'ns1 A 192.0.2.53'
  for i in $(seq 0 $((n - 1))); do echo "s$i A 192.0.2.$((i % 250 + 1))"; echo "a$i ALIAS t$i.cdn.real."; done
  for i in $(seq $n $((n + cold - 1))); do echo "c$i ALIAS t$i.cdn.real."; done
} > "$work/zones/bench.test.zone"
for i in $(seq 0 $((n - 1))); do echo "s$i.bench.test A"; done > "$work/static.txt"
for i in $(seq 0 $((n - 1))); do echo "a$i.bench.test A"; done > "$work/alias.txt"

kp=$(free_port)
knot_primary_conf "$work/knot" "$kp" cdn.real cdn.real.zone
taskset -c 1 knotd -c "$work/knot/knot.conf" >"$work/knot.log" 2>&1 &
pids+=($!)
dp=$(free_port)
dnsdist_doh_conf "$work/dnsdist.conf" "$kp" "$dp"
taskset -c 1 dnsdist --supervised --disable-syslog -C "$work/dnsdist.conf" >"$work/dnsdist.log" 2>&1 &
pids+=($!)
hole=$(free_port)
/usr/bin/python3 -c "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', $hole)); s.listen(1024); time.sleep(86400)" &
pids+=($!)
fp=$(free_port)
taskset -c 0 target/release/flatapex serve --zones "$work/zones" --listen "127.0.0.1:$fp" --threads 1 \
  --upstream "http://127.0.0.1:$hole/dns-query" --upstream "http://127.0.0.1:$dp/dns-query" 2>"$work/flatapex.log" &
pids+=($!)
for _ in $(seq 100); do
  dig +short +time=1 +tries=1 -p "$kp" @127.0.0.1 t0.cdn.real A | grep -q . && grep -q serving "$work/flatapex.log" && break
  sleep 0.1
done
# Warm the cache: every ALIAS in the mix resolved once (through the hedge).
for i in $(seq 0 $((n - 1))); do dig +short +time=2 -p "$fp" @127.0.0.1 "a$i.bench.test" A >/dev/null; done
[ -n "$(dig +short -p "$fp" @127.0.0.1 a7.bench.test A)" ] || { echo "ALIAS did not resolve" >&2; tail "$work"/*.log; exit 1; }

qps() { awk '/Queries per second/ { print int($4) }' "$1"; }
rows=(); ratios=(); lost=0
for round in $(seq "$rounds"); do
  for mix in static alias; do
    taskset -c 1 dnsperf -s 127.0.0.1 -p "$fp" -d "$work/$mix.txt" -l "$secs" -c 8 -q 200 \
      >"$out/alias-$mix-$round.txt" 2>&1
  done
  s=$(qps "$out/alias-static-$round.txt"); a=$(qps "$out/alias-alias-$round.txt")
  r=$(awk -v a="$a" -v s="$s" 'BEGIN { printf "%.2f", a / s }')
  lost=$((lost + $(awk '/Queries lost/ { print $3 }' "$out/alias-alias-$round.txt")))
  rows+=("| $round | $s | $a | $r |"); ratios+=("$r")
  echo "    round $round of $rounds: static $s qps, ALIAS $a qps, ratio $r" >&2
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')

# Cold latency: each query names a target nobody asked for yet; upstream 1 is a black hole.
/usr/bin/python3 - "$fp" "$n" "$cold" > "$out/alias-cold.txt" <<'PY'
import sys, time, dns.message, dns.query, dns.rcode
port, first, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
times, bad = [], 0
for i in range(first, first + count):
    q = dns.message.make_query(f"c{i}.bench.test", "A")
    t = time.perf_counter()
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=5)
    times.append((time.perf_counter() - t) * 1000)
    bad += r.rcode() != dns.rcode.NOERROR or not r.answer
times.sort()
p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f"{count} cold queries, {bad} without addresses: p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, max {times[-1]:.1f} ms")
PY
{
  echo "| round (warm cache, UDP, ${secs} s per mix) | static A qps | ALIAS (A) qps | ALIAS ÷ static |"
  echo "|---|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "median ALIAS ÷ static over $rounds rounds: $median"
  echo "uncached ALIAS, first upstream black-holed (hedge after 100 ms): $(cat "$out/alias-cold.txt")"
  echo "(lost queries in the ALIAS mix: $lost)"
} | tee "$out/alias.md"
