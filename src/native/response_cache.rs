//! Whole responses kept by their query bytes, the way NSD precompiles answers.
//!
//! The key is the query after its ID (flags, question with the client's case, and the OPT
//! record), plus the transport; the value is the response, whose ID is patched on the way out.
//! Only answers that depend on nothing but zone data are kept: no upstream ALIAS, no store
//! error. A zone reload empties the cache (the store's generation changes).

use std::sync::Mutex;

use crate::alias::Source;
use crate::message::Transport;
use crate::respond::Response;
use crate::zone::model::FastMap;
use hickory_proto::op::ResponseCode;

/// Entries kept before the cache starts over (a bound on memory, whatever clients send).
const MAX_ENTRIES: usize = 50_000;

#[derive(Default)]
struct Inner {
    generation: u64,
    entries: FastMap<Box<[u8]>, Box<[u8]>>,
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
    pub fn answer(
        &self,
        transport: Transport,
        query: &[u8],
        generation: u64,
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
            Some(response) => {
                out.clear();
                out.extend_from_slice(response);
                out[..2].copy_from_slice(&query[..2]);
                true
            }
            None => false,
        }
    }

    /// Keeps `response` for `query` if it depends on zone data alone.
    pub fn keep(&self, transport: Transport, query: &[u8], generation: u64, response: &Response) {
        let cacheable = query.len() >= 12
            && response.framed.bytes.len() >= 12
            && response.framed.rcode != ResponseCode::ServFail
            && response
                .info
                .alias
                .iter()
                .all(|a| a.source == Source::Local);
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
        inner
            .entries
            .insert(k.into(), response.framed.bytes.clone().into());
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
        cache.keep(
            Transport::Udp,
            &query,
            1,
            &response(&[0xaa, 0xbb, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9], None),
        );
        let mut again = query;
        again[..2].copy_from_slice(&[0x12, 0x34]);
        assert!(cache.answer(Transport::Udp, &again, 1, &mut scratch, &mut out));
        assert_eq!(&out[..3], &[0x12, 0x34, 0x84]);
        assert!(
            !cache.answer(Transport::Tcp, &again, 1, &mut scratch, &mut out),
            "keyed by transport"
        );
        again[5] = 99;
        assert!(
            !cache.answer(Transport::Udp, &again, 1, &mut scratch, &mut out),
            "keyed by the query bytes"
        );
        assert!(
            !cache.answer(Transport::Udp, &query, 2, &mut scratch, &mut out),
            "a reload empties it"
        );
    }

    #[test]
    fn keeps_only_answers_from_zone_data() {
        let cache = ResponseCache::default();
        let query = [0u8; 16];
        cache.keep(
            Transport::Udp,
            &query,
            0,
            &response(&[0; 12], Some(Source::Upstream)),
        );
        cache.keep(
            Transport::Udp,
            &query,
            0,
            &response(&[0; 12], Some(Source::Stale)),
        );
        assert!(cache.is_empty());
        cache.keep(
            Transport::Udp,
            &query,
            0,
            &response(&[0; 12], Some(Source::Local)),
        );
        assert_eq!(cache.len(), 1);
    }
}
