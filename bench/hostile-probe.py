#!/usr/bin/env python3
"""Measures a flatapex binary under hostile clients: a padded-query flood over one TCP
connection (RSS before and after), running out of file descriptors (survival, CPU, UDP and TCP
answers), and thousands of idle connections to the TCP and DoH ports from 127.1-50.0.x while a
client on 127.0.0.1 keeps querying over UDP, TCP and DoH. bench/hostile.sh runs it; the README's
"Hostile clients" figures come from it.
usage: hostile-probe.py BINARY ZONES_DIR padding [N] | fds | idle [N]"""
import os, re, resource, socket, struct, subprocess, sys, threading, time, urllib.request

BIN, ZONES, MODE = sys.argv[1], sys.argv[2], sys.argv[3]
ARGS = sys.argv[4:]


def query(qid, name, pad=None):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    opt = b"" if pad is None else struct.pack(">HH", 12, pad) + bytes(pad)
    q += b"\0" + struct.pack(">HHIH", 41, 1232, 0, len(opt)) + opt
    return q


def rcode(resp, qid):
    if len(resp) < 12 or struct.unpack(">H", resp[:2])[0] != qid:
        return None
    return resp[3] & 0xF


def start(extra):
    p = subprocess.Popen([BIN, "serve", "--zones", ZONES, "--listen", "127.0.0.1:0", *extra],
                         stderr=subprocess.PIPE, text=True)
    addr = doh = None
    log = []
    while addr is None or ("--doh" in extra and doh is None):
        line = p.stderr.readline()
        log.append(line)
        m = re.search(r"serving .* on (\S+)", line)
        if m:
            h, port = m.group(1).rsplit(":", 1)
            addr = (h, int(port))
        m = re.search(r"DoH on (\S+)", line)
        if m:
            doh = m.group(1)
    threading.Thread(target=lambda: [log.append(l) for l in p.stderr], daemon=True).start()
    return p, addr, doh, log


def rss(pid):
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])


def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def tcp_query(addr, q, src="127.0.0.1"):
    s = socket.create_connection(addr, timeout=5, source_address=(src, 0))
    s.sendall(struct.pack(">H", len(q)) + q)
    n = struct.unpack(">H", recvn(s, 2))[0]
    r = recvn(s, n)
    s.close()
    return r


def recvn(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("closed")
        b += c
    return b


def udp_query(addr, q):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(q, addr)
    r = s.recv(4096)
    s.close()
    return r


def doh_query(url, q):
    req = urllib.request.Request(url, data=q, headers={"content-type": "application/dns-message"})
    return urllib.request.urlopen(req, timeout=5).read()


if MODE == "padding":
    n = int(ARGS[0]) if ARGS else 10000
    p, addr, _, _ = start([])
    tcp_query(addr, query(1, "lb.battery.test."))
    before = rss(p.pid)
    s = socket.create_connection(addr)
    got = [0]

    def reader():
        for _ in range(n):
            ln = struct.unpack(">H", recvn(s, 2))[0]
            r = recvn(s, ln)
            got[0] += rcode(r, struct.unpack(">H", r[:2])[0]) == 0
    t = threading.Thread(target=reader)
    t.start()
    for i in range(n):
        q = query(i % 65536, f"p{i}.apps.battery.test.", 63000)
        s.sendall(struct.pack(">H", len(q)) + q)
    t.join()
    time.sleep(0.5)
    print(f"{BIN}: RSS {before} KiB before, {rss(p.pid)} KiB after {n} queries with 63,000 octets of padding; {got[0]} answered")
    p.kill()
elif MODE == "fds":
    p, addr, doh, log = start(["--doh", "127.0.0.1:0"])
    doh_addr = doh[7:].split("/")[0].rsplit(":", 1)
    doh_addr = (doh_addr[0], int(doh_addr[1]))
    hard = resource.prlimit(p.pid, resource.RLIMIT_NOFILE)[1]
    nfds = len(os.listdir(f"/proc/{p.pid}/fd"))
    resource.prlimit(p.pid, resource.RLIMIT_NOFILE, (nfds, hard))
    waiting = []
    for _ in range(20):
        for a in (addr, doh_addr):
            try:
                waiting.append(socket.create_connection(a, timeout=2))
            except OSError as e:
                pass
    time.sleep(1)
    alive = p.poll() is None
    c0 = cpu(p.pid) if alive else 0
    time.sleep(3)
    busy = (cpu(p.pid) - c0) / 3 if p.poll() is None else None
    try:
        u = rcode(udp_query(addr, query(7, "lb.battery.test.")), 7)
    except OSError as e:
        u = repr(e)
    if p.poll() is None:
        resource.prlimit(p.pid, resource.RLIMIT_NOFILE, (hard, hard))
    try:
        t = rcode(tcp_query(addr, query(7, "lb.battery.test.")), 7)
    except Exception as e:
        t = repr(e)
    accept_lines = sum("accept" in l for l in log)
    print(f"{BIN}: out of descriptors with {len(waiting)} connections waiting: alive {alive}/{p.poll() is None}, CPU {busy if busy is None else round(busy * 100, 1)} %, {len(log)} log lines ({accept_lines} about accept); udp rcode {u} during, tcp rcode {t} after")
    print("".join(log[-3:]))
    p.kill()
elif MODE == "idle":
    idle = int(ARGS[0]) if ARGS else 5000
    p, addr, doh, log = start(["--doh", "127.0.0.1:0"])
    doh_addr = doh[7:].split("/")[0].rsplit(":", 1)
    doh_addr = (doh_addr[0], int(doh_addr[1]))
    stop = threading.Event()
    tally = {"udp": [0, 0], "tcp": [0, 0], "doh": [0, 0]}

    def legit():
        i = 0
        while not stop.is_set():
            i = (i + 1) % 65536
            q = query(i, "lb.battery.test.")
            for name, f in (("udp", lambda: udp_query(addr, q)), ("tcp", lambda: tcp_query(addr, q)), ("doh", lambda: doh_query(doh, q))):
                try:
                    ok = rcode(f(), i) == 0
                except Exception:
                    ok = False
                tally[name][0 if ok else 1] += 1
            time.sleep(0.02)
    held = []

    def flood(to, t):
        for i in range(t, idle, 10):
            src = f"127.{1 + i % 50}.0.{1 + i // 50 % 4}"
            try:
                s = socket.socket()
                s.bind((src, 0))
                s.settimeout(3)
                s.connect(to)
                held.append(s)
            except OSError:
                pass
    lt = threading.Thread(target=legit)
    lt.start()
    began = time.time()
    fl = [threading.Thread(target=flood, args=(to, t)) for to in (addr, doh_addr) for t in range(10)]
    [f.start() for f in fl]
    [f.join() for f in fl]
    flooded = time.time() - began
    time.sleep(5)
    stop.set()
    lt.join()
    print(f"{BIN}: {len(held)} of {2 * idle} idle connections opened in {flooded:.1f} s (then 5 s more); legitimate queries from 127.0.0.1 answered/failed: {tally}; server alive {p.poll() is None}")
    p.kill()
