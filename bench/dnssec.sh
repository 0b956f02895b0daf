#!/usr/bin/env bash
# DNSSEC signing natively (issue 12), in one run, two parts:
#  1. the cost of an answer: CPU of the flatapex process (utime+stime from /proc/PID/stat) per
#     answer over a fixed number of queries (QUERIES, default 100000) per case, for DO=0, DO=1
#     warm (the same question again: a signature cache hit) and DO=1 cold (a new name each
#     time: a wildcard answer or an NXDOMAIN, each one signature), for algorithms 13 and 15.
#     The response cache is off here (--response-cache-mib 0), so every answer goes through the
#     responder and the signature cache.
#  2. UDP qps with DO=0 and DO=1 against Knot's automatic signing of the same zone (its own
#     key, ECDSA P-256, presigned at load), on the conformance query mix and on a mix of new
#     names (every flatapex answer one signature), as bench/dns.sh: server pinned to CPU 0 with
#     one worker, dnsperf pinned to CPU 1, SECONDS per run (default 10). flatapex runs with its
#     defaults (response cache on). Besides CPU 0's busy share (as bench/dns.sh), the server
#     process's own CPU time per answer is reported: CPU 0 also runs whatever else the machine runs.
# Prints the tables; the raw dnsperf output goes to bench/results/dnssec-*.
# usage: bench/dnssec.sh [SECONDS] [QUERIES]
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$FLATAPEX_ROOT"
secs=${1:-10}
count=${2:-100000}
ensure_apt knot dnsperf >/dev/null
echo "building flatapex (release)"
cargo build --quiet --release --locked --bin flatapex
out=bench/results; mkdir -p "$out"
scratch_dir
tck=$(getconf CLK_TCK)
origin=sample.test  # signed with algorithm 13, and by Knot
ed=ed.test          # the same zone signed with algorithm 15
mkdir -p "$work/zones" "$work/keys"
# Knot gets the unsigned zone and signs it with a key of its own.
cp tests/conformance/sample.zone "$work/$origin.zone"
# flatapex gets the zone with the DNSKEY of its key at the apex.
keygen() {  # zone algorithm → the DNSKEY line
  target/release/flatapex dnssec keygen "$1." --dir "$work/keys" --algorithm "$2" 2>/dev/null
}
{ cat tests/conformance/sample.zone; keygen "$origin" 13; } > "$work/zones/$origin.zone"
{ sed "s/sample\.test/$ed/g" tests/conformance/sample.zone; keygen "$ed" 15; } > "$work/zones/$ed.zone"

wait_signed() {  # port zone: until the zone's DNSKEY comes with an RRSIG
  for _ in $(seq 200); do
    dig +time=1 +tries=1 +dnssec +norec -p "$1" @127.0.0.1 "$2" DNSKEY 2>/dev/null | grep -q 'RRSIG' \
      && return 0
    sleep 0.1
  done
  echo "server on port $1 did not answer $2 DNSKEY with an RRSIG" >&2; return 1
}

start_flatapex() {  # port [serve options...]
  local port=$1; shift
  taskset -c 0 target/release/flatapex serve --zones "$work/zones" --dnssec-keys "$work/keys" \
    --listen "127.0.0.1:$port" --threads 1 "$@" 2>"$work/flatapex.log" &
  pids+=($!)
}

start_knot() {  # port
  mkdir -p "$work/knot/db"
  knot_primary_conf "$work/knot" "$1" "$origin" "$origin.zone"
  # Automatic signing with Knot's default policy: algorithm 13 (ecdsap256sha256), NSEC.
  printf '    dnssec-signing: on\n' >> "$work/knot/knot.conf"
  taskset -c 0 knotd -c "$work/knot/knot.conf" >"$work/knot.log" 2>&1 &
  pids+=($!)
}

