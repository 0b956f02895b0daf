//! Runs the dashboard's chromium suite (tests/ui/dashboard.test.mjs, node --test with
//! playwright-core) against a server: the shared half of tests/e2e_edge_ui.rs and
//! tests/native_ui.rs.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

/// Runs the suite against `base` with API key `key`; `fake` is the fake upstream it takes down
/// and up; screenshots go to target/ui-screenshots/`shots`. Whether every step passed (node
/// prints its report).
pub fn run_dashboard_suite(base: &str, key: &str, fake: SocketAddr, shots: &str) -> bool {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Command::new("node")
        .args([
            "--test",
            "--test-reporter=spec",
            "tests/ui/dashboard.test.mjs",
        ])
        .current_dir(&root)
        .env("FLATAPEX_URL", base)
        .env("FLATAPEX_KEY", key)
        .env("FAKE_UPSTREAM", format!("http://{fake}"))
        .env(
            "SCREENSHOTS",
            root.join("target/ui-screenshots").join(shots),
        )
        .status()
        .expect("run node (install nodejs)")
        .success()
}
