//! The zone corpus against Knot: every file of `tests/corpus/` (public zone files from the Knot,
//! NSD, BIND, PowerDNS, ldns, `domain` and hickory test suites, several of them RFC examples;
//! see `tests/corpus/README.md`) is loaded by knotd and by `flatapex serve`, and every RRset
//! Knot transfers is asked of both over TCP, with a name below each owner besides (wildcards,
//! DNAME, referrals, NXDOMAIN). Rcode, AA flag, answer and authority must agree: owners byte
//! for byte, names inside RDATA without regard to case where RFC 4034 §6.2 says so.
//!
//! Needs knotd (Debian's knot); `scripts/test` installs it and runs this with `--ignored`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hickory_proto::op::{Header, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncodable, BinEncoder};

use common::{Server, free_port, tcp_connect, tcp_read, tcp_send};
use flatapex::zone::names::text_to_name;
use flatapex::zone::rdata::{canonical_rdata, print_rdata};

/// One zone of the corpus.
#[derive(Clone, Debug)]
struct CorpusZone {
    file: String,
    origin: String,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn manifest() -> Vec<CorpusZone> {
    let text = std::fs::read_to_string(corpus_dir().join("MANIFEST.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            CorpusZone {
                file: cols.next().unwrap().to_string(),
                origin: cols.next().unwrap().to_string(),
            }
        })
        .collect()
}

/// One zone per run: flatapex follows a CNAME or DNAME chain into the other zones it serves
/// (docs/ARCHITECTURE.md, "Lookup"), and Knot does not, so zones served together could differ
/// for that reason alone.
fn rounds(zones: &[CorpusZone]) -> Vec<Vec<CorpusZone>> {
    zones.iter().map(|zone| vec![zone.clone()]).collect()
}

/// knotd serving some zone files on loopback, killed when dropped.
struct Knot {
    child: Child,
    addr: SocketAddr,
}

