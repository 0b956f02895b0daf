//! The API additions the dashboard uses, on `flatapex serve --doh --api-keys` over real
//! sockets: the ALIAS status through the query path against the fake upstream (upstream
//! first, then memory), zone files imported with every error by line and served at once, and
//! the record and ALIAS counts of the zone list.
#![cfg(not(target_arch = "wasm32"))]
// Tests are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod fake_upstream;

use common::{API_ADMIN as ADMIN, API_KEYS as KEYS, Server, udp};
use fake_upstream::FakeUpstream;
use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RecordType};
use serde_json::{Value, json};

const ZONE: &str = "$ORIGIN example.com.
@ 3600 IN SOA ns1 hostmaster 10 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
@ 600 IN ALIAS LB.cdn.fake.
broken 300 IN ALIAS servfail.cdn.fake.
www 300 IN A 192.0.2.1
";
const ZONE_URL: &str = "/api/v1/servers/localhost/zones/example.com.";

struct Api {
    _server: Server,
    dir: tempfile::TempDir,
    base: String,
    dns: std::net::SocketAddr,
    client: reqwest::blocking::Client,
}

fn start(upstream: &str) -> Api {
    let dir = tempfile::tempdir().unwrap();
    let zones = dir.path().join("zones");
    std::fs::create_dir(&zones).unwrap();
    std::fs::write(zones.join("example.com.zone"), ZONE).unwrap();
    let keys = dir.path().join("keys.jsonl");
    std::fs::write(&keys, KEYS).unwrap();
    let args = [
        "--doh",
        "127.0.0.1:0",
        "--api-keys",
        keys.to_str().unwrap(),
        "--upstream",
        upstream,
    ];
    let mut server = Server::start(&zones, &args);
    let base = server.api_base();
    Api {
        base,
        dns: server.addr,
        _server: server,
        dir,
        client: reqwest::blocking::Client::new(),
    }
}

impl Api {
    fn call(&self, method: &str, path: &str, body: Option<(&str, String)>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("X-API-Key", ADMIN);
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        let body = serde_json::from_slice(&response.bytes().unwrap()).unwrap_or(Value::Null);
        (status, body)
    }

    fn status(&self) -> Value {
        let (status, body) = self.call("GET", &format!("{ZONE_URL}/alias-status"), None);
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The addresses (A: the addresses, else the rdata text) answered over UDP.
    fn ask(&self, name: &str, rtype: RecordType) -> Vec<String> {
        let mut query = Message::new(7, MessageType::Query, OpCode::Query);
        query.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
        let answer = Message::from_vec(&udp(self.dns, &query.to_vec().unwrap())).unwrap();
        answer.answers.iter().map(|r| r.data.to_string()).collect()
    }
}

fn row<'a>(status: &'a Value, owner: &str) -> &'a Value {
    status["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["owner"] == owner)
        .unwrap_or_else(|| panic!("no {owner} in {status}"))
}

#[test]
fn the_alias_status_shows_the_upstream_then_the_memory_cache() {
    let fake = FakeUpstream::start();
    let api = start(&fake.url());
    let first = api.status();
    assert_eq!(first["zone"], "example.com.");
    assert!(first["now_ms"].as_u64().unwrap() > 1_700_000_000_000);
    let apex = row(&first, "example.com.");
    assert_eq!(apex["target"], "lb.cdn.fake.");
    assert_eq!(apex["ttl"], 600);
    let a = &apex["types"][0];
    assert_eq!(
        (&a["type"], &a["status"], &a["source"]),
        (&json!("A"), &json!("ok"), &json!("upstream")),
        "{a}"
    );
    assert_eq!(a["addresses"], json!(["192.0.2.10"]));
    assert_eq!(a["upstream"], fake.url());
    assert_eq!((&a["ttl_left"], &a["age_s"]), (&json!(300), &json!(0)));
    assert_eq!(apex["types"][1]["addresses"], json!(["2001:db8::10"]));
    let broken = row(&first, "broken.example.com.");
    assert_eq!(broken["types"][0]["status"], "failed", "{broken}");
    let error = broken["types"][0]["error"].as_str().unwrap();
    assert!(error.contains("Server Failure"), "{error}");
    let hits = fake.hits_for("lb.cdn.fake");
    assert_eq!(hits, 2, "one A, one AAAA: {:?}", fake.hits());

    let second = api.status();
    let a = &row(&second, "example.com.")["types"][0];
    assert_eq!(
        (&a["status"], &a["source"]),
        (&json!("ok"), &json!("memory"))
    );
    assert_eq!(a["addresses"], json!(["192.0.2.10"]));
    assert_eq!(
        fake.hits_for("lb.cdn.fake"),
        hits,
        "the second read fetched nothing"
    );
    assert_eq!(api.ask("example.com.", RecordType::A), ["192.0.2.10"]);
    assert_eq!(
        fake.hits_for("lb.cdn.fake"),
        hits,
        "a query shares the cache"
    );
}

#[test]
fn a_zone_file_is_imported_served_and_counted() {
    let fake = FakeUpstream::start();
    let api = start(&fake.url());
    let (status, zones) = api.call("GET", "/api/v1/servers/localhost/zones", None);
    assert_eq!(status, 200);
    assert_eq!(
        (&zones[0]["record_count"], &zones[0]["alias_count"]),
        (&json!(6), &json!(2))
    );

    let broken = "$TTL 300\n@ IN SOA ns1 hostmaster 5 7200 3600 1209600 300\n\
        @ IN NS ns1\nns1 IN A 192.0.2.999\napi IN CNAME\n";
    let url = format!("{ZONE_URL}/import");
    let (status, body) = api.call("PUT", &url, Some(("text/plain", broken.into())));
    assert_eq!(status, 422, "{body}");
    let lines: Vec<&Value> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["line"])
        .collect();
    assert_eq!(lines, [&json!(4), &json!(5)], "{body}");
    assert_eq!(
        api.ask("www.example.com.", RecordType::A),
        ["192.0.2.1"],
        "unchanged"
    );

    let file = "$TTL 300\n@ IN SOA ns1 hostmaster 5 7200 3600 1209600 300\n\
        @ IN NS ns1\nns1 IN A 192.0.2.53\napi IN A 192.0.2.80\n@ IN ALIAS lb.cdn.fake.\n";
    let (status, body) = api.call("PUT", &url, Some(("text/plain", file.into())));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"serial": 11, "record_count": 5, "alias_count": 1, "warnings": []})
    );
    assert_eq!(api.ask("api.example.com.", RecordType::A), ["192.0.2.80"]);
    assert!(
        api.ask("www.example.com.", RecordType::A).is_empty(),
        "replaced"
    );
    let text = std::fs::read_to_string(api.dir.path().join("zones/example.com.zone")).unwrap();
    assert!(
        text.contains("api.example.com. 300 IN A 192.0.2.80"),
        "{text}"
    );

    let created = json!({"name": "new.test.", "kind": "Native",
        "zone": "@ 300 IN SOA ns1 hostmaster 3 7200 3600 1209600 300\n@ 300 IN NS ns1\nns1 300 IN A 192.0.2.54\n"});
    let (status, body) = api.call(
        "POST",
        "/api/v1/servers/localhost/zones",
        Some(("application/json", created.to_string())),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (&body["serial"], &body["record_count"]),
        (&json!(3), &json!(3))
    );
    assert_eq!(api.ask("ns1.new.test.", RecordType::A), ["192.0.2.54"]);
    assert!(api.dir.path().join("zones/new.test.zone").exists());
}