# proc_cpu PID: utime+stime of the process, in clock ticks.
proc_cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# cpu0: busy and total jiffies of CPU 0, where the server runs.
cpu0() { awk '$1 == "cpu0" { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat; }

# Part 1: CPU per answer.
names() {  # prefix zone → QUERIES distinct names under the zone, or the same one QUERIES times
  awk -v n="$count" -v p="$1" -v z="$2" 'BEGIN { for (i = 0; i < n; i++)
    if (p == "same") print "x.apps." z " A"; else if (p == "nx") printf "nx%d.%s A\n", i, z;
    else printf "%s%d.apps.%s A\n", p, i, z }'
}

# cost NAME FILE [-D]: prints "µs-per-answer completed lost" for one pass over FILE.
cost() {
  local name=$1 file=$2; shift 2
  local c0 c1 done lost
  c0=$(proc_cpu "${pids[-1]}")
  taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$file" -n 1 -c 1 -q 100 -T 1 "$@" \
    > "$out/dnssec-cost-$name.txt" 2>&1 || true
  c1=$(proc_cpu "${pids[-1]}")
  done=$(awk '/Queries completed/ { print $3 }' "$out/dnssec-cost-$name.txt")
  lost=$(awk '/Queries lost/ { print $3 }' "$out/dnssec-cost-$name.txt")
  awk -v c="$((c1 - c0))" -v t="$tck" -v n="${done:-0}" -v l="${lost:-?}" \
    'BEGIN { if (n > 0) printf "%.2f %d %s\n", c * 1e6 / t / n, n, l; else print "n/a 0", l }'
}

port=$(free_port)
start_flatapex "$port" --response-cache-mib 0
wait_signed "$port" "$origin"
declare -A us
cases=(do0-warm do1-warm do0-cold-wildcard do1-cold-wildcard do0-cold-nxdomain do1-cold-nxdomain)
for alg in 13 15; do
  zone=$origin; [ "$alg" = 15 ] && zone=$ed
  # What each case's answer carries, for the record.
  dig +dnssec +norec -p "$port" @127.0.0.1 "x.apps.$zone" A > "$out/dnssec-cost-answer-$alg-wildcard.txt"
  dig +dnssec +norec -p "$port" @127.0.0.1 "nx.$zone" A > "$out/dnssec-cost-answer-$alg-nxdomain.txt"
  for c in "${cases[@]}"; do
    case $c in
      *-warm) names same "$zone" ;;
      do0-cold-wildcard) names u "$zone" ;;
      do1-cold-wildcard) names c "$zone" ;;
      *-cold-nxdomain) names nx "$zone" | sed "s/^nx/nx${c:2:1}-/" ;;
    esac > "$work/q"
    flag=(); [ "${c:0:3}" = do1 ] && flag=(-D)
    printf 'algorithm %s, %-18s %s queries... ' "$alg" "$c" "$count"
    read -r u n l < <(cost "$alg-$c" "$work/q" "${flag[@]}")
    us[$alg-$c]=$u
    echo "$u µs per answer ($n completed, $l lost)"
  done
done
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

# Part 2: qps against Knot.
grep -v '^#' tests/conformance/queries.txt | grep -v -e ' ANY$' -e '^other' > "$work/mix"
# New names: wildcard answers and NXDOMAIN, alternating, more than a run can send.
awk 'BEGIN { for (i = 0; i < 1000000; i++)
  if (i % 2) printf "nn%d.sample.test A\n", i; else printf "n%d.apps.sample.test A\n", i }' > "$work/new"

# measure SERVER RUN FILE [-D]: prints "qps busy% server-µs-per-query lost" for the run. dnsperf
# on one core can saturate before the server does, and CPU 0 also runs whatever else the
# machine runs, so the server process's own CPU time (utime+stime) per answer is measured too.
measure() {
  local server=$1 run=$2 file=$3; shift 3
  local b0 t0 b1 t1 c0 c1 qps done lost
  read -r b0 t0 < <(cpu0); c0=$(proc_cpu "${pids[-1]}")
  taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -m udp -d "$file" -l "$secs" -c 1 -q 200 -T 1 "$@" \
    > "$out/dnssec-$server-$run.txt" 2>&1 || true
  read -r b1 t1 < <(cpu0); c1=$(proc_cpu "${pids[-1]}")
  qps=$(awk '/Queries per second/ { print int($4) }' "$out/dnssec-$server-$run.txt")
  done=$(awk '/Queries completed/ { print $3 }' "$out/dnssec-$server-$run.txt")
  lost=$(awk '/Queries lost/ { print $3 }' "$out/dnssec-$server-$run.txt")
  echo "${qps:-0} $(( 100 * (b1 - b0) / (t1 - t0 > 0 ? t1 - t0 : 1) ))" \
    "$(awk -v c="$((c1 - c0))" -v t="$tck" -v n="${done:-0}" \
      'BEGIN { if (n > 0) printf "%.2f", c * 1e6 / t / n; else print 0 }') ${lost:-?}"
}

