//! The native shell (tokio): zone files, UDP and TCP listeners, and the command line.
//! It implements the core's ports over the file system and sockets.

pub mod check;
pub mod cli;
pub mod file_store;
pub mod http;
pub mod inline;
pub mod push;
pub mod response_cache;
pub mod server;
pub mod service;
pub mod tcp;
pub mod udp;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::alias::NoUpstreams;
use crate::respond::Responder;

pub use file_store::FileStore;

/// The responder the native server runs.
pub type NativeResponder = Responder<Arc<FileStore>, NoUpstreams>;

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
