//! The seeds of the fuzz targets (`fuzz/seeds/<target>`, README "Fuzzing"): real inputs made by
//! the code itself (queries, upstream answers, KV values, state files, TSIG-signed transfer
//! requests), so that each campaign starts deep. This test checks that every seed is still an
//! input its target's parser takes as valid; `FLATAPEX_WRITE_FUZZ_SEEDS=1` writes them anew
//! first (after a change of a stored format, say).
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::{Path, PathBuf};

use flatapex::alias::exchange::{upstream_query, validate};
use flatapex::alias::{AddressType, FlatSet};
use flatapex::doh::{DohRequest, HttpRequest, Limits, parse_request};
use flatapex::kv::codec::decode_zone;
use flatapex::kv::{Index, parse_index, store_zone};
use flatapex::native::primary::notify::{is_acknowledgement, notify_message};
use flatapex::native::primary::state_file::parse;
use flatapex::native::primary::tsig::{Verdict, parse_key, verify};
use flatapex::xfr::state::owner_key;
use flatapex::xfr::{ZoneState, ZoneStates};
use flatapex::zone::{NoIncludes, Zone, ZoneId, load_zone, origin_from_file_name};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, SOA};
use hickory_proto::rr::{Name, RData, Record, RecordType};

/// A target's seeds: (file name, bytes).
type Seeds = Vec<(String, Vec<u8>)>;

/// A target's name, seeds, and the check that a seed is valid input for it.
type Target = (&'static str, Seeds, fn(&[u8]));

/// The TSIG key of the `xfr` target (`fuzz/fuzz_targets/xfr.rs`).
const XFR_KEY: &str = "xfr-key:hmac-sha256:ZnV6ei10c2lnLXNlY3JldC1mb3ItZmxhdGFwZXgteGZy";
/// When the signed seed was signed (seconds since the epoch).
const SIGNED_AT: u64 = 1_764_000_000;
/// The clock the `state_file` target reads states at.
const STATE_NOW_MS: u64 = 1_764_000_000_000;

fn seeds_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target)
}

fn zone(file: &str) -> Zone {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/zones")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let origin = origin_from_file_name(file).unwrap();
    load_zone(file, &text, &origin, None, &NoIncludes)
        .unwrap()
        .zone
}

fn name(text: &str) -> Name {
    Name::from_ascii(text).unwrap()
}

fn query(id: u16, qname: &str, qtype: RecordType, dnssec_ok: bool) -> Message {
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(name(qname), qtype));
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    edns.set_dnssec_ok(dnssec_ok);
    message.edns = Some(edns);
    message
}

fn with_mode(mode: u8, bytes: &[u8]) -> Vec<u8> {
    [&[mode][..], bytes].concat()
}

/// `doh_request`: byte 0 = method (`% 5`: GET POST HEAD OPTIONS PUT) and path (`/ 5 % 3`), then
/// `query \n Content-Type \n Accept \n body`.
fn doh_request(which: u8, query: &str, content_type: &str, accept: &str, body: &[u8]) -> Vec<u8> {
    let head = format!("{query}\n{content_type}\n{accept}\n");
    [&[which][..], head.as_bytes(), body].concat()
}

