//! The zone and record APIs on `flatapex serve --doh --api-keys`, over real sockets: a PATCH is
//! served over DoH and UDP at once, written to the zone file, and announced by NOTIFY; 50
//! concurrent writers lose nothing; every bad input gets its status and changes nothing.
#![cfg(not(target_arch = "wasm32"))]
// Tests are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::net::UdpSocket;
use std::time::Duration;

use common::{API_ACME as ACME, API_ADMIN as ADMIN, API_KEYS as KEYS, Server, udp};
use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RecordType};
use serde_json::{Value, json};

const ZONE: &str = "$ORIGIN example.com.
@ 3600 IN SOA ns1 hostmaster 10 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
www 300 IN A 192.0.2.1
";

struct Api {
    _server: Server,
    _dir: tempfile::TempDir,
    zone_file: std::path::PathBuf,
    base: String,
    dns: std::net::SocketAddr,
    client: reqwest::blocking::Client,
}

fn start(extra: &[&str]) -> Api {
    let dir = tempfile::tempdir().unwrap();
    let zones = dir.path().join("zones");
    std::fs::create_dir(&zones).unwrap();
    std::fs::write(zones.join("example.com.zone"), ZONE).unwrap();
    let keys = dir.path().join("keys.jsonl");
    std::fs::write(&keys, KEYS).unwrap();
    let mut args = vec!["--doh", "127.0.0.1:0", "--api-keys", keys.to_str().unwrap()];
    args.extend_from_slice(extra);
    let mut server = Server::start(&zones, &args);
    let base = server.api_base();
    Api {
        base,
        dns: server.addr,
        _server: server,
        zone_file: zones.join("example.com.zone"),
        _dir: dir,
        client: reqwest::blocking::Client::new(),
    }
}

impl Api {
    fn call(&self, method: &str, path: &str, key: &str, body: Option<String>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("X-API-Key", key);
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{path}"
        );
        let bytes = response.bytes().unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    fn patch(&self, key: &str, rrsets: Value) -> (u16, Value) {
        let body = json!({ "rrsets": rrsets }).to_string();
        self.call(
            "PATCH",
            "/api/v1/servers/localhost/zones/example.com.",
            key,
            Some(body),
        )
    }

    /// The answer over UDP.
    fn ask(&self, name: &str, rtype: RecordType) -> Message {
        let mut query = Message::new(7, MessageType::Query, OpCode::Query);
        query.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
        Message::from_vec(&udp(self.dns, &query.to_vec().unwrap())).unwrap()
    }

    fn serial(&self) -> u32 {
        match &self.ask("example.com.", RecordType::SOA).answers[0].data {
            hickory_proto::rr::RData::SOA(soa) => soa.serial,
            other => panic!("{other:?}"),
        }
    }
}

fn rrset(name: &str, rtype: &str, ttl: u32, contents: &[&str]) -> Value {
    let records: Vec<Value> = contents
        .iter()
        .map(|c| json!({"content": c, "disabled": false}))
        .collect();
    json!({"name": name, "type": rtype, "changetype": "REPLACE", "ttl": ttl, "records": records})
}

