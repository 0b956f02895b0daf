//! The responder: async glue from query bytes to response bytes over the ports.
//!
//! It parses the query, picks the zone (RFC 1034 §4.3.2 step 2; REFUSED outside our zones),
//! runs [`Zone::lookup`](crate::zone::Zone::lookup), continues CNAME chains into other hosted
//! zones, flattens ALIAS owners, applies the RFC 8482 ANY policy, and frames the message.
//! It reads no clock: `now_ms` comes from the shell.

mod debug;
mod dnssec;
mod flatten;

use std::sync::Arc;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, RecordType};

use crate::alias::{Flattener, Source};
use crate::answer::{Answer, Ede, Pending};
use crate::dnssec::records::NXNAME;
use crate::dnssec::{NoSigner, SignatureCache, Signer};
use crate::message::{
    Framed, Query, Rejection, Transport, build_rejection, build_response, parse_query,
};
use crate::settings::Settings;
use crate::store::ZoneStore;
use crate::zone::Zone;

/// Hops a chain may take across hosted zones before it is cut off.
pub const MAX_ZONE_HOPS: usize = 8;

/// Where one ALIAS answer came from, for the `flatapex-alias` header and logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AliasProvenance {
    /// The ALIAS owner as answered.
    pub owner: Name,
    /// The target that was flattened.
    pub target: Name,
    /// Where the addresses came from.
    pub source: Source,
    /// The type flattened (A or AAAA).
    pub rtype: RecordType,
    /// The cached copy is near expiry: re-resolve it in the background (refresh ahead).
    pub refresh: bool,
    /// The upstream that answered, if any.
    pub upstream: Option<String>,
    /// No usable records came from `source`: the failure policy answered instead.
    pub failed: bool,
}

/// What the shells log and turn into headers, beside the bytes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ResponseInfo {
    /// The question name as asked, if the query could be read.
    pub qname: Option<Name>,
    /// The question type.
    pub qtype: Option<RecordType>,
    /// The zone that answered.
    pub zone: Option<Name>,
    /// How long an HTTP cache may keep the response (RFC 8484 §5.1), `None` for no-store.
    pub cache_ttl: Option<u32>,
    /// ALIAS provenance, one per flattened type.
    pub alias: Vec<AliasProvenance>,
    /// The EDE sent, if any.
    pub ede: Option<Ede>,
    /// A kept copy of the response must not be sent after this time (ms since the epoch): the
    /// earliest end of its DNSSEC signatures' validity buckets. `None`: no signatures.
    pub rebuild_by_ms: Option<u64>,
}

impl ResponseInfo {
    /// The flattened sets this response served from a cache entry near expiry: (target, type)
    /// to re-resolve in the background (refresh ahead), so steady traffic never waits.
    pub fn refresh_targets(&self) -> Vec<(Name, RecordType)> {
        self.alias
            .iter()
            .filter(|a| a.refresh)
            .map(|a| (a.target.clone(), a.rtype))
            .collect()
    }
}

/// A response ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The wire message.
    pub framed: Framed,
    /// Facts for logs and headers.
    pub info: ResponseInfo,
}

/// Answers queries from a zone store, flattening ALIAS targets with `F` and signing with `G`
/// (docs/ARCHITECTURE.md, "DNSSEC").
pub struct Responder<S, F, G = NoSigner> {
    /// The zone store port.
    pub store: S,
    /// The flattening port for targets outside our zones.
    pub flattener: F,
    /// Settings (the ALIAS failure policy and TTL floor).
    pub settings: Arc<Settings>,
    /// The DNSSEC signing port: the private keys of signed zones.
    pub signer: G,
    /// Signatures already made, shared by a process or isolate.
    pub signatures: Arc<SignatureCache>,
}

impl<S: ZoneStore, F: Flattener> Responder<S, F> {
    /// A responder over `store` and `flattener`, without DNSSEC keys.
    pub fn new(store: S, flattener: F, settings: Arc<Settings>) -> Self {
        Responder {
            store,
            flattener,
            settings,
            signer: NoSigner,
            signatures: Arc::default(),
        }
    }
}

impl<S, F, G> Responder<S, F, G> {
    /// The same responder signing with `signer`, keeping signatures in `signatures`.
    pub fn with_signer<H: Signer>(
        self,
        signer: H,
        signatures: Arc<SignatureCache>,
    ) -> Responder<S, F, H> {
        Responder {
            store: self.store,
            flattener: self.flattener,
            settings: self.settings,
            signer,
            signatures,
        }
    }
}

