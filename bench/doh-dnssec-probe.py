"""CPU per DoH answer of a server process, with and without DNSSEC signing (bench/dnssec-edge.sh
runs it against the worker in wrangler dev).

usage: doh-dnssec-probe.py URL PIDS N ROUNDS ZONE:ALGORITHM...

URL is the DoH endpoint (http://127.0.0.1:PORT/dns-query), PIDS the comma-separated processes
whose CPU time (utime+stime from /proc/PID/stat) counts. For each zone and each case, N GETs go
one after another over one keep-alive connection; the cases:

  do0-warm, do1-warm                the same question each time (x.apps.ZONE A), DO clear / set
  do0-cold-wildcard, do1-cold-...   a new wildcard name each time (a signature each with DO)
  do0-cold-nxdomain, do1-cold-...   a new name that does not exist each time
  do0-any-warm, do1-any-warm        ANY at x.many.ZONE, a wildcard that owns many RRsets
  do0-any-cold, do1-any-cold        ANY at a new name under it each time: with DO, one
                                    signature per RRset, which lifts signing above the noise

Every query has EDNS (payload 1232); the first answer of each case is checked (NOERROR, RRSIGs
present exactly when DO is set). Warm cases send their question once before the clock starts;
200 GETs before the first case warm the isolate up. ROUNDS repeats the whole set; names never
repeat across rounds. Prints one JSON line per zone, case and round: {"zone", "algorithm",
"case", "round", "us_cpu", "us_wall", "n", "rrsigs"} (µs per answer; the RRSIG sets in the
first answer).
"""
import base64
import http.client
import json
import os
import sys
import time
import urllib.parse

import dns.message
import dns.rcode
import dns.rdatatype

CASES = ["do0-warm", "do1-warm", "do0-cold-wildcard", "do1-cold-wildcard",
         "do0-cold-nxdomain", "do1-cold-nxdomain",
         "do0-any-warm", "do1-any-warm", "do0-any-cold", "do1-any-cold"]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total


def wire(name, dnssec, qtype="A"):
    message = dns.message.make_query(name, qtype, use_edns=0, payload=1232, want_dnssec=dnssec)
    message.id = 0
    return base64.urlsafe_b64encode(message.to_wire()).rstrip(b"=").decode()


def names(case, zone, n, round_):
    if case.endswith("warm"):
        return [f"x.{'many' if 'any' in case else 'apps'}.{zone}"] * n
    kind = "w" if "wildcard" in case else "a" if "any" in case else "nx"
    suffix = {"w": f"apps.{zone}", "a": f"many.{zone}", "nx": zone}[kind]
    return [f"{kind}{case[2]}r{round_}n{i}.{suffix}" for i in range(n)]


def get(conn, path, dns_param):
    conn.request("GET", f"{path}?dns={dns_param}", headers={"accept": "application/dns-message"})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        sys.exit(f"GET {path}: HTTP {response.status}: {body[:200]!r}")
    return body


def check(body, case, name):
    message = dns.message.from_wire(body)
    rrsigs = sum(1 for section in (message.answer, message.authority)
                 for rrset in section if rrset.rdtype == dns.rdatatype.RRSIG)
    signed = case.startswith("do1")
    if message.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN) or (rrsigs > 0) != signed:
        sys.exit(f"{case} {name}: unexpected answer ({rrsigs} RRSIG sets):\n{message}")
    return rrsigs


def main():
    url, pids, n, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    pids = [int(p) for p in pids.split(",")]
    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    for i in range(200):
        get(conn, parsed.path, wire(f"warmup{i}.apps.{sys.argv[5].split(':')[0]}", False))
    for round_ in range(rounds):
        for spec in sys.argv[5:]:
            zone, algorithm = spec.split(":")
            for case in CASES:
                dnssec = case.startswith("do1")
                qtype = "ANY" if "any" in case else "A"
                queries = [(q, wire(q, dnssec, qtype)) for q in names(case, zone, n, round_)]
                rrsigs = check(get(conn, parsed.path, queries[0][1]), case, queries[0][0])
                if not case.endswith("warm"):
                    queries = queries[1:]
                c0, t0 = cpu_ticks(pids), time.perf_counter()
                for _, q in queries:
                    get(conn, parsed.path, q)
                c1, t1 = cpu_ticks(pids), time.perf_counter()
                print(json.dumps({
                    "zone": zone, "algorithm": int(algorithm), "case": case, "round": round_ + 1,
                    "us_cpu": round((c1 - c0) / TICK * 1e6 / len(queries), 1),
                    "us_wall": round((t1 - t0) * 1e6 / len(queries), 1), "n": len(queries),
                    "rrsigs": rrsigs,
                }), flush=True)


if __name__ == "__main__":
    main()
