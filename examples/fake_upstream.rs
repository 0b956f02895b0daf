//! The test suite's fake upstream DoH server, standalone, for the `wrangler dev` fault tests
//! (`scripts/e2e-edge`): `cargo run --example fake_upstream -- PORT`. Native only.
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

#[cfg(not(target_arch = "wasm32"))]
#[path = "../tests/fake_upstream/mod.rs"]
mod fake_upstream;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let port = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let fake = fake_upstream::FakeUpstream::start_on(port);
    println!("fake upstream on {}", fake.url());
    loop {
        std::thread::park();
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
