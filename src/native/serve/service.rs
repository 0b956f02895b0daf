//! What the listeners call for each query: the response cache first, then the responder.

use std::sync::Arc;

use super::response_cache::ResponseCache;
use crate::message::Transport;
use crate::native::primary::Primary;
use crate::native::zones::FileStore;
use crate::native::{NativeResponder, background_work, now_ms};

/// The per-query service shared by the UDP and TCP listeners.
pub struct Service {
    /// The responder.
    pub responder: Arc<NativeResponder>,
    /// The zone store, whose generation invalidates the cache.
    pub store: Arc<FileStore>,
    /// Whole responses by the facts of their query that shape them.
    pub cache: ResponseCache,
    /// Zone transfers out (TCP only), when the server has secondaries.
    pub primary: Option<Arc<Primary>>,
}

impl Service {
    /// A service over `responder`, reading zones from `store`, with a response cache of at
    /// most `cache_bytes`.
    pub fn new(responder: Arc<NativeResponder>, store: Arc<FileStore>, cache_bytes: usize) -> Self {
        Service {
            responder,
            store,
            cache: ResponseCache::new(cache_bytes),
            primary: None,
        }
    }

    /// Writes a cached response to `query` into `out`; false if there is none.
    pub fn cached(
        &self,
        transport: Transport,
        query: &[u8],
        scratch: &mut Vec<u8>,
        out: &mut Vec<u8>,
    ) -> bool {
        self.cache.answer(
            transport,
            query,
            self.store.generation(),
            now_ms,
            scratch,
            out,
        )
    }

    /// Answers `query` through the responder and keeps the response if it may be reused.
    pub async fn respond(&self, transport: Transport, query: &[u8]) -> Option<Vec<u8>> {
        let generation = self.store.generation();
        let now = now_ms();
        let response = self.responder.respond(query, transport, now).await?;
        background_work(&self.responder, response.info.refresh_targets());
        self.cache
            .keep(transport, query, generation, now, &response);
        Some(response.framed.bytes)
    }
}
