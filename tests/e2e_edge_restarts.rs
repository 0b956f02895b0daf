//! What survives a restart of `wrangler dev` (a new isolate, with empty memory): flattened
//! answers from the Cache API with no new upstream fetch, and the scheduled refresh's cursor in
//! KV, which lets budget-bound runs go on where the last one stopped. Each test owns its edge.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod edge;
mod fake_upstream;

use edge::{Edge, client, query};
use hickory_proto::rr::RecordType;

fn source_of_apex_a(edge: &Edge) -> String {
    let response = client()
        .post(format!("{}/dns-query", edge.base))
        .header("content-type", "application/dns-message")
        .body(query("alias.test.", RecordType::A))
        .send()
        .unwrap();
    let alias = edge::header(&response, "flatapex-alias");
    alias
        .split("source=")
        .nth(1)
        .map(|s| s.split(';').next().unwrap_or_default().trim().to_string())
        .unwrap_or_default()
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn after_a_restart_flattened_answers_come_from_the_cache_api() {
    let mut edge = Edge::start();
    assert_eq!(source_of_apex_a(&edge), "upstream");
    assert_eq!(source_of_apex_a(&edge), "memory");
    let fetched = edge.fake.hits_for("plain.cdn.fake. A");
    edge.restart(|config| config);
    assert_eq!(
        source_of_apex_a(&edge),
        "cache",
        "a new isolate has an empty memory cache"
    );
    assert_eq!(
        edge.fake.hits_for("plain.cdn.fake. A"),
        fetched,
        "no new upstream fetch"
    );
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn budget_bound_scheduled_runs_go_on_where_the_last_stopped() {
    let mut edge = Edge::start();
    edge.restart(|config| {
        let small = config.replace("max_upstream_fetches = 500", "max_upstream_fetches = 8");
        assert_ne!(small, config, "the budget is in tests/e2e/wrangler.toml");
        small
    });
    let cursor = |edge: &Edge| {
        edge.wrangler_kv(&["kv", "key", "get", "flatapex/refresh-cursor", "--text"])
            .lines()
            .find(|l| l.split(' ').count() == 2 && l.ends_with('.'))
            .map(str::to_string)
    };
    edge.trigger();
    let first = cursor(&edge).expect("a run within 8 fetches stops early and keeps a cursor");
    edge.trigger();
    let second = cursor(&edge).expect("and so does the next");
    assert_ne!(
        first, second,
        "the second run went on from the first's cursor"
    );
    let partial = edge
        .log()
        .matches(" ALIAS this run within the subrequest budget; the next run starts at ")
        .count();
    assert_eq!(partial, 2, "{}", edge.log());
}
