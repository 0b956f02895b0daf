//! Helpers for the end-to-end suites that drive `wrangler dev` (scripts/e2e-edge sets the
//! environment: FLATAPEX_EDGE_URL, FLATAPEX_EDGE_STATE, FLATAPEX_EDGE_CONFIG).
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, RData, RecordType};
use reqwest::blocking::{Client, Response};

pub const NEEDS: &str = "needs wrangler dev: run scripts/e2e-edge";

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/e2e-edge"))
}

pub fn url(path: &str) -> String {
    format!("{}{path}", env("FLATAPEX_EDGE_URL"))
}

pub fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

pub fn query(name: &str, qtype: RecordType) -> Vec<u8> {
    let mut m = Message::query();
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), qtype));
    m.to_vec().unwrap()
}

/// A query with EDNS(0), so the answer may carry EDE (RFC 8914 §3 needs OPT).
pub fn query_edns(name: &str, qtype: RecordType) -> Vec<u8> {
    let mut m = Message::from_vec(&query(name, qtype)).unwrap();
    let mut edns = hickory_proto::op::Edns::new();
    edns.set_max_payload(1232);
    m.edns = Some(edns);
    m.to_vec().unwrap()
}

pub fn post(wire: Vec<u8>) -> Response {
    client()
        .post(url("/dns-query"))
        .header("content-type", "application/dns-message")
        .body(wire)
        .send()
        .unwrap()
}

pub fn get_wire(wire: &[u8]) -> Response {
    client()
        .get(url(&format!(
            "/dns-query?dns={}",
            data_encoding::BASE64URL_NOPAD.encode(wire)
        )))
        .send()
        .unwrap()
}

pub fn message(response: Response) -> Message {
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/dns-message"
    );
    Message::from_vec(&response.bytes().unwrap()).unwrap()
}

pub fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

pub fn serial(zone: &str) -> u32 {
    let m = message(post(query(zone, RecordType::SOA)));
    match m.answers.first().map(|r| &r.data) {
        Some(RData::SOA(soa)) => soa.serial,
        other => panic!(
            "no SOA for {zone}: {other:?} ({:?})",
            m.metadata.response_code
        ),
    }
}

/// Runs wrangler against the suite's local KV.
pub fn wrangler(args: &[&str]) -> String {
    let out = Command::new("node_modules/.bin/wrangler")
        .args(args)
        .args(["--binding", "ZONES", "--local"])
        .args(["--persist-to", &env("FLATAPEX_EDGE_STATE")])
        .args(["--config", &env("FLATAPEX_EDGE_CONFIG")])
        .env("WRANGLER_SEND_METRICS", "false")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wrangler {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn push(dir: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_flatapex"))
        .args([
            "push",
            "--local",
            "--persist-to",
            &env("FLATAPEX_EDGE_STATE"),
        ])
        .args(["--config", &env("FLATAPEX_EDGE_CONFIG")])
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "push failed: {stdout}");
    stdout
}

/// Waits up to `limit` for `check`, returning how long it took.
pub fn within(limit: Duration, mut check: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}
