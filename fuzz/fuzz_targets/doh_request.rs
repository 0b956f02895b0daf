//! Any HTTP request, as a DoH endpoint receives it (RFC 8484 §4.1 GET `?dns=`, POST with a
//! content type, the JSON API's `?name=&type=&do=&cd=&ct=`), through `doh::parse_request` and
//! the whole exchange (`doh::serve_doh`) over the battery zones.
//!
//! Input: byte 0 picks the method (`% 5`) and the path (`/ 5 % 3`); the rest is
//! `query string \n Content-Type \n Accept \n body` (an empty line is an absent part).
#![no_main]

#[path = "../common/battery.rs"]
mod battery;

use std::sync::OnceLock;

use flatapex::alias::NoUpstreams;
use flatapex::doh::{DohRequest, HttpRequest, JsonQuery, Limits, parse_request, serve_doh};
use flatapex::respond::Responder;
use flatapex::store::MemoryStore;
use flatapex::zone::names::{name_text, text_to_name};
use hickory_proto::op::Message;
use libfuzzer_sys::fuzz_target;

const METHODS: [&str; 5] = ["GET", "POST", "HEAD", "OPTIONS", "PUT"];
const PATHS: [&str; 3] = ["/dns-query", "/health", "/other"];

fn responder() -> &'static Responder<MemoryStore, NoUpstreams> {
    static RESPONDER: OnceLock<Responder<MemoryStore, NoUpstreams>> = OnceLock::new();
    RESPONDER.get_or_init(|| {
        Responder::new(
            MemoryStore::new(battery::zone_set()),
            NoUpstreams,
            Default::default(),
        )
    })
}

/// The JSON query must survive its own wire form and its name's text form.
fn check_json(query: &JsonQuery) {
    let wire = Message::from_vec(&query.to_wire()).expect("a JSON query becomes a DNS message");
    assert_eq!(wire.queries.len(), 1);
    assert_eq!(wire.queries[0].name(), &query.name);
    assert_eq!(wire.queries[0].query_type(), query.qtype);
    let text = name_text(&query.name);
    assert_eq!(text_to_name(&text).as_ref(), Ok(&query.name), "{text}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.splitn(4, |&b| b == b'\n');
    let mut text = || {
        parts
            .next()
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
    };
    let (query, content_type, accept) = (text(), text(), text());
    let body = parts.next().unwrap_or_default();
    let req = HttpRequest {
        method: METHODS[usize::from(which) % 5],
        path: PATHS[usize::from(which) / 5 % 3],
        query: query.as_deref(),
        content_type: content_type.as_deref(),
        accept: accept.as_deref(),
        body,
    };
    let limits = Limits::default();
    let parsed = parse_request(&req, &limits);
    match &parsed {
        Err(e) => {
            assert!((400..500).contains(&e.status), "{e}");
            assert!(!e.reason.is_empty());
        }
        Ok(DohRequest::Wire(bytes)) => {
            assert!((12..=65_535).contains(&bytes.len()));
            if req.method == "POST" {
                assert_eq!(bytes.as_slice(), req.body);
            }
        }
        Ok(DohRequest::Json(query)) => check_json(query),
        Ok(DohRequest::Preflight | DohRequest::Health) => {}
    }
    let served =
        futures::executor::block_on(serve_doh(responder(), &req, &limits, 0, &|| 0.0, &|| {
            b"{}".to_vec()
        }));
    let status = served.response.status;
    assert_eq!(served.log.status, status);
    match parsed {
        Err(e) => assert_eq!((status, served.log.error), (e.status, Some(e.reason))),
        Ok(DohRequest::Wire(_) | DohRequest::Json(_)) if status == 200 => {
            assert!(served.log.rcode.is_some());
            let body = &served.response.body;
            if req.method == "HEAD" {
                assert!(body.is_empty());
            } else if matches!(parsed, Ok(DohRequest::Json(_))) {
                serde_json::from_slice::<serde_json::Value>(body).expect("JSON answers are JSON");
            } else {
                Message::from_vec(body).expect("wire answers are DNS messages");
            }
        }
        Ok(DohRequest::Wire(_) | DohRequest::Json(_)) => {
            assert_eq!(status, 400);
            assert!(served.log.error.is_some_and(|e| !e.is_empty()));
        }
        Ok(_) => assert!(status < 300, "{status}"),
    }
});
