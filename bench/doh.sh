#!/usr/bin/env bash
# Native DoH throughput: flatapex `serve --doh` beside dnsdist's DoH (addDOHLocal without a
# certificate: plain HTTP, with its packet cache, Knot behind it) and BIND's DoH (`http local`
# over `tls none`; HTTP/2 only), in one run on the same zone and query. Each server is pinned to CPU 0 with
# one worker, h2load to CPU 1; h2c (HTTP/2 prior knowledge) then HTTP/1.1, SECONDS each.
# usage: bench/doh.sh [SECONDS]
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$FLATAPEX_ROOT"
secs=${1:-10}
ensure_apt nghttp2-client dnsdist knot bind9 >/dev/null
cargo build --quiet --release --locked --bin flatapex
out=bench/results; mkdir -p "$out"
scratch_dir
cp tests/conformance/sample.zone "$work/sample.test.zone"
# An A query for www.sample.test, ID 0 (RFC 8484 §4.1), base64url without padding.
dns=$(/usr/bin/python3 -c 'import base64, dns.message; q = dns.message.make_query("www.sample.test", "A"); q.id = 0; print(base64.urlsafe_b64encode(q.to_wire()).decode().rstrip("="))')

wait_http() {  # url
  for _ in $(seq 100); do curl -sf -o /dev/null --http2-prior-knowledge --max-time 1 "$1" && return 0; sleep 0.1; done
  echo "nothing answers at $1" >&2; return 1
}

fp=$(free_port); fd=$(free_port)
taskset -c 0 target/release/flatapex serve --zones "$work" --listen "127.0.0.1:$fp" --doh "127.0.0.1:$fd" \
  --threads 1 2>"$work/flatapex.log" &
pids+=($!)

kp=$(free_port)
knot_primary_conf "$work/knot" "$kp" sample.test sample.test.zone
taskset -c 0 knotd -c "$work/knot/knot.conf" >"$work/knot.log" 2>&1 &
pids+=($!)
dd=$(free_port)
dnsdist_doh_conf "$work/dnsdist.conf" "$kp" "$dd" "pc = newPacketCache(10000) getPool(''):setCache(pc)"
taskset -c 0 dnsdist --supervised --disable-syslog -C "$work/dnsdist.conf" >"$work/dnsdist.log" 2>&1 &
pids+=($!)

bd=$(free_port); bp=$(free_port); mkdir -p "$work/bind"
cat > "$work/bind/named.conf" <<CONF
options { directory "$work/bind"; listen-on port $bp { 127.0.0.1; }; listen-on-v6 { none; };
  listen-on port $bd tls none http local { 127.0.0.1; }; recursion no; pid-file none; };
http local { endpoints { "/dns-query"; }; };
zone "sample.test" { type primary; file "$work/sample.test.zone"; };
CONF
taskset -c 0 named -g -n 1 -c "$work/bind/named.conf" >"$work/bind.log" 2>&1 &
pids+=($!)

declare -A url=(
  [flatapex]="http://127.0.0.1:$fd/dns-query?dns=$dns"
  [dnsdist]="http://127.0.0.1:$dd/dns-query?dns=$dns"
  [bind]="http://127.0.0.1:$bd/dns-query?dns=$dns"
)
for s in flatapex dnsdist bind; do wait_http "${url[$s]}" || { echo "($s)"; tail "$work"/*.log; exit 1; }; done
# Every server gives the same answer before it is measured.
for s in flatapex dnsdist bind; do
  curl -s --http2-prior-knowledge "${url[$s]}" | /usr/bin/python3 -c 'import sys, dns.message; m = dns.message.from_wire(sys.stdin.buffer.read()); print(sorted(str(r) for rr in m.answer for r in rr))' > "$work/answer.$s"
done
cmp -s "$work/answer.flatapex" "$work/answer.dnsdist" && cmp -s "$work/answer.flatapex" "$work/answer.bind" \
  || { echo "answers differ:"; head "$work"/answer.*; exit 1; }

declare -A rps
for proto in h2c h1; do
  for s in flatapex dnsdist bind; do
    # BIND 9.18 serves DoH over HTTP/2 only.
    if [ $proto = h1 ] && [ $s = bind ]; then rps[$proto-$s]=0; continue; fi
    flag=; [ $proto = h1 ] && flag=--h1
    timeout $((secs + 30)) taskset -c 1 h2load $flag -c 32 -m 8 -t 1 -D "$secs" "${url[$s]}" >"$out/doh-$proto-$s.txt" 2>&1 || true
    rps[$proto-$s]=$(awk '/^finished in/ { gsub(/,/, ""); print int($4) }' "$out/doh-$proto-$s.txt")
    ok=$(awk '/^status codes:/ { print $3 }' "$out/doh-$proto-$s.txt")
    echo "  $proto $s: ${rps[$proto-$s]} req/s (${ok} 2xx)"
  done
done
{
  echo "| protocol | flatapex req/s | dnsdist req/s | BIND req/s | flatapex / dnsdist | flatapex / BIND |"
  echo "|---|---|---|---|---|---|"
  for proto in h2c h1; do
    f=${rps[$proto-flatapex]}; d=${rps[$proto-dnsdist]}; b=${rps[$proto-bind]}
    rd=$(awk -v a="$f" -v b="$d" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    rb=$(awk -v a="$f" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }')
    [ "$b" = 0 ] && b="n/a (HTTP/2 only)"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$proto" "$f" "$d" "$b" "$rd" "$rb"
  done
} | tee "$out/doh.md"
