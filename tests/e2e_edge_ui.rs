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

use std::path::PathBuf;
use std::process::Command;

use edge::{API_ADMIN, edge};

#[test]
#[ignore = "needs the worker built, wrangler and chromium: run scripts/e2e-edge"]
fn the_dashboard_in_chromium() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // A 4 s TTL, so the health row turns stale within seconds once the upstream is down.
    edge()
        .fake
        .set_addresses(&["192.0.2.44"], &["2001:db8::44"], 4);
    let status = Command::new("node")
        .args([
            "--test",
            "--test-reporter=spec",
            "tests/ui/dashboard.test.mjs",
        ])
        .current_dir(&root)
        .env("FLATAPEX_URL", &edge().base)
        .env("FLATAPEX_KEY", API_ADMIN)
        .env("FAKE_UPSTREAM", format!("http://{}", edge().fake.addr))
        .env("SCREENSHOTS", root.join("target/ui-screenshots"))
        .status()
        .expect("run node (install nodejs)");
    assert!(
        status.success(),
        "the browser suite failed (its report is above); wrangler dev said:\n{}",
        edge().log()
    );
}
