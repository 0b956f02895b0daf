//! TCP listeners (DNS over TCP, DoH) and their accept loop.
//!
//! A listener queues up to [`LISTEN_BACKLOG`] connections the server has not accepted yet
//! (the kernel caps it at `net.core.somaxconn`); tokio's default of 128 overflows in a burst of
//! connections, and a client whose SYN finds the queue full waits a second for its retry.
//!
//! The accept loop never ends: a connection that fails before it is accepted is skipped; any
//! other error (out of file descriptors above all) is logged, at most a few lines every ten
//! seconds, and the loop waits before it tries again, from 10 ms doubling to 1 s, since the
//! connection that could not be accepted is still queued and would make the next `accept` fail
//! at once.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream};

use super::connections::{Connection, ConnectionTable};
use crate::native::log_throttled;

/// Connections queued before the server accepts them (listen(2)).
pub const LISTEN_BACKLOG: u32 = 1024;

/// A TCP listener on `addr` with a queue of [`LISTEN_BACKLOG`].
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// The first wait after a failed accept.
const FIRST_PAUSE: Duration = Duration::from_millis(10);

/// The longest wait between two failed accepts.
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

/// Accepts connections on `listener` for ever, admits each through `table` and hands it to
/// `serve`; `name` names the listener in the log.
pub async fn accept_connections(
    listener: TcpListener,
    table: Arc<ConnectionTable>,
    name: &'static str,
    mut serve: impl FnMut(TcpStream, SocketAddr, Connection),
) -> Infallible {
    let local = listener
        .local_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string());
    let mut pause = FIRST_PAUSE;
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                pause = FIRST_PAUSE;
                match table.admit(peer.ip()) {
                    Ok(connection) => serve(stream, peer, connection),
                    Err(refusal) => log_throttled("connection refused", || {
                        format!("{name} on {local}: refused a connection from {peer}: {refusal}")
                    }),
                }
            }
            Err(e) if gone_before_accepted(&e) => {}
            Err(e) => {
                log_throttled("accept failed", || {
                    format!(
                        "{name} on {local}: cannot accept a connection: {e}; trying again in {} ms",
                        pause.as_millis()
                    )
                });
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
        }
    }
}

/// Errors of one connection that went away before it was accepted (accept(2)).
fn gone_before_accepted(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}
