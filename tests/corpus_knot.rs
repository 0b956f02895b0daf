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

#[path = "corpus_knot/client.rs"]
mod client;
mod common;
mod knot;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use hickory_proto::rr::{Name, RecordType};

use client::{Client, answers_soa, axfr, summary};
use common::{Server, free_port};
use flatapex::zone::names::text_to_name;
use knot::Knot;

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

/// knotd serving `zones` (origin, file) from `dir` on a free loopback port.
fn start_knot(dir: &Path, zones: &[(String, String)]) -> Knot {
    let mut sections = format!(
        r#"acl:
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
        sections.push_str(&format!("  - domain: \"{origin}\"\n    file: \"{file}\"\n"));
    }
    Knot::start(dir, free_port(), &sections)
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
        let knot = start_knot(dir.path(), &files);
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
