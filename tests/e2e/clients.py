"""Real DoH clients against the worker under `wrangler dev`: dnspython (GET and POST) and curl.

Run by scripts/e2e-edge with the worker's base URL. Exits non-zero on the first mismatch.
"""
import base64
import json
import subprocess
import sys

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

base = sys.argv[1]
endpoint = base + "/dns-query"
checks = 0


def expect(what, got, want):
    global checks
    checks += 1
    if got != want:
        sys.exit(f"FAIL {what}: got {got!r}, want {want!r}")


for post in (True, False):
    how = "POST" if post else "GET"
    r = dns.query.https(dns.message.make_query("battery.test", "MX"), endpoint, post=post, timeout=10)
    expect(f"dnspython {how} MX rcode", r.rcode(), dns.rcode.NOERROR)
    expect(f"dnspython {how} MX has AA", bool(r.flags & dns.flags.AA), True)
    expect(f"dnspython {how} MX answer", len(r.answer), 1)
    r = dns.query.https(dns.message.make_query("nope.battery.test", "A"), endpoint, post=post, timeout=10)
    expect(f"dnspython {how} NXDOMAIN", r.rcode(), dns.rcode.NXDOMAIN)
    r = dns.query.https(dns.message.make_query("example.org", "A"), endpoint, post=post, timeout=10)
    expect(f"dnspython {how} outside our zones", r.rcode(), dns.rcode.REFUSED)
    q = dns.message.make_query("WwW.BaTtErY.TeSt", "A")
    r = dns.query.https(q, endpoint, post=post, timeout=10)
    expect(f"dnspython {how} case preserved", r.answer[0].name.to_text(), "WwW.BaTtErY.TeSt.")


def curl(*args):
    return subprocess.run(["curl", "-s", "-S", "--max-time", "10", *args], check=True, capture_output=True).stdout


body = json.loads(curl("-H", "accept: application/dns-json", endpoint + "?name=battery.test&type=NS"))
expect("curl JSON status", body["Status"], 0)
expect("curl JSON answer type", {a["type"] for a in body["Answer"]}, {dns.rdatatype.NS})

wire = dns.message.make_query("battery.test", "SOA").to_wire()
raw = curl(endpoint + "?dns=" + base64.urlsafe_b64encode(wire).decode().rstrip("="))
expect("curl GET wire rcode", dns.message.from_wire(raw).rcode(), dns.rcode.NOERROR)
raw = \
    subprocess.run(["curl", "-s", "-S", "--max-time", "10", "-H", "content-type: application/dns-message",
                    "--data-binary", "@-", endpoint], input=wire, check=True, capture_output=True).stdout
expect("curl POST wire answer", dns.message.from_wire(raw).answer[0].rdtype, dns.rdatatype.SOA)

headers = curl("-i", "-X", "OPTIONS", "-H", "origin: https://example.net", endpoint).decode().lower()
expect("curl preflight status", headers.split("\r\n")[0].split()[1], "204")
expect("curl preflight CORS", "access-control-allow-origin: *" in headers, True)

print(f"    real clients: {checks} checks passed (dnspython GET/POST, curl JSON/GET/POST/OPTIONS)")
