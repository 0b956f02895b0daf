use std::str::FromStr;

use futures::executor::block_on;
use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, RecordType};

use super::*;
use crate::alias::NoUpstreams;
use crate::respond::Responder;
use crate::store::{MemoryStore, ZoneSet};
use crate::zone::{NoIncludes, load_zone};

const ZONE: &str = "\
$ORIGIN doh.test.
$TTL 300
@ SOA ns1 host 1 3600 600 86400 60
@ NS ns1
ns1 120 A 192.0.2.1
txt TXT \"hello \\\"world\\\"\"
local ALIAS ns1
away ALIAS cdn.elsewhere.example.
";

fn responder() -> Responder<MemoryStore, NoUpstreams> {
    let origin = Name::from_str("doh.test.").unwrap();
    let zone = load_zone("doh.test.zone", ZONE, &origin, None, &NoIncludes)
        .unwrap()
        .zone;
    let zones: ZoneSet = [zone].into_iter().collect();
    Responder::new(
        MemoryStore::new(zones),
        NoUpstreams,
        std::sync::Arc::default(),
    )
}

fn query(name: &str, qtype: RecordType) -> Vec<u8> {
    let mut m = Message::query();
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), qtype));
    m.to_vec().unwrap()
}

fn get(query: &str) -> HttpRequest<'_> {
    HttpRequest {
        method: "GET",
        path: "/dns-query",
        query: Some(query),
        content_type: None,
        accept: None,
        body: &[],
    }
}

fn status(req: HttpRequest<'_>) -> Result<DohRequest, u16> {
    parse_request(&req, &Limits::default()).map_err(|e| e.status)
}

fn serve(req: HttpRequest<'_>) -> Served {
    block_on(serve_doh(
        &responder(),
        &req,
        &Limits::default(),
        0,
        &|| 0.0,
        &|| b"{}".to_vec(),
    ))
}

#[test]
fn get_takes_base64url_with_or_without_padding() {
    let wire = query("a.ns1.doh.test.", RecordType::A);
    let unpadded = crate::encoding::base64url_encode(&wire);
    let padded = crate::encoding::base64_encode(&wire)
        .replace('+', "-")
        .replace('/', "_");
    assert_ne!(unpadded, padded);
    for q in [
        format!("dns={unpadded}"),
        format!("dns={padded}"),
        format!("x=1&dns={unpadded}"),
    ] {
        assert_eq!(status(get(&q)), Ok(DohRequest::Wire(wire.clone())), "{q}");
    }
}

#[test]
fn every_bad_request_gets_its_status_and_a_reason() {
    assert_eq!(status(get("dns=***")), Err(400));
    assert_eq!(
        status(get("dns=AAAA")),
        Err(400),
        "3 bytes is no DNS message"
    );
    assert_eq!(status(get("")), Err(400));
    let long = format!("dns={}", "A".repeat(5000));
    assert_eq!(status(get(&long)), Err(414));
    let post = |ct: Option<&'static str>, body: &'static [u8]| HttpRequest {
        method: "POST",
        content_type: ct,
        body,
        ..get("")
    };
    assert_eq!(status(post(Some("text/plain"), b"x")), Err(415));
    assert_eq!(status(post(None, b"x")), Err(415));
    let big: &'static [u8] = Box::leak(vec![0u8; 70_000].into_boxed_slice());
    assert_eq!(status(post(Some("application/dns-message"), big)), Err(413));
    assert!(status(post(Some("Application/DNS-Message; charset=x"), &[0; 12])).is_ok());
    assert_eq!(
        status(HttpRequest {
            method: "PUT",
            ..get("")
        }),
        Err(405)
    );
    assert_eq!(
        status(HttpRequest {
            path: "/other",
            ..get("")
        }),
        Err(404)
    );
    assert_eq!(
        status(HttpRequest {
            method: "OPTIONS",
            ..get("")
        }),
        Ok(DohRequest::Preflight)
    );
    assert_eq!(
        status(HttpRequest {
            path: "/health",
            ..get("")
        }),
        Ok(DohRequest::Health)
    );

    let served = serve(HttpRequest {
        method: "DELETE",
        ..get("")
    });
    assert_eq!(served.response.status, 405);
    assert_eq!(served.response.header("allow"), Some("GET, POST, OPTIONS"));
    assert!(String::from_utf8_lossy(&served.response.body).contains("DELETE"));
    assert_eq!(served.log.status, 405);
}

