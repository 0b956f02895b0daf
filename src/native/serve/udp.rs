//! DNS over UDP (RFC 1035 §4.2.1), batched: up to [`BATCH`] datagrams per `recvmmsg`, their
//! answers sent with one `sendmmsg`. Cached and static answers are made inline; an answer that
//! waits (an ALIAS upstream) gets its own task, so it never holds up the others. The loop never
//! ends: an error of the socket is logged (a few lines every ten seconds) and the loop pauses
//! [`ERROR_PAUSE`] before it reads again.

use std::convert::Infallible;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, sendmmsg};
use tokio::io::Interest;
use tokio::net::UdpSocket;

use super::poll_once::ready_or_spawn;
use super::service::Service;
use crate::message::Transport;
use crate::native::log_throttled;

/// Datagrams read (and answers sent) per system call.
pub const BATCH: usize = 32;

/// The largest query we read; anything longer is not a DNS query over UDP.
const MAX_QUERY: usize = 4096;

/// How long the loop waits after an error of the socket.
pub const ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Serves queries on `socket` for ever.
pub async fn serve_udp(socket: Arc<UdpSocket>, service: Arc<Service>) -> Infallible {
    let fd = socket.as_raw_fd();
    let mut bufs = vec![[0u8; MAX_QUERY]; BATCH];
    let mut recv_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut send_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut outs: Vec<Vec<u8>> = (0..BATCH).map(|_| Vec::with_capacity(512)).collect();
    let mut scratch = Vec::with_capacity(512);
    loop {
        if let Err(e) = socket.readable().await {
            pause_after(&e).await;
            continue;
        }
        loop {
            // Receive a batch: (length, sender) for each datagram.
            let got = socket.try_io(Interest::READABLE, || {
                let mut iovs: Vec<[IoSliceMut<'_>; 1]> =
                    bufs.iter_mut().map(|b| [IoSliceMut::new(b)]).collect();
                let results = recvmmsg(
                    fd,
                    &mut recv_headers,
                    iovs.iter_mut(),
                    MsgFlags::MSG_DONTWAIT,
                    None,
                )
                .map_err(io::Error::from)?;
                Ok(results.map(|m| (m.bytes, m.address)).collect::<Vec<_>>())
            });
            let received = match got {
                Ok(received) => received,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // An ICMP error from an earlier send surfaces here on Linux; not ours to stop on.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
                    ) =>
                {
                    continue;
                }
                Err(e) => {
                    pause_after(&e).await;
                    break;
                }
            };
            let mut ready: Vec<(usize, SockaddrStorage)> = Vec::with_capacity(received.len());
            for (i, (len, addr)) in received.into_iter().enumerate() {
                let Some(addr) = addr else { continue };
                let query = &bufs[i][..len.min(MAX_QUERY)];
                if answer(&service, &socket, query, addr, &mut scratch, &mut outs[i]) {
                    ready.push((i, addr));
                }
            }
            send_batch(&socket, &mut send_headers, &outs, &ready).await;
        }
    }
}

/// Logs a socket error and waits [`ERROR_PAUSE`].
async fn pause_after(e: &io::Error) {
    log_throttled("udp failed", || {
        format!(
            "UDP: cannot read queries: {e}; trying again in {} ms",
            ERROR_PAUSE.as_millis()
        )
    });
    tokio::time::sleep(ERROR_PAUSE).await;
}

/// Puts the answer to `query` in `out` if it is ready now; otherwise a task sends it later.
fn answer(
    service: &Arc<Service>,
    socket: &Arc<UdpSocket>,
    query: &[u8],
    addr: SockaddrStorage,
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> bool {
    if service.cached(Transport::Udp, query, scratch, out) {
        return true;
    }
    let owned = query.to_vec();
    let service2 = service.clone();
    let socket = socket.clone();
    let peer = to_socket_addr(&addr);
    let bytes = ready_or_spawn(
        Box::pin(async move { service2.respond(Transport::Udp, &owned).await }),
        move |bytes| {
            Box::pin(async move {
                if let Some(peer) = peer {
                    let _ = socket.send_to(&bytes, peer).await;
                }
            })
        },
    );
    match bytes {
        Some(bytes) => {
            *out = bytes;
            true
        }
        None => false,
    }
}

/// Sends the ready answers with `sendmmsg`; what the kernel does not take goes one by one.
async fn send_batch(
    socket: &UdpSocket,
    headers: &mut MultiHeaders<SockaddrStorage>,
    outs: &[Vec<u8>],
    ready: &[(usize, SockaddrStorage)],
) {
    if ready.is_empty() {
        return;
    }
    let fd = socket.as_raw_fd();
    let slices: Vec<[IoSlice<'_>; 1]> = ready
        .iter()
        .map(|(i, _)| [IoSlice::new(&outs[*i])])
        .collect();
    let addrs: Vec<Option<SockaddrStorage>> = ready.iter().map(|(_, a)| Some(*a)).collect();
    let sent = socket
        .try_io(Interest::WRITABLE, || {
            sendmmsg(
                fd,
                headers,
                slices.iter(),
                &addrs,
                [],
                MsgFlags::MSG_DONTWAIT,
            )
            .map(|r| r.count())
            .map_err(io::Error::from)
        })
        .unwrap_or(0);
    for (i, addr) in &ready[sent..] {
        if let Some(peer) = to_socket_addr(addr) {
            let _ = socket.send_to(&outs[*i], peer).await;
        }
    }
}

fn to_socket_addr(addr: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = addr.as_sockaddr_in() {
        return Some(SocketAddr::from(*v4));
    }
    addr.as_sockaddr_in6().map(|v6| SocketAddr::from(*v6))
}
