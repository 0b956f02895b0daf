//! What the listeners call for each query: the response cache first, then the responder.

use std::sync::Arc;

use super::file_store::FileStore;
use super::response_cache::ResponseCache;
use super::xfr::Transfers;
use super::{NativeResponder, now_ms, refresh_ahead};
use crate::message::Transport;

/// The per-query service shared by the UDP and TCP listeners.
pub struct Service {
    /// The responder.
    pub responder: Arc<NativeResponder>,
    /// The zone store, whose generation invalidates the cache.
    pub store: Arc<FileStore>,
    /// Whole responses by query bytes.
    pub cache: ResponseCache,
    /// Zone transfers out (TCP only).
    pub transfers: Option<Arc<Transfers>>,
}

impl Service {
    /// A service over `responder`, reading zones from `store`.
    pub fn new(responder: Arc<NativeResponder>, store: Arc<FileStore>) -> Self {
        Service {
            responder,
            store,
            cache: ResponseCache::default(),
            transfers: None,
        }
    }

    /// The response messages if `query` asks for a zone transfer (RFC 5936), else `None`.
    pub fn transfer(&self, peer: std::net::IpAddr, query: &[u8]) -> Option<Vec<Vec<u8>>> {
        self.transfers.as_ref()?.answer(peer, query)
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
        refresh_ahead(&self.responder, &response);
        self.cache
            .keep(transport, query, generation, now, &response);
        Some(response.framed.bytes)
    }
}
