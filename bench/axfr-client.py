#!/usr/bin/env python3
"""A bare AXFR client for benchmarks: asks HOST:PORT for ZONE over TCP, reads messages until
the closing SOA, and prints "records messages bytes seconds". It parses only what it must
(record types, to find the second SOA), so the client costs little beside the server.
usage: axfr-client.py HOST PORT ZONE"""
import socket, struct, sys, time

host, port, zone = sys.argv[1], int(sys.argv[2]), sys.argv[3]
labels = b"".join(bytes([len(l)]) + l.encode() for l in zone.strip(".").split(".")) + b"\0"
query = struct.pack(">HHHHHH", 0x4158, 0, 1, 0, 0, 0) + labels + struct.pack(">HH", 252, 1)
start = time.monotonic()
sock = socket.create_connection((host, port), timeout=60)
sock.sendall(struct.pack(">H", len(query)) + query)
stream = sock.makefile("rb")


def skip_name(msg, at):
    while True:
        n = msg[at]
        if n == 0:
            return at + 1
        if n & 0xC0 == 0xC0:
            return at + 2
        at += 1 + n


soas = records = messages = total = 0
while soas < 2:
    head = stream.read(2)
    if len(head) < 2:
        sys.exit(f"connection closed after {records} records")
    msg = stream.read(struct.unpack(">H", head)[0])
    messages += 1
    total += len(msg) + 2
    rcode = msg[3] & 0xF
    if rcode:
        sys.exit(f"rcode {rcode}")
    qd, an = struct.unpack(">HH", msg[4:8])
    at = 12
    for _ in range(qd):
        at = skip_name(msg, at) + 4
    for _ in range(an):
        at = skip_name(msg, at)
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[at:at + 10])
        at += 10 + rdlen
        records += 1
        soas += rtype == 6
print(records, messages, total, f"{time.monotonic() - start:.2f}")
