"""PATCH latency of the PowerDNS API, and the time until the change is served, against one
target (bench/api.sh runs it against flatapex serve, the Worker in wrangler dev, and PowerDNS
4.7 with its SQLite backend, in one run).

usage: api-latency.py NAME BASE KEY ZONE N (udp HOST:PORT | doh URL)

Each of N rounds replaces the TXT at bench.<zone> with a new value over one keep-alive
connection and times the 204; every 10th round then polls (every 5 ms) until the new value is
answered, over UDP or DoH, and times that from the moment the PATCH was acknowledged.
Prints one JSON line.
"""
import http.client
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request

import dns.message
import dns.query
import dns.rdatatype


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    name, base, key, zone, n, via, where = sys.argv[1:8]
    n = int(n)
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    owner = f"bench.{zone}"

    def served(value):
        if via == "udp":
            host, port = where.rsplit(":", 1)
            answer = dns.query.udp(dns.message.make_query(owner, "TXT"), host, port=int(port), timeout=2)
            texts = [b"".join(r.strings).decode() for rr in answer.answer for r in rr]
        else:
            request = urllib.request.Request(f"{where}?name={owner}&type=TXT",
                                             headers={"accept": "application/dns-json"})
            with urllib.request.urlopen(request, timeout=5) as response:
                body = json.load(response)
            texts = [a["data"].strip('"') for a in body.get("Answer", []) if a["type"] == 16]
        return value in texts

    acks, visible = [], []
    for i in range(n):
        value = f"round-{i}-{time.time_ns()}"
        body = json.dumps({"rrsets": [{"name": owner, "type": "TXT", "changetype": "REPLACE", "ttl": 60,
                                       "records": [{"content": f'"{value}"', "disabled": False}]}]})
        started = time.perf_counter()
        conn.request("PATCH", f"/api/v1/servers/localhost/zones/{zone}", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        acked = time.perf_counter()
        if response.status != 204:
            sys.exit(f"{name}: PATCH answered {response.status}")
        acks.append((acked - started) * 1000)
        if i % 10 == 0:
            while not served(value):
                if time.perf_counter() - acked > 60:
                    sys.exit(f"{name}: round {i} not served after 60 s")
                time.sleep(0.005)
            visible.append((time.perf_counter() - acked) * 1000)
    print(json.dumps({
        "target": name,
        "patches": n,
        "ack_ms": {"p50": round(statistics.median(acks), 2), "p99": round(percentile(acks, 99), 2),
                   "max": round(max(acks), 2)},
        "served_after_ack_ms": {"p50": round(statistics.median(visible), 1),
                                "max": round(max(visible), 1), "samples": len(visible)},
    }))


if __name__ == "__main__":
    main()
