//! Polling an answer once, inline, before giving it a task of its own.
//!
//! A static or cached answer completes on its first poll, so it costs no task; an answer that
//! waits on an upstream moves to its own task and never holds up the queries behind it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A boxed future the listeners hand around.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Polls `fut` once and returns its output if it is done; otherwise spawns it, and `then`
/// receives the output when it comes.
pub fn ready_or_spawn<T: Send + 'static>(
    mut fut: BoxFuture<Option<T>>,
    then: impl FnOnce(T) -> BoxFuture<()> + Send + 'static,
) -> Option<T> {
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => {
            tokio::spawn(async move {
                if let Some(out) = fut.await {
                    then(out).await;
                }
            });
            None
        }
    }
}

/// Polls `fut` once; if it is not done, spawns it.
pub fn run_or_spawn(mut fut: BoxFuture<()>) {
    let mut cx = Context::from_waker(Waker::noop());
    if fut.as_mut().poll(&mut cx).is_pending() {
        tokio::spawn(fut);
    }
}
