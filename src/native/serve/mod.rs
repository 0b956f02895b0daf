//! `flatapex serve`: loads the zone directory (and the state), listens on UDP and TCP (and DoH
//! over HTTP with `--doh`), reloads on SIGHUP or on change (`--watch`), and keeps serving the
//! last good copy of a zone that fails to reload. With secondaries it runs the primary side.
//! Once listening it serves until the process is stopped: no client and no socket error ends it
//! (`accept`, `connections`, `limits`).

pub mod accept;
pub mod connections;
pub mod dashboard;
pub mod http;
pub mod limits;
pub mod poll_once;
pub mod response_cache;
pub mod service;
pub mod tcp;
pub mod udp;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, UdpSocket};

use super::dnssec::RingSigner;
use super::primary::{Primary, Transfers, pull, refresh, state_file};
use super::upstream::{DohUpstream, TokioTimer};
use super::zones::{FileStore, Reloads, log_report};
use super::{NativeResponder, log, now_ms};
use crate::alias::{MemoryAliasCache, Resolver, ResolverState};
use crate::respond::Responder;
use crate::settings::{ServerLimits, Settings};
use crate::xfr::ZoneStates;
use connections::ConnectionTable;
use http::{DohState, serve_http};
use service::Service;
use tcp::serve_tcp;
use udp::serve_udp;

/// What `flatapex serve` was asked to do.
#[derive(Clone)]
pub struct ServeOptions {
    /// The directory of `*.zone` files.
    pub zones: PathBuf,
    /// The UDP and TCP address.
    pub listen: SocketAddr,
    /// Reload when a zone file changes.
    pub watch: bool,
    /// The operator's settings (the same model as the Worker's).
    pub settings: Settings,
    /// CA certificates trusted for `https://` upstreams besides the web PKI roots.
    pub upstream_roots: Vec<reqwest::Certificate>,
    /// Connection limits, timeouts and the response cache's memory (from the settings).
    pub limits: ServerLimits,
    /// Where to serve DoH over plain HTTP/1.1 and h2c, if anywhere.
    pub doh: Option<SocketAddr>,
    /// Log one JSON line per DoH request.
    pub log_requests: bool,
    /// The API keys, when the zone and record APIs are on (on the DoH listener).
    pub api_keys: Option<crate::api::KeyRing>,
    /// The DNSSEC private keys, one per signed zone.
    pub dnssec_keys: Vec<crate::dnssec::KeySecret>,
    /// Who may transfer zones (AXFR/IXFR over TCP).
    pub transfers: Transfers,
    /// Secondaries to NOTIFY when a serial changes.
    pub notify: Vec<SocketAddr>,
    /// Flattened zones to pull from the worker's `/zones/<zone>`.
    pub pull: Option<pull::PullOptions>,
    /// Where served serials and last good ALIAS sets are kept across restarts (used when the
    /// server has secondaries).
    pub state: Option<PathBuf>,
}

impl ServeOptions {
    /// Whether the server has secondaries, and so a primary side.
    fn secondaries(&self) -> bool {
        self.transfers.any() || !self.notify.is_empty()
    }
}

