//! Every layout read and printed back, the RFC 9460 Appendix D vectors, and the errors.

use super::*;
use crate::zone::entries::Entries;
use crate::zone::rrtype::parse_type;

const ORIGIN: &[u8] = b"\x07example\x03com\x00";

/// Reads `rdata` (the RDATA text of one record) as `rtype`.
fn parse(rtype: &str, rdata: &str) -> Result<Parsed, String> {
    let text = format!("x {rtype} {rdata}\n");
    let entry = Entries::new(&text).next().unwrap().unwrap();
    parse_rdata(parse_type(rtype).unwrap(), &entry.tokens[2..], ORIGIN)
}

fn wire(rtype: &str, rdata: &str) -> Vec<u8> {
    parse(rtype, rdata)
        .unwrap_or_else(|e| panic!("{rtype} {rdata}: {e}"))
        .wire
}

/// Reads, prints, reads again: the same bytes; returns the printed text.
fn round_trip(rtype: &str, rdata: &str) -> String {
    let first = wire(rtype, rdata);
    let printed = print_rdata(parse_type(rtype).unwrap(), &first);
    assert_eq!(
        wire(rtype, &printed),
        first,
        "{rtype} {rdata} printed as {printed}"
    );
    printed
}

fn hex(text: &str) -> Vec<u8> {
    crate::encoding::hex_decode(text.replace([' ', '\n'], "").as_bytes()).unwrap()
}

#[test]
fn every_layout_reads_and_prints_back() {
    let cases = [
        ("A", "192.0.2.1"),
        ("AAAA", "2001:db8::1"),
        ("NS", "ns1"),
        ("MX", "10 Mail.example.net."),
        ("SOA", "ns1 hostmaster 2026112601 1h 15m 2w 1d"),
        (
            "TXT",
            "\"v=spf1 -all\" \"two\" unquoted \"a \\\"q\\\" \\\\ \\000\\255\"",
        ),
        ("SPF", "\"v=spf1 -all\""),
        ("HINFO", "\"PC\" Linux"),
        ("RP", "admin.example.com. txt"),
        ("AFSDB", "1 afs"),
        ("SRV", "10 60 5060 sip"),
        (
            "NAPTR",
            "100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:info@example.com!\" _sip._udp",
        ),
        ("KX", "10 kx"),
        ("CERT", "PGP 0 0 aGVsbG8gd29ybGQ="),
        ("DNAME", "example.net."),
        (
            "APL",
            "1:192.168.32.0/21 !1:192.168.38.0/28 2:2001:db8::/32",
        ),
        (
            "DS",
            "31589 ECDSAP256SHA256 2 ( 3490A6806D47F17A34C29E2CE80E8A999FFBE4BE )",
        ),
        (
            "SSHFP",
            "4 2 C76D8329954DA2835751E371544E963EFDA099080D6C58DD2BFD9A31 6E162C83",
        ),
        (
            "IPSECKEY",
            "10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
        ),
        (
            "IPSECKEY",
            "10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
        ),
        ("IPSECKEY", "10 3 0 gw.example.com."),
        (
            "RRSIG",
            "A 13 3 300 20261231235959 20261126000000 12345 example.com. ( MEQCIBaW xZ2Jw0Q= )",
        ),
        ("NSEC", "host.example.com. A MX RRSIG NSEC TYPE1234"),
        (
            "DNSKEY",
            "257 3 ECDSAP256SHA256 ( mdsswUyr3DPW132mOi8V9xESWE8jTo0d\n xCjjnopKl+GqJxpVXckHAeF+KkxLbxIL fDLUT0rAK9iUzy1L53eKGQ== )",
        ),
        ("DHCID", "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA="),
        (
            "NSEC3",
            "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA MX RRSIG DNSKEY NSEC3PARAM",
        ),
        ("NSEC3PARAM", "1 0 0 -"),
        (
            "TLSA",
            "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B566 64C5D3D6",
        ),
        ("SMIMEA", "3 0 0 308202"),
        (
            "HIP",
            "2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D rvs.example.com.",
        ),
        ("CDS", "0 0 0 00"),
        ("CDNSKEY", "0 3 0 AA=="),
        (
            "OPENPGPKEY",
            "mQINBFit2jsBEADrbl5vjVxYeAE0g0IDYCBpHirv1Sjlqxx5gjtPhb2YhvyDMXjq",
        ),
        ("CSYNC", "66 3 A NS AAAA"),
        (
            "ZONEMD",
            "2018031900 1 1 ( c68090d90a7aed71 6bc459f9340e3d7c 1370d4d24b7e2fc3 a1ddc0b9a87153b9 a9713b3c9ae5cc27 777f98b8e730044c )",
        ),
        ("NID", "10 0014:4fff:ff20:ee64"),
        ("L32", "10 10.1.2.0"),
        ("L64", "10 2001:0DB8:1140:1000"),
        ("LP", "10 l64-subnet1.example.com."),
        ("EUI48", "00-00-5e-00-53-2a"),
        ("EUI64", "00-00-5e-ef-10-00-00-2a"),
        ("URI", "10 1 \"ftp://ftp1.example.com/public\""),
        (
            "CAA",
            "0 issue \"letsencrypt.org; validationmethods=dns-01\"",
        ),
        ("CAA", "128 tbs \"\""),
        ("LOC", "42 21 54 N 71 06 18 W -24m 30m"),
        (
            "LOC",
            "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m",
        ),
        ("WKS", "192.0.2.1 tcp 25 80 443"),
        ("NSAP", "0x47.0005.80.005a00.0000.0001.e133.ffffff000162.00"),
        ("AMTRELAY", "10 0 3 amtrelays.example.com."),
        ("AMTRELAY", "10 1 2 2001:db8::15"),
        ("ISDN", "\"150862028003217\" \"004\""),
        ("ISDN", "\"150862028003217\""),
        ("X25", "\"311061700956\""),
        ("GPOS", "\"-32.6882\" \"116.8652\" \"10.0\""),
        ("PX", "10 net2.it. PRMD-net2.ADMD-p400.C-it."),
        ("MINFO", "rm.example.com. em.example.com."),
        ("TALINK", "c1.example.com. c3.example.com."),
        ("DSYNC", "CDS 1 5359 dsync.example.net."),
        ("DOA", "0 1 2 \"\" aHR0cHM6Ly93d3cuaXNjLm9yZy8="),
        (
            "SVCB",
            "1 . alpn=h2,h3 port=8443 ipv4hint=192.0.2.1 ech=AEj+DQBEAQAgACBSXq5k5k5k dohpath=\"/q{?dns}\"",
        ),
    ];
    for (rtype, rdata) in cases {
        round_trip(rtype, rdata);
    }
    assert_eq!(round_trip("MX", "10 mail"), "10 mail.example.com.");
    assert_eq!(
        round_trip("LOC", "42 21 54 N 71 06 18 W -24m 30m"),
        "42 21 54.000 N 71 6 18.000 W -24.00m 30.00m 10000.00m 10.00m"
    );
    assert_eq!(
        wire("SOA", "a. b. 1 1h30m 2 3 4")[10..14],
        5400u32.to_be_bytes()
    );
    assert_eq!(
        wire("DS", "1 ECDSAP256SHA256 2 AB"),
        wire("DS", "1 13 2 ab")
    );
    assert_eq!(wire("CERT", "PGP 0 0 AA=="), wire("CERT", "3 0 0 AA=="));
}

