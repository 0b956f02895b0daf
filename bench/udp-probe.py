#!/usr/bin/env python3
"""Sends one UDP query every INTERVAL ms to HOST:PORT until STOPFILE exists (or SECONDS pass),
open loop: each query leaves on schedule whether or not earlier ones were answered, so a server
that stalls shows every query it held (no coordinated omission). Prints the latency of each
answer in ms, one per line; a query not answered within 2 s counts as 2000.
usage: udp-probe.py HOST PORT QNAME SECONDS STOPFILE [INTERVAL_MS]"""
import os, select, socket, struct, sys, time

host, port, qname, seconds, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5]
interval = float(sys.argv[6]) / 1000 if len(sys.argv) > 6 else 0.01
labels = b"".join(bytes([len(l)]) + l.encode() for l in qname.strip(".").split(".")) + b"\0"
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setblocking(False)
sent = {}       # id -> send time
latencies = []
end = time.monotonic() + seconds
next_at = time.monotonic()
qid = 0


def receive(until):
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return
        ready, _, _ = select.select([sock], [], [], left)
        if not ready:
            return
        while True:
            try:
                data = sock.recv(4096)
            except BlockingIOError:
                break
            if len(data) >= 2:
                rid = struct.unpack(">H", data[:2])[0]
                at = sent.pop(rid, None)
                if at is not None:
                    latencies.append((time.monotonic() - at) * 1000)


while time.monotonic() < end and not os.path.exists(stop):
    qid = (qid + 1) & 0xFFFF
    query = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + labels + struct.pack(">HH", 1, 1)
    sent[qid] = time.monotonic()
    sock.sendto(query, (host, port))
    next_at += interval
    receive(next_at)
receive(time.monotonic() + 2.0)
latencies.extend(2000.0 for _ in sent)
for ms in latencies:
    print(f"{ms:.3f}")