impl<S: ZoneStore, F: Flattener, G: Signer> Responder<S, F, G> {
    /// Answers one query message; `None` means send nothing (RFC 1035 §4.1.1: not a query).
    pub async fn respond(
        &self,
        wire: &[u8],
        transport: Transport,
        now_ms: u64,
    ) -> Option<Response> {
        match parse_query(wire) {
            Ok(query) => {
                let (mut answer, alias) = self.answer(&query, transport, now_ms).await;
                let mut rebuild_by_ms = None;
                if query.edns.as_ref().is_some_and(|e| e.dnssec_ok) {
                    self.sign_answer(&query, &mut answer, now_ms).await;
                    rebuild_by_ms = dnssec::rebuild_by_ms(&answer, now_ms);
                }
                let info = ResponseInfo {
                    qname: Some(query.question.name().clone()),
                    qtype: Some(query.qtype()),
                    zone: answer.zone.clone(),
                    cache_ttl: answer.cache_ttl(),
                    alias,
                    ede: answer.ede.clone(),
                    rebuild_by_ms,
                };
                let framed = build_response(&query, answer, transport);
                Some(Response { framed, info })
            }
            Err(rejection) => {
                let framed = build_rejection(&rejection)?;
                let Rejection::Error { question, .. } = &rejection else {
                    return None;
                };
                let info = ResponseInfo {
                    qname: question.as_ref().map(|q| q.name().clone()),
                    qtype: question.as_ref().map(|q| q.query_type()),
                    ..ResponseInfo::default()
                };
                Some(Response { framed, info })
            }
        }
    }

    /// Answers a parsed query: the [`Answer`] before framing, and ALIAS provenance.
    pub async fn answer(
        &self,
        query: &Query,
        transport: Transport,
        now_ms: u64,
    ) -> (Answer, Vec<AliasProvenance>) {
        let qname = query.question.name();
        let qtype = query.qtype();
        if matches!(qtype, RecordType::AXFR | RecordType::IXFR) {
            let mut answer = Answer::new(ResponseCode::NotImp, false);
            answer.ede = Some(Ede::new(
                Ede::NOT_SUPPORTED,
                "zone transfers are served over TCP by flatapex serve",
            ));
            return (answer, Vec::new());
        }
        if u16::from(qtype) == NXNAME {
            // RFC 9824 §3.5: NXNAME is a meta-type of compact denial, never a question.
            let mut answer = Answer::new(ResponseCode::FormErr, false);
            answer.ede = Some(Ede::new(
                Ede::INVALID_QUERY_TYPE,
                "NXNAME (type 128) is a meta-type and cannot be asked for",
            ));
            return (answer, Vec::new());
        }
        let zone = match self.zone_for(qname, qtype).await {
            Ok(Some(zone)) => zone,
            Ok(None) => return (Answer::refused_not_authoritative(qname), Vec::new()),
            Err(e) => {
                return (
                    Answer::servfail(Ede::new(Ede::OTHER, e.to_string())),
                    Vec::new(),
                );
            }
        };
        if qtype == RecordType::TXT
            && let Some(answer) = self.debug_txt(&zone, qname, now_ms).await
        {
            return (answer, Vec::new());
        }
        let mut answer = zone.lookup(qname, qtype);
        dnssec::synthesize_cds(&zone, qname, qtype, &mut answer);
        if transport == Transport::Udp && qtype == RecordType::ANY {
            minimal_any(&mut answer);
        }
        let alias = self.finish(&mut answer, now_ms).await;
        (answer, alias)
    }

    /// The zone for a question; DS at a hosted apex comes from the parent zone if we host it
    /// (RFC 4035 §3.1.4.1).
    async fn zone_for(
        &self,
        qname: &Name,
        qtype: RecordType,
    ) -> Result<Option<Arc<Zone>>, crate::store::StoreError> {
        let zone = self.store.zone_for(qname).await?;
        if qtype == RecordType::DS
            && let Some(child) = &zone
            && child.apex().eq_ignore_root(qname)
            && let Some(parent) = self.store.zone_above(qname).await?
        {
            return Ok(Some(parent));
        }
        Ok(zone)
    }

    /// Completes pending work: CNAME chains into other hosted zones, then ALIAS flattening.
    async fn finish(&self, answer: &mut Answer, now_ms: u64) -> Vec<AliasProvenance> {
        let mut provenance = Vec::new();
        for _ in 0..MAX_ZONE_HOPS {
            match std::mem::replace(&mut answer.pending, Pending::None) {
                Pending::None => break,
                Pending::Cname { target, qtype } => {
                    let Ok(Some(zone)) = self.store.zone_for(&target).await else {
                        break;
                    };
                    let next = zone.lookup(&target, qtype);
                    answer.answers.extend(next.answers);
                    answer.rcode = next.rcode;
                    answer.authorities = next.authorities;
                    answer.additionals.extend(next.additionals);
                    answer.pending = next.pending;
                }
                Pending::Alias(request) => {
                    provenance = self.flatten_into(answer, *request, now_ms).await;
                }
            }
        }
        provenance
    }
}

/// RFC 8482 §4.1: over UDP, ANY gets one RRset (an ALIAS owner gets its flattened A and AAAA),
/// so it is never an amplifier.
fn minimal_any(answer: &mut Answer) {
    if matches!(answer.pending, Pending::Alias(_)) {
        answer
            .answers
            .retain(|r| matches!(r.record_type(), RecordType::A | RecordType::AAAA));
    } else if let Some(first) = answer.answers.first().map(|r| r.record_type()) {
        answer.answers.retain(|r| r.record_type() == first);
    }
    answer.additionals.clear();
}
