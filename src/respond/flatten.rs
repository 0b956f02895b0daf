//! Finishing an answer at an ALIAS owner (docs/ARCHITECTURE.md, "ALIAS"): targets inside hosted
//! zones are resolved here with no fetch (CNAME and ALIAS chains included); others go to the
//! [`Flattener`] port. The failure policy and the negative-answer SOA are applied here.

use std::net::IpAddr;

use hickory_proto::rr::{Name, Record, RecordType};

use super::{AliasProvenance, Responder};
use crate::alias::flat_set::{AddressType, rdatas_of};
use crate::alias::policy::{FailurePolicy, flattened_ttl};
use crate::alias::{Flattened, Flattener, Outcome, Source};
use crate::answer::{AliasRequest, Answer, Ede, Pending};
use crate::dnssec::Signer;
use crate::store::ZoneStore;

/// An ALIAS target chain may pass through at most this many names.
pub const MAX_ALIAS_CHAIN: usize = 8;

impl<S: ZoneStore, F: Flattener, G: Signer> Responder<S, F, G> {
    /// Appends the flattened records for `request` to `answer`, or applies the failure policy.
    pub(super) async fn flatten_into(
        &self,
        answer: &mut Answer,
        request: AliasRequest,
        now_ms: u64,
    ) -> Vec<AliasProvenance> {
        let mut provenance = Vec::new();
        let mut failure = None;
        let mut added = 0;
        for &rtype in &request.types {
            let flat = self
                .flatten_target(&request.target, rtype, request.ttl, now_ms)
                .await;
            provenance.push(AliasProvenance {
                owner: request.owner.clone(),
                target: request.target.clone(),
                source: flat.source,
                upstream: flat.upstream.clone(),
                rtype,
                refresh: flat.refresh,
                failed: matches!(flat.outcome, Outcome::Failed { .. }),
            });
            if flat.ede.is_some() {
                answer.ede = flat.ede;
            }
            match flat.outcome {
                Outcome::Records { addresses, ttl } => {
                    let family = AddressType::of(rtype).unwrap_or(AddressType::A);
                    let rdatas = rdatas_of(&addresses, family);
                    added += rdatas.len();
                    answer.answers.extend(
                        rdatas
                            .into_iter()
                            .map(|rdata| Record::from_rdata(request.owner.clone(), ttl, rdata)),
                    );
                }
                Outcome::Failed { reason } => failure = Some(reason),
            }
        }
        if let Some(reason) = failure
            && added == 0
        {
            let ede = Ede::new(
                Ede::NO_REACHABLE_AUTHORITY,
                format!("ALIAS {} -> {}: {reason}", request.owner, request.target),
            );
            let only_alias = answer.answers.is_empty();
            match self.settings.alias_failure {
                FailurePolicy::Servfail if only_alias => {
                    *answer = Answer {
                        zone: answer.zone.take(),
                        ..Answer::servfail(ede)
                    };
                    return provenance;
                }
                _ => answer.ede = Some(ede),
            }
        }
        if answer.answers.is_empty() {
            // NOERROR with no data: the SOA goes in authority (RFC 2308 §2.2).
            answer.authorities.push(request.negative_soa);
        }
        provenance
    }

    /// Flattens one type of `target` as a query would: locally if a hosted zone holds it, else
    /// through the flattener and its cache. The responder, the debug TXT and the transfer
    /// refresh jobs all call this.
    pub async fn flatten_target(
        &self,
        target: &Name,
        rtype: RecordType,
        alias_ttl: u32,
        now_ms: u64,
    ) -> Flattened {
        let floor = self.settings.alias_ttl_floor;
        let mut name = target.clone();
        let mut ttls = Vec::new();
        for _ in 0..MAX_ALIAS_CHAIN {
            let zone = match self.store.zone_for(&name).await {
                Ok(Some(zone)) => zone,
                Ok(None) => {
                    // The chain leaves our zones; its TTLs so far still cap the result.
                    let cap = flattened_ttl(alias_ttl, ttls.iter().copied(), 0);
                    return self.flattener.flatten(&name, rtype, cap, now_ms).await;
                }
                Err(e) => return Flattened::failed(Source::Local, e.to_string()),
            };
            let found = zone.lookup(&name, rtype);
            ttls.extend(found.answers.iter().map(|r| r.ttl));
            match found.pending {
                Pending::None => {
                    let addresses: Vec<IpAddr> = found
                        .answers
                        .iter()
                        .filter(|r| r.record_type() == rtype)
                        .filter_map(|r| r.data.ip_addr())
                        .collect();
                    return Flattened {
                        outcome: Outcome::Records {
                            addresses,
                            ttl: flattened_ttl(alias_ttl, ttls, floor),
                        },
                        source: Source::Local,
                        upstream: None,
                        fetched_ms: now_ms,
                        refresh: false,
                        ede: None,
                    };
                }
                Pending::Cname { target, .. } => name = target,
                Pending::Alias(next) => {
                    ttls.push(next.ttl);
                    name = next.target;
                }
            }
        }
        Flattened::failed(
            Source::Local,
            format!(
                "the ALIAS chain from {target} is longer than {MAX_ALIAS_CHAIN} names or loops"
            ),
        )
    }
}