#[test]
fn a_patch_is_served_at_once_written_to_the_file_and_notified() {
    let secondary = UdpSocket::bind("127.0.0.1:0").unwrap();
    secondary
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let notify = secondary.local_addr().unwrap().to_string();
    let api = start(&["--notify", &notify, "--allow-transfer", "127.0.0.1"]);
    let (status, body) = api.patch(
        ADMIN,
        json!([
            rrset("example.com.", "ALIAS", 300, &["www.example.com."]),
            rrset("example.com.", "MX", 3600, &["10 mail.example.com."]),
            rrset("example.com.", "TXT", 3600, &["\"v=spf1 -all\""]),
            rrset("docs.example.com.", "CNAME", 300, &["www.example.com."]),
        ]),
    );
    assert_eq!(status, 204, "{body}");
    assert_eq!(api.serial(), 11);
    let apex_a = api.ask("example.com.", RecordType::A);
    assert_eq!(
        apex_a.answers.len(),
        1,
        "the ALIAS is flattened: {apex_a:?}"
    );
    assert_eq!(apex_a.answers[0].data.to_string(), "192.0.2.1");
    assert_eq!(api.ask("example.com.", RecordType::MX).answers.len(), 1);
    let text = std::fs::read_to_string(&api.zone_file).unwrap();
    assert!(
        text.contains("example.com. 300 IN ALIAS www.example.com."),
        "{text}"
    );
    assert!(text.contains(" 11 "), "the serial is in the file: {text}");
    // Secondaries get the change, the ALIAS flattened (the refresh timer flattens within 1 s).
    let transfer = || {
        let out = std::process::Command::new("kdig")
            .args([
                &format!("@{}", api.dns.ip()),
                "-p",
                &api.dns.port().to_string(),
            ])
            .args(["AXFR", "example.com.", "+noall", "+answer"])
            .output()
            .expect("kdig (knot-dnsutils)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let flattened = |text: &str| {
        text.lines().any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.first() == Some(&"example.com.")
                && f.get(3) == Some(&"A")
                && f.get(4) == Some(&"192.0.2.1")
        })
    };
    let mut axfr = transfer();
    for _ in 0..50 {
        if flattened(&axfr) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        axfr = transfer();
    }
    assert!(
        flattened(&axfr),
        "the flattened ALIAS in the transfer:\n{axfr}"
    );
    assert!(axfr.contains("mail.example.com."), "{axfr}");
    assert!(
        !axfr.contains("ALIAS"),
        "secondaries never see ALIAS: {axfr}"
    );
    let mut buf = [0u8; 512];
    let (n, _) = secondary.recv_from(&mut buf).expect("a NOTIFY");
    let notify = Message::from_vec(&buf[..n]).unwrap();
    assert_eq!(notify.metadata.op_code, OpCode::Notify);
    assert_eq!(notify.queries[0].name().to_string(), "example.com.");
}

