#!/usr/bin/env python3
"""DNSSEC answers from flatapex's DoH endpoint, validated by dnspython (dns.dnssec.validate).

Usage: validate_doh.py BASE_URL ZONE 'DNSKEY RDATA' QUERIES_JSON
QUERIES_JSON is a list of [name, type]. The zone's DNSKEY RRset is validated against the given
key (the trust anchor), then every RRset of each answer's answer and authority sections against
that DNSKEY RRset; a delegation's NS RRset (the child's data, RFC 4035 §2.2) is the only one
allowed without a signature. A tampered copy of the first signed A RRset must fail. Prints one
JSON line per query and exits 1 if anything did not validate.
"""
import json
import sys

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset


def ask(base, name, rtype):
    query = dns.message.make_query(name, rtype, want_dnssec=True)
    return dns.query.https(query, f"{base}/dns-query", post=True, timeout=10)


def signatures(section, rrset):
    for candidate in section:
        if (candidate.rdtype == dns.rdatatype.RRSIG and candidate.name == rrset.name
                and candidate.covers == rrset.rdtype):
            return candidate
    return None


def main():
    base, zone, dnskey, queries = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    origin = dns.name.from_text(zone)
    anchor = dns.rrset.from_text(origin, 3600, "IN", "DNSKEY", dnskey)
    failed = 0

    keys = ask(base, zone, "DNSKEY")
    key_set = keys.find_rrset(keys.answer, origin, dns.rdataclass.IN, dns.rdatatype.DNSKEY)
    key_sig = signatures(keys.answer, key_set)
    dns.dnssec.validate(key_set, key_sig, {origin: anchor})
    if anchor[0] not in key_set:
        sys.exit("FAIL the served DNSKEY RRset does not hold the trust anchor's key")
    print(json.dumps({"query": [zone, "DNSKEY"], "validated": [f"{origin} DNSKEY"]}))

    tampered = None
    for name, rtype in queries:
        response = ask(base, name, rtype)
        result = {"query": [name, rtype], "rcode": dns.rcode.to_text(response.rcode()),
                  "validated": [], "errors": []}
        for section in (response.answer, response.authority):
            for rrset in section:
                if rrset.rdtype == dns.rdatatype.RRSIG:
                    continue
                what = f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)}"
                sig = signatures(section, rrset)
                if sig is None:
                    delegation = rrset.rdtype == dns.rdatatype.NS and rrset.name != origin
                    if not delegation:
                        result["errors"].append(f"{what}: no RRSIG")
                    continue
                try:
                    dns.dnssec.validate(rrset, sig, {origin: key_set})
                    result["validated"].append(what)
                    if rrset.rdtype == dns.rdatatype.A:
                        tampered = tampered or (rrset, sig)
                except dns.dnssec.ValidationFailure as e:
                    result["errors"].append(f"{what}: {e}")
        if not result["validated"] or result["errors"]:
            failed += 1
        print(json.dumps(result))

    if tampered is None:
        sys.exit("FAIL no signed A RRset was answered, so none could be tampered with")
    rrset, sig = tampered
    changed = dns.rrset.from_text(rrset.name, rrset.ttl, "IN", "A", "192.0.2.254")
    try:
        dns.dnssec.validate(changed, sig, {origin: key_set})
        print("FAIL a tampered A RRset still validated")
        failed += 1
    except dns.dnssec.ValidationFailure:
        print(json.dumps({"tampered": f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)}",
                          "refused": True}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