#[test]
fn rfc_9460_appendix_d_vectors() {
    let cases = [
        (
            "HTTPS",
            "0 foo.example.com.",
            "0000 03666f6f076578616d706c6503636f6d00",
        ),
        ("SVCB", "1 .", "0001 00"),
        (
            "SVCB",
            "16 foo.example.com. port=53",
            "0010 03666f6f076578616d706c6503636f6d00 0003 0002 0035",
        ),
        (
            "SVCB",
            "1 foo.example.com. key667=hello",
            "0001 03666f6f076578616d706c6503636f6d00 029b 0005 68656c6c6f",
        ),
        (
            "SVCB",
            "1 foo.example.com. key667=\"hello\\210qoo\"",
            "0001 03666f6f076578616d706c6503636f6d00 029b 0009 68656c6c6fd2716f6f",
        ),
        (
            "SVCB",
            "1 foo.example.com. ipv6hint=\"2001:db8::1,2001:db8::53:1\"",
            "0001 03666f6f076578616d706c6503636f6d00 0006 0020 20010db8000000000000000000000001 20010db8000000000000000000530001",
        ),
        (
            "SVCB",
            "1 example.com. ipv6hint=\"2001:db8:122:344::192.0.2.33\"",
            "0001 076578616d706c6503636f6d00 0006 0010 2001 0db8 0122 0344 0000 0000 c000 0221",
        ),
        (
            "SVCB",
            "16 foo.example.org. (alpn=h2,h3-19 mandatory=ipv4hint,alpn\n ipv4hint=192.0.2.1)",
            "0010 03666f6f076578616d706c65036f726700 0000 0004 0001 0004 0001 0009 026832 05683 32d3139 0004 0004 c0000201",
        ),
        (
            "SVCB",
            "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"",
            "0010 03666f6f076578616d706c65036f726700 0001 000c 08665c6f6f2c626172 026832",
        ),
        (
            "SVCB",
            "16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2",
            "0010 03666f6f076578616d706c65036f726700 0001 000c 08665c6f6f2c626172 026832",
        ),
    ];
    for (rtype, rdata, expected) in cases {
        assert_eq!(wire(rtype, rdata), hex(expected), "{rtype} {rdata}");
        round_trip(rtype, rdata);
    }
    // Parameters out of key order are sorted on the wire.
    assert_eq!(
        wire("SVCB", "1 . port=53 alpn=h2"),
        wire("SVCB", "1 . alpn=h2 port=53")
    );
    for (bad, why) in [
        ("1 foo.example.com. key123=abc key123=def", "twice"),
        ("1 foo.example.com. mandatory=key123", "not given"),
        ("1 foo.example.com. mandatory=mandatory", "itself"),
        ("1 foo.example.com. no-default-alpn", "needs alpn"),
        ("1 foo.example.com. port=seventy", "port"),
        ("1 foo.example.com. bogus=1", "unknown SvcParamKey"),
        ("1 foo.example.com. alpn=h2,,h3", "empty item"),
    ] {
        let e = parse("SVCB", bad).unwrap_err();
        assert!(e.contains(why), "{bad}: {e}");
    }
}