impl Knot {
    fn start(dir: &Path, zones: &[(String, String)]) -> Knot {
        let port = free_port();
        std::fs::create_dir_all(dir.join("db")).unwrap();
        let mut conf = format!(
            r#"server:
    rundir: "{dir}"
    listen: 127.0.0.1@{port}
database:
    storage: "{dir}/db"
log:
  - target: stdout
    any: error
acl:
  - id: loopback
    address: 127.0.0.0/8
    action: transfer
template:
  - id: default
    storage: "{dir}"
    zonefile-sync: -1
    journal-content: none
    acl: loopback
zone:
"#,
            dir = dir.display()
        );
        for (origin, file) in zones {
            conf.push_str(&format!("  - domain: \"{origin}\"\n    file: \"{file}\"\n"));
        }
        std::fs::write(dir.join("knot.conf"), conf).unwrap();
        let child = Command::new("knotd")
            .arg("-c")
            .arg(dir.join("knot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("knotd (Debian's knot) must be installed");
        Knot {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A query as a resolver without DNSSEC sends it: RD clear, EDNS without DO.
fn query_bytes(name: &Name, rtype: RecordType, id: u16) -> Vec<u8> {
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.add_query(Query::query(name.clone(), rtype));
    message.metadata.recursion_desired = false;
    let mut edns = hickory_proto::op::Edns::new();
    edns.set_max_payload(1232);
    message.set_edns(edns);
    message.to_vec().unwrap()
}

/// One record of a reply, RDATA uncompressed. Parsed here rather than by hickory-proto's
/// `Message`, which refuses some records Knot serves (an empty APL, a NULL with no data).
#[derive(Clone, Debug)]
struct Rr {
    owner: Name,
    ttl: u32,
    rtype: u16,
    wire: Vec<u8>,
}

/// A reply: its header and sections.
#[derive(Clone, Debug)]
struct Reply {
    rcode: ResponseCode,
    authoritative: bool,
    answers: Vec<Rr>,
    authorities: Vec<Rr>,
}

/// The name at the decoder, uncompressed, in wire form.
fn read_name(decoder: &mut BinDecoder<'_>) -> Result<Vec<u8>, String> {
    let name = Name::read(decoder).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let mut encoder = BinEncoder::new(&mut buf);
    encoder.set_name_encoding(hickory_proto::serialize::binary::NameEncoding::Uncompressed);
    name.emit(&mut encoder).map_err(|e| e.to_string())?;
    Ok(buf)
}

/// RDATA with the names RFC 1035 lets a server compress (RFC 3597 §4) spelt out.
fn read_rdata(decoder: &mut BinDecoder<'_>, rtype: u16, len: usize) -> Result<Vec<u8>, String> {
    let end = decoder.index() + len;
    let mut wire = Vec::with_capacity(len);
    let names = match rtype {
        2 | 3 | 4 | 5 | 7 | 8 | 9 | 12 => 1, // NS MD MF CNAME MB MG MR PTR
        14 | 6 => 2,                         // MINFO, SOA
        15 => {
            wire.extend_from_slice(
                decoder
                    .read_slice(2)
                    .map_err(|e| e.to_string())?
                    .unverified(),
            );
            1 // MX
        }
        _ => 0,
    };
    for _ in 0..names {
        wire.extend(read_name(decoder)?);
    }
    let rest = end
        .checked_sub(decoder.index())
        .ok_or("RDATA overruns its length")?;
    wire.extend_from_slice(
        decoder
            .read_slice(rest)
            .map_err(|e| e.to_string())?
            .unverified(),
    );
    Ok(wire)
}

fn parse_reply(bytes: &[u8]) -> Result<Reply, String> {
    let mut decoder = BinDecoder::new(bytes);
    let header = Header::read(&mut decoder).map_err(|e| e.to_string())?;
    for _ in 0..header.counts.queries {
        Query::read(&mut decoder).map_err(|e| e.to_string())?;
    }
    let mut sections = [Vec::new(), Vec::new()];
    for (section, count) in [header.counts.answers, header.counts.authorities]
        .into_iter()
        .enumerate()
    {
        for _ in 0..count {
            let owner = Name::read(&mut decoder).map_err(|e| e.to_string())?;
            let fixed = decoder
                .read_slice(10)
                .map_err(|e| e.to_string())?
                .unverified();
            let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
            let ttl = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
            let len = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
            let wire = read_rdata(&mut decoder, rtype, len)?;
            sections[section].push(Rr {
                owner,
                ttl,
                rtype,
                wire,
            });
        }
    }
    let [answers, authorities] = sections;
    Ok(Reply {
        rcode: header.metadata.response_code,
        authoritative: header.metadata.authoritative,
        answers,
        authorities,
    })
}

/// A TCP connection that reconnects when the server closes it.
struct Client {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    id: u16,
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            stream: None,
            id: 0,
        }
    }

    fn ask(&mut self, name: &Name, rtype: RecordType) -> Result<Reply, String> {
        for _ in 0..2 {
            self.id = self.id.wrapping_add(1);
            let stream = self.stream.get_or_insert_with(|| tcp_connect(self.addr));
            tcp_send(stream, &query_bytes(name, rtype, self.id));
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tcp_read(stream)));
            match result {
                Ok(bytes) => {
                    return parse_reply(&bytes).map_err(|e| format!("undecodable: {e}"));
                }
                Err(_) => self.stream = None,
            }
        }
        Err("no answer".into())
    }
}

/// Waits until `addr` answers the SOA of `origin` (or `wait` passes).
fn answers_soa(addr: SocketAddr, origin: &Name, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if let Ok(stream) = TcpStream::connect(addr) {
            drop(stream);
            let mut client = Client::new(addr);
            if let Ok(m) = client.ask(origin, RecordType::SOA)
                && m.answers.iter().any(|r| r.rtype == 6)
            {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// The records of a zone, by AXFR (RFC 5936) from `addr`.
fn axfr(addr: SocketAddr, origin: &Name) -> Vec<Rr> {
    let mut stream = tcp_connect(addr);
    let mut message = Message::new(7, MessageType::Query, OpCode::Query);
    message.add_query(Query::query(origin.clone(), RecordType::AXFR));
    tcp_send(&mut stream, &message.to_vec().unwrap());
    let mut records = Vec::new();
    let mut soas = 0;
    while soas < 2 {
        let reply = parse_reply(&tcp_read(&mut stream)).expect("a decodable AXFR message");
        for record in reply.answers {
            soas += usize::from(record.rtype == 6);
            records.push(record);
        }
    }
    records.pop();
    records
}

/// A record as text for comparison: the owner as sent, RDATA in canonical form (RFC 4034 §6.2).
fn record_text(record: &Rr) -> String {
    let rdata = print_rdata(record.rtype, &canonical_rdata(record.rtype, &record.wire));
    format!(
        "{} {} {} {rdata}",
        record.owner,
        record.ttl,
        RecordType::from(record.rtype)
    )
}

/// What must agree between the two servers.
fn summary(reply: &Result<Reply, String>) -> String {
    let reply = match reply {
        Ok(reply) => reply,
        Err(e) => return format!("error: {e}"),
    };
    let section = |records: &[Rr]| {
        let mut lines: Vec<String> = records.iter().map(record_text).collect();
        lines.sort();
        lines.join("\n    ")
    };
    format!(
        "rcode {} aa {}\n  answer:\n    {}\n  authority:\n    {}",
        reply.rcode,
        reply.authoritative,
        section(&reply.answers),
        section(&reply.authorities)
    )
}

/// Writes the round's files (with the origin made explicit, as `kzonecheck -o` gives it) and
/// any included files into `dir`.
fn write_round(dir: &Path, round: &[CorpusZone]) -> Vec<(String, String)> {
    let source = corpus_dir().join("zones");
    copy_dir(&source.join("zone"), &dir.join("zone"));
    round
        .iter()
        .enumerate()
        .map(|(i, zone)| {
            let text = std::fs::read(source.join(&zone.file)).unwrap();
            let mut with_origin = format!("$ORIGIN {}\n", zone.origin).into_bytes();
            with_origin.extend_from_slice(&text);
            let file = format!("corpus{i}.zone");
            std::fs::write(dir.join(&file), with_origin).unwrap();
            (zone.origin.clone(), file)
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The RFC-backed differences from Knot, `file<TAB>owner<TAB>type`, from `deviations.tsv`.
fn deviations() -> BTreeSet<(String, String, String)> {
    let text = std::fs::read_to_string(corpus_dir().join("deviations.tsv")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols[0].into(), cols[1].into(), cols[2].into())
        })
        .collect()
}

#[test]
#[ignore = "needs knotd: scripts/test runs it"]
fn every_corpus_zone_loads_and_answers_as_knot_does() {
    let zones = manifest();
    let expected = deviations();
    let mut found = BTreeSet::new();
    let mut failures = Vec::new();
    let (mut total, mut agreeing) = (0usize, 0usize);
    let mut per_file: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (n, round) in rounds(&zones).iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let files = write_round(dir.path(), round);
        let knot = Knot::start(dir.path(), &files);
        let mut flatapex = Server::start(dir.path(), &[]);
        for (zone, (_, written)) in round.iter().zip(&files) {
            let origin = text_to_name(&zone.origin).unwrap();
            assert!(
                answers_soa(knot.addr, &origin, Duration::from_secs(20)),
                "knotd did not load {} (round {n})",
                zone.file
            );
            if !answers_soa(flatapex.addr, &origin, Duration::from_secs(1)) {
                // Collect what the server said of the file until now.
                flatapex.logged("\0", Duration::from_millis(200));
                let said: Vec<&String> = flatapex
                    .log
                    .iter()
                    .filter(|l| l.contains(written.as_str()))
                    .collect();
                failures.push(format!(
                    "{}: flatapex did not load it: {said:#?}",
                    zone.file
                ));
                continue;
            }
            let records = axfr(knot.addr, &origin);
            let mut questions: Vec<(Name, RecordType)> = Vec::new();
            for record in &records {
                let q = (record.owner.clone(), RecordType::from(record.rtype));
                if !questions.contains(&q) {
                    questions.push(q);
                }
                // A name below every owner: wildcards, DNAMEs, referrals and NXDOMAIN.
                if let Ok(below) = text_to_name("flatapex-probe")
                    .unwrap()
                    .append_domain(&record.owner)
                {
                    let q = (below, RecordType::A);
                    if !questions.contains(&q) {
                        questions.push(q);
                    }
                }
            }
            let mut from_knot = Client::new(knot.addr);
            let mut from_flatapex = Client::new(flatapex.addr);
            let counts = per_file.entry(zone.file.clone()).or_default();
            for (name, rtype) in questions {
                let want = summary(&from_knot.ask(&name, rtype));
                let got = summary(&from_flatapex.ask(&name, rtype));
                total += 1;
                counts.1 += 1;
                if want == got {
                    agreeing += 1;
                    counts.0 += 1;
                    continue;
                }
                let key = (zone.file.clone(), name.to_string(), rtype.to_string());
                if expected.contains(&key) {
                    found.insert(key);
                    continue;
                }
                failures.push(format!(
                    "{} {name} {rtype}:\n knot:\n  {want}\n flatapex:\n  {got}",
                    zone.file
                ));
            }
        }
    }
    for (file, (agree, asked)) in &per_file {
        eprintln!("{file}: {agree} of {asked} answers agree");
    }
    eprintln!(
        "{} zones, {agreeing} of {total} answers as Knot gives them, {} documented deviations",
        zones.len(),
        found.len()
    );
    let stale: Vec<_> = expected.difference(&found).collect();
    assert!(
        failures.is_empty() && stale.is_empty(),
        "{} differences from Knot:\n{}\ndeviations that no longer happen: {stale:?}",
        failures.len(),
        failures.join("\n")
    );
}
