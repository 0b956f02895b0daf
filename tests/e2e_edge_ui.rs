//! The dashboard in a real browser: Debian's chromium, driven by playwright-core from
//! tests/ui/dashboard.test.mjs (node --test), against the worker in wrangler dev with the zones
//! of tests/zones in local KV and the fake upstream answering the ALIAS target. Each step of
//! the page is checked against DoH answers too. Screenshots go to target/ui-screenshots.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod edge;
mod fake_upstream;
mod ui_suite;

use edge::{API_ADMIN, edge};
use ui_suite::run_dashboard_suite;

#[test]
#[ignore = "needs the worker built, wrangler and chromium: run scripts/e2e-edge"]
fn the_dashboard_in_chromium() {
    // A 4 s TTL, so the health row turns stale within seconds once the upstream is down.
    edge()
        .fake
        .set_addresses(&["192.0.2.44"], &["2001:db8::44"], 4);
    let passed = run_dashboard_suite(&edge().base, API_ADMIN, edge().fake.addr, "edge");
    assert!(
        passed,
        "the browser suite failed (its report is above); wrangler dev said:\n{}",
        edge().log()
    );
}
