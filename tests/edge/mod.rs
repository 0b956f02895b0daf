//! The harness of the end-to-end suites that drive `wrangler dev` (real workerd, local KV, the
//! Cache API): it starts the fake upstream in-process, writes a wrangler configuration with it
//! as the upstreams and a fresh bearer token, pushes tests/zones with `flatapex push --local`,
//! and starts `wrangler dev`. It needs the worker built (`scripts/build-worker`) and wrangler in
//! node_modules; `scripts/e2e-edge` does both and runs these suites with `--ignored`.
//!
//! Each suite shares one [`Edge`] ([`edge`]); wrangler dev runs under a shell that stops it when
//! the test process's end of a pipe closes, so nothing outlives the suite.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, RData, RecordType};
use reqwest::blocking::{Client, Response};

use super::common::free_port;
use super::fake_upstream::{FakeUpstream, Flat};

pub const NEEDS: &str = "needs wrangler dev: run scripts/e2e-edge";

/// The API keys of the `FLATAPEX_API_KEYS` secret in `.dev.vars`: the native suites' keys.
pub use super::common::{API_ACME, API_ADMIN};

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running `wrangler dev` with its own local KV and fake upstream.
pub struct Edge {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The `/zones/<zone>` bearer token (the `FLATAPEX_TOKEN` secret, from `.dev.vars`).
    pub token: String,
    /// The upstream the worker resolves ALIAS targets through.
    pub fake: FakeUpstream,
    dir: tempfile::TempDir,
    port: u16,
    wrangler: Option<(Child, ChildStdin)>,
    log: Arc<Mutex<String>>,
}

impl Edge {
    /// Starts the fake upstream, pushes tests/zones to a fresh local KV and starts wrangler dev.
    pub fn start() -> Edge {
        Edge::start_with(|config| config)
    }

    /// [`Edge::start`] with `edit` applied to the wrangler configuration.
    pub fn start_with(edit: impl FnOnce(String) -> String) -> Edge {
        Edge::start_full(edit, "", None)
    }

    /// [`Edge::start`] with more secrets (`.dev.vars` lines), pushing the zone files of `zones`
    /// instead of tests/zones.
    pub fn start_with_secrets(secrets: &str, zones: &Path) -> Edge {
        Edge::start_full(|config| config, secrets, Some(zones))
    }

    fn start_full(
        edit: impl FnOnce(String) -> String,
        secrets: &str,
        zones: Option<&Path>,
    ) -> Edge {
        assert!(
            root().join("build/index.js").exists(),
            "the worker is not built: run scripts/build-worker (scripts/e2e-edge does)"
        );
        let fake = FakeUpstream::start();
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = [0u8; 18];
        getrandom::fill(&mut bytes).unwrap();
        let token = flatapex::encoding::base64url_encode(&bytes);
        // wrangler dev reads secrets from .dev.vars beside the configuration.
        std::fs::write(
            dir.path().join(".dev.vars"),
            format!(
                "FLATAPEX_TOKEN={token}\nFLATAPEX_API_KEYS='[{{\"name\":\"admin\",\"key\":\"{API_ADMIN}\"}},{{\"name\":\"acme\",\"key\":\"{API_ACME}\",\"names\":[\"_acme-challenge.*\"],\"types\":[\"TXT\"]}}]'\n{secrets}"
            ),
        )
        .unwrap();
        let port = free_port();
        let mut edge = Edge {
            base: format!("http://127.0.0.1:{port}"),
            token,
            fake,
            dir,
            port,
            wrangler: None,
            log: Arc::default(),
        };
        edge.write_config(edit);
        let tests_zones = root().join("tests/zones");
        edge.push(zones.unwrap_or(&tests_zones));
        edge.run_wrangler();
        edge
    }

