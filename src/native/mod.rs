//! The native shell (tokio): it implements the core's ports over files, sockets and the clock,
//! and does nothing else (docs/ARCHITECTURE.md, "The native shell"). Its rooms:
//!
//! - [`zones`]: the zone directory ([`FileStore`]) and its reloads;
//! - [`serve`]: the listeners (UDP, TCP, DoH over HTTP) and the response cache;
//! - [`primary`]: what secondaries need: transfers out, TSIG, NOTIFY, the refresh timer around
//!   the core's engine, the state file, and pulling zones from the worker;
//! - [`cli`]: the `flatapex` command line;
//! - [`upstream`]: the ALIAS ports (DoH upstreams over reqwest, tokio's timer);
//! - [`log_throttle`]: log lines that clients can cause, a few per kind every ten seconds.

pub mod api;
pub mod atomic_file;
pub mod cli;
pub mod dnssec;
pub mod log_throttle;
pub mod primary;
pub mod serve;
pub mod upstream;
pub mod zones;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::alias::{MemoryAliasCache, Resolver};
use crate::respond::Responder;

pub use log_throttle::log_throttled;
use upstream::{DohUpstream, TokioTimer};
pub use zones::FileStore;

/// The ALIAS resolver of the native server: DoH upstreams, a memory cache, tokio's timer.
pub type NativeResolver = Resolver<DohUpstream, MemoryAliasCache, TokioTimer>;

/// The responder the native server runs.
pub type NativeResponder = Responder<Arc<FileStore>, NativeResolver, dnssec::RingSigner>;

/// Runs the background work each (target, type) asked for in a task (refresh ahead, the
/// failure recheck's retry, an upstream probe: docs/ARCHITECTURE.md, "ALIAS"), so steady
/// traffic never waits on an upstream. Failures and probes are logged.
pub fn background_work(
    responder: &Arc<NativeResponder>,
    targets: Vec<(hickory_proto::rr::Name, hickory_proto::rr::RecordType)>,
) {
    for (target, rtype) in targets {
        let responder = responder.clone();
        tokio::spawn(async move {
            let done = responder
                .flattener
                .background(&target, rtype, now_ms())
                .await;
            for (routine, event) in done.events(&target, rtype) {
                if !routine {
                    log_throttled("background ALIAS work", || event);
                }
            }
        });
    }
}

/// Milliseconds since the Unix epoch: the clock the shell passes into the core.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Milliseconds on the monotonic clock since the process first asked: for durations, which a
/// change of the wall clock must not stretch.
pub fn monotonic_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
}

/// Writes one log line to stderr.
pub fn log(line: impl std::fmt::Display) {
    eprintln!("flatapex: {line}");
}

/// The native futures must be `Send` so they can move between tokio worker threads.
#[allow(dead_code)]
fn responder_futures_are_send(responder: &'static NativeResponder) {
    fn is_send<T: Send>(_: T) {}
    is_send(responder.respond(&[], crate::message::Transport::Udp, 0));
}