fn doh_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let wire = |id, n, t, d| query(id, n, t, d).to_vec().unwrap();
    let get = |bytes: Vec<u8>| format!("dns={}", flatapex::encoding::base64url_encode(&bytes));
    vec![
        (
            "get_wire_a",
            doh_request(
                0,
                &get(wire(0, "www.battery.test.", RecordType::A, false)),
                "",
                "application/dns-message",
                b"",
            ),
        ),
        (
            "get_wire_padded_aaaa",
            doh_request(
                0,
                &format!(
                    "{}==",
                    get(wire(0, "battery.test.", RecordType::AAAA, true))
                ),
                "",
                "",
                b"",
            ),
        ),
        (
            "head_wire_mx",
            doh_request(
                2,
                &get(wire(7, "battery.test.", RecordType::MX, false)),
                "",
                "",
                b"",
            ),
        ),
        (
            "post_wire_ns",
            doh_request(
                1,
                "",
                "application/dns-message",
                "application/dns-message",
                &wire(0x1234, "child.battery.test.", RecordType::NS, false),
            ),
        ),
        (
            "post_wire_charset",
            doh_request(
                1,
                "",
                "Application/DNS-Message; charset=binary",
                "",
                &wire(9, "nx.other.test.", RecordType::A, false),
            ),
        ),
        (
            "json_name_type",
            doh_request(
                0,
                "name=www.battery.test&type=AAAA",
                "",
                "application/dns-json",
                b"",
            ),
        ),
        (
            "json_numeric_do_cd",
            doh_request(
                0,
                "name=battery.test.&type=6&do=1&cd=true&ct=application/dns-json",
                "",
                "",
                b"",
            ),
        ),
        (
            "json_escaped_name",
            doh_request(0, "name=a%5C.b.battery.test&type=txt&do=0", "", "", b""),
        ),
        (
            "json_ct_only",
            doh_request(
                0,
                "ct=application%2Fdns-json&name=other.test&edns_client_subnet=192.0.2.0%2F24",
                "",
                "",
                b"",
            ),
        ),
        ("options", doh_request(3, "", "", "", b"")),
        ("health", doh_request(5, "", "", "", b"")),
    ]
}

fn check_doh(seed: &[u8]) {
    let (&which, rest) = seed.split_first().unwrap();
    let parts: Vec<&[u8]> = rest.splitn(4, |&b| b == b'\n').collect();
    let text = |i: usize| std::str::from_utf8(parts[i]).ok().filter(|t| !t.is_empty());
    let req = HttpRequest {
        method: ["GET", "POST", "HEAD", "OPTIONS", "PUT"][usize::from(which) % 5],
        path: ["/dns-query", "/health", "/other"][usize::from(which) / 5 % 3],
        query: text(0),
        content_type: text(1),
        accept: text(2),
        body: parts[3],
    };
    let parsed = parse_request(&req, &Limits::default()).unwrap();
    if let DohRequest::Wire(bytes) = parsed {
        Message::from_vec(&bytes).unwrap();
    }
}

/// An upstream answer to `upstream_query(target.example., rtype)`.
fn answer(rtype: RecordType, rcode: ResponseCode, answers: Vec<Record>, soa: bool) -> Vec<u8> {
    let query = Message::from_vec(&upstream_query(&name("target.example."), rtype)).unwrap();
    let mut m = Message::response(0, OpCode::Query);
    m.metadata.recursion_desired = true;
    m.metadata.recursion_available = true;
    m.metadata.response_code = rcode;
    m.queries = query.queries;
    m.answers = answers;
    if soa {
        let soa = SOA::new(
            name("example."),
            name("hostmaster.example."),
            2026,
            3600,
            600,
            86400,
            300,
        );
        m.authorities
            .push(Record::from_rdata(name("example."), 900, RData::SOA(soa)));
    }
    m.edns = query.edns;
    m.to_vec().unwrap()
}

fn upstream_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let a = |owner: &str, ip: &str| {
        Record::from_rdata(name(owner), 60, RData::A(A(ip.parse().unwrap())))
    };
    let aaaa = |owner: &str, ip: &str| {
        Record::from_rdata(name(owner), 120, RData::AAAA(AAAA(ip.parse().unwrap())))
    };
    let cname =
        |owner: &str, to: &str| Record::from_rdata(name(owner), 300, RData::CNAME(CNAME(name(to))));
    let ok = ResponseCode::NoError;
    vec![
        (
            "a_two",
            with_mode(
                0x00,
                &answer(
                    RecordType::A,
                    ok,
                    vec![
                        a("target.example.", "192.0.2.1"),
                        a("target.example.", "192.0.2.2"),
                    ],
                    false,
                ),
            ),
        ),
        (
            "aaaa_cname_chain",
            with_mode(
                0x30,
                &answer(
                    RecordType::AAAA,
                    ok,
                    vec![
                        cname("target.example.", "cdn.example."),
                        cname("cdn.example.", "edge.cdn.example."),
                        aaaa("edge.cdn.example.", "2001:db8::1"),
                    ],
                    false,
                ),
            ),
        ),
        (
            "nxdomain_soa",
            with_mode(
                0x04,
                &answer(RecordType::A, ResponseCode::NXDomain, vec![], true),
            ),
        ),
        (
            "nodata_soa",
            with_mode(0x20, &answer(RecordType::AAAA, ok, vec![], true)),
        ),
        (
            "cname_loop",
            with_mode(
                0x10,
                &answer(
                    RecordType::A,
                    ok,
                    vec![
                        cname("target.example.", "b.example."),
                        cname("b.example.", "target.example."),
                    ],
                    false,
                ),
            ),
        ),
        (
            "servfail",
            with_mode(
                0x00,
                &answer(RecordType::A, ResponseCode::ServFail, vec![], false),
            ),
        ),
        ("status_503_html", with_mode(0x0b, b"<html>busy</html>")),
    ]
}

