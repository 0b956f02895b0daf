#!/usr/bin/env bash
# A 300,000-record zone served by `flatapex serve`, Knot and NSD in one run:
#  1. memory (PSS, so NSD's forked processes are not counted twice) 2 s after the zone loads,
#     for all three; for flatapex also once it has served queries for 10 s (its allocator has
#     returned what reading the zone took by then), and its peak RSS while the zone is
#     transferred five times in a row and during a SIGHUP reload of an edited copy;
#  2. UDP latency on flatapex: one query every 2 ms (bench/udp-probe.py; enough samples that the
#     p99 is not a handful of outliers), first idle, then during the five AXFRs
#     (bench/axfr-client.py), then during the reload.
# flatapex, Knot and NSD run on CPU 0 with one worker; the clients on CPU 1, the AXFR client at
# the idle scheduling class (chrt --idle) so that it never delays the probe it shares CPU 1 with.
# usage: bench/big-zone.sh [RECORDS]
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$FLATAPEX_ROOT"
records=${1:-300000}
ensure_apt nsd knot knot-dnsutils bind9-dnsutils >/dev/null
echo "building flatapex (release)"
cargo build --quiet --release --locked --bin flatapex
out=bench/results; mkdir -p "$out"
# From here on this script and everything it starts run on CPU 1, so that nothing but the server
# under test runs on CPU 0 (the servers are started with taskset -c 0).
taskset -cp 1 $$ >/dev/null
scratch_dir
origin=big.test
mkdir -p "$work/zones" "$work/peers"
python3 bench/gen-zone.py "$origin" "$records" > "$work/zones/$origin.zone"
# The peers do not know ALIAS; they get the same zone without it.
grep -v ' ALIAS ' "$work/zones/$origin.zone" > "$work/peers/$origin.zone"
echo "zone: $(grep -vc '^\$' "$work/zones/$origin.zone") records, $(du -h "$work/zones/$origin.zone" | cut -f1)"