#[test]
fn generic_form_for_every_type_and_unknown_types() {
    assert_eq!(wire("A", "\\# 4 C0000201"), vec![192, 0, 2, 1]);
    assert_eq!(wire("TYPE65280", "\\# 3 ab cd ef"), vec![0xab, 0xcd, 0xef]);
    assert_eq!(wire("TYPE65280", "\\# 0"), Vec::<u8>::new());
    assert_eq!(print_rdata(65280, &[0xab]), "\\# 1 ab");
    assert_eq!(
        print_rdata(1, &[1, 2, 3]),
        "\\# 3 010203",
        "an A of 3 octets prints generically"
    );
    for (rtype, rdata, why) in [
        ("A", "\\# 5 C0000201", "length says 5"),
        ("A", "\\# 3 C00002", "not a valid A"),
        ("TYPE65280", "ab", "RFC 3597"),
        ("A", "\\# 2 zz11", "not hex"),
        ("NULL", "abc", "RFC 3597"),
    ] {
        let e = parse(rtype, rdata).unwrap_err();
        assert!(e.contains(why), "{rtype} {rdata}: {e}");
    }
}

#[test]
fn bad_rdata_names_the_field() {
    for (rtype, rdata, why) in [
        ("A", "300.1.1.1", "not an IPv4 address"),
        ("MX", "mail", "not a number"),
        ("MX", "10", "missing a domain name"),
        ("MX", "10 mail extra", "unexpected \"extra\""),
        ("DS", "1 NOPE 2 AB", "DNSSEC algorithm"),
        ("DS", "1 8 2", "missing hex data"),
        ("DS", "1 8 2 XYZ", "not hex"),
        ("EUI48", "00-00-5e-00-53", "6 hex pairs"),
        ("LOC", "91 N 0 E 0m", "beyond 90"),
        ("CAA", "0 is-sue x", "letters and digits"),
        ("TXT", "", "no RDATA"),
        ("SOA", "ns1 h 1 2 3 4 5x", "bad time"),
        (
            "RRSIG",
            "A 13 3 300 20261340000000 20261126000000 1 example.com. AA==",
            "not a valid time",
        ),
    ] {
        let e = parse(rtype, rdata).unwrap_err();
        assert!(e.contains(why), "{rtype} {rdata}: {e}");
    }
}

#[test]
fn long_strings_are_split_with_a_warning() {
    let long = format!("\"{}\"", "x".repeat(300));
    let parsed = parse("TXT", &long).unwrap();
    assert_eq!(parsed.wire[0], 255);
    assert_eq!(parsed.wire[256], 45);
    assert_eq!(parsed.warnings.len(), 1);
    assert!(parsed.warnings[0].contains("300 octets"));
}

#[test]
fn times_read_and_print_as_rfc_4034_says() {
    let w = wire(
        "RRSIG",
        "A 5 3 86400 20030322173103 20030220173103 2642 example. AA==",
    );
    assert_eq!(
        w[8..12],
        1_048_354_263u32.to_be_bytes(),
        "RFC 4034 §3.3 example expiration"
    );
    assert!(print_rdata(46, &w).contains("20030322173103 20030220173103"));
    assert_eq!(
        wire(
            "RRSIG",
            "A 5 3 86400 1048354263 1045762263 2642 example. AA=="
        ),
        w,
        "seconds are read as they are"
    );
}
