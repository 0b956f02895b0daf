//! The dashboard served by `flatapex serve --doh --api-keys`, in a real browser: the same
//! chromium suite as the edge's (tests/ui/dashboard.test.mjs, through playwright-core), against
//! the native server over real sockets with tests/zones/alias.test.zone and the fake upstream.
//! Screenshots go to target/ui-screenshots/native.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod fake_upstream;
mod ui_suite;

use std::path::PathBuf;

use common::{API_ADMIN as ADMIN, Server, battery_dir};
use fake_upstream::FakeUpstream;
use ui_suite::run_dashboard_suite;

#[test]
#[ignore = "needs node, playwright-core (npm ci) and chromium: run scripts/e2e-edge"]
fn the_dashboard_in_chromium_natively() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fake = FakeUpstream::start();
    // A 4 s TTL (and a 1 s floor), so the health row turns stale within seconds.
    fake.set_addresses(&["192.0.2.44"], &["2001:db8::44"], 4);
    let zone = std::fs::read_to_string(root.join("tests/zones/alias.test.zone")).unwrap();
    let dir = battery_dir(&[("alias.test.zone", &zone)]);
    let keys = dir.path().with_extension("keys");
    std::fs::write(
        &keys,
        format!("{{\"name\":\"admin\",\"key\":\"{ADMIN}\"}}\n"),
    )
    .unwrap();
    let upstream = fake.url();
    let mut server = Server::start(
        dir.path(),
        &[
            "--doh",
            "127.0.0.1:0",
            "--api-keys",
            keys.to_str().unwrap(),
            "--upstream",
            &upstream,
            "--alias-ttl-floor",
            "1",
        ],
    );
    let base = server.api_base();
    let passed = run_dashboard_suite(&base, ADMIN, fake.addr, "native");
    let _ = std::fs::remove_file(&keys);
    assert!(
        passed,
        "the browser suite failed against flatapex serve (its report is above)"
    );
}
