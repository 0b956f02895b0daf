//! Whole responses kept by their query bytes, the way NSD precompiles answers.
//!
//! The key is the query after its ID (flags, question with the client's case, and the OPT
//! record), plus the transport; the value is the response, whose ID is patched on the way out.
//! Answers that depend on nothing but zone data are kept until the zones change (a reload
//! empties the cache: the store's generation changes). Answers with fresh flattened ALIAS
//! records are kept for [`ALIAS_MICROCACHE_MS`] only, so their TTLs are never overstated by
//! more than that; stale answers, failures and answers due a refresh are not kept.

use std::sync::Mutex;

use crate::alias::Source;
use crate::message::Transport;
use crate::respond::Response;
use crate::zone::model::FastMap;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;

/// Entries kept before the cache starts over (a bound on memory, whatever clients send).
const MAX_ENTRIES: usize = 50_000;

/// How long a response with flattened ALIAS records from a cache or upstream is reused.
pub const ALIAS_MICROCACHE_MS: u64 = 1000;

struct Entry {
    response: Box<[u8]>,
    /// When the entry stops being used (`u64::MAX`: until the zones change).
    expires_ms: u64,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    entries: FastMap<Box<[u8]>, Entry>,
}

/// A response cache shared by the listeners.
#[derive(Default)]
pub struct ResponseCache {
    inner: Mutex<Inner>,
}

fn transport_tag(transport: Transport) -> u8 {
    match transport {
        Transport::Udp => 0,
        Transport::Tcp => 1,
        Transport::Https => 2,
    }
}

/// The cache key: the transport, then every byte of the query after the ID.
fn key(transport: Transport, query: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.push(transport_tag(transport));
    out.extend_from_slice(&query[2..]);
}

impl ResponseCache {
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
        if query.len() < 12 {
            return false;
        }
        key(transport, query, scratch);
        let Ok(inner) = self.inner.lock() else {
            return false;
        };
        if inner.generation != generation {
            return false;
        }
        match inner.entries.get(&scratch[..]) {
            Some(entry) if entry.expires_ms == u64::MAX || entry.expires_ms > now_ms() => {
                out.clear();
                out.extend_from_slice(&entry.response);
                out[..2].copy_from_slice(&query[..2]);
                true
            }
            _ => false,
        }
    }

    /// Keeps `response` for `query`: until the zones change if it depends on zone data alone,
    /// for [`ALIAS_MICROCACHE_MS`] if it has fresh flattened records.
    pub fn keep(
        &self,
        transport: Transport,
        query: &[u8],
        generation: u64,
        now_ms: u64,
        response: &Response,
    ) {
        let cacheable = query.len() >= 12
            && response.framed.bytes.len() >= 12
            && response.framed.rcode != ResponseCode::ServFail
            // Transfer questions go to the transfer path after a cache miss: never cache them.
            && !matches!(
                response.info.qtype,
                Some(RecordType::AXFR | RecordType::IXFR)
            );
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
        if !cacheable {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.generation != generation || inner.entries.len() >= MAX_ENTRIES {
            inner.entries.clear();
            inner.generation = generation;
        }
        let mut k = Vec::with_capacity(query.len() - 1);
        key(transport, query, &mut k);
        inner.entries.insert(
            k.into(),
            Entry {
                response: response.framed.bytes.clone().into(),
                expires_ms,
            },
        );
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alias::Source;
    use crate::message::Framed;
    use crate::respond::{AliasProvenance, ResponseInfo};
    use hickory_proto::rr::Name;

    fn response(bytes: &[u8], source: Option<Source>) -> Response {
        let alias = source.map(|source| AliasProvenance {
            owner: Name::root(),
            target: Name::root(),
            source,
            upstream: None,
            rtype: hickory_proto::rr::RecordType::A,
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

    #[test]
    fn serves_with_the_new_id_and_forgets_on_a_new_generation() {
        let cache = ResponseCache::default();
        let query = [0xaa, 0xbb, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        let kept = response(&[0xaa, 0xbb, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9], None);
        cache.keep(Transport::Udp, &query, 1, 0, &kept);
        let mut again = query;
        again[..2].copy_from_slice(&[0x12, 0x34]);
        assert!(cache.answer(Transport::Udp, &again, 1, || 5, &mut scratch, &mut out));
        assert_eq!(&out[..3], &[0x12, 0x34, 0x84]);
        let tcp = cache.answer(Transport::Tcp, &again, 1, || 5, &mut scratch, &mut out);
        assert!(!tcp, "keyed by transport");
        again[5] = 99;
        let other = cache.answer(Transport::Udp, &again, 1, || 5, &mut scratch, &mut out);
        assert!(!other, "keyed by the query bytes");
        let reloaded = cache.answer(Transport::Udp, &query, 2, || 5, &mut scratch, &mut out);
        assert!(!reloaded, "a reload empties it");
    }

    #[test]
    fn zone_answers_stay_fresh_alias_answers_for_a_second_and_stale_ones_never() {
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        let query = [0u8; 16];
        let hit = |cache: &ResponseCache, now, scratch: &mut Vec<u8>, out: &mut Vec<u8>| {
            cache.answer(Transport::Udp, &query, 0, || now, scratch, out)
        };
        let cache = ResponseCache::default();
        let stale = response(&[0; 12], Some(Source::Stale));
        cache.keep(Transport::Udp, &query, 0, 0, &stale);
        assert!(cache.is_empty(), "stale answers are not kept");
        let mut failed = response(&[0; 12], Some(Source::Upstream));
        failed.info.ede = Some(crate::answer::Ede::new(22, "down"));
        cache.keep(Transport::Udp, &query, 0, 0, &failed);
        assert!(
            cache.is_empty(),
            "answers with an EDE from flattening are not kept"
        );
        let mut due = response(&[0; 12], Some(Source::Memory));
        due.info.alias[0].refresh = true;
        let cache = ResponseCache::default();
        cache.keep(Transport::Udp, &query, 0, 0, &due);
        assert!(
            cache.is_empty(),
            "an answer due a refresh goes back to the responder"
        );

        let cache = ResponseCache::default();
        cache.keep(
            Transport::Udp,
            &query,
            0,
            1_000,
            &response(&[0; 12], Some(Source::Upstream)),
        );
        assert!(hit(&cache, 1_999, &mut scratch, &mut out));
        assert!(
            !hit(&cache, 2_000, &mut scratch, &mut out),
            "kept for one second"
        );

        let cache = ResponseCache::default();
        cache.keep(
            Transport::Udp,
            &query,
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
