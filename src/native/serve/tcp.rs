//! DNS over TCP (RFC 7766): two-octet length prefix, pipelining with out-of-order answers
//! (§6.2.1.1), idle timeouts (§6.2.3) and a cap on connections.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::poll_once::run_or_spawn;
use super::service::Service;
use crate::message::Transport;

/// Answers one connection may have in flight or waiting to be written.
const MAX_IN_FLIGHT: usize = 64;

/// Limits for TCP clients.
#[derive(Clone, Copy, Debug)]
pub struct TcpLimits {
    /// Connections open at once; more are closed at accept.
    pub max_connections: usize,
    /// A connection with no query for this long is closed.
    pub idle: Duration,
}

impl Default for TcpLimits {
    fn default() -> Self {
        TcpLimits {
            max_connections: 1024,
            idle: Duration::from_secs(10),
        }
    }
}

/// Accepts connections on `listener` until it fails.
pub async fn serve_tcp(
    listener: TcpListener,
    service: Arc<Service>,
    limits: TcpLimits,
) -> io::Result<()> {
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(got) => got,
            Err(e) if is_transient(&e) => continue,
            Err(e) => return Err(e),
        };
        if open.load(Ordering::Relaxed) >= limits.max_connections {
            drop(stream);
            continue;
        }
        open.fetch_add(1, Ordering::Relaxed);
        let service = service.clone();
        let open = open.clone();
        tokio::spawn(async move {
            let _ = connection(stream, service, limits).await;
            open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) || e.raw_os_error() == Some(24) // EMFILE: out of descriptors for now
}

/// One connection: read length-prefixed queries, answer each as soon as it is ready.
async fn connection(stream: TcpStream, service: Arc<Service>, limits: TcpLimits) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let peer = stream.peer_addr()?.ip();
    let (read, write) = stream.into_split();
    // At most this many answers in flight or queued: a client that stops reading stops us
    // reading its queries.
    let (tx, rx) = mpsc::channel::<Vec<u8>>(MAX_IN_FLIGHT);
    let writer = tokio::spawn(write_responses(write, rx));
    let mut read = BufReader::new(read);
    let (mut scratch, mut cached) = (Vec::new(), Vec::new());
    loop {
        let len = match tokio::time::timeout(limits.idle, read.read_u16()).await {
            Ok(Ok(len)) => usize::from(len),
            _ => break,
        };
        let mut query = vec![0u8; len];
        match tokio::time::timeout(limits.idle, read.read_exact(&mut query)).await {
            Ok(Ok(_)) => {}
            _ => break,
        }
        if service.cached(Transport::Tcp, &query, &mut scratch, &mut cached) {
            if tx.send(cached.clone()).await.is_err() {
                break;
            }
            continue;
        }
        // After the cache, which never holds transfer questions: cached answers skip this.
        if let Some(primary) = &service.primary
            && primary.transfer(peer, &query, &tx).await
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
        }));
    }
    drop(tx);
    writer.await.map_err(io::Error::other)?
}

/// Writes each response with its length prefix, flushing when no more are queued.
async fn write_responses(
    write: tokio::net::tcp::OwnedWriteHalf,
    mut rx: mpsc::Receiver<Vec<u8>>,
) -> io::Result<()> {
    let mut write = BufWriter::new(write);
    while let Some(message) = rx.recv().await {
        let len = u16::try_from(message.len()).map_err(io::Error::other)?;
        write.write_all(&len.to_be_bytes()).await?;
        write.write_all(&message).await?;
        while let Ok(message) = rx.try_recv() {
            let len = u16::try_from(message.len()).map_err(io::Error::other)?;
            write.write_all(&len.to_be_bytes()).await?;
            write.write_all(&message).await?;
        }
        write.flush().await?;
    }
    write.shutdown().await
}
