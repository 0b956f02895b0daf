//! The edge's ALIAS ports (docs/ARCHITECTURE.md, "ALIAS"): upstream DoH with `fetch`, aborted through an
//! `AbortController` when an attempt loses or runs late; `Delay` as the timer; and the cache
//! layers: isolate memory, then the Cache API, then the last-good copy in KV.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use js_sys::Uint8Array;
use worker::kv::KvStore;
use worker::{
    AbortController, Cache, Date, Delay, Fetch, Headers, Method, Request, RequestInit, Response,
};

use futures::channel::oneshot::Canceled;

use crate::alias::flight::{Resolution, Waiting};
use crate::alias::upstream::{check_body_len, check_head};
use crate::alias::{
    AliasCache, AliasKey, FlatSet, MemoryAliasCache, Source, Timer, Upstream, UpstreamError,
};
use crate::doh::DNS_MESSAGE;

use super::fetch_error::{fetch_failed, js_message, log_failure};

/// Upstream DoH through the Workers `fetch`, at most `budget` fetches per client request (the
/// Workers subrequest limit is 50 on the free plan; the cache layers use some too).
pub struct FetchUpstream {
    used: Rc<Cell<u32>>,
    budget: u32,
}

impl FetchUpstream {
    /// An upstream port allowed `budget` fetches.
    pub fn new(budget: u32) -> Self {
        FetchUpstream {
            used: Rc::new(Cell::new(0)),
            budget,
        }
    }

    /// How many fetches are left, readable after the port has moved into a resolver.
    pub fn remaining(&self) -> impl Fn() -> u32 + use<> {
        let used = self.used.clone();
        let budget = self.budget;
        move || budget.saturating_sub(used.get())
    }
}

/// Aborts the fetch when the attempt's future is dropped: a hedge loser, or past its deadline.
struct AbortOnDrop(Option<AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

impl Upstream for FetchUpstream {
    async fn exchange(
        &self,
        url: &str,
        query: &[u8],
        _deadline_ms: u32,
    ) -> Result<Vec<u8>, UpstreamError> {
        if self.used.get() >= self.budget {
            return Err(UpstreamError::Budget(self.budget));
        }
        self.used.set(self.used.get() + 1);
        let result = fetch_dns(url, query).await;
        if let Err(error) = &result {
            log_failure(url, error, Date::now().as_millis());
        }
        result
    }
}

/// One DoH exchange with `url`: the answer body, or why not.
async fn fetch_dns(url: &str, query: &[u8]) -> Result<Vec<u8>, UpstreamError> {
    let request = dns_post(url, query)?;
    let guard = AbortOnDrop(Some(AbortController::default()));
    let Some(signal) = guard.0.as_ref().map(|c| c.signal()) else {
        return Err(UpstreamError::Request("no abort signal".into()));
    };
    let mut response = Fetch::Request(request)
        .send_with_signal(&signal)
        .await
        .map_err(|e| fetch_failed(url, &e))?;
    let content_type = response.headers().get("content-type").ok().flatten();
    let length = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|l| l.parse().ok());
    check_head(response.status_code(), content_type.as_deref(), length)?;
    let body = response
        .bytes()
        .await
        .map_err(|e| UpstreamError::Body(js_message(&e)))?;
    check_body_len(body.len())?;
    drop(guard); // completed: aborting now is a no-op
    Ok(body)
}

/// An RFC 8484 §4.1 POST of `query` to `url`.
fn dns_post(url: &str, query: &[u8]) -> Result<Request, UpstreamError> {
    let request_error = |e: worker::Error| UpstreamError::Request(e.to_string());
    let headers = Headers::new();
    headers
        .set("content-type", DNS_MESSAGE)
        .map_err(request_error)?;
    headers.set("accept", DNS_MESSAGE).map_err(request_error)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(Uint8Array::from(query).into()));
    Request::new_with_init(url, &init).map_err(|e| UpstreamError::Url(format!("{url}: {e}")))
}

/// How often a request waiting for another's flight looks whether it ended.
const FLIGHT_POLL_MS: u32 = 5;

/// `Delay` (a `setTimeout` promise) as the core's timer.
pub struct WorkerTimer;

impl Timer for WorkerTimer {
    async fn sleep(&self, ms: u32) {
        Delay::from(Duration::from_millis(u64::from(ms))).await;
    }

    /// `Date.now()`, which in Workers moves on across I/O (enough to time a fetch).
    fn elapsed_ms(&self) -> u64 {
        worker::Date::now().as_millis()
    }

    /// Polls the flight every [`FLIGHT_POLL_MS`] on this request's own timer: the leader's
    /// result never wakes this request from the leader's context (see [`Timer::wait`]).
    async fn wait(&self, mut waiting: Waiting) -> Result<Resolution, Canceled> {
        loop {
            match waiting.try_recv() {
                Ok(Some(resolution)) => return Ok(resolution),
                Ok(None) => self.sleep(FLIGHT_POLL_MS).await,
                Err(canceled) => return Err(canceled),
            }
        }
    }
}

/// The KV key of the last-good copy of a flattened set (written by the scheduled refresher).
pub fn last_good_key(key: &AliasKey) -> String {
    format!("flatapex/alias/{}", key.id())
}

/// The three cache layers. `put` writes memory and the Cache API; the KV layer is written by
/// the scheduled refresher, not per request (KV writes are slow and limited).
pub struct EdgeAliasCache {
    /// The isolate's memory.
    pub memory: &'static MemoryAliasCache,
    /// Where Cache API entries live: `https://<worker host>/__flatapex/alias/`.
    pub base_url: String,
    /// The zones namespace, for last-good copies.
    pub kv: Option<KvStore>,
    /// How long entries stay in the Cache API past their TTL (the stale window).
    pub keep_seconds: u32,
}

impl EdgeAliasCache {
    fn url(&self, key: &AliasKey) -> String {
        format!("{}{}", self.base_url, key.id())
    }
}

impl AliasCache for EdgeAliasCache {
    async fn get(&self, key: &AliasKey) -> Option<(FlatSet, Source)> {
        if let Some(entry) = self.memory.peek(key) {
            return Some((entry, Source::Memory));
        }
        let cache = Cache::default();
        if let Ok(Some(mut response)) = cache.get(self.url(key), false).await
            && let Ok(bytes) = response.bytes().await
            && let Ok(entry) = serde_json::from_slice::<FlatSet>(&bytes)
        {
            self.memory.insert(key, &entry);
            return Some((entry, Source::Cache));
        }
        let kv = self.kv.as_ref()?;
        let bytes = kv.get(&last_good_key(key)).bytes().await.ok().flatten()?;
        let entry: FlatSet = serde_json::from_slice(&bytes).ok()?;
        self.memory.insert(key, &entry);
        Some((entry, Source::Cache))
    }

    async fn put(&self, key: &AliasKey, value: &FlatSet) {
        self.memory.insert(key, value);
        let Ok(body) = serde_json::to_vec(value) else {
            return;
        };
        let Ok(mut response) = Response::from_bytes(body) else {
            return;
        };
        let keep = u64::from(value.ttl) + u64::from(self.keep_seconds);
        let _ = response
            .headers_mut()
            .set("cache-control", &format!("s-maxage={keep}"));
        let _ = response
            .headers_mut()
            .set("content-type", "application/json");
        let _ = Cache::default().put(self.url(key), response).await;
    }
}
