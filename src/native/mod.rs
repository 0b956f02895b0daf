//! The native shell (tokio): zone files, UDP and TCP listeners, and the command line.
//! It implements the core's ports over the file system and sockets.

pub mod check;
pub mod cli;
pub mod file_store;
pub mod http;
pub mod inline;
pub mod pull;
pub mod push;
pub mod refresh;
pub mod reload;
pub mod response_cache;
pub mod server;
pub mod service;
pub mod state_file;
pub mod tcp;
pub mod tsig;
pub mod udp;
pub mod upstream;
pub mod xfr;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::alias::{MemoryAliasCache, Resolver};
use crate::respond::{Responder, Response};

pub use file_store::FileStore;
use upstream::{DohUpstream, TokioTimer};

/// The ALIAS resolver of the native server: DoH upstreams, a memory cache, tokio's timer.
pub type NativeResolver = Resolver<DohUpstream, MemoryAliasCache, TokioTimer>;

/// The responder the native server runs.
pub type NativeResponder = Responder<Arc<FileStore>, NativeResolver>;

/// Refresh ahead (DESIGN §3): re-resolves, in the background, every flattened set `response`
/// served from a cache entry near expiry, so steady traffic never waits on an upstream.
pub fn refresh_ahead(responder: &Arc<NativeResponder>, response: &Response) {
    refresh_targets(
        responder,
        response
            .info
            .alias
            .iter()
            .filter(|a| a.refresh)
            .map(|a| (a.target.clone(), a.rtype)),
    );
}

/// Re-resolves each (target, type) in the background.
pub fn refresh_targets(
    responder: &Arc<NativeResponder>,
    targets: impl IntoIterator<Item = (hickory_proto::rr::Name, hickory_proto::rr::RecordType)>,
) {
    for (target, rtype) in targets {
        let responder = responder.clone();
        tokio::spawn(async move {
            if let Err(e) = responder.flattener.refresh(&target, rtype, now_ms()).await {
                log(format!("refresh ahead of {target} {rtype} failed: {e}"));
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
