//! `flatapex serve`: load the zone directory, listen on UDP and TCP, reload on SIGHUP or on
//! change (`--watch`), keep serving the last good copy of a zone that fails to reload.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, UdpSocket};

use super::file_store::{FileStore, LoadReport};
use super::http::{DohState, serve_http};
use super::refresh;
use super::service::Service;
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
}

/// Runs the server until a listener fails.
pub async fn serve(options: ServeOptions) -> io::Result<()> {
    let store = Arc::new(FileStore::new(&options.zones));
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
    let responder: Arc<NativeResponder> = Arc::new(Responder::new(
        store.clone(),
        Resolver::new(
            upstream,
            MemoryAliasCache::new(ALIAS_CACHE_ENTRIES),
            TokioTimer,
            options.upstreams.clone(),
        ),
        options.config.clone(),
    ));
    let transfers = Arc::new(Transfers::new(
        store.clone(),
        options.allow_transfer.clone(),
        options.tsig_keys.clone(),
    ));
    let mut service = Service::new(responder.clone(), store.clone());
    service.transfers = Some(transfers.clone());
    let service = Arc::new(service);
    if !options.allow_transfer.is_empty()
        || !options.notify.is_empty()
        || !options.tsig_keys.is_empty()
    {
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
    tokio::spawn(reload_on_hangup(store.clone()));
    if options.watch {
        tokio::spawn(reload_on_change(store.clone()));
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

/// Logs what a load or reload did, zone by zone.
pub fn log_report(report: &LoadReport, verb: &str) {
    for (path, zone) in &report.loaded {
        log(format!(
            "{verb} zone {} serial {} ({} records, {} ALIAS) from {}",
            zone.apex(),
            zone.serial(),
            zone.record_count(),
            zone.aliases().count(),
            path.display()
        ));
    }
    for warning in &report.warnings {
        log(warning);
    }
    for (path, problems, kept) in &report.failed {
        for problem in problems {
            log(problem);
        }
        let what = if *kept {
            "kept the previous copy"
        } else {
            "not loaded"
        };
        log(format!(
            "{}: {} error(s); {what}",
            path.display(),
            problems.iter().filter(|p| p.is_error()).count()
        ));
    }
    for apex in &report.removed {
        log(format!("zone {apex} removed: its file is gone"));
    }
}

/// Reloads off the async threads, so a large zone never stalls the listeners.
async fn reload(store: &Arc<FileStore>, why: &str) {
    let task = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.reload())
    };
    match task.await.map_err(std::io::Error::other).and_then(|r| r) {
        Ok(report) => {
            log(format!(
                "reload ({why}): {} changed, {} unchanged, {} failed",
                report.loaded.len(),
                report.unchanged,
                report.failed.len()
            ));
            log_report(&report, "reloaded");
        }
        Err(e) => log(format!(
            "reload ({why}) failed: {e}; still serving the previous zones"
        )),
    }
}

#[cfg(unix)]
async fn reload_on_hangup(store: Arc<FileStore>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        log("cannot listen for SIGHUP; reload with --watch instead");
        return;
    };
    while hangups.recv().await.is_some() {
        reload(&store, "SIGHUP").await;
    }
}

#[cfg(not(unix))]
async fn reload_on_hangup(_: Arc<FileStore>) {}

/// Polls the zone files' modification times once a second.
async fn reload_on_change(store: Arc<FileStore>) {
    let mut seen = store.fingerprint();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = store.fingerprint();
        if now != seen {
            seen = now;
            reload(&store, "file change").await;
        }
    }
}