declare -A qps busy cost
servers=(flatapex knot)
runs=(do0 do1 do1-new)
for server in "${servers[@]}"; do
  port=$(free_port)
  "start_$server" "$port"
  wait_signed "$port" "$origin"
  dig +dnssec +norec -p "$port" @127.0.0.1 "www.$origin" A > "$out/dnssec-$server-answer.txt"
  for run in "${runs[@]}"; do
    file=$work/mix; flag=(-D)
    [ "$run" = do0 ] && flag=()
    [ "$run" = do1-new ] && file=$work/new
    printf 'measuring %-9s %-8s for %ss...\n' "$server" "$run" "$secs"
    read -r q b c l < <(measure "$server" "$run" "$file" "${flag[@]}")
    qps[$server-$run]=$q; busy[$server-$run]=$b; cost[$server-$run]=$c
    printf '    %s qps, CPU 0 %s%% busy, %s µs of server CPU per answer, %s lost\n' "$q" "$b" "$c" "$l"
  done
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "CPU per answer of the flatapex process (utime+stime ÷ answers; $count queries per case;"
echo "response cache off; dnsperf over UDP, one pass)"
echo
echo "| algorithm | DO=0 | DO=1 warm | DO=1 warm ÷ DO=0 | DO=0, new wildcard names | DO=1, new wildcard names | DO=1 cold − DO=0 | DO=0, new NXDOMAIN names | DO=1, new NXDOMAIN names | DO=1 cold − DO=0 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
for alg in 13 15; do
  echo "| $alg | ${us[$alg-do0-warm]} µs | ${us[$alg-do1-warm]} µs |" \
    "$(ratio "${us[$alg-do1-warm]}" "${us[$alg-do0-warm]}") |" \
    "${us[$alg-do0-cold-wildcard]} µs | ${us[$alg-do1-cold-wildcard]} µs |" \
    "$(minus "${us[$alg-do1-cold-wildcard]}" "${us[$alg-do0-cold-wildcard]}") µs |" \
    "${us[$alg-do0-cold-nxdomain]} µs | ${us[$alg-do1-cold-nxdomain]} µs |" \
    "$(minus "${us[$alg-do1-cold-nxdomain]}" "${us[$alg-do0-cold-nxdomain]}") µs |"
done
echo
echo "| server | DO=0 qps | CPU 0 busy | server CPU per answer | DO=1 qps | CPU 0 busy | server CPU per answer | DO=1 new names qps | CPU 0 busy | server CPU per answer | flatapex ÷ server: DO=0 qps; CPU per answer | DO=1 | DO=1 new names |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for s in "${servers[@]}"; do
  row="| $s |"
  for run in "${runs[@]}"; do row+=" ${qps[$s-$run]} | ${busy[$s-$run]}% | ${cost[$s-$run]} µs |"; done
  for run in "${runs[@]}"; do
    row+=" $(ratio "${qps[flatapex-$run]}" "${qps[$s-$run]}"); $(ratio "${cost[flatapex-$run]}" "${cost[$s-$run]}") |"
  done
  echo "$row"
done
echo
echo "($(nproc) CPUs; servers on CPU 0 with one worker, dnsperf on CPU 1; ${secs}s per run;" \
  "$(wc -l < "$work/mix") distinct queries in the mix; server CPU = utime+stime of its process;" \
  "Knot $(knotd --version | awk '{ print $NF }'), dnssec-signing: on, default policy)"
