//! Cached flattened RRsets: the value every cache layer stores, its freshness rules (DESIGN §3:
//! refresh ahead in the last 10 % of the TTL, serve stale within the stale window, RFC 8767),
//! the cache port, and the in-memory layer both shells use.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use hickory_proto::rr::rdata::{A, AAAA};
use hickory_proto::rr::{Name, RData, RecordType};
use serde::{Deserialize, Serialize};

use super::Source;

/// What is cached: one target's addresses of one type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AliasKey {
    /// The target, lowercased.
    pub target: Name,
    /// A or AAAA.
    pub rtype: RecordType,
}

impl AliasKey {
    /// The key for `target`'s `rtype`.
    pub fn new(target: &Name, rtype: RecordType) -> Self {
        let mut target = target.to_lowercase();
        target.set_fqdn(true);
        AliasKey { target, rtype }
    }

    /// A stable text form, for URLs and KV keys: `a/example.net.` or `aaaa/example.net.`.
    pub fn id(&self) -> String {
        format!(
            "{}/{}",
            self.rtype.to_string().to_ascii_lowercase(),
            self.target.to_ascii()
        )
    }
}

/// A flattened RRset as resolved, with when and from where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedRrset {
    /// The addresses; empty for a negative answer (NODATA or NXDOMAIN).
    pub addresses: Vec<IpAddr>,
    /// The TTL it was resolved with (chain minimum, floored), before any ALIAS cap.
    pub ttl: u32,
    /// When it was resolved, in milliseconds since the Unix epoch.
    pub fetched_ms: u64,
    /// The upstream that answered.
    pub upstream: Option<String>,
}

impl CachedRrset {
    /// When it stops being fresh.
    pub fn expires_ms(&self) -> u64 {
        self.fetched_ms + u64::from(self.ttl) * 1000
    }

    /// Whole seconds of freshness left at `now_ms` (0 once expired).
    pub fn remaining(&self, now_ms: u64) -> u32 {
        (self.expires_ms().saturating_sub(now_ms) / 1000) as u32
    }

    /// Still fresh at `now_ms`.
    pub fn is_fresh(&self, now_ms: u64) -> bool {
        now_ms < self.expires_ms()
    }

    /// Fresh, but with less than `percent` of its TTL left: answer from it and refresh.
    pub fn wants_refresh(&self, now_ms: u64, percent: u32) -> bool {
        self.expires_ms().saturating_sub(now_ms) * 100
            < u64::from(self.ttl) * 1000 * u64::from(percent)
    }

    /// Usable as a stale answer at `now_ms`: expired less than `window_s` ago (RFC 8767 §4).
    pub fn within_stale_window(&self, now_ms: u64, window_s: u32) -> bool {
        now_ms < self.expires_ms() + u64::from(window_s) * 1000
    }

    /// The addresses as RDATA of `rtype`, in order (others dropped).
    pub fn rdatas(&self, rtype: RecordType) -> Vec<RData> {
        Self::rdatas_of(&self.addresses, rtype)
    }

    /// `addresses` as RDATA of `rtype`, in order (others dropped).
    pub fn rdatas_of(addresses: &[IpAddr], rtype: RecordType) -> Vec<RData> {
        addresses
            .iter()
            .filter_map(|ip| match (ip, rtype) {
                (IpAddr::V4(v4), RecordType::A) => Some(RData::A(A(*v4))),
                (IpAddr::V6(v6), RecordType::AAAA) => Some(RData::AAAA(AAAA(*v6))),
                _ => None,
            })
            .collect()
    }

    /// The addresses of A/AAAA RDATA.
    pub fn addresses_of(rdatas: &[RData]) -> Vec<IpAddr> {
        rdatas.iter().filter_map(RData::ip_addr).collect()
    }
}

/// The cache port: isolate memory + Cache API at the edge, memory natively. `get` says which
/// layer answered.
#[allow(async_fn_in_trait)]
pub trait AliasCache {
    /// The entry for `key`, fresh or not, and the layer it came from.
    async fn get(&self, key: &AliasKey) -> Option<(CachedRrset, Source)>;
    /// Stores `value` in every layer.
    async fn put(&self, key: &AliasKey, value: &CachedRrset);
}

/// The in-memory layer: bounded; on overflow the entry that expired first is dropped.
#[derive(Debug)]
pub struct MemoryAliasCache {
    entries: Mutex<HashMap<AliasKey, CachedRrset>>,
    capacity: usize,
}

impl MemoryAliasCache {
    /// A cache of at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        MemoryAliasCache {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// The entry for `key`, if any.
    pub fn peek(&self, key: &AliasKey) -> Option<CachedRrset> {
        self.lock().get(key).cloned()
    }

    /// Stores `value`.
    pub fn insert(&self, key: &AliasKey, value: &CachedRrset) {
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(key) {
            let oldest = entries
                .iter()
                .min_by_key(|(_, v)| v.expires_ms())
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        entries.insert(key.clone(), value.clone());
    }

    /// Every entry (for the refresh job and for tests).
    pub fn snapshot(&self) -> Vec<(AliasKey, CachedRrset)> {
        self.lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<AliasKey, CachedRrset>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl AliasCache for MemoryAliasCache {
    async fn get(&self, key: &AliasKey) -> Option<(CachedRrset, Source)> {
        self.peek(key).map(|v| (v, Source::Memory))
    }

    async fn put(&self, key: &AliasKey, value: &CachedRrset) {
        self.insert(key, value);
    }
}