fn check_upstream(seed: &[u8]) {
    let (&which, body) = seed.split_first().unwrap();
    if which & 3 >= 2 {
        return; // an HTTP error: the body is never read
    }
    let rtype = if which & 32 == 0 {
        RecordType::A
    } else {
        RecordType::AAAA
    };
    let message = Message::from_vec(body).unwrap();
    let result = validate(body, &name("target.example."), rtype);
    let chain_ok = !message.answers.iter().any(|r| r.name == name("b.example."));
    match message.metadata.response_code {
        ResponseCode::NoError | ResponseCode::NXDomain if chain_ok => {
            result.unwrap();
        }
        _ => assert!(result.is_err()),
    }
}

fn kv_seeds() -> Seeds {
    let mut seeds = Vec::new();
    let mut index = Index::new();
    for (file, shard_bytes) in [
        ("battery.test.zone", usize::MAX),
        ("other.test.zone", usize::MAX),
        ("battery.test.zone", 600),
    ] {
        let stored = store_zone(&zone(file), shard_bytes).unwrap();
        for (i, (_, value)) in stored.values.iter().enumerate() {
            let shards = if shard_bytes == usize::MAX {
                "whole".to_string()
            } else {
                format!("shard{i}")
            };
            seeds.push((format!("{file}.{shards}"), with_mode(0, value)));
        }
        index.insert(&stored);
    }
    seeds.push(("index.json".into(), with_mode(1, &index.to_json())));
    seeds
}

fn check_kv(seed: &[u8]) {
    let (&which, value) = seed.split_first().unwrap();
    if which & 1 == 1 {
        parse_index(value).unwrap();
    } else {
        decode_zone(value).unwrap();
    }
}

fn state_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut states = ZoneStates::default();
    for file in ["battery.test.zone", "other.test.zone"] {
        let zone = zone(file);
        let mut state = ZoneState::new(zone.file_serial());
        for (i, (owner, _)) in zone.aliases().enumerate() {
            let v4 = FlatSet::new(
                vec!["192.0.2.10".parse().unwrap(), "192.0.2.11".parse().unwrap()],
                60,
                STATE_NOW_MS - 5_000,
                Some("https://upstream.test/dns-query".into()),
            );
            state.record(&owner_key(&owner), AddressType::A, v4, 3_600_000);
            let v6 = FlatSet::new(
                vec!["2001:db8::10".parse().unwrap()],
                300,
                STATE_NOW_MS + i as u64,
                None,
            );
            state.record(&owner_key(&owner), AddressType::Aaaa, v6, 3_600_000);
        }
        state.bump();
        states.zones.insert(ZoneId::of(zone.apex()), state);
    }
    let legacy = br#"{"zones":{"battery.test.":{"serial":9,"sets":[{"owner":"Battery.Test.","rtype":"A","addresses":["192.0.2.1"],"ttl":60}]}}}"#;
    vec![
        ("saved.json", serde_json::to_vec_pretty(&states).unwrap()),
        ("legacy.json", legacy.to_vec()),
        ("empty.json", br#"{"zones":{}}"#.to_vec()),
    ]
}

fn check_state(seed: &[u8]) {
    parse(seed, STATE_NOW_MS).unwrap();
}