#[test]
fn cache_control_follows_the_ttls() {
    let encode = |name, qtype| {
        format!(
            "dns={}",
            crate::encoding::base64url_encode(&query(name, qtype))
        )
    };
    let positive = serve(get(&encode("ns1.doh.test.", RecordType::A)));
    assert_eq!(positive.response.status, 200);
    assert_eq!(positive.response.header("content-type"), Some(DNS_MESSAGE));
    assert_eq!(
        positive.response.header("cache-control"),
        Some("max-age=120")
    );
    assert_eq!(
        positive.response.header("access-control-allow-origin"),
        Some("*")
    );
    assert_eq!(
        positive.response.header("access-control-expose-headers"),
        Some("flatapex-alias, server-timing"),
        "browser pages may read the provenance and timing headers"
    );
    assert!(
        positive
            .response
            .header("server-timing")
            .unwrap()
            .starts_with("dns;dur=")
    );
    assert_eq!(positive.log.rcode.as_deref(), Some("No Error"));
    // NXDOMAIN: min(SOA TTL 300, MINIMUM 60) (RFC 2308 §5).
    let negative = serve(get(&encode("nope.doh.test.", RecordType::A)));
    assert_eq!(
        negative.response.header("cache-control"),
        Some("max-age=60")
    );
    let refused = serve(get(&encode("example.org.", RecordType::A)));
    assert_eq!(refused.response.header("cache-control"), Some("no-store"));
}

#[test]
fn json_api_renders_the_answer() {
    let served = serve(HttpRequest {
        accept: Some("application/dns-json"),
        ..get("name=TXT.doh.test&type=txt")
    });
    assert_eq!(served.response.status, 200);
    assert_eq!(served.response.header("vary"), Some("Accept"));
    let body: serde_json::Value = serde_json::from_slice(&served.response.body).unwrap();
    assert_eq!(body["Status"], 0);
    assert_eq!(body["Question"][0]["name"], "TXT.doh.test.");
    assert_eq!(body["Question"][0]["type"], 16);
    assert_eq!(body["Answer"][0]["data"], "\"hello \\\"world\\\"\"");
    assert_eq!(body["Answer"][0]["TTL"], 300);

    let refused = serve(get("name=example.org&ct=application/dns-json"));
    let body: serde_json::Value = serde_json::from_slice(&refused.response.body).unwrap();
    assert_eq!(body["Status"], 5);
    assert!(
        body["Comment"].as_str().unwrap().starts_with("EDE 20"),
        "{body}"
    );
    assert_eq!(serve(get("name=doh.test&type=NOPE")).response.status, 400);
    assert_eq!(serve(get("name=&type=A")).response.status, 400);
}

#[test]
fn head_has_headers_but_no_body_and_health_reports() {
    let served = serve(HttpRequest {
        method: "HEAD",
        ..get("name=doh.test")
    });
    assert_eq!(served.response.status, 200);
    assert!(served.response.body.is_empty());
    let health = serve(HttpRequest {
        path: "/health",
        ..get("")
    });
    assert_eq!(health.response.status, 200);
    assert_eq!(health.response.body, b"{}");
}

#[test]
fn alias_header_names_the_source_and_marks_failures() {
    let header = |name: &str| {
        let q = crate::encoding::base64url_encode(&query(name, RecordType::A));
        let out = serve(get(&format!("dns={q}")));
        out.response.header("flatapex-alias").map(str::to_owned)
    };
    assert_eq!(
        header("local.doh.test.").as_deref(),
        Some("local.doh.test. -> ns1.doh.test.; type=A; source=local")
    );
    assert_eq!(
        header("away.doh.test.").as_deref(),
        Some("away.doh.test. -> cdn.elsewhere.example.; type=A; source=upstream; failed")
    );
    assert_eq!(header("txt.doh.test."), None);
}
