//! Benchmark, not a test of speed: CPU time per warm query inside wasm (node), through the
//! whole core path the Worker runs (DoH request parsing, KV store lookup, responder, framing).
//! `bench/edge.sh` runs it in release mode; it is `#[ignore]`d otherwise. It fails only if the
//! answers are wrong.
#![cfg(target_arch = "wasm32")]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod battery;

use flatapex::alias::NoUpstreams;
use flatapex::doh::{HttpRequest, Limits, serve_doh};
use flatapex::kv::{KvSettings, KvZones};
use flatapex::respond::Responder;
use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, RecordType};
use wasm_bindgen_test::wasm_bindgen_test;

const QUERIES: usize = 200_000;

#[wasm_bindgen_test]
#[ignore = "benchmark: run bench/edge.sh"]
async fn warm_query_cpu_in_wasm() {
    let (kv, _) = battery::published_kv(flatapex::kv::DEFAULT_SHARD_BYTES);
    let zones = KvZones::new(KvSettings::default());
    let responder = Responder::new(zones.with(&kv, 0), NoUpstreams, std::sync::Arc::default());
    let mut message = Message::query();
    message.add_query(Query::query(
        Name::from_ascii("www.battery.test.").unwrap(),
        RecordType::A,
    ));
    let query = format!(
        "dns={}",
        flatapex::encoding::base64url_encode(&message.to_vec().unwrap())
    );
    let request = HttpRequest {
        method: "GET",
        path: "/dns-query",
        query: Some(&query),
        content_type: None,
        accept: None,
        body: &[],
    };
    let limits = Limits::default();
    let (clock, health) = (|| 0.0, Vec::new);
    let first = serve_doh(&responder, &request, &limits, 0, &clock, &health).await;
    assert_eq!(first.response.status, 200);
    assert_eq!(first.log.rcode.as_deref(), Some("No Error"));
    let start = js_sys::Date::now();
    let mut bytes = 0;
    for _ in 0..QUERIES {
        let served = serve_doh(&responder, &request, &limits, 0, &clock, &health).await;
        bytes += served.response.body.len();
    }
    let elapsed_ms = js_sys::Date::now() - start;
    assert_eq!(bytes, first.response.body.len() * QUERIES);
    web_sys_log(&format!(
        "BENCH wasm warm query (GET, static CNAME+A answer): {:.2} us/query over {QUERIES} queries",
        elapsed_ms * 1000.0 / QUERIES as f64
    ));
}

fn web_sys_log(line: &str) {
    wasm_bindgen_test::console_log!("{line}");
}
