//! `flatapex serve`: load the zone directory (and the transfer state), listen on UDP and TCP,
//! reload on SIGHUP or on change (`--watch`), keep serving the last good copy of a zone that
//! fails to reload.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::{TcpListener, UdpSocket};

use super::file_store::FileStore;
use super::http::{DohState, serve_http};
use super::refresh;
use super::reload::{Reloads, log_report};
use super::service::Service;
use super::state_file;
use super::tcp::{TcpLimits, serve_tcp};
use super::udp::serve_udp;
use super::upstream::{DohUpstream, TokioTimer};
use super::xfr::Transfers;
use super::{NativeResponder, log};
use crate::alias::{MemoryAliasCache, Resolver, UpstreamPolicy};
use crate::doh::Limits;
use crate::respond::{Responder, ResponderConfig};

/// How many flattened RRsets the native server keeps in memory.
pub const ALIAS_CACHE_ENTRIES: usize = 100_000;

/// What `flatapex serve` was asked to do.
#[derive(Clone)]
pub struct ServeOptions {
    /// The directory of `*.zone` files.
    pub zones: PathBuf,
    /// The UDP and TCP address.
    pub listen: SocketAddr,
    /// Reload when a zone file changes.
    pub watch: bool,
    /// Responder settings.
    pub config: ResponderConfig,
    /// How ALIAS targets outside our zones are resolved.
    pub upstreams: UpstreamPolicy,
    /// CA certificates trusted for `https://` upstreams besides the web PKI roots.
    pub upstream_roots: Vec<reqwest::Certificate>,
    /// TCP limits.
    pub tcp: TcpLimits,
    /// Where to serve DoH over plain HTTP/1.1 and h2c, if anywhere.
    pub doh: Option<SocketAddr>,
    /// The DoH path.
    pub doh_path: String,
    /// Log one JSON line per DoH request.
    pub log_requests: bool,
    /// Client addresses allowed zone transfers (AXFR/IXFR over TCP).
    pub allow_transfer: Vec<std::net::IpAddr>,
    /// Secondaries to NOTIFY when flattened ALIAS data changes the serial.
    pub notify: Vec<SocketAddr>,
    /// TSIG keys that allow zone transfers.
    pub tsig_keys: Vec<hickory_proto::rr::TSigner>,
    /// Flattened zones to pull from the worker's `/zones/<zone>`.
    pub pull: Option<super::pull::PullOptions>,
    /// Where served serials and last good ALIAS sets are kept across restarts (used when the
    /// server has secondaries).
    pub state: Option<PathBuf>,
}

/// Runs the server until a listener fails.
pub async fn serve(options: ServeOptions) -> io::Result<()> {
    let store = Arc::new(FileStore::new(&options.zones));
    let secondaries = !options.allow_transfer.is_empty()
        || !options.notify.is_empty()
        || !options.tsig_keys.is_empty();
    let state_path = options.state.clone().filter(|_| secondaries);
    let saved = state_path.as_ref().map(|path| {
        let (saved, problem) = state_file::load(path);
        if let Some(problem) = problem {
            log(problem);
        }
        state_file::restore_serials(&store, &saved);
        saved
    });
    let report = store.reload().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot read zone directory {}: {e}",
                options.zones.display()
            ),
        )
    })?;
    log_report(&report, "loaded");
    let upstream = DohUpstream::new(&options.upstream_roots).map_err(io::Error::other)?;
    let alias_cache = MemoryAliasCache::new(ALIAS_CACHE_ENTRIES);
    if let Some(saved) = &saved {
        let seeded = state_file::seed_alias_cache(&alias_cache, saved, &store.snapshot());
        if seeded > 0 {
            log(format!(
                "ALIAS cache seeded with {seeded} last good set(s) from the transfer state"
            ));
        }
    }
    let responder: Arc<NativeResponder> = Arc::new(Responder::new(
        store.clone(),
        Resolver::new(upstream, alias_cache, TokioTimer, options.upstreams.clone()),
        options.config.clone(),
    ));
    let mut transfers = Transfers::new(
        store.clone(),
        options.allow_transfer.clone(),
        options.tsig_keys.clone(),
    );
    transfers.state_path = state_path.clone();
    let transfers = Arc::new(transfers);
    if let (Some(saved), Some(path)) = (&saved, &state_path) {
        state_file::restore_flats(&transfers, saved);
        log(format!(
            "transfer state from {}: {} zone(s) with their served serials and last good ALIAS sets",
            path.display(),
            saved.zones.len()
        ));
    }
    let reloads = Reloads {
        store: store.clone(),
        transfers: secondaries.then(|| transfers.clone()),
        notify: options.notify.clone(),
    };
    let mut service = Service::new(responder.clone(), store.clone());
    service.transfers = Some(transfers.clone());
    let service = Arc::new(service);
    if secondaries {
        log(format!(
            "transfers allowed to {:?} and {} TSIG key(s); NOTIFY to {:?}; re-resolving every ALIAS at its TTL",
            options.allow_transfer,
            options.tsig_keys.len(),
            options.notify
        ));
        tokio::spawn(refresh::run(
            responder.clone(),
            transfers,
            options.notify.clone(),
        ));
    }
    let (udp, tcp) = bind(options.listen).await?;
    let local = udp.local_addr()?;
    log(format!(
        "serving {} zone(s) on {local} (udp, tcp)",
        store.snapshot().len()
    ));
    // NOTIFY at start (RFC 1996 §3.7), so secondaries notice a zone changed while we were down.
    reloads.after_load(&report);
    tokio::spawn(reloads.clone().on_hangup());
    if options.watch {
        tokio::spawn(reloads.on_change());
    }
    if let Some(pull) = options.pull.clone() {
        log(format!(
            "pulling {} zone(s) from the worker every {} s",
            pull.urls.len(),
            pull.interval
        ));
        tokio::spawn(super::pull::run(pull, store.clone()));
    }
    let doh = match options.doh {
        Some(addr) => {
            let listener = TcpListener::bind(addr).await.map_err(|e| {
                io::Error::new(e.kind(), format!("cannot listen for DoH on {addr}: {e}"))
            })?;
            log(format!(
                "DoH on http://{}{} (http/1.1, h2c)",
                listener.local_addr()?,
                options.doh_path
            ));
            let state = Arc::new(DohState {
                responder,
                store: store.clone(),
                limits: Limits {
                    path: options.doh_path.clone(),
                    ..Limits::default()
                },
                log_requests: options.log_requests,
            });
            Some(tokio::spawn(serve_http(listener, state)))
        }
        None => None,
    };
    let doh = async move {
        match doh {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => std::future::pending().await,
        }
    };
    tokio::try_join!(
        serve_udp(Arc::new(udp), service.clone()),
        serve_tcp(tcp, service, options.tcp),
        doh
    )?;
    Ok(())
}

/// Binds UDP and TCP on the same address; with port 0 both get the same free port.
pub async fn bind(addr: SocketAddr) -> io::Result<(UdpSocket, TcpListener)> {
    for _ in 0..20 {
        let udp = UdpSocket::bind(addr).await?;
        let port = udp.local_addr()?.port();
        match TcpListener::bind(SocketAddr::new(addr.ip(), port)).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if addr.port() == 0 && e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        "no port free for both UDP and TCP",
    ))
}
