//! Secondary DNS end to end: Knot (knotd) as a secondary of `flatapex serve` on loopback, with an
//! apex ALIAS flattened through the fake upstream, and dig as the TSIG-checking client.
//!
//! Needs knotd and dig (Debian's knot and bind9-dnsutils); `scripts/test` installs them and runs
//! these with `--ignored`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod fake_upstream;
mod knot;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Server, free_port};
use fake_upstream::FakeUpstream;
use knot::Knot;

const ZONE: &str = "\
$ORIGIN sec.test.
$TTL 3600
@    SOA   ns1 hostmaster 100 3600 600 86400 60
@    NS    ns1
ns1  A     192.0.2.53
@    300 ALIAS edge.cdn.fake.
@    MX    10 mail
mail A     192.0.2.25
";

/// A zone big enough that its transfer takes several messages, each TSIG-signed in a chain.
fn big_zone() -> String {
    let mut text = String::from(
        "$ORIGIN big.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.53\n",
    );
    for i in 1..=2000 {
        text.push_str(&format!(
            "h{i} TXT \"record {i} of a zone that needs several transfer messages\"\n"
        ));
    }
    text
}

/// Runs dig with `args`; its standard output.
fn dig(args: &[&str]) -> String {
    let out = Command::new("dig")
        .args(["+time=2", "+tries=1"])
        .args(args)
        .output()
        .expect("dig (bind9-dnsutils) must be installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `dig +short` of `name type` at 127.0.0.1:`port`, the lines sorted and joined.
fn ask(port: u16, name: &str, rtype: &str) -> String {
    let mut lines: Vec<String> =
        dig(&["+short", "-p", &port.to_string(), "@127.0.0.1", name, rtype])
            .lines()
            .map(str::to_string)
            .collect();
    lines.sort();
    lines.join(" ")
}

/// The SOA serial served at `port` (0 if none).
fn serial(port: u16) -> u32 {
    ask(port, "sec.test", "SOA")
        .split_whitespace()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Waits up to `limit` for `done`, failing with `what`.
fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what} (waited {limit:?})");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// knotd on 127.0.0.1:`port` (state in `dir`), a secondary of sec.test. from `primary` with
/// TSIG key `secret`.
fn start_secondary(dir: &Path, port: u16, primary: SocketAddr, secret: &str) -> Knot {
    let sections = format!(
        r#"key:
  - id: xfr-key
    algorithm: hmac-sha256
    secret: {secret}
remote:
  - id: primary
    address: {ip}@{primary_port}
    key: xfr-key
acl:
  - id: from_primary
    address: 127.0.0.1
    action: notify
{template}zone:
  - domain: sec.test
    master: primary
    acl: from_primary
"#,
        template = knot::secondary_template(dir),
        ip = primary.ip(),
        primary_port = primary.port(),
    );
    Knot::start(dir, port, &sections)
}

/// A base64 secret for TSIG.
fn secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).unwrap();
    flatapex::encoding::base64_encode(&bytes)
}

/// The primary for these tests: transfers to TSIG `secret` only, NOTIFY to `notify`.
fn primary(zones: &Path, listen: &str, fake: &FakeUpstream, secret: &str, notify: u16) -> Server {
    Server::start_at(
        zones,
        listen,
        &[
            "--upstream",
            &fake.url(),
            "--alias-ttl-floor",
            "1",
            "--tsig",
            &format!("xfr-key:hmac-sha256:{secret}"),
            "--notify",
            &format!("127.0.0.1:{notify}"),
        ],
    )
}