    /// The configuration file.
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("wrangler.toml")
    }

    /// Where wrangler dev keeps its local state (KV, Cache API).
    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// Writes tests/e2e/wrangler.toml with the worker's path, the fake upstream (its /hole/ path
    /// black-holes the `hedge` names, so the second upstream answers) and `edit` applied.
    fn write_config(&self, edit: impl FnOnce(String) -> String) {
        let template = std::fs::read_to_string(root().join("tests/e2e/wrangler.toml")).unwrap();
        let upstreams = format!(
            "upstreams = [\"http://{addr}/hole/dns-query\", \"http://{addr}/dns-query\"]",
            addr = self.fake.addr
        );
        let config = template
            .replace(
                "main = \"../../build/index.js\"",
                &format!("main = \"{}\"", root().join("build/index.js").display()),
            )
            .replace(
                "directory = \"../../ui/dist\"",
                &format!("directory = \"{}\"", root().join("ui/dist").display()),
            )
            .replace(
                "alias_ttl_floor = 1",
                &format!("alias_ttl_floor = 1\n{upstreams}"),
            );
        assert!(
            config.contains("upstreams = ["),
            "the template changed: {template}"
        );
        std::fs::write(self.config(), edit(config)).unwrap();
    }

    /// Starts wrangler dev and waits until it is ready.
    fn run_wrangler(&mut self) {
        let wrangler = root().join("node_modules/.bin/wrangler");
        let command = format!(
            "{wrangler} dev --config {config} --persist-to {state} --ip 127.0.0.1 --port {port} \
             --test-scheduled & child=$!; cat >/dev/null; kill $child; wait $child",
            wrangler = wrangler.display(),
            config = self.config().display(),
            state = self.state().display(),
            port = self.port,
        );
        let mut child = Command::new("sh")
            .args(["-c", &command])
            .current_dir(root())
            .env("WRANGLER_SEND_METRICS", "false")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start wrangler dev");
        let stdin = child.stdin.take().unwrap();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let log = self.log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        self.wrangler = Some((child, stdin));
        let ready = within(Duration::from_secs(90), || self.log().contains("Ready on"));
        assert!(
            ready.is_some(),
            "wrangler dev did not start:\n{}",
            self.log()
        );
        // The log so far is the start-up's; what the tests look at comes after.
    }

    /// Stops wrangler dev, applies `edit` to the configuration and starts it again, on the same
    /// port, local state and upstream: a new isolate with empty memory.
    pub fn restart(&mut self, edit: impl FnOnce(String) -> String) {
        self.stop();
        self.log.lock().unwrap().clear();
        let config = std::fs::read_to_string(self.config()).unwrap();
        std::fs::write(self.config(), edit(config)).unwrap();
        self.run_wrangler();
    }

    fn stop(&mut self) {
        if let Some((mut child, stdin)) = self.wrangler.take() {
            drop(stdin); // the shell's `cat` ends and it stops wrangler
            let _ = child.wait();
        }
    }

    /// Everything wrangler dev printed since it last started.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// `flatapex push --local` of the zone files in `dir` to this edge's KV.
    pub fn push(&self, dir: &Path) -> String {
        self.push_with(dir, &[])
    }

    /// [`Edge::push`] with more arguments; what it printed, stdout then stderr.
    pub fn push_with(&self, dir: &Path, more: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_flatapex"))
            .args(["push", "--local", "--persist-to"])
            .arg(self.state())
            .arg("--config")
            .arg(self.config())
            .args(more)
            .arg(dir)
            .current_dir(root())
            .output()
            .unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "push failed: {printed}");
        printed
    }

    /// Runs wrangler against this edge's local KV (`kv key get ...`).
    pub fn wrangler_kv(&self, args: &[&str]) -> String {
        let out = Command::new(root().join("node_modules/.bin/wrangler"))
            .args(args)
            .args(["--binding", "ZONES", "--local", "--persist-to"])
            .arg(self.state())
            .arg("--config")
            .arg(self.config())
            .current_dir(root())
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

    /// Runs the scheduled handler once (wrangler dev's `/__scheduled` test route).
    pub fn trigger(&self) {
        let r = client()
            .get(format!("{}/__scheduled?cron=*+*+*+*+*", self.base))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().unwrap_or_default());
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The suite's shared edge, started on first use.
pub fn edge() -> &'static Edge {
    static EDGE: OnceLock<Edge> = OnceLock::new();
    EDGE.get_or_init(Edge::start)
}

pub fn url(path: &str) -> String {
    format!("{}{path}", edge().base)
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
            flatapex::encoding::base64url_encode(wire)
        )))
        .send()
        .unwrap()
}

/// Asks the shared edge `name` `qtype` by POST (with EDNS, so EDE can come), timing the answer
/// and keeping its `flatapex-alias` header. A status other than 200 fails with the body and the
/// end of wrangler dev's log.
pub fn ask(name: &str, qtype: RecordType) -> Flat {
    let started = Instant::now();
    let response = post(query_edns(name, qtype));
    let took = started.elapsed();
    let alias = header(&response, "flatapex-alias");
    if response.status() != 200 {
        let status = response.status();
        let body = response.text().unwrap_or_default();
        // wrangler dev may still be writing the lines about this request.
        std::thread::sleep(Duration::from_secs(1));
        panic!(
            "{name} {qtype}: HTTP {status}: {body}\n{}",
            log_tail(&edge().log())
        );
    }
    Flat {
        message: message(response),
        alias,
        took,
    }
}

/// The last 40 lines of `log`.
fn log_tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
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

/// Runs wrangler against the shared edge's local KV.
pub fn wrangler(args: &[&str]) -> String {
    edge().wrangler_kv(args)
}

/// Pushes the zone files in `dir` to the shared edge.
pub fn push(dir: &Path) -> String {
    edge().push(dir)
}

/// Pushes the zone files in `dir` to the shared edge with more arguments.
pub fn push_with(dir: &Path, more: &[&str]) -> String {
    edge().push_with(dir, more)
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
