//! DNS over UDP (RFC 1035 §4.2.1): one socket, answers inline when nothing waits.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Waker};

use tokio::net::UdpSocket;

use super::{NativeResponder, now_ms};
use crate::message::Transport;

/// Polls `fut` once; if it is not done, hands it to its own task.
///
/// Static answers and cached ALIAS answers complete on the first poll, so they cost no task;
/// an answer waiting on an upstream never holds up the queries behind it.
pub(crate) fn run_inline_or_spawn(mut fut: Pin<Box<dyn Future<Output = ()> + Send + 'static>>) {
    let mut cx = Context::from_waker(Waker::noop());
    if fut.as_mut().poll(&mut cx).is_pending() {
        tokio::spawn(fut);
    }
}

/// Serves queries on `socket` until it fails.
pub async fn serve_udp(socket: Arc<UdpSocket>, responder: Arc<NativeResponder>) -> io::Result<()> {
    let mut buf = vec![0u8; 65_535];
    loop {
        let (len, peer) = match socket.recv_from(&mut buf).await {
            Ok(got) => got,
            // An ICMP error from an earlier send surfaces here on Linux; it is not ours to stop on.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
                ) =>
            {
                continue;
            }
            Err(e) => return Err(e),
        };
        let query = buf[..len].to_vec();
        let responder = responder.clone();
        let socket = socket.clone();
        run_inline_or_spawn(Box::pin(async move {
            if let Some(response) = responder.respond(&query, Transport::Udp, now_ms()).await {
                let _ = socket.send_to(&response.framed.bytes, peer).await;
            }
        }));
    }
}
