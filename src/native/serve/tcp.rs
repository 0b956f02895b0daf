//! DNS over TCP (RFC 7766): two-octet length prefix, pipelining with out-of-order answers
//! (§6.2.1.1), and the limits of `serve::limits` (§6.2.3, §10): a connection waits at most the
//! idle timeout for the first octet of its next query and the header timeout for the rest of
//! it, a client that stops reading its answers is dropped after the idle timeout, and the
//! connection table closes idle connections to make room for new ones.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpListener;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::accept::accept_connections;
use super::connections::{Connection, ConnectionTable};
use super::poll_once::run_or_spawn;
use super::service::Service;
use crate::message::Transport;
use crate::settings::ServerLimits;

/// Answers one connection may have in flight or waiting to be written.
const MAX_IN_FLIGHT: usize = 64;

/// Accepts connections on `listener` for ever.
pub async fn serve_tcp(
    listener: TcpListener,
    service: Arc<Service>,
    limits: ServerLimits,
    table: Arc<ConnectionTable>,
) -> Infallible {
    accept_connections(listener, table, "DNS over TCP", |stream, peer, admitted| {
        let service = service.clone();
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let (read, write) = stream.into_split();
            let _ = connection(read, write, peer, service, limits, admitted).await;
        });
    })
    .await
}

/// One connection: read length-prefixed queries, answer each as soon as it is ready.
async fn connection(
    read: OwnedReadHalf,
    write: tokio::net::tcp::OwnedWriteHalf,
    peer: SocketAddr,
    service: Arc<Service>,
    limits: ServerLimits,
    admitted: Connection,
) -> io::Result<()> {
    // At most this many answers in flight or queued: a client that stops reading stops us
    // reading its queries.
    let (tx, rx) = mpsc::channel::<Vec<u8>>(MAX_IN_FLIGHT);
    let writer = tokio::spawn(write_responses(write, rx, limits.idle()));
    let mut read = BufReader::new(read);
    let (mut scratch, mut cached) = (Vec::new(), Vec::new());
    loop {
        // Idle: the first octet of the next query, unless the table closes us to make room.
        let began = tokio::select! {
            got = timeout(limits.idle(), read.fill_buf()) => {
                matches!(got, Ok(Ok(buffered)) if !buffered.is_empty())
            }
            () = admitted.closed() => false,
        };
        if !began {
            break;
        }
        let busy = admitted.busy();
        let Ok(Ok(query)) = timeout(limits.header(), read_query(&mut read)).await else {
            break;
        };
        if service.cached(Transport::Tcp, &query, &mut scratch, &mut cached) {
            if tx.send(cached.clone()).await.is_err() {
                break;
            }
            continue;
        }
        // After the cache, which never holds transfer questions: cached answers skip this.
        if let Some(primary) = &service.primary
            && primary.transfer(peer.ip(), &query, &tx).await
        {
            continue;
        }
        let Ok(slot) = tx.clone().reserve_owned().await else {
            break;
        };
        let service = service.clone();
        run_or_spawn(Box::pin(async move {
            if let Some(bytes) = service.respond(Transport::Tcp, &query).await {
                slot.send(bytes);
            }
            drop(busy);
        }));
    }
    drop(tx);
    writer.await.map_err(io::Error::other)?
}

/// One length-prefixed message.
async fn read_query(read: &mut BufReader<OwnedReadHalf>) -> io::Result<Vec<u8>> {
    let len = usize::from(read.read_u16().await?);
    let mut query = vec![0u8; len];
    read.read_exact(&mut query).await?;
    Ok(query)
}

/// Writes each response with its length prefix, flushing when no more are queued; gives up on
/// a client that takes none of it for `stall`.
async fn write_responses(
    write: tokio::net::tcp::OwnedWriteHalf,
    mut rx: mpsc::Receiver<Vec<u8>>,
    stall: Duration,
) -> io::Result<()> {
    let stalled = || io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading");
    let mut write = BufWriter::new(write);
    while let Some(message) = rx.recv().await {
        let batch = async {
            write_framed(&mut write, &message).await?;
            while let Ok(message) = rx.try_recv() {
                write_framed(&mut write, &message).await?;
            }
            write.flush().await
        };
        timeout(stall, batch).await.map_err(|_| stalled())??;
    }
    timeout(stall, write.shutdown())
        .await
        .map_err(|_| stalled())?
}

async fn write_framed(
    write: &mut BufWriter<tokio::net::tcp::OwnedWriteHalf>,
    message: &[u8],
) -> io::Result<()> {
    let len = u16::try_from(message.len()).map_err(io::Error::other)?;
    write.write_all(&len.to_be_bytes()).await?;
    write.write_all(message).await
}
