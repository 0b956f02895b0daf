#!/usr/bin/env bash
# The record API's latency (issue 10's benchmark), in one run: PATCH acknowledged (p50, p99)
# and the time until the change is served, for flatapex serve (release build, answered over
# UDP), the Worker in wrangler dev (answered over DoH; the test configuration re-reads the KV
# index every 2 s, production's default is 30 s), and PowerDNS 4.7 with its SQLite backend
# (the peer every PowerDNS API client was written for; answered over UDP).
# usage: bench/api.sh [PATCHES]   (default 300)
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$FLATAPEX_ROOT"
n=${1:-300}
ensure_apt pdns-server pdns-backend-sqlite3 python3-dnspython
ensure_worker_toolchain
cargo build --release --locked --bin flatapex
scripts/build-worker >/dev/null 2>&1 || scripts/build-worker
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "$1 did not come up" >&2; exit 1; }
key=fapx_bench_0123456789abcdef
zone='{"name":"bench.test.","kind":"Native","nameservers":["ns1.bench.test."],"rrsets":[{"name":"ns1.bench.test.","type":"A","ttl":3600,"records":[{"content":"192.0.2.53","disabled":false}]}]}'
results=()

echo "== flatapex serve (release)"
mkdir -p "$work/native/zones"
echo "{\"name\":\"bench\",\"key\":\"$key\"}" >"$work/native/keys"
dns=$(free_port); doh=$(free_port)
setsid target/release/flatapex serve --zones "$work/native/zones" --listen "127.0.0.1:$dns" \
  --doh "127.0.0.1:$doh" --api-keys "$work/native/keys" 2>"$work/native/log" &
pids+=($!)
wait_http "http://127.0.0.1:$doh/health"
curl -sf -o /dev/null -H "X-API-Key: $key" -X POST "http://127.0.0.1:$doh/api/v1/servers/localhost/zones" -d "$zone"
results+=("$(/usr/bin/python3 bench/api-latency.py "flatapex serve" "http://127.0.0.1:$doh" "$key" bench.test. "$n" udp "127.0.0.1:$dns")")

echo "== the Worker in wrangler dev"
mkdir -p "$work/edge"
sed -e "s|main = \"../../build/index.js\"|main = \"$PWD/build/index.js\"|" -e "s|directory = \"../../ui/dist\"|directory = \"$PWD/ui/dist\"|" tests/e2e/wrangler.toml >"$work/edge/wrangler.toml"
echo "FLATAPEX_API_KEYS='[{\"name\":\"bench\",\"key\":\"$key\"}]'" >"$work/edge/.dev.vars"
edge=$(free_port)
(cd "$work/edge" && setsid "$FLATAPEX_ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$edge" \
  --persist-to "$work/edge/state" >"$work/edge/log" 2>&1) &
pids+=($!)
wait_http "http://127.0.0.1:$edge/health"
curl -sf -o /dev/null -H "X-API-Key: $key" -X POST "http://127.0.0.1:$edge/api/v1/servers/localhost/zones" -d "$zone"
results+=("$(/usr/bin/python3 bench/api-latency.py "worker (wrangler dev)" "http://127.0.0.1:$edge" "$key" bench.test. "$n" doh "http://127.0.0.1:$edge/dns-query")")

echo "== PowerDNS $(pdns_server --version 2>&1 | sed -n 's/.*PowerDNS Authoritative Server \([0-9.]*\).*/\1/p' | head -1) (gsqlite3)"
mkdir -p "$work/pdns"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read())" \
  "$work/pdns/pdns.sqlite3" /usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql
pdns_dns=$(free_port); pdns_web=$(free_port)
cat >"$work/pdns/pdns.conf" <<CONF
launch=gsqlite3
gsqlite3-database=$work/pdns/pdns.sqlite3
api=yes
api-key=$key
webserver=yes
webserver-address=127.0.0.1
webserver-port=$pdns_web
webserver-allow-from=127.0.0.0/8
local-address=127.0.0.1
local-port=$pdns_dns
socket-dir=$work/pdns
guardian=no
daemon=no
disable-syslog=yes
loglevel=3
CONF
setsid pdns_server --config-dir="$work/pdns" >"$work/pdns/log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$pdns_web/"
curl -sf -o /dev/null -H "X-API-Key: $key" -X POST "http://127.0.0.1:$pdns_web/api/v1/servers/localhost/zones" -d "$zone"
results+=("$(/usr/bin/python3 bench/api-latency.py "PowerDNS" "http://127.0.0.1:$pdns_web" "$key" bench.test. "$n" udp "127.0.0.1:$pdns_dns")")

printf '\n%s\n' "${results[@]}"
python3 - "${results[@]}" <<'PY'
import json, sys
rows = [json.loads(r) for r in sys.argv[1:]]
print(f"\n{'target':24} {'PATCH p50':>10} {'p99':>8} {'served after p50':>17} {'max':>8}")
for r in rows:
    a, s = r["ack_ms"], r["served_after_ack_ms"]
    print(f"{r['target']:24} {a['p50']:>8} ms {a['p99']:>5} ms {s['p50']:>14} ms {s['max']:>5} ms")
native, pdns = rows[0], rows[-1]
print(f"\nflatapex serve / PowerDNS, PATCH p50: {native['ack_ms']['p50'] / pdns['ack_ms']['p50']:.2f}, "
      f"p99: {native['ack_ms']['p99'] / pdns['ack_ms']['p99']:.2f}")
PY