fn transfer_request(id: u16, apex: &str, rtype: RecordType, their_serial: Option<u32>) -> Message {
    let mut m = Message::new(id, MessageType::Query, OpCode::Query);
    m.add_query(Query::query(name(apex), rtype));
    if let Some(serial) = their_serial {
        let soa = SOA::new(
            name("ns1.battery.test."),
            name("hostmaster.battery.test."),
            serial,
            3600,
            600,
            86400,
            300,
        );
        m.authorities
            .push(Record::from_rdata(name(apex), 0, RData::SOA(soa)));
    }
    m
}

fn xfr_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let key = parse_key(XFR_KEY).unwrap();
    let bytes = |m: &Message| m.to_vec().unwrap();
    let mut signed = transfer_request(0x5151, "battery.test.", RecordType::AXFR, None);
    signed.finalize(&key, SIGNED_AT).unwrap();
    let mut ack = Message::from_vec(&notify_message(&name("battery.test."), 0x2222)).unwrap();
    ack.metadata.message_type = MessageType::Response;
    let axfr = transfer_request(1, "battery.test.", RecordType::AXFR, None);
    vec![
        ("axfr_refused", with_mode(0, &bytes(&axfr))),
        ("axfr_allowed", with_mode(2, &bytes(&axfr))),
        ("axfr_tsig_signed", with_mode(0, &bytes(&signed))),
        (
            "axfr_sign_now",
            with_mode(
                1,
                &bytes(&transfer_request(2, "other.test.", RecordType::AXFR, None)),
            ),
        ),
        (
            "ixfr_old_serial_sign_now",
            with_mode(
                1,
                &bytes(&transfer_request(
                    3,
                    "battery.test.",
                    RecordType::IXFR,
                    Some(1),
                )),
            ),
        ),
        (
            "ixfr_current_allowed",
            with_mode(
                2,
                &bytes(&transfer_request(
                    4,
                    "battery.test.",
                    RecordType::IXFR,
                    Some(u32::MAX / 2),
                )),
            ),
        ),
        (
            "axfr_not_ours",
            with_mode(
                3,
                &bytes(&transfer_request(5, "example.org.", RecordType::AXFR, None)),
            ),
        ),
        (
            "notify_ack",
            with_mode(4, &[&[0x22, 0x22][..], &bytes(&ack)].concat()),
        ),
    ]
}

fn check_xfr(seed: &[u8]) {
    let (&mode, rest) = seed.split_first().unwrap();
    if mode & 4 != 0 {
        assert!(is_acknowledgement(
            &rest[2..],
            u16::from_be_bytes([rest[0], rest[1]])
        ));
        return;
    }
    let request = Message::from_vec(rest).unwrap();
    if request.signature.is_some() {
        let keys = [parse_key(XFR_KEY).unwrap()];
        assert!(matches!(
            verify(&request, rest, &keys, SIGNED_AT),
            Verdict::Valid(..)
        ));
    }
}

#[test]
fn every_fuzz_seed_is_a_valid_input_of_its_target() {
    let targets: [Target; 5] = [
        ("doh_request", owned(doh_seeds()), check_doh),
        ("upstream_answer", owned(upstream_seeds()), check_upstream),
        ("kv_shard", kv_seeds(), check_kv),
        ("state_file", owned(state_seeds()), check_state),
        ("xfr", owned(xfr_seeds()), check_xfr),
    ];
    let write = std::env::var_os("FLATAPEX_WRITE_FUZZ_SEEDS").is_some();
    for (target, seeds, check) in targets {
        let dir = seeds_dir(target);
        if write {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for (file, bytes) in &seeds {
                std::fs::write(dir.join(file), bytes).unwrap();
            }
        }
        let mut on_disk = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            let seed = std::fs::read(&path).unwrap();
            let run = std::panic::catch_unwind(|| check(&seed));
            assert!(
                run.is_ok(),
                "seed {} is not valid input of {target}",
                path.display()
            );
            on_disk += 1;
        }
        assert_eq!(
            on_disk,
            seeds.len(),
            "{}: run with FLATAPEX_WRITE_FUZZ_SEEDS=1",
            dir.display()
        );
    }
}

fn owned(seeds: Vec<(&str, Vec<u8>)>) -> Seeds {
    seeds.into_iter().map(|(n, b)| (n.to_string(), b)).collect()
}
