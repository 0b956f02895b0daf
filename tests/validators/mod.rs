//! Real DNSSEC validators on loopback for the tests that check flatapex's signatures
//! (docs/ARCHITECTURE.md, "DNSSEC"): unbound as a validating resolver whose stub zone points at
//! the servers under test, delv, and the keys and DS records `flatapex dnssec keygen`/`ds` make.
//! Needs `unbound` and `delv` (`scripts/test-dnssec` installs them).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hickory_proto::dnssec::rdata::DNSSECRData;
use hickory_proto::op::{Edns, Message, Query};
use hickory_proto::rr::{Name, RData, RecordType};

use crate::common::{free_port, udp};

/// A running unbound, killed when dropped.
pub struct Unbound {
    child: Child,
    /// Where it answers.
    pub addr: SocketAddr,
}

impl Drop for Unbound {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Unbound {
    /// unbound validating `zone` with the trust anchors `anchors` (DNSKEY or DS lines in
    /// presentation form, RFC 4034 §2.2 and §5.3), its stub zone served by `servers` (which it
    /// picks among as resolvers do). Its files go in `dir`, named after `name`.
    pub fn start(
        dir: &Path,
        name: &str,
        zone: &str,
        anchors: &[String],
        servers: &[SocketAddr],
    ) -> Unbound {
        let port = free_port();
        let anchor_file = dir.join(format!("{name}.anchor"));
        std::fs::write(&anchor_file, anchors.join("\n") + "\n").unwrap();
        let stubs: String = servers
            .iter()
            .map(|s| format!("  stub-addr: {}@{}\n", s.ip(), s.port()))
            .collect();
        let conf = dir.join(format!("{name}.conf"));
        std::fs::write(
            &conf,
            format!(
                "server:\n  interface: 127.0.0.1\n  port: {port}\n  do-ip6: no\n  username: \"\"\n  \
                 chroot: \"\"\n  directory: \"{dir}\"\n  pidfile: \"\"\n  use-syslog: no\n  \
                 logfile: \"\"\n  verbosity: 1\n  val-log-level: 2\n  do-not-query-localhost: no\n  \
                 local-zone: \"test.\" nodefault\n  trust-anchor-file: \"{anchor}\"\n  \
                 serve-expired: no\n\
                 stub-zone:\n  name: \"{zone}\"\n{stubs}",
                dir = dir.display(),
                anchor = anchor_file.display(),
            ),
        )
        .unwrap();
        let child = Command::new("unbound")
            .args(["-d", "-c"])
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("unbound is installed (scripts/test-dnssec installs it)");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let unbound = Unbound { child, addr };
        for _ in 0..100 {
            if try_resolve(addr, zone, RecordType::SOA, Duration::from_millis(100)).is_some() {
                return unbound;
            }
        }
        panic!("unbound did not start on {addr}");
    }

    /// Asks unbound `name`/`qtype` with DO set.
    pub fn resolve(&self, name: &str, qtype: RecordType) -> Message {
        resolve(self.addr, name, qtype)
    }
}

/// A recursive query for `name`/`qtype` with DO set and a 1232-byte payload.
pub fn query(name: &str, qtype: RecordType) -> Vec<u8> {
    let mut m = Message::query();
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), qtype));
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    edns.set_dnssec_ok(true);
    m.edns = Some(edns);
    m.to_vec().unwrap()
}

/// Asks `addr` `name`/`qtype` over UDP with DO set.
pub fn resolve(addr: SocketAddr, name: &str, qtype: RecordType) -> Message {
    Message::from_vec(&udp(addr, &query(name, qtype))).unwrap()
}

/// Asks `addr` `name`/`qtype` over UDP with DO set; `None` when nothing answers within `wait`
/// (a server still starting).
pub fn try_resolve(
    addr: SocketAddr,
    name: &str,
    qtype: RecordType,
    wait: Duration,
) -> Option<Message> {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(wait)).unwrap();
    socket.send_to(&query(name, qtype), addr).unwrap();
    let mut buf = vec![0u8; 65_535];
    let (n, _) = socket.recv_from(&mut buf).ok()?;
    Message::from_vec(&buf[..n]).ok()
}

/// delv's output (both streams) for `name`/`qtype` at `server`, validating below `zone` with
/// the anchors in `anchor_file` (see [`delv_anchors`]).
pub fn delv(
    server: SocketAddr,
    anchor_file: &Path,
    zone: &str,
    name: &str,
    qtype: RecordType,
) -> String {
    let out = Command::new("delv")
        .arg(format!("@{}", server.ip()))
        .args(["-p", &server.port().to_string(), "-a"])
        .arg(anchor_file)
        .arg(format!("+root={zone}"))
        .args([name, &qtype.to_string()])
        .output()
        .expect("delv is installed (bind9-dnsutils)");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Writes delv's `trust-anchors` file for `anchors` (DNSKEY or DS lines) at `path`.
pub fn delv_anchors(path: &Path, anchors: &[String]) -> PathBuf {
    let mut text = String::from("trust-anchors {\n");
    for line in anchors {
        let fields: Vec<&str> = line.split_whitespace().filter(|f| *f != "IN").collect();
        let (owner, rtype, rdata) = (fields[0], fields[1], &fields[2..]);
        let (last, head) = rdata.split_last().unwrap();
        let kind = match rtype {
            "DNSKEY" => "static-key",
            "DS" => "static-ds",
            other => panic!("not a trust anchor: {other} in {line}"),
        };
        text.push_str(&format!(
            "  {owner} {kind} {} \"{last}\";\n",
            head.join(" ")
        ));
    }
    text.push_str("};\n");
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

/// Runs the flatapex binary with `args`; its standard output, failing on an error exit.
fn flatapex(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_flatapex"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "flatapex {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A new algorithm 13 key for `zone` written to `dir` by `flatapex dnssec keygen`; its DNSKEY
/// line.
pub fn keygen(zone: &str, dir: &Path) -> String {
    keygen_with(zone, dir, 13)
}

/// A new key of `algorithm` (13 or 15) for `zone` written to `dir` by `flatapex dnssec
/// keygen`; its DNSKEY line.
pub fn keygen_with(zone: &str, dir: &Path, algorithm: u8) -> String {
    let line = flatapex(&[
        "dnssec",
        "keygen",
        zone,
        "--algorithm",
        &algorithm.to_string(),
        "--dir",
        dir.to_str().unwrap(),
    ]);
    assert!(
        line.starts_with(&format!("{zone} IN DNSKEY 257 3 {algorithm} ")),
        "{line}"
    );
    line
}

/// The DS line `flatapex dnssec ds` prints for the key of `zone` in `dir`.
pub fn ds(zone: &str, dir: &Path) -> String {
    let line = flatapex(&["dnssec", "ds", zone, "--dir", dir.to_str().unwrap()]);
    assert!(line.starts_with(&format!("{zone} IN DS ")), "{line}");
    line
}

/// The key tag a DS line names (RFC 4034 §5.1.1): the tag of the RRSIGs its key makes.
pub fn tag_of_ds(ds_line: &str) -> u16 {
    ds_line
        .split_whitespace()
        .skip_while(|f| *f != "DS")
        .nth(1)
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no key tag in {ds_line}"))
}

/// The key tags of the RRSIGs in `m`'s answer and authority sections.
pub fn signing_tags(m: &Message) -> Vec<u16> {
    let mut tags: Vec<u16> = m
        .answers
        .iter()
        .chain(&m.authorities)
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::RRSIG(sig)) => Some(sig.input().key_tag),
            _ => None,
        })
        .collect();
    tags.sort_unstable();
    tags.dedup();
    tags
}
