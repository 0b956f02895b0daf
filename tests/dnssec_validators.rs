//! Real validators against `flatapex serve --dnssec-keys` on loopback (docs/ARCHITECTURE.md,
//! "DNSSEC"): unbound as a validating resolver with the test zone's key as trust anchor must set
//! AD on every answer shape (static, MX, flattened ALIAS, CNAME → ALIAS, wildcard, NXDOMAIN,
//! NODATA, the DS denial of an insecure delegation, a stale flattened answer) and SERVFAIL with
//! a wrong anchor; delv must print "fully validated". Needs `unbound` and `delv`
//! (`scripts/test-dnssec` installs them), so it is ignored by default.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod fake_upstream;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Server, free_port, udp};
use fake_upstream::FakeUpstream;
use hickory_proto::op::{Edns, Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};

const ZONE: &str = "$ORIGIN dnssec.test.
$TTL 300
@         SOA   ns1 hostmaster 1 3600 600 86400 60
@         NS    ns1
ns1       A     127.0.0.1
@         ALIAS plain.cdn.fake.
@         MX    10 mail
mail      A     192.0.2.25
static    A     192.0.2.1
www       CNAME @
*.wild    A     192.0.2.7
flaky     ALIAS flaky.cdn.fake.
insecure  NS    ns1.insecure
ns1.insecure A  127.0.0.1
";

const CHILD: &str = "$ORIGIN insecure.dnssec.test.
$TTL 300
@         SOA   ns1 hostmaster 1 3600 600 86400 60
@         NS    ns1
ns1       A     127.0.0.1
host      A     192.0.2.99
";

/// A running unbound, killed when dropped.
struct Unbound {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Unbound {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// unbound validating `dnssec.test.` with `anchor` (a DNSKEY line), its stub at `server`.
fn unbound(dir: &Path, name: &str, anchor: &str, server: SocketAddr) -> Unbound {
    let port = free_port();
    let anchor_file = dir.join(format!("{name}.anchor"));
    std::fs::write(&anchor_file, format!("{anchor}\n")).unwrap();
    let conf = dir.join(format!("{name}.conf"));
    std::fs::write(
        &conf,
        format!(
            "server:\n  interface: 127.0.0.1\n  port: {port}\n  do-ip6: no\n  username: \"\"\n  \
             chroot: \"\"\n  directory: \"{dir}\"\n  pidfile: \"\"\n  use-syslog: no\n  \
             logfile: \"\"\n  verbosity: 1\n  val-log-level: 2\n  do-not-query-localhost: no\n  \
             local-zone: \"test.\" nodefault\n  trust-anchor-file: \"{anchor}\"\n  \
             serve-expired: no\n\
             stub-zone:\n  name: \"dnssec.test.\"\n  stub-addr: {server_ip}@{server_port}\n",
            dir = dir.display(),
            anchor = anchor_file.display(),
            server_ip = server.ip(),
            server_port = server.port(),
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
        if std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| {
                s.set_read_timeout(Some(Duration::from_millis(100)))?;
                s.send_to(&query("static.dnssec.test.", RecordType::A), addr)?;
                s.recv(&mut [0; 1500])
            })
            .is_ok()
        {
            return unbound;
        }
    }
    panic!("unbound did not start on {addr}");
}

fn query(name: &str, qtype: RecordType) -> Vec<u8> {
    let mut m = Message::query();
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), qtype));
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    edns.set_dnssec_ok(true);
    m.edns = Some(edns);
    m.to_vec().unwrap()
}

fn resolve(addr: SocketAddr, name: &str, qtype: RecordType) -> Message {
    Message::from_vec(&udp(addr, &query(name, qtype))).unwrap()
}

/// The shapes to validate: (name, type, rcode, answers expected).
const SHAPES: &[(&str, RecordType, ResponseCode, bool)] = &[
    (
        "static.dnssec.test.",
        RecordType::A,
        ResponseCode::NoError,
        true,
    ),
    ("dnssec.test.", RecordType::MX, ResponseCode::NoError, true),
    ("dnssec.test.", RecordType::A, ResponseCode::NoError, true),
    (
        "www.dnssec.test.",
        RecordType::A,
        ResponseCode::NoError,
        true,
    ),
    (
        "x.wild.dnssec.test.",
        RecordType::A,
        ResponseCode::NoError,
        true,
    ),
    // Compact denial: a validator that does not know NXNAME sees NODATA (RFC 9824 §3.1).
    (
        "nope.dnssec.test.",
        RecordType::A,
        ResponseCode::NoError,
        false,
    ),
    (
        "static.dnssec.test.",
        RecordType::TXT,
        ResponseCode::NoError,
        false,
    ),
    (
        "insecure.dnssec.test.",
        RecordType::DS,
        ResponseCode::NoError,
        false,
    ),
    ("dnssec.test.", RecordType::CDS, ResponseCode::NoError, true),
];