#[test]
fn fifty_concurrent_writers_lose_nothing() {
    let api = start(&[]);
    let before = api.serial();
    let writers: Vec<_> = (0..50)
        .map(|i| {
            let (client, base) = (api.client.clone(), api.base.clone());
            std::thread::spawn(move || {
                let body = json!({"name": format!("w{i}"), "type": "A", "content": format!("192.0.2.{}", i + 100), "ttl": 60});
                let response = client
                    .post(format!("{base}/v1/zones/example.com/records"))
                    .bearer_auth(ADMIN)
                    .body(body.to_string())
                    .send()
                    .unwrap();
                assert_eq!(response.status(), 201, "{}", response.text().unwrap());
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    for i in 0..50 {
        let answer = api.ask(&format!("w{i}.example.com."), RecordType::A);
        assert_eq!(answer.answers.len(), 1, "w{i} is served");
    }
    let text = std::fs::read_to_string(&api.zone_file).unwrap();
    assert_eq!(text.matches(" IN A 192.0.2.1").count() - 1, 50, "{text}");
    assert_eq!(api.serial(), before + 50, "one serial per write");
}

#[test]
fn bad_input_gets_its_status_and_changes_nothing() {
    let api = start(&[]);
    let before = std::fs::read_to_string(&api.zone_file).unwrap();
    let zone = "/api/v1/servers/localhost/zones/example.com.";
    let huge = format!("{{\"rrsets\":[],\"pad\":\"{}\"}}", "x".repeat(5 << 20));
    let cases: Vec<(&str, String, &str, u16)> = vec![
        ("malformed JSON", "{\"rrsets\": [".into(), ADMIN, 400),
        (
            "unknown type",
            json!({"rrsets": [rrset("www.example.com.", "BOGUS", 60, &["x"])]}).to_string(),
            ADMIN,
            422,
        ),
        (
            "bad RDATA",
            json!({"rrsets": [rrset("www.example.com.", "A", 60, &["192.0.2.256"])]}).to_string(),
            ADMIN,
            422,
        ),
        (
            "CNAME beside other data",
            json!({"rrsets": [rrset("www.example.com.", "CNAME", 60, &["example.net."])]})
                .to_string(),
            ADMIN,
            422,
        ),
        (
            "outside the zone",
            json!({"rrsets": [rrset("www.example.org.", "A", 60, &["192.0.2.1"])]}).to_string(),
            ADMIN,
            422,
        ),
        ("oversized body", huge, ADMIN, 413),
        (
            "wrong key",
            json!({"rrsets": []}).to_string(),
            "fapx_wrong_0123456789abcdef",
            401,
        ),
        (
            "scoped key, A record",
            json!({"rrsets": [rrset("_acme-challenge.example.com.", "A", 60, &["192.0.2.9"])]})
                .to_string(),
            ACME,
            403,
        ),
    ];
    for (what, body, key, status) in cases {
        let (got, error) = api.call("PATCH", zone, key, Some(body));
        assert_eq!(got, status, "{what}: {error}");
        assert!(
            error["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: {error}"
        );
        assert_eq!(
            std::fs::read_to_string(&api.zone_file).unwrap(),
            before,
            "{what}"
        );
        assert_eq!(api.serial(), 10, "{what}");
    }
    let (status, _) = api.patch(
        ACME,
        json!([rrset(
            "_acme-challenge.example.com.",
            "TXT",
            60,
            &["\"ok\""]
        )]),
    );
    assert_eq!(status, 204, "the scoped key writes its TXT");
}

#[test]
fn repeated_bad_keys_are_slowed_down() {
    let api = start(&[]);
    let statuses: Vec<u16> = (0..12)
        .map(|_| {
            api.call(
                "GET",
                "/api/v1/servers",
                "fapx_wrong_0123456789abcdef",
                None,
            )
            .0
        })
        .collect();
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(&statuses[10..], &[429, 429]);
    assert_eq!(
        api.call("GET", "/api/v1/servers", ADMIN, None).0,
        200,
        "a valid key is never locked out by others' bad ones"
    );
    // A bad key is refused from the headers, before any of its 5 MiB body is sent.
    use std::io::{Read, Write};
    let host = api.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "PATCH /api/v1/servers/localhost/zones/example.com. HTTP/1.1\r\nHost: {host}\r\nX-API-Key: fapx_wrong_0123456789abcdef\r\nContent-Length: {}\r\n\r\n",
        5 << 20
    )
    .unwrap();
    let mut head = [0u8; 12];
    stream
        .read_exact(&mut head)
        .expect("an answer before the body");
    assert_eq!(&head, b"HTTP/1.1 429");
}

#[test]
fn a_zone_file_that_fails_to_load_is_never_overwritten() {
    let api = start(&["--watch"]);
    // Let the watcher take its first look at the directory before the edit.
    std::thread::sleep(Duration::from_millis(1500));
    std::fs::write(
        &api.zone_file,
        format!("{ZONE}broken 60 IN A 192.0.2.300\n"),
    )
    .unwrap();
    // --watch notices within a second, fails to load it, and keeps serving the last good copy.
    std::thread::sleep(Duration::from_millis(2500));
    let (status, body) = api.patch(
        ADMIN,
        json!([rrset("x.example.com.", "A", 60, &["192.0.2.8"])]),
    );
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("does not load"),
        "{body}"
    );
    assert!(
        std::fs::read_to_string(&api.zone_file)
            .unwrap()
            .contains("192.0.2.300")
    );
}

#[test]
fn a_hand_edit_not_yet_reloaded_is_never_overwritten() {
    let api = start(&[]);
    std::thread::sleep(Duration::from_millis(20));
    let edited = format!("{ZONE}hand 60 IN A 192.0.2.77\n");
    std::fs::write(&api.zone_file, &edited).unwrap();
    let (status, body) = api.patch(
        ADMIN,
        json!([rrset("x.example.com.", "A", 60, &["192.0.2.8"])]),
    );
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("changed on disk"),
        "{body}"
    );
    assert_eq!(std::fs::read_to_string(&api.zone_file).unwrap(), edited);
}
