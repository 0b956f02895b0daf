"""Real PowerDNS API clients against `flatapex serve --api-keys` (scripts/api-clients).

octoDNS (octodns-powerdns) syncs a YAML zone with an apex ALIAS, MX, TXT and a CNAME, a second
run plans no changes, and the ALIAS is answered flattened over DoH; dns-lexicon creates,
lists, updates and deletes a TXT record with a key that may only write _acme-challenge TXT,
and the same key is refused an A record.  Every step is checked against DoH answers.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ADMIN = "fapx_admin_" + "0123456789abcdef"
ACME = "fapx_acme_" + "0123456789abcdef"
ZONE = """$ORIGIN example.com.
@ 3600 IN SOA ns1 hostmaster 10 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
www 300 IN A 192.0.2.1
"""
OCTODNS_ZONE = """---
'':
  - type: ALIAS
    value: www.example.com.
  - type: MX
    value:
      exchange: mail.example.com.
      preference: 10
  - type: NS
    value: ns1.example.com.
  - type: TXT
    values:
      - hello world
      - v=spf1 -all
docs:
  type: CNAME
  value: www.example.com.
ns1:
  type: A
  value: 192.0.2.53
www:
  ttl: 300
  type: A
  value: 192.0.2.1
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def doh(base, name, rtype):
    request = urllib.request.Request(
        f"{base}/dns-query?name={name}&type={rtype}",
        headers={"accept": "application/dns-json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.load(response)
    return sorted(a["data"] for a in answer.get("Answer", []) if a["type"] == {"A": 1, "MX": 15, "TXT": 16, "CNAME": 5}[rtype])


def check(what, got, expected):
    if got != expected:
        sys.exit(f"FAIL {what}: got {got!r}, expected {expected!r}")
    print(f"ok   {what}: {got!r}")


def check_doh(what, base, name, rtype, expected):
    """DoH answers `expected` within 10 s (the edge re-reads its KV index every 2 s here)."""
    deadline = time.monotonic() + 10
    got = doh(base, name, rtype)
    while got != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        got = doh(base, name, rtype)
    check(what, got, expected)


def octodns(venv, work, port):
    config = os.path.join(work, "octodns")
    os.makedirs(os.path.join(config, "config"))
    with open(os.path.join(config, "config", "example.com.yaml"), "w") as f:
        f.write(OCTODNS_ZONE)
    with open(os.path.join(config, "config.yaml"), "w") as f:
        f.write(f"""---
providers:
  config:
    class: octodns.provider.yaml.YamlProvider
    directory: ./config
  flatapex:
    class: octodns_powerdns.PowerDnsProvider
    host: 127.0.0.1
    port: {port}
    api_key: {ADMIN}
    scheme: http
zones:
  example.com.:
    sources: [config]
    targets: [flatapex]
""")
    sync = [os.path.join(venv, "bin", "octodns-sync"), "--config-file=config.yaml"]
    first = subprocess.run(sync + ["--doit"], cwd=config, capture_output=True, text=True)
    print(first.stdout[-2000:], first.stderr[-2000:])
    if first.returncode != 0:
        sys.exit("FAIL octoDNS first sync")
    second = subprocess.run(sync, cwd=config, capture_output=True, text=True)
    out = second.stdout + second.stderr
    if second.returncode != 0 or "No changes were planned" not in out:
        sys.exit(f"FAIL octoDNS second run planned changes:\n{out}")
    print("ok   octoDNS: the second run plans no changes")


def lexicon(port, base):
    sys.path.insert(0, "")
    from lexicon.client import Client
    from lexicon.config import ConfigResolver

    def run(key, action, type, name, content=None, identifier=None):
        cfg = {"provider_name": "powerdns", "domain": "example.com", "ttl": 60,
               "powerdns": {"auth_token": key, "pdns_server": f"http://127.0.0.1:{port}"}}
        with Client(ConfigResolver().with_dict(cfg)) as operations:
            if action == "create":
                return operations.create_record(type, name, content)
            if action == "list":
                return operations.list_records(type, name)
            if action == "update":
                return operations.update_record(identifier, type, name, content)
            return operations.delete_record(None, type, name, content)

    name = "_acme-challenge.example.com"
    check("lexicon create", run(ACME, "create", type="TXT", name="_acme-challenge", content="first"), True)
    check_doh("DoH after create", base, name, "TXT", ['"first"'])
    listed = run(ACME, "list", type="TXT", name="_acme-challenge")
    check("lexicon list", [r["content"] for r in listed], ["first"])
    check("lexicon update", run(ACME, "update", type="TXT", name="_acme-challenge", content="second", identifier=listed[0]["id"]), True)
    check_doh("DoH after update", base, name, "TXT", ['"second"'])
    check("lexicon delete", run(ACME, "delete", type="TXT", name="_acme-challenge", content="second"), True)
    check_doh("DoH after delete", base, name, "TXT", [])
    try:
        run(ACME, "create", type="A", name="_acme-challenge", content="192.0.2.9")
        sys.exit("FAIL the _acme-challenge key wrote an A record")
    except Exception as e:  # requests.HTTPError from lexicon
        check("the scoped key is refused an A record", "403" in str(e), True)
    check_doh("DoH: no A record was written", base, name, "A", [])


def wait_ready(base, log_path):
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    with open(log_path, errors="replace") as f:
        said = f.read()[-3000:]
    sys.exit(f"FAIL {base} did not come up in 30 s; it said:\n{said}")


def write_keys(path, as_array):
    keys = [{"name": "admin", "key": ADMIN},
            {"name": "acme", "key": ACME, "names": ["_acme-challenge.*"], "types": ["TXT"]}]
    with open(path, "w") as f:
        if as_array:
            f.write("FLATAPEX_API_KEYS='" + json.dumps(keys) + "'\n")
        else:
            f.write("".join(json.dumps(k) + "\n" for k in keys))


def start_native(binary, work):
    """flatapex serve with example.com in its zone directory."""
    zones = os.path.join(work, "zones")
    os.makedirs(zones)
    with open(os.path.join(zones, "example.com.zone"), "w") as f:
        f.write(ZONE)
    keys = os.path.join(work, "keys.jsonl")
    write_keys(keys, as_array=False)
    port, dns = free_port(), free_port()
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([binary, "serve", "--zones", zones, "--listen", f"127.0.0.1:{dns}",
                               "--doh", f"127.0.0.1:{port}", "--api-keys", keys], stderr=log)
    return server, port, dns


def start_edge(root, work):
    """wrangler dev with the built worker, an empty local KV (octoDNS creates the zone)."""
    with open(os.path.join(root, "tests/e2e/wrangler.toml")) as f:
        config = f.read().replace('main = "../../build/index.js"', f'main = "{root}/build/index.js"')
    # Paths in the template are relative to tests/e2e; this copy lives elsewhere.
    config = config.replace('directory = "../../ui/dist"', f'directory = "{root}/ui/dist"')
    assert f'"{root}/ui/dist"' in config, "the [assets] line of tests/e2e/wrangler.toml changed"
    with open(os.path.join(work, "wrangler.toml"), "w") as f:
        f.write(config)
    write_keys(os.path.join(work, ".dev.vars"), as_array=True)
    port = free_port()
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([os.path.join(root, "node_modules/.bin/wrangler"), "dev", "--ip", "127.0.0.1",
                               "--port", str(port), "--persist-to", os.path.join(work, "state")],
                              cwd=work, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return server, port, None


def acme(work, port, dns, base):
    """lego's pdns provider gets a certificate from pebble over DNS-01, writing the TXT with the
    key that may only write _acme-challenge TXT; pebble checks it at flatapex's UDP port."""
    acme_dir = os.path.join(work, "acme")
    os.makedirs(acme_dir)
    cert, key = os.path.join(acme_dir, "pebble.pem"), os.path.join(acme_dir, "pebble.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    acme_port = free_port()
    with open(os.path.join(acme_dir, "pebble.json"), "w") as f:
        json.dump({"pebble": {"listenAddress": f"127.0.0.1:{acme_port}",
                              "managementListenAddress": f"127.0.0.1:{free_port()}",
                              "certificate": cert, "privateKey": key, "httpPort": free_port(),
                              "tlsPort": free_port(), "ocspResponderURL": "",
                              "externalAccountBindingRequired": False}}, f)
    env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0", PEBBLE_AUTHZREUSE="0")
    pebble_log = open(os.path.join(acme_dir, "pebble.log"), "w")
    pebble = subprocess.Popen(["pebble", "-config", os.path.join(acme_dir, "pebble.json"),
                               "-dnsserver", f"127.0.0.1:{dns}"], env=env, stdout=pebble_log,
                              stderr=subprocess.STDOUT)
    try:
        time.sleep(1)
        lego_env = dict(os.environ, LEGO_CA_CERTIFICATES=cert, PDNS_API_URL=base, PDNS_API_KEY=ACME,
                        PDNS_PROPAGATION_TIMEOUT="30", PDNS_POLLING_INTERVAL="1", PDNS_TTL="60")
        started = time.monotonic()
        lego = subprocess.run(["lego", "--accept-tos", "--email", "admin@example.com",
                               "--server", f"https://127.0.0.1:{acme_port}/dir", "--dns", "pdns",
                               "--dns.resolvers", f"127.0.0.1:{dns}", "--dns.disable-cp",
                               "--domains", "www.example.com", "--path", acme_dir, "run"],
                              env=lego_env, capture_output=True, text=True, timeout=120)
        if lego.returncode != 0:
            with open(os.path.join(acme_dir, "pebble.log")) as f:
                print(f.read()[-3000:])
            sys.exit(f"FAIL lego:\n{lego.stdout[-3000:]}\n{lego.stderr[-3000:]}")
        issued = os.path.join(acme_dir, "certificates", "www.example.com.crt")
        subject = subprocess.run(["openssl", "x509", "-in", issued, "-noout", "-ext", "subjectAltName"],
                                 capture_output=True, text=True, check=True).stdout
        check(f"lego + pebble: a certificate over DNS-01 in {time.monotonic() - started:.1f} s",
              "DNS:www.example.com" in subject, True)
        check_doh("DoH: lego removed its TXT", base, "_acme-challenge.www.example.com", "TXT", [])
        request = urllib.request.Request(
            f"{base}/api/v1/servers/localhost/zones/example.com.", method="PATCH",
            headers={"X-API-Key": ACME},
            data=json.dumps({"rrsets": [{"name": "_acme-challenge.www.example.com.", "type": "A",
                                         "changetype": "REPLACE", "ttl": 60,
                                         "records": [{"content": "192.0.2.9", "disabled": False}]}]}).encode())
        try:
            urllib.request.urlopen(request, timeout=5)
            sys.exit("FAIL lego's key wrote an A record")
        except urllib.error.HTTPError as e:
            check("lego's key is refused an A record", e.code, 403)
    finally:
        pebble.terminate()
        pebble.wait()


def main():
    mode, where, venv = sys.argv[1], sys.argv[2], sys.argv[3]
    work = tempfile.mkdtemp(prefix=f"flatapex-clients-{mode}-")
    server, port, dns = start_native(where, work) if mode == "native" else start_edge(where, work)
    base = f"http://127.0.0.1:{port}"
    print(f"== {mode}: {base}")
    try:
        wait_ready(base, os.path.join(work, "server.log"))
        octodns(venv, work, port)
        check_doh("DoH: the apex ALIAS is flattened", base, "example.com", "A", ["192.0.2.1"])
        check_doh("DoH: MX", base, "example.com", "MX", ["10 mail.example.com."])
        check_doh("DoH: TXT", base, "example.com", "TXT", ['"hello world"', '"v=spf1 -all"'])
        check_doh("DoH: CNAME", base, "docs.example.com", "CNAME", ["www.example.com."])
        lexicon(port, base)
        if dns is not None:
            acme(work, port, dns, base)
    finally:
        os.killpg(server.pid, signal.SIGTERM) if mode == "edge" else server.terminate()
        server.wait()
        with open(os.path.join(work, "server.log")) as f:
            changes = [line for line in f if "api_change" in line]
        print(f"{len(changes)} change(s) logged, the last: {changes[-1].strip() if changes else None}")
    print(f"all API client checks passed ({mode})")


if __name__ == "__main__":
    main()