fn delv(server: SocketAddr, anchor: &Path, name: &str, qtype: RecordType) -> String {
    let out = Command::new("delv")
        .arg(format!("@{}", server.ip()))
        .args(["-p", &server.port().to_string(), "-a"])
        .arg(anchor)
        .args(["+root=dnssec.test", name, &qtype.to_string()])
        .output()
        .expect("delv is installed (bind9-dnsutils)");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
#[ignore = "needs unbound and delv: scripts/test-dnssec"]
fn unbound_and_delv_validate_every_answer_shape() {
    let fake = FakeUpstream::start();
    fake.set_addresses(&["192.0.2.10"], &["2001:db8::10"], 2);
    let zones = common::battery_dir(&[
        ("dnssec.test.zone", ""),
        ("insecure.dnssec.test.zone", CHILD),
    ]);
    let keys = tempfile::tempdir().unwrap();
    let keygen = Command::new(env!("CARGO_BIN_EXE_flatapex"))
        .args(["dnssec", "keygen", "dnssec.test.", "--dir"])
        .arg(keys.path())
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{keygen:?}");
    let dnskey = String::from_utf8(keygen.stdout).unwrap().trim().to_string();
    assert!(
        dnskey.starts_with("dnssec.test. IN DNSKEY 257 3 13 "),
        "{dnskey}"
    );
    std::fs::write(
        zones.path().join("dnssec.test.zone"),
        format!("{ZONE}{dnskey}\n"),
    )
    .unwrap();
    let server = Server::start(
        zones.path(),
        &[
            "--upstream",
            &fake.url(),
            "--dnssec-keys",
            keys.path().to_str().unwrap(),
            "--alias-ttl-floor",
            "1",
            "--stale-recheck-seconds",
            "1",
        ],
    );

    let good = unbound(keys.path(), "good", &dnskey, server.addr);
    for &(name, qtype, rcode, answers) in SHAPES {
        let m = resolve(good.addr, name, qtype);
        assert_eq!(m.metadata.response_code, rcode, "{name} {qtype}: {m}");
        assert!(m.metadata.authentic_data, "{name} {qtype}: no AD: {m}");
        assert_eq!(!m.answers.is_empty(), answers, "{name} {qtype}: {m}");
    }
    // Below the insecure delegation: answered, not authenticated, not bogus.
    let below = resolve(good.addr, "host.insecure.dnssec.test.", RecordType::A);
    assert_eq!(
        below.metadata.response_code,
        ResponseCode::NoError,
        "{below}"
    );
    assert!(
        !below.metadata.authentic_data && !below.answers.is_empty(),
        "{below}"
    );

    // A flattened answer served stale (EDE 3, TTL 30) still validates.
    let first = resolve(server.addr, "flaky.dnssec.test.", RecordType::A);
    assert!(!first.answers.is_empty(), "{first}");
    fake.set_down(true);
    std::thread::sleep(Duration::from_millis(2100));
    let stale = resolve(server.addr, "flaky.dnssec.test.", RecordType::A);
    let ede = flatapex::answer::Ede::of_message(&stale).expect("EDE 3 on the stale answer");
    assert_eq!(ede.code, 3, "{stale}");
    let via_unbound = resolve(good.addr, "flaky.dnssec.test.", RecordType::A);
    assert!(via_unbound.metadata.authentic_data, "{via_unbound}");
    assert!(!via_unbound.answers.is_empty(), "{via_unbound}");
    fake.set_down(false);

    // delv with the same anchor.
    let anchor = keys.path().join("delv.anchor");
    let key = dnskey.split_whitespace().last().unwrap();
    std::fs::write(
        &anchor,
        format!("trust-anchors {{ dnssec.test. static-key 257 3 13 \"{key}\"; }};\n"),
    )
    .unwrap();
    for &(name, qtype, _, _) in SHAPES {
        let text = delv(server.addr, &anchor, name, qtype);
        assert!(
            text.contains("fully validated"),
            "delv {name} {qtype}:\n{text}"
        );
    }

    // A wrong anchor (another key): every shape is SERVFAIL, delv does not validate.
    let other = Command::new(env!("CARGO_BIN_EXE_flatapex"))
        .args(["dnssec", "keygen", "dnssec.test.", "--dir"])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    let wrong_key = String::from_utf8(other.stdout).unwrap().trim().to_string();
    let wrong = unbound(keys.path(), "wrong", &wrong_key, server.addr);
    for &(name, qtype, _, _) in SHAPES {
        let m = resolve(wrong.addr, name, qtype);
        assert_eq!(
            m.metadata.response_code,
            ResponseCode::ServFail,
            "{name} {qtype}: {m}"
        );
    }
    let wrong_anchor = keys.path().join("wrong.delv.anchor");
    let wrong_public = wrong_key.split_whitespace().last().unwrap();
    std::fs::write(
        &wrong_anchor,
        format!("trust-anchors {{ dnssec.test. static-key 257 3 13 \"{wrong_public}\"; }};\n"),
    )
    .unwrap();
    let text = delv(
        server.addr,
        &wrong_anchor,
        "static.dnssec.test.",
        RecordType::A,
    );
    assert!(!text.contains("fully validated"), "{text}");
}
