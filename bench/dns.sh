#!/usr/bin/env bash
# UDP and TCP throughput of flatapex beside NSD and Knot, in one run, on the same zone and
# queries (DESIGN §7): each server pinned to CPU 0 with one worker, dnsperf pinned to CPU 1,
# SECONDS per run (default 10), UDP then TCP. Prints a table of qps and ratios; the raw dnsperf
# output goes to bench/results/.
# usage: bench/dns.sh [SECONDS]
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$FLATAPEX_ROOT"
secs=${1:-10}
ensure_apt nsd knot dnsperf >/dev/null
echo "building flatapex (release)"
cargo build --quiet --release --locked --bin flatapex
out=bench/results; mkdir -p "$out"
scratch_dir
zone=tests/conformance/sample.zone
origin=sample.test
cp "$zone" "$work/$origin.zone"
# The query mix: the conformance queries (hits, CNAMEs, wildcards, NXDOMAIN, referrals).
grep -v '^#' tests/conformance/queries.txt | grep -v -e ' ANY$' -e '^other' > "$work/queries"


wait_udp() {  # port
  for _ in $(seq 100); do
    dig +time=1 +tries=1 +short -p "$1" @127.0.0.1 "$origin" SOA >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server on port $1 did not answer" >&2; return 1
}

start_flatapex() {  # port
  taskset -c 0 target/release/flatapex serve --zones "$work" --listen "127.0.0.1:$1" --threads 1 2>"$work/flatapex.log" &
  pids+=($!)
}

start_nsd() {  # port
  nsd_conf "$work/nsd" "$1" "$origin" "$work/$origin.zone"
  taskset -c 0 nsd -d -c "$work/nsd/nsd.conf" &
  pids+=($!)
}

start_knot() {  # port
  mkdir -p "$work/knot/db"
  knot_primary_conf "$work/knot" "$1" "$origin" "$origin.zone"
  taskset -c 0 knotd -c "$work/knot/knot.conf" &
  pids+=($!)
}

# cpu0: busy and total jiffies of CPU 0, where the server runs.
cpu0() { awk '$1 == "cpu0" { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat; }

# measure SERVER MODE PORT: prints "qps busy%" for the run. dnsperf on one core can saturate
# before the server does, so CPU 0's busy share is measured too: qps / busy is the capacity.
measure() {
  local server=$1 mode=$2 port=$3 clients=1
  [ "$mode" = tcp ] && clients=20
  read -r b0 t0 < <(cpu0)
  taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -m "$mode" -d "$work/queries" -l "$secs" \
    -c "$clients" -q 200 -T 1 > "$out/$server-$mode.txt" 2>&1 || true
  read -r b1 t1 < <(cpu0)
  local qps lost
  qps=$(awk '/Queries per second/ {print int($4)}' "$out/$server-$mode.txt")
  lost=$(awk '/Queries lost/ {print $3}' "$out/$server-$mode.txt")
  echo "${qps:-0} $(( 100 * (b1 - b0) / (t1 - t0 > 0 ? t1 - t0 : 1) )) ${lost:-?}"
}

declare -A qps busy cap
servers=(flatapex nsd knot)
for server in "${servers[@]}"; do
  port=$(free_port)
  "start_$server" "$port"
  wait_udp "$port"
  for mode in udp tcp; do
    printf 'measuring %-9s %s for %ss...\n' "$server" "$mode" "$secs"
    read -r q b l < <(measure "$server" "$mode" "$port")
    qps[$server-$mode]=$q; busy[$server-$mode]=$b
    cap[$server-$mode]=$(( b > 0 ? q * 100 / b : 0 ))
    printf '    %s qps, CPU 0 %s%% busy, %s lost\n' "$q" "$b" "$l"
  done
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "| server | UDP qps | CPU 0 busy | UDP qps per CPU | TCP qps | CPU 0 busy | TCP qps per CPU | flatapex ÷ server: UDP qps, per CPU | TCP qps, per CPU |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for s in "${servers[@]}"; do
  echo "| $s | ${qps[$s-udp]} | ${busy[$s-udp]}% | ${cap[$s-udp]} | ${qps[$s-tcp]} | ${busy[$s-tcp]}% | ${cap[$s-tcp]} |" \
    "$(ratio "${qps[flatapex-udp]}" "${qps[$s-udp]}"), $(ratio "${cap[flatapex-udp]}" "${cap[$s-udp]}") |" \
    "$(ratio "${qps[flatapex-tcp]}" "${qps[$s-tcp]}"), $(ratio "${cap[flatapex-tcp]}" "${cap[$s-tcp]}") |"
done
echo
echo "($(nproc) CPUs; servers on CPU 0 with one worker, dnsperf on CPU 1; ${secs}s per run;" \
  "$(wc -l < "$work/queries") distinct queries; per CPU = qps ÷ CPU 0 busy share)"
