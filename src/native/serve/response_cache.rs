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
//! answers due a refresh are not kept.

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
        let key: Box<[u8]> = key.into();
        if let Some(replaced) = inner.entries.put(key.clone(), entry) {
            inner.bytes -= cost(&key, &replaced.response);
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
mod tests {
    use super::*;
    use crate::message::Framed;
    use crate::respond::{AliasProvenance, ResponseInfo};
    use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
    use hickory_proto::rr::rdata::opt::{EdnsCode, EdnsOption};
    use hickory_proto::rr::{Name, RecordType};

    fn query(id: u16, name: &str, padding: Option<usize>) -> Vec<u8> {
        let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
        msg.add_query(Query::query(Name::from_ascii(name).unwrap(), RecordType::A));
        let mut edns = Edns::new();
        if let Some(len) = padding {
            let option = EdnsOption::Unknown(u16::from(EdnsCode::Padding), vec![0; len]);
            edns.options_mut().insert(option);
        }
        msg.set_edns(edns);
        msg.to_vec().unwrap()
    }

    fn response(bytes: &[u8], source: Option<Source>) -> Response {
        let alias = source.map(|source| AliasProvenance {
            owner: Name::root(),
            target: Name::root(),
            source,
            upstream: None,
            rtype: RecordType::A,
            refresh: false,
            failed: false,
        });
        Response {
            framed: Framed {
                bytes: bytes.to_vec(),
                rcode: ResponseCode::NoError,
                truncated: false,
            },
            info: ResponseInfo {
                alias: alias.into_iter().collect(),
                ..ResponseInfo::default()
            },
        }
    }

    fn zone_answer(len: usize) -> Response {
        let mut bytes = vec![0xaa, 0xbb, 0x84];
        bytes.resize(len, 9);
        response(&bytes, None)
    }

    #[test]
    fn serves_with_the_new_id_and_forgets_on_a_new_generation() {
        let cache = ResponseCache::new(1 << 20);
        let q = query(0xaabb, "a.test.", None);
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        cache.keep(Transport::Udp, &q, 1, 0, &zone_answer(40));
        let again = query(0x1234, "a.test.", None);
        assert!(cache.answer(Transport::Udp, &again, 1, || 5, &mut scratch, &mut out));
        assert_eq!(&out[..3], &[0x12, 0x34, 0x84]);
        let tcp = cache.answer(Transport::Tcp, &again, 1, || 5, &mut scratch, &mut out);
        assert!(!tcp, "keyed by transport");
        let other = query(0x1234, "A.test.", None);
        let other = cache.answer(Transport::Udp, &other, 1, || 5, &mut scratch, &mut out);
        assert!(!other, "keyed by the question as sent");
        let reloaded = cache.answer(Transport::Udp, &q, 2, || 5, &mut scratch, &mut out);
        assert!(!reloaded, "a reload empties it");
    }

    #[test]
    fn padding_makes_no_new_entry_and_trailing_bytes_none() {
        let cache = ResponseCache::new(1 << 20);
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        cache.keep(
            Transport::Tcp,
            &query(1, "a.test.", Some(8)),
            0,
            0,
            &zone_answer(40),
        );
        for len in [0, 100, 63_000] {
            let padded = query(2, "a.test.", Some(len));
            assert!(cache.answer(Transport::Tcp, &padded, 0, || 0, &mut scratch, &mut out));
            cache.keep(Transport::Tcp, &padded, 0, 0, &zone_answer(40));
        }
        assert_eq!(cache.len(), 1);
        let mut trailing = query(3, "b.test.", None);
        trailing.push(0);
        cache.keep(Transport::Tcp, &trailing, 0, 0, &zone_answer(40));
        assert_eq!(cache.len(), 1, "a query with bytes after it has no key");
    }

    #[test]
    fn stays_within_its_bytes_forgetting_the_least_recently_used() {
        let limit = 64 * 1024;
        let cache = ResponseCache::new(limit);
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        let name = |i: usize| format!("name-{i}.flood.test.");
        cache.keep(
            Transport::Udp,
            &query(0, &name(0), None),
            0,
            0,
            &zone_answer(300),
        );
        for i in 1..2_000 {
            cache.keep(
                Transport::Udp,
                &query(0, &name(i), None),
                0,
                0,
                &zone_answer(300),
            );
            // The first entry is read all along, so it stays.
            assert!(cache.answer(
                Transport::Udp,
                &query(0, &name(0), None),
                0,
                || 0,
                &mut scratch,
                &mut out
            ));
            assert!(
                cache.bytes() <= limit,
                "{} bytes after {i} entries",
                cache.bytes()
            );
        }
        let each = cache.bytes() / cache.len();
        assert!(
            cache.len() > 100 && each > 300,
            "{} entries of {each} bytes",
            cache.len()
        );
        assert!(!cache.answer(
            Transport::Udp,
            &query(0, &name(1), None),
            0,
            || 0,
            &mut scratch,
            &mut out
        ));
        assert!(cache.answer(
            Transport::Udp,
            &query(0, &name(1_999), None),
            0,
            || 0,
            &mut scratch,
            &mut out
        ));
        cache.keep(
            Transport::Udp,
            &query(0, "huge.test.", None),
            0,
            0,
            &zone_answer(limit),
        );
        assert!(
            cache.bytes() <= limit,
            "a response over the bound is not kept"
        );
    }

    #[test]
    fn zone_answers_stay_fresh_alias_answers_for_a_second_and_stale_ones_never() {
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        let q = query(0, "a.test.", None);
        let hit = |cache: &ResponseCache, now, scratch: &mut Vec<u8>, out: &mut Vec<u8>| {
            cache.answer(Transport::Udp, &q, 0, || now, scratch, out)
        };
        let cache = ResponseCache::new(1 << 20);
        cache.keep(
            Transport::Udp,
            &q,
            0,
            0,
            &response(&[0; 12], Some(Source::Stale)),
        );
        assert!(cache.is_empty(), "stale answers are not kept");
        let mut failed = response(&[0; 12], Some(Source::Upstream));
        failed.info.ede = Some(crate::answer::Ede::new(22, "down"));
        cache.keep(Transport::Udp, &q, 0, 0, &failed);
        assert!(
            cache.is_empty(),
            "answers with an EDE from flattening are not kept"
        );
        let mut due = response(&[0; 12], Some(Source::Memory));
        due.info.alias[0].refresh = true;
        cache.keep(Transport::Udp, &q, 0, 0, &due);
        assert!(
            cache.is_empty(),
            "an answer due a refresh goes back to the responder"
        );

        let cache = ResponseCache::new(1 << 20);
        cache.keep(
            Transport::Udp,
            &q,
            0,
            1_000,
            &response(&[0; 12], Some(Source::Upstream)),
        );
        assert!(hit(&cache, 1_999, &mut scratch, &mut out));
        assert!(
            !hit(&cache, 2_000, &mut scratch, &mut out),
            "kept for one second"
        );
        assert_eq!(
            (cache.len(), cache.bytes()),
            (0, 0),
            "an expired entry is dropped"
        );

        let cache = ResponseCache::new(1 << 20);
        cache.keep(
            Transport::Udp,
            &q,
            0,
            0,
            &response(&[0; 12], Some(Source::Local)),
        );
        assert!(
            hit(&cache, u64::MAX - 1, &mut scratch, &mut out),
            "until the zones change"
        );
    }
}