# pss PID...: the total proportional set size of the processes, in MiB.
pss() {
  local kb=0 p
  for p in "$@"; do
    kb=$((kb + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
  done
  echo $((kb / 1024))
}
# The peak RSS of PID since the last reset_peak, in MiB (the kernel keeps it: VmHWM), so
# nothing samples the server while it is measured.
reset_peak() { echo 5 > "/proc/$1/clear_refs"; }
peak_rss() { awk '/^VmHWM:/ {print int($2 / 1024)}' "/proc/$1/status"; }
wait_soa() {  # port
  for _ in $(seq 600); do
    dig +time=1 +tries=1 +short -p "$1" @127.0.0.1 "$origin" SOA 2>/dev/null | grep -q . && return 0
    sleep 0.2
  done
  echo "server on port $1 did not answer" >&2; return 1
}
# percentiles FILE: "p50 p99 max over100 count" of the latencies in FILE.
percentiles() {
  python3 - "$1" <<'PY'
import sys
v = sorted(float(x) for x in open(sys.argv[1]) if x.strip())
pick = lambda q: v[min(len(v) - 1, int(q * len(v)))]
print(f"{pick(0.5):.2f} {pick(0.99):.2f} {v[-1]:.2f} {sum(x > 100 for x in v)} {len(v)}")
PY
}

# --- flatapex
fp=$(free_port)
start=$(date +%s.%N)
taskset -c 0 target/release/flatapex serve --zones "$work/zones" --listen "127.0.0.1:$fp" \
  --allow-transfer 127.0.0.1 2>"$work/flatapex.log" &
flatapex=$!; pids+=($flatapex)
wait_soa "$fp"
load_s=$(echo "$(date +%s.%N) - $start" | bc)
sleep 2
flatapex_loaded=$(pss "$flatapex")
echo "flatapex: loaded in ${load_s}s, ${flatapex_loaded} MiB"

echo "probing idle UDP latency for 10 s"
taskset -c 1 python3 bench/udp-probe.py 127.0.0.1 "$fp" "host7.$origin" 10 "$work/none" 2 > "$work/idle.txt"
read -r idle_p50 idle_p99 idle_max idle_slow idle_n < <(percentiles "$work/idle.txt")
flatapex_serving=$(pss "$flatapex")

echo "five AXFRs in a row while probing"
reset_peak "$flatapex"
taskset -c 1 python3 bench/udp-probe.py 127.0.0.1 "$fp" "host7.$origin" 600 "$work/xfr.stop" 2 > "$work/xfr.txt" &
probe=$!
for i in 1 2 3 4 5; do
  printf '    AXFR %s: records messages bytes seconds = %s\n' "$i" \
    "$(taskset -c 1 chrt --idle 0 python3 bench/axfr-client.py 127.0.0.1 "$fp" "$origin")"
done
touch "$work/xfr.stop"; wait "$probe"
peak_rss "$flatapex" > "$work/xfr-peak"
read -r xfr_p50 xfr_p99 xfr_max xfr_slow xfr_n < <(percentiles "$work/xfr.txt")

echo "reload (SIGHUP) of an edited copy while probing"
sed -i 's/2026112601/2026112602/' "$work/zones/$origin.zone"
reset_peak "$flatapex"
taskset -c 1 python3 bench/udp-probe.py 127.0.0.1 "$fp" "host7.$origin" 600 "$work/reload.stop" 2 > "$work/reload.txt" &
probe=$!
sleep 1
kill -HUP "$flatapex"
for _ in $(seq 600); do
  [ "$(dig +short -p "$fp" @127.0.0.1 "$origin" SOA | awk '{print $3}')" = 2026112602 ] && break
  sleep 0.1
done
sleep 2
touch "$work/reload.stop"; wait "$probe"
peak_rss "$flatapex" > "$work/reload-peak"
read -r rl_p50 rl_p99 rl_max rl_slow rl_n < <(percentiles "$work/reload.txt")
kill "$flatapex"; wait "$flatapex" 2>/dev/null || true

# --- Knot
kp=$(free_port)
knot_primary_conf "$work/knot" "$kp" "$origin" "peers/$origin.zone"
sed -i "s|storage: \"$work/knot/..\"|storage: \"$work\"|" "$work/knot/knot.conf"
taskset -c 0 knotd -c "$work/knot/knot.conf" 2>"$work/knot.log" &
knot=$!; pids+=($knot)
wait_soa "$kp"; sleep 2
knot_loaded=$(pss "$knot")
echo "Knot: ${knot_loaded} MiB"
kill "$knot"; wait "$knot" 2>/dev/null || true

# --- NSD (a main process, xfrd and a server child: their PSS added)
np=$(free_port)
nsd_conf "$work/nsd" "$np" "$origin" "$work/peers/$origin.zone"
taskset -c 0 nsd -d -c "$work/nsd/nsd.conf" &
nsd=$!; pids+=($nsd)
wait_soa "$np"; sleep 2
nsd_all=$(pgrep -d ' ' -f "nsd -d -c $work/nsd/nsd.conf" || echo "$nsd")
# shellcheck disable=SC2086
nsd_loaded=$(pss $nsd_all $(pgrep -P "$nsd" | tr '\n' ' '))
echo "NSD: ${nsd_loaded} MiB"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
{
  echo
  echo "| $records records | memory (PSS, MiB) | flatapex ÷ server |"
  echo "|---|---:|---:|"
  echo "| flatapex, loaded | $flatapex_loaded | 1.00 |"
  echo "| Knot, loaded | $knot_loaded | $(ratio "$flatapex_loaded" "$knot_loaded") |"
  echo "| NSD, loaded | $nsd_loaded | $(ratio "$flatapex_loaded" "$nsd_loaded") |"
  echo "| flatapex, serving (after 10 s of queries) | $flatapex_serving | $(ratio "$flatapex_serving" "$knot_loaded") × Knot |"
  echo "| flatapex, peak RSS during 5 AXFRs | $(cat "$work/xfr-peak") | |"
  echo "| flatapex, peak RSS during a reload | $(cat "$work/reload-peak") | |"
  echo
  echo "| flatapex UDP latency (ms), one query per 2 ms | p50 | p99 | max | over 100 ms | queries |"
  echo "|---|---:|---:|---:|---:|---:|"
  echo "| idle | $idle_p50 | $idle_p99 | $idle_max | $idle_slow | $idle_n |"
  echo "| during 5 AXFRs | $xfr_p50 | $xfr_p99 | $xfr_max | $xfr_slow | $xfr_n |"
  echo "| during a reload | $rl_p50 | $rl_p99 | $rl_max | $rl_slow | $rl_n |"
  echo
  echo "(p99 during AXFRs ÷ idle p99: $(ratio "$xfr_p99" "$idle_p99"); flatapex loaded the zone in ${load_s}s;" \
    "servers on CPU 0, clients on CPU 1; $(nproc --all) CPUs)"
} | tee "$out/big-zone.txt"