#[test]
#[ignore = "needs knotd and dig: scripts/test runs it"]
fn knot_follows_flattened_changes_a_restart_with_the_upstream_down_and_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    let zones = dir.path().join("zones");
    std::fs::create_dir_all(&zones).unwrap();
    std::fs::write(zones.join("sec.test.zone"), ZONE).unwrap();
    let fake = FakeUpstream::start();
    // A flattened TTL of 2 s, so the refresh job re-resolves every 2 s.
    fake.set_addresses(&["192.0.2.10"], &["2001:db8::10"], 2);
    let secret = secret();
    let listen = format!("127.0.0.1:{}", free_port());
    let knot_port = free_port();
    let mut server = primary(&zones, &listen, &fake, &secret, knot_port);
    let fp = server.addr.port();
    let knot = start_secondary(&dir.path().join("knot"), knot_port, server.addr, &secret);
    let kp = knot.addr.port();

    // 1. After NOTIFY the secondary serves the flattened apex addresses, as the primary does.
    wait_for(Duration::from_secs(20), "Knot transferred the zone", || {
        let a = ask(kp, "sec.test", "A");
        !a.is_empty() && a == ask(fp, "sec.test", "A")
    });
    assert_eq!(ask(kp, "sec.test", "A"), "192.0.2.10");
    assert_eq!(ask(kp, "sec.test", "AAAA"), "2001:db8::10");
    assert_eq!(ask(kp, "sec.test", "MX"), "10 mail.sec.test.");

    // 2. The upstream's answer changes: the serial goes up, NOTIFY, Knot follows.
    let before = serial(fp);
    fake.set_addresses(&["192.0.2.99"], &["2001:db8::99"], 2);
    wait_for(
        Duration::from_secs(10),
        "Knot serves the new addresses",
        || {
            ask(kp, "sec.test", "A") == "192.0.2.99"
                && ask(kp, "sec.test", "AAAA") == "2001:db8::99"
        },
    );
    let after = serial(fp);
    assert!(after > before, "serial did not go up: {before} -> {after}");
    assert_eq!(serial(kp), after);
    assert!(
        server.logged(
            &format!("NOTIFY of sec.test. serial {after} acknowledged"),
            Duration::from_secs(5)
        ),
        "no acknowledged NOTIFY for {after}: {:#?}",
        server.log
    );

    // 3. The upstream goes away: the serial stays, Knot keeps the last good addresses.
    drop(fake);
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(serial(fp), after, "serial changed with the upstream gone");
    assert_eq!(ask(kp, "sec.test", "A"), "192.0.2.99");

    // 4. A restart with the upstream still gone: the bumped serial, the last good addresses in
    // transfers, and stale answers (TTL 30, EDE 3), all from the saved state.
    drop(server);
    let mut server = Server::start_at(
        &zones,
        &listen,
        &[
            "--upstream",
            "http://127.0.0.1:9/dns-query", // nothing listens on the discard port
            "--alias-ttl-floor",
            "1",
            "--tsig",
            &format!("xfr-key:hmac-sha256:{secret}"),
            "--notify",
            &format!("127.0.0.1:{kp}"),
        ],
    );
    assert!(server.logged("transfer state from", Duration::from_secs(1)));
    assert_eq!(serial(fp), after, "after a restart");
    let axfr = dig(&[
        "-y",
        &format!("hmac-sha256:xfr-key:{secret}"),
        "-p",
        &fp.to_string(),
        "@127.0.0.1",
        "sec.test",
        "AXFR",
    ]);
    assert!(
        axfr.lines()
            .any(|l| l.starts_with("sec.test.") && l.ends_with("IN\tA\t192.0.2.99")),
        "after a restart the transfer lost 192.0.2.99:\n{axfr}"
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(serial(fp), after, "serial changed after the restart");
    let stale = dig(&["-p", &fp.to_string(), "@127.0.0.1", "sec.test", "A"]);
    assert!(
        stale.contains("sec.test.\t\t30\tIN\tA\t192.0.2.99"),
        "no stale answer after the restart:\n{stale}"
    );
    assert!(
        stale.contains("EDE: 3 (Stale Answer)"),
        "no EDE 3:\n{stale}"
    );

    // 5. An edit saved with serial 101, below the served one: served one above, NOTIFY, and
    // Knot serves the edit.
    let edited = ZONE.replace("hostmaster 100 ", "hostmaster 101 ") + "www  A     192.0.2.80\n";
    std::fs::write(zones.join("sec.test.zone"), edited).unwrap();
    server.hangup();
    wait_for(Duration::from_secs(10), "Knot serves the edit", || {
        ask(kp, "www.sec.test", "A") == "192.0.2.80"
    });
    let bumped = serial(fp);
    assert!(
        bumped > after,
        "edited zone served at {bumped}, not above {after}"
    );
    assert_eq!(serial(kp), bumped);
    assert!(
        server.logged(
            &format!("NOTIFY of sec.test. serial {bumped} acknowledged"),
            Duration::from_secs(5)
        ),
        "no acknowledged NOTIFY for {bumped}: {:#?}",
        server.log
    );
    assert!(
        server
            .log
            .iter()
            .any(|l| l.contains("XFR of sec.test. serial")
                && l.contains("to 127.0.0.1 (TSIG xfr-key.)")),
        "Knot's transfers were not TSIG-signed: {:#?}",
        server.log
    );
}

#[test]
#[ignore = "needs dig: scripts/test runs it"]
fn transfers_need_an_allowed_address_or_a_valid_tsig_and_dig_verifies_every_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sec.test.zone"), ZONE).unwrap();
    std::fs::write(dir.path().join("big.test.zone"), big_zone()).unwrap();
    let fake = FakeUpstream::start();
    let secret = secret();
    let mut server = primary(dir.path(), "127.0.0.1:0", &fake, &secret, free_port());
    let port = server.addr.port().to_string();
    let key = format!("hmac-sha256:xfr-key:{secret}");

    let refused = dig(&[
        "-b",
        "127.0.0.2",
        "-p",
        &port,
        "@127.0.0.1",
        "sec.test",
        "AXFR",
    ]);
    assert!(
        refused.contains("Transfer failed"),
        "unsigned AXFR: {refused}"
    );
    assert!(
        server.logged(
            "refused AXFR of sec.test. to 127.0.0.2: not an allowed transfer client and no TSIG",
            Duration::from_secs(2)
        ),
        "{:#?}",
        server.log
    );
    let wrong = format!("hmac-sha256:xfr-key:{}", self::secret());
    let wrong = dig(&["-y", &wrong, "-p", &port, "@127.0.0.1", "sec.test", "AXFR"]);
    assert!(
        wrong.contains("Transfer failed")
            || wrong.contains("tsig verify failure")
            || wrong.contains("NOTAUTH"),
        "AXFR with a wrong key: {wrong}"
    );
    wait_for(Duration::from_secs(10), "the ALIAS was flattened", || {
        ask(server.addr.port(), "sec.test", "A") == "192.0.2.10"
    });
    let allowed = dig(&["-y", &key, "-p", &port, "@127.0.0.1", "sec.test", "AXFR"]);
    assert!(!allowed.contains("tsig verify failure"), "{allowed}");
    let records = allowed.lines().filter(|l| l.contains("\tIN\t")).count();
    assert!(
        records >= 8,
        "signed AXFR gave {records} records: {allowed}"
    );
    assert!(
        allowed.contains("sec.test.\t\t300\tIN\tA\t192.0.2.10"),
        "the ALIAS is flattened in the transfer:\n{allowed}"
    );
    let big = dig(&["-y", &key, "-p", &port, "@127.0.0.1", "big.test", "AXFR"]);
    assert!(
        !big.contains("verify failure") && !big.contains("Couldn't verify"),
        "a multi-message signed AXFR did not verify:\n{}",
        &big[big.len().saturating_sub(2000)..]
    );
    let messages: u32 = big
        .split("(messages ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(messages > 1, "big.test went in {messages} message(s)");
}
