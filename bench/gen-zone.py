#!/usr/bin/env python3
"""Writes a large test zone to stdout: SOA, NS, an apex ALIAS, then RECORDS records spread over
names like a real hosting zone (A, AAAA, TXT, MX, CNAME, SRV). usage: gen-zone.py ORIGIN RECORDS"""
import sys

origin, total = sys.argv[1].rstrip('.') + '.', int(sys.argv[2])
out = sys.stdout
out.write(f"$ORIGIN {origin}\n$TTL 3600\n")
out.write("@ SOA ns1 hostmaster 2026112601 3600 600 1209600 300\n@ NS ns1\n@ NS ns2\n")
out.write("ns1 A 192.0.2.53\nns2 AAAA 2001:db8::53\n@ ALIAS edge.cdn.fake.\n")
written, i = 5, 0
while written < total:
    i += 1
    h = f"host{i}"
    a, b = (i >> 8) & 255, i & 255
    rows = [
        f"{h} A 10.{(i >> 16) & 255}.{a}.{b}",
        f"{h} AAAA 2001:db8:{(i >> 16) & 0xffff:x}::{i & 0xffff:x}",
        f'{h} TXT "v=spf1 ip4:10.{a}.{b}.0/24 -all"',
    ]
    if i % 4 == 0:
        rows.append(f"{h} MX 10 mail{i % 97}")
    if i % 5 == 0:
        rows.append(f"www{i} CNAME {h}")
    if i % 10 == 0:
        rows.append(f"_sip._tcp.{h} SRV 10 5 5060 {h}")
    for row in rows:
        if written >= total:
            break
        out.write(row + "\n")
        written += 1
for m in range(97):
    out.write(f"mail{m} A 192.0.2.{m + 1}\n")
