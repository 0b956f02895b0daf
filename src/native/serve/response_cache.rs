//! Whole responses kept by what in their query shapes them, the way NSD precompiles answers.
//!
//! The key is the core's [`cache_key`]: the transport, the question as sent (the client's case
//! kept, since the response echoes it) and the EDNS facts that change the response, so padding,
//! cookies and other options do not make new entries, and queries of any other shape (extra
//! records, bytes after the message, unknown classes) are not kept. The value is the response,
//! whose ID is patched on the way out. The cache is bounded in bytes (`--response-cache-mib`)
//! and forgets the least recently used responses first. Answers that depend on nothing but zone
//! data are kept until the zones change (a reload empties the cache: the store's generation
//! changes). Answers with fresh flattened ALIAS records are kept for [`ALIAS_MICROCACHE_MS`]
//! only, so their TTLs are never overstated by more than that; stale answers, failures and
//! answers due a refresh are not kept. Signed answers are kept until the first of their
//! signatures' validity buckets ends at most (`ResponseInfo::rebuild_by_ms`), so a steady zone
//! never serves signatures near or past their expiration.

use std::hash::BuildHasherDefault;
use std::sync::Mutex;

use lru::LruCache;
use rustc_hash::FxHasher;

use crate::alias::Source;
use crate::message::{Transport, cache_key};
use crate::respond::Response;
use hickory_proto::op::ResponseCode;

/// What an entry costs besides its key and response: the LRU node, the table slot and the
/// allocator's rounding of three allocations.
const ENTRY_OVERHEAD: usize = 128;

/// How long a response with flattened ALIAS records from a cache or upstream is reused.
pub const ALIAS_MICROCACHE_MS: u64 = 1000;

struct Entry {
    response: Box<[u8]>,
    /// When the entry stops being used (`u64::MAX`: until the zones change).
    expires_ms: u64,
}

type Entries = LruCache<Box<[u8]>, Entry, BuildHasherDefault<FxHasher>>;

struct Inner {
    generation: u64,
    entries: Entries,
    /// What the entries cost, by [`cost`].
    bytes: usize,
}

/// A response cache shared by the listeners.
pub struct ResponseCache {
    inner: Mutex<Inner>,
    limit_bytes: usize,
}

/// The bytes an entry counts against the bound.
fn cost(key: &[u8], response: &[u8]) -> usize {
    key.len() + response.len() + ENTRY_OVERHEAD
}

impl ResponseCache {
    /// A cache of at most `limit_bytes` (keys, responses and overhead).
    pub fn new(limit_bytes: usize) -> Self {
        ResponseCache {
            inner: Mutex::new(Inner {
                generation: 0,
                entries: LruCache::unbounded_with_hasher(BuildHasherDefault::default()),
                bytes: 0,
            }),
            limit_bytes,
        }
    }

    /// Copies the cached response to `query` into `out`, with the query's ID; false on a miss.
    /// `now_ms` is read only for entries that expire (flattened ALIAS answers), so answers from
    /// zone data alone cost no clock read.
    pub fn answer(
        &self,
        transport: Transport,
        query: &[u8],
        generation: u64,
        now_ms: impl FnOnce() -> u64,
        scratch: &mut Vec<u8>,
        out: &mut Vec<u8>,
    ) -> bool {
        if !cache_key(query, transport, scratch) {
            return false;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return false;
        };
        if inner.generation != generation {
            return false;
        }
        let fresh = match inner.entries.get(&scratch[..]) {
            Some(entry) if entry.expires_ms == u64::MAX || entry.expires_ms > now_ms() => {
                out.clear();
                out.extend_from_slice(&entry.response);
                out[..2].copy_from_slice(&query[..2]);
                true
            }
            Some(_) => false,
            None => return false,
        };
        if !fresh && let Some(expired) = inner.entries.pop(&scratch[..]) {
            inner.bytes -= cost(scratch, &expired.response);
        }
        fresh
    }

    /// Keeps `response` for `query`: until the zones change if it depends on zone data alone,
    /// for [`ALIAS_MICROCACHE_MS`] if it has fresh flattened records; then forgets the least
    /// recently used responses until the cache is within its bound.
    pub fn keep(
        &self,
        transport: Transport,
        query: &[u8],
        generation: u64,
        now_ms: u64,
        response: &Response,
    ) {
        // Transfer questions have no key (they go to the transfer path after a cache miss).
        let cacheable =
            response.framed.bytes.len() >= 12 && response.framed.rcode != ResponseCode::ServFail;
        let alias = &response.info.alias;
        let expires_ms = if alias.iter().all(|a| a.source == Source::Local) {
            u64::MAX
        } else if response.info.ede.is_none()
            && alias
                .iter()
                .all(|a| a.source != Source::Stale && !a.refresh)
        {
            now_ms + ALIAS_MICROCACHE_MS
        } else {
            return;
        };
        // Signed answers are rebuilt when a signature's validity bucket ends.
        let expires_ms = expires_ms.min(response.info.rebuild_by_ms.unwrap_or(u64::MAX));
        let mut key = Vec::with_capacity(64);
        if !cacheable || !cache_key(query, transport, &mut key) {
            return;
        }
        let bytes = &response.framed.bytes;
        let added = cost(&key, bytes);
        if added > self.limit_bytes {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.generation != generation {
            inner.entries.clear();
            inner.bytes = 0;
            inner.generation = generation;
        }
        let entry = Entry {
            response: bytes.as_slice().into(),
            expires_ms,
        };
        // A replaced entry had the same key, so it cost `added` less this response plus its own.
        if let Some(replaced) = inner.entries.put(key.into(), entry) {
            inner.bytes -= added - bytes.len() + replaced.response.len();
        }
        inner.bytes += added;
        while inner.bytes > self.limit_bytes {
            let Some((key, forgotten)) = inner.entries.pop_lru() else {
                break;
            };
            inner.bytes -= cost(&key, &forgotten.response);
        }
    }

    /// The number of responses kept.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .map(|i| i.entries.len())
            .unwrap_or_default()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the entries cost against the bound, in bytes.
    pub fn bytes(&self) -> usize {
        self.inner.lock().map(|i| i.bytes).unwrap_or_default()
    }

    /// The bound, in bytes.
    pub fn limit_bytes(&self) -> usize {
        self.limit_bytes
    }
}

#[cfg(test)]
#[path = "response_cache_tests.rs"]
mod tests;
