#!/usr/bin/env python3
"""Sends one UDP query every INTERVAL ms to HOST:PORT until STOPFILE exists (or SECONDS pass),
and prints the latency of each answer in ms, one per line (a lost or 2 s late answer is 2000).
usage: udp-probe.py HOST PORT QNAME SECONDS STOPFILE [INTERVAL_MS]"""
import os, socket, struct, sys, time

host, port, qname, seconds, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5]
interval = float(sys.argv[6]) / 1000 if len(sys.argv) > 6 else 0.01
labels = b"".join(bytes([len(l)]) + l.encode() for l in qname.strip(".").split(".")) + b"\0"
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(2.0)
end = time.monotonic() + seconds
qid = 0
next_at = time.monotonic()
while time.monotonic() < end and not os.path.exists(stop):
    qid = (qid + 1) & 0xFFFF
    query = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + labels + struct.pack(">HH", 1, 1)
    sent = time.monotonic()
    sock.sendto(query, (host, port))
    took = 2000.0
    while True:
        try:
            data = sock.recv(4096)
        except socket.timeout:
            break
        if len(data) >= 2 and struct.unpack(">H", data[:2])[0] == qid:
            took = (time.monotonic() - sent) * 1000
            break
    print(f"{took:.3f}", flush=True)
    next_at += interval
    pause = next_at - time.monotonic()
    if pause > 0:
        time.sleep(pause)
    else:
        next_at = time.monotonic()
