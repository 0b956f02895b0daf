#!/usr/bin/env bash
# DNSSEC signing in workerd (issue 12): the worker in wrangler dev (real workerd, WebCrypto,
# local KV) serves the sample zone signed with algorithm 13 and a copy signed with algorithm
# 15, the keys in FLATAPEX_DNSSEC_KEYS (.dev.vars). bench/doh-dnssec-probe.py sends DoH GETs
# one after another: DO=0, DO=1 warm (the same question again: a signature cache hit) and
# DO=1 cold (a new wildcard or NXDOMAIN name each time: one signature each), and ANY at a
# wildcard of 20 RRsets (20 signatures per cold answer, to lift signing above wrangler dev's own
# cost per request), and counts the CPU time of the workerd process (utime+stime from /proc)
# per answer, since workerd stops its clocks during CPU work. All cases run in one isolate, in
# one run; the table gives the median of the rounds.
# usage: bench/dnssec-edge.sh [N] [ROUNDS]   (GETs per case, default 800; rounds, default 3)
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$FLATAPEX_ROOT"
n=${1:-800}
rounds=${2:-3}
many=20  # RRsets at the *.many wildcard
ensure_worker_toolchain
worker_env
ensure_apt python3-dnspython >/dev/null
out=bench/results; mkdir -p "$out"
echo "building the worker and the CLI"
scripts/build-worker >/dev/null
cargo build --quiet --release --locked --bin flatapex
scratch_dir

# The zones with the DNSKEYs of their keys, and the secret with both keys (a JSON array).
mkdir -p "$work/zones" "$work/keys"
secrets=()
add_zone() {  # zone algorithm
  local printed
  printed=$(target/release/flatapex dnssec keygen "$1." --dir "$work/keys" --algorithm "$2" --secret 2>/dev/null)
  {
    sed "s/sample\.test/$1/g" tests/conformance/sample.zone
    grep ' DNSKEY ' <<<"$printed"
    # A wildcard with many RRsets: ANY at a new name under it costs one signature per RRset.
    for t in $(seq 65280 $((65280 + many - 1))); do echo "*.many TYPE$t \\# 2 abcd"; done
  } > "$work/zones/$1.zone"
  secrets+=("$(grep '^{' <<<"$printed")")
}
add_zone sample.test 13
add_zone ed.test 15
printf "FLATAPEX_DNSSEC_KEYS='[%s]'\n" "$(IFS=,; echo "${secrets[*]}")" > "$work/.dev.vars"
# wrangler dev reads .dev.vars beside its configuration: the e2e one, with absolute paths.
sed -e "s|\.\./\.\./build/index.js|$FLATAPEX_ROOT/build/index.js|" \
  -e "s|\.\./\.\./ui/dist|$FLATAPEX_ROOT/ui/dist|" tests/e2e/wrangler.toml > "$work/wrangler.toml"
target/release/flatapex push --local --persist-to "$work/state" --config "$work/wrangler.toml" \
  "$work/zones" > "$work/push.log" 2>&1 || { cat "$work/push.log"; exit 1; }

port=$(free_port)
node_modules/.bin/wrangler dev --config "$work/wrangler.toml" --persist-to "$work/state" \
  --ip 127.0.0.1 --port "$port" > "$work/wrangler.log" 2>&1 &
pids+=($!)
for _ in $(seq 240); do grep -q "Ready on" "$work/wrangler.log" && break; sleep 0.25; done
grep -q "Ready on" "$work/wrangler.log" || { cat "$work/wrangler.log"; exit 1; }

descendants() {  # pid → it and every process below it
  echo "$1"
  for child in $(ps -o pid= --ppid "$1"); do descendants "$child"; done
}
workerd=(); node=()
for p in $(descendants "${pids[-1]}"); do
  case $(cat "/proc/$p/comm" 2>/dev/null) in
    workerd) workerd+=("$p") ;;
    node|wrangler|MainThread) node+=("$p") ;;
  esac
done
[ ${#workerd[@]} -gt 0 ] || { echo "no workerd process under wrangler dev" >&2; exit 1; }
echo "workerd: ${workerd[*]}; wrangler (node): ${node[*]}"

results=$out/dnssec-edge.jsonl; : > "$results"
url=http://127.0.0.1:$port/dns-query
echo "$n GETs per case, $rounds rounds"
/usr/bin/python3 bench/doh-dnssec-probe.py "$url" "$(IFS=,; echo "${workerd[*]}")" "$n" "$rounds" \
  sample.test:13 ed.test:15 | tee "$results"
# The same once more, counting the wrangler (node) process instead, to show it is not on the
# request path.
if [ ${#node[@]} -gt 0 ]; then
  /usr/bin/python3 bench/doh-dnssec-probe.py "$url" "$(IFS=,; echo "${node[*]}")" 200 1 sample.test:13 \
    | sed 's/^{/{"process": "node", /' | tee -a "$results"
fi

/usr/bin/python3 - "$results" "$many" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"process"' not in l]
many = int(sys.argv[2])
def us(alg, case):
    return statistics.median(r["us_cpu"] for r in rows if r["algorithm"] == alg and r["case"] == case)
print()
print("workerd CPU per DoH GET, µs (median of rounds)")
print()
print("| algorithm | DO=0 | DO=1 warm | ÷ DO=0 | DO=0, new wildcard names | DO=1, new wildcard names | ÷ DO=0 | DO=0, new NXDOMAIN names | DO=1, new NXDOMAIN names | ÷ DO=0 |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for alg in (13, 15):
    d0, d1 = us(alg, "do0-warm"), us(alg, "do1-warm")
    w0, w1 = us(alg, "do0-cold-wildcard"), us(alg, "do1-cold-wildcard")
    n0, n1 = us(alg, "do0-cold-nxdomain"), us(alg, "do1-cold-nxdomain")
    print(f"| {alg} | {d0:.0f} | {d1:.0f} | {d1 / d0:.2f} | {w0:.0f} | {w1:.0f} | {w1 / w0:.2f} "
          f"| {n0:.0f} | {n1:.0f} | {n1 / n0:.2f} |")
print()
print(f"ANY at a wildcard of {many} RRsets (with DO and a new name: {many} signatures per GET)")
print()
print("| algorithm | DO=0 | DO=1 warm | ÷ DO=0 | DO=0, new names | DO=1, new names | ÷ DO=0 | per signature: (DO=1 new − DO=0 new) ÷ RRsets |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for alg in (13, 15):
    a0, a1 = us(alg, "do0-any-warm"), us(alg, "do1-any-warm")
    c0, c1 = us(alg, "do0-any-cold"), us(alg, "do1-any-cold")
    print(f"| {alg} | {a0:.0f} | {a1:.0f} | {a1 / a0:.2f} | {c0:.0f} | {c1:.0f} | {c1 / c0:.2f} "
          f"| {(c1 - c0) / many:.0f} |")
PY
echo "raw figures in $results"