/// Loads the zones and serves them; returns only if it cannot start.
pub async fn serve(mut options: ServeOptions) -> io::Result<Infallible> {
    let listeners = if options.doh.is_some() { 2 } else { 1 };
    for line in limits::fit_descriptors(&mut options.limits, listeners) {
        log(line);
    }
    let store = load_zones(&options)?;
    let responder = Arc::new(responder(&options, &store)?);
    let primary = options.secondaries().then(|| {
        Arc::new(Primary::new(
            store.clone(),
            options.state.clone(),
            options.notify.clone(),
            options.transfers.clone(),
        ))
    });
    let reloads = Reloads {
        store: store.clone(),
        primary: primary.clone(),
    };
    let limits = options.limits;
    let mut service = Service::new(
        responder.clone(),
        store.clone(),
        limits.response_cache_bytes(),
    );
    service.primary = primary.clone();
    let service = Arc::new(service);
    let (udp, tcp) = bind(options.listen).await?;
    let tcp_table = ConnectionTable::new(limits.max_connections, limits.max_connections_per_client);
    let doh_table = ConnectionTable::new(limits.max_connections, limits.max_connections_per_client);
    let doh = bind_doh(&options).await?;
    log(format!(
        "serving {} zone(s) on {} (udp, tcp)",
        store.snapshot().len(),
        udp.local_addr()?
    ));
    if let Some(listener) = &doh {
        log(format!(
            "DoH on http://{}{} (http/1.1, h2c)",
            listener.local_addr()?,
            options.settings.doh_path
        ));
    }
    log(format!(
        "limits: {} connection(s) per listener, {} per client /24 or /56, idle timeout {} s, header timeout {} s, response cache {} MiB",
        limits.max_connections,
        limits.max_connections_per_client,
        limits.idle_timeout_seconds,
        limits.header_timeout_seconds,
        limits.response_cache_mib
    ));
    let api = options.api_keys.clone().map(|keys| {
        Arc::new(crate::native::api::ApiService::new(
            keys,
            crate::native::api::FileRepo::new(store.clone(), primary.clone()),
            responder.clone(),
        ))
    });
    if let (Some(listener), Some(_)) = (&doh, &api) {
        log(format!(
            "zone and record APIs on http://{}/api/v1 and /v1/zones",
            listener.local_addr()?
        ));
    }
    start_background(&options, &responder, primary, reloads).await;
    let doh = async {
        match doh {
            Some(listener) => {
                let state = Arc::new(DohState {
                    limits: options.settings.limits(),
                    log_requests: options.log_requests,
                    service: service.clone(),
                    connections: vec![("tcp", tcp_table.clone()), ("doh", doh_table.clone())],
                    api: api.clone(),
                });
                serve_http(listener, state, limits, doh_table).await
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        never = serve_udp(Arc::new(udp), service.clone()) => match never {},
        never = serve_tcp(tcp, service.clone(), limits, tcp_table.clone()) => match never {},
        never = doh => match never {},
    }
}

/// Reads the state (with secondaries) and the zone directory.
fn load_zones(options: &ServeOptions) -> io::Result<Arc<FileStore>> {
    let states = match options.state.as_ref().filter(|_| options.secondaries()) {
        Some(path) => {
            let (states, problem) = state_file::load(path, now_ms());
            if let Some(problem) = problem {
                log(problem);
            }
            log(format!(
                "transfer state from {}: {} zone(s) with their served serials and last good ALIAS sets",
                path.display(),
                states.zones.len()
            ));
            states
        }
        None => ZoneStates::default(),
    };
    let store = Arc::new(FileStore::with_states(
        &options.zones,
        Arc::new(Mutex::new(states)),
    ));
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
    Ok(store)
}

/// The responder, with the ALIAS cache seeded from the saved state.
fn responder(options: &ServeOptions, store: &Arc<FileStore>) -> io::Result<NativeResponder> {
    let settings = Arc::new(options.settings.clone());
    let upstream = DohUpstream::new(&options.upstream_roots).map_err(io::Error::other)?;
    let alias_cache = MemoryAliasCache::new(settings.alias_memory_bytes());
    let seeded = state_file::seed_alias_cache(&alias_cache, &store.states(), &store.snapshot());
    if seeded > 0 {
        log(format!(
            "ALIAS cache seeded with {seeded} last good set(s) from the transfer state"
        ));
    }
    let mut signer = RingSigner::new();
    for key in &options.dnssec_keys {
        signer.add(key).map_err(io::Error::other)?;
        log(format!(
            "DNSSEC: signing {} with algorithm {}",
            key.zone,
            key.algorithm.number()
        ));
    }
    Ok(Responder::new(
        store.clone(),
        Resolver::new(
            upstream,
            alias_cache,
            TokioTimer,
            Arc::new(ResolverState::new(&settings)),
            settings.clone(),
        ),
        settings,
    )
    .with_signer(signer, Arc::default()))
}

/// The refresh timer, NOTIFY at start, reloads and pulls.
async fn start_background(
    options: &ServeOptions,
    responder: &Arc<NativeResponder>,
    primary: Option<Arc<Primary>>,
    reloads: Reloads,
) {
    if let Some(primary) = &primary {
        log(format!(
            "transfers allowed to {:?} and {} TSIG key(s); NOTIFY to {:?}; re-resolving every ALIAS at its TTL",
            primary.transfers.allow,
            primary.transfers.keys.len(),
            primary.notify
        ));
        tokio::spawn(refresh::run(responder.clone(), primary.clone()));
        // NOTIFY at start (RFC 1996 §3.7): secondaries notice a zone changed while we were down.
        let zones = reloads
            .store
            .snapshot()
            .iter()
            .map(|z| crate::zone::ZoneId::of(z.apex()))
            .collect();
        primary.announce(zones).await;
    }
    tokio::spawn(reloads.clone().on_hangup());
    if options.watch {
        tokio::spawn(reloads.clone().on_change());
    }
    if let Some(pull) = options.pull.clone() {
        log(format!(
            "pulling {} zone(s) from the worker every {} s",
            pull.urls.len(),
            pull.interval
        ));
        tokio::spawn(pull::run(pull, reloads));
    }
}

/// The DoH listener, if asked for.
async fn bind_doh(options: &ServeOptions) -> io::Result<Option<TcpListener>> {
    let Some(addr) = options.doh else {
        return Ok(None);
    };
    let listener = accept::listen(addr)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot listen for DoH on {addr}: {e}")))?;
    Ok(Some(listener))
}

/// Binds UDP and TCP on the same address; with port 0 both get the same free port.
pub async fn bind(addr: SocketAddr) -> io::Result<(UdpSocket, TcpListener)> {
    let named = |e: io::Error, what: &str| io::Error::new(e.kind(), format!("{what} {addr}: {e}"));
    for _ in 0..20 {
        let udp = UdpSocket::bind(addr)
            .await
            .map_err(|e| named(e, "cannot listen for UDP on"))?;
        let port = udp.local_addr()?.port();
        match accept::listen(SocketAddr::new(addr.ip(), port)) {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if addr.port() == 0 && e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(named(e, "cannot listen for TCP on")),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!("no port free for both UDP and TCP on {}", addr.ip()),
    ))
}
