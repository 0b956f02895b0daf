//! Signing the final answer (docs/ARCHITECTURE.md, "DNSSEC"): after CNAME chasing and ALIAS
//! flattening, for a query with DO set (RFC 3225, RFC 4035 §3.1), every RRset in the answer and
//! authority sections gets an RRSIG by the key of the zone that owns it (RFC 4035 §3.1.1), a
//! negative answer gets a compact-denial NSEC (RFC 9824), a referral its signed DS or the NSEC
//! that proves there is none (RFC 4035 §3.1.4). A zone whose key is missing answers SERVFAIL.

use std::sync::Arc;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, RData, Record, RecordType};

use super::Responder;
use crate::alias::Flattener;
use crate::answer::{Answer, Ede};
use crate::dnssec::Signer;
use crate::dnssec::denial::{no_such_name, no_such_type, nsec, types_at};
use crate::dnssec::keys::{ZoneKey, ZoneSigning, synthesized_cds, zone_signing};
use crate::dnssec::rrsig::bucket_end;
use crate::dnssec::sign::sign_rrset;
use crate::message::Query;
use crate::store::ZoneStore;
use crate::zone::model::Zone;

/// The zone that signs an RRset, and its key.
type SigningZone = (Arc<Zone>, ZoneKey);

impl<S: ZoneStore, F: Flattener, G: Signer> Responder<S, F, G> {
    /// Signs `answer` for `query` in place; if it cannot be signed as it must, it becomes
    /// SERVFAIL with an EDE that says why (never an unsigned or wrongly signed answer).
    pub(super) async fn sign_answer(&self, query: &Query, answer: &mut Answer, now_ms: u64) {
        if !matches!(
            answer.rcode,
            ResponseCode::NoError | ResponseCode::NXDomain | ResponseCode::YXDomain
        ) {
            return;
        }
        if let Err(reason) = self.try_sign(query, answer, now_ms).await {
            let zone = answer.zone.take();
            *answer = Answer::servfail(Ede::new(Ede::OTHER, format!("DNSSEC: {reason}")));
            answer.zone = zone;
        }
    }

    async fn try_sign(
        &self,
        query: &Query,
        answer: &mut Answer,
        now_ms: u64,
    ) -> Result<(), String> {
        // The proofs are signed where they are made, by the zone that makes them: an NSEC at
        // a cut is the parent's even when the child is hosted here too.
        let mut proof = Vec::new();
        if answer.is_negative() {
            proof = self.deny(query, answer, now_ms).await?;
            if query.qtype() == RecordType::NSEC && !proof.is_empty() {
                // The NSEC asked for is the one compact denial makes at the name: an answer,
                // not a proof that the name has no NSEC (RFC 9824 §3).
                answer.rcode = ResponseCode::NoError;
                answer.authorities.clear();
                answer.answers = self.sign_section(&answer.answers, now_ms).await?;
                answer.answers.extend(proof);
                return Ok(());
            }
        } else if !answer.authoritative
            && answer.answers.is_empty()
            && let Some(cut) = answer
                .authorities
                .iter()
                .find(|r| r.record_type() == RecordType::NS)
                .map(|r| r.name.clone())
        {
            proof = self.prove_delegation(&cut, now_ms).await?;
        }
        answer.answers = self.sign_section(&answer.answers, now_ms).await?;
        answer.authorities = self.sign_section(&answer.authorities, now_ms).await?;
        answer.authorities.extend(proof);
        answer.additionals = self.sign_additionals(&answer.additionals, now_ms).await?;
        Ok(())
    }

    /// The additional section with the RRSIGs of its authoritative sets (RFC 4035 §3.1.1: the
    /// addresses of in-zone MX, SRV and NS targets); glue, below a cut, is the child's data and
    /// stays unsigned (RFC 4035 §2.2). Over the UDP limit these go first, as all additional
    /// data does.
    async fn sign_additionals(
        &self,
        records: &[Record],
        now_ms: u64,
    ) -> Result<Vec<Record>, String> {
        let mut out = Vec::with_capacity(records.len() * 2);
        for set in rrsets(records) {
            let owner = set[0].name.clone();
            let rtype = set[0].record_type();
            match self.signing_zone(&owner, rtype).await? {
                Some((zone, key)) if rtype != RecordType::RRSIG && !is_glue(&zone, &owner) => {
                    out.extend(self.signed(&key, set, now_ms).await?);
                }
                _ => out.extend(set),
            }
        }
        Ok(out)
    }

    /// The zone that signs `owner`'s `rtype`, if it is one of ours and signed: DS belongs to
    /// the parent side of a cut (RFC 4035 §3.1.4.1).
    async fn signing_zone(
        &self,
        owner: &Name,
        rtype: RecordType,
    ) -> Result<Option<SigningZone>, String> {
        let mut zone = self
            .store
            .zone_for(owner)
            .await
            .map_err(|e| e.to_string())?;
        if rtype == RecordType::DS
            && let Some(child) = &zone
            && child.apex().eq_ignore_root(owner)
        {
            // The parent's, when it is hosted here; otherwise the child denies DS at its apex
            // itself, with its apex NSEC (RFC 4035 §3.1.4.1).
            let parent = self
                .store
                .zone_above(owner)
                .await
                .map_err(|e| e.to_string())?;
            if parent.is_some() {
                zone = parent;
            }
        }
        let Some(zone) = zone else {
            return Ok(None);
        };
        match zone_signing(&zone, &self.signer) {
            ZoneSigning::Unsigned => Ok(None),
            ZoneSigning::Signed(key) => Ok(Some((zone, key))),
            ZoneSigning::Broken(reason) => Err(reason),
        }
    }

    /// RFC 9824: NXDOMAIN and NODATA become one NSEC at the denied name (the end of a chain).
    /// NXDOMAIN is answered as NOERROR unless the query set Compact Answers OK (§3).
    async fn deny(
        &self,
        query: &Query,
        answer: &mut Answer,
        now_ms: u64,
    ) -> Result<Vec<Record>, String> {
        let qtype = query.qtype();
        let name = match answer.answers.last().map(|r| &r.data) {
            Some(RData::CNAME(target)) => target.0.clone(),
            _ => query.question.name().clone(),
        };
        let Some((zone, key)) = self.signing_zone(&name, qtype).await? else {
            return Ok(Vec::new());
        };
        let ttl = answer
            .authorities
            .iter()
            .find(|r| r.record_type() == RecordType::SOA)
            .map_or(zone.negative_ttl(), |soa| soa.ttl);
        let record = if answer.rcode == ResponseCode::NXDomain {
            if !query.edns.as_ref().is_some_and(|e| e.compact_ok) {
                answer.rcode = ResponseCode::NoError;
            }
            no_such_name(&name, ttl, qtype)
        } else {
            no_such_type(&name, ttl, &types_at(&zone, &name, qtype, true), qtype)
        };
        self.signed(&key, vec![record], now_ms).await
    }

    /// `set` (one RRset) followed by its RRSIG by `key`.
    async fn signed(
        &self,
        key: &ZoneKey,
        set: Vec<Record>,
        now_ms: u64,
    ) -> Result<Vec<Record>, String> {
        let ttl = set.iter().map(|r| r.ttl).min().unwrap_or(0);
        let refs: Vec<&Record> = set.iter().collect();
        let rrsig = sign_rrset(key, &self.signer, &self.signatures, &refs, ttl, now_ms)
            .await
            .map_err(|e| e.to_string())?;
        let mut out = set;
        out.push(rrsig);
        Ok(out)
    }

    /// A referral to `cut` carries the cut's signed DS, or an NSEC at the cut with NS and no DS
    /// that proves the delegation insecure (RFC 4035 §3.1.4, §5.2).
    async fn prove_delegation(&self, cut: &Name, now_ms: u64) -> Result<Vec<Record>, String> {
        let Some((zone, key)) = self.signing_zone(cut, RecordType::DS).await? else {
            return Ok(Vec::new());
        };
        let Some(node) = zone.node(cut) else {
            return Ok(Vec::new());
        };
        let set = match node.rrset(RecordType::DS) {
            Some(ds) => zone.records_of(ds, cut),
            None => {
                let types = types_at(&zone, cut, RecordType::DS, false);
                vec![nsec(cut, zone.negative_ttl(), &types)]
            }
        };
        self.signed(&key, set, now_ms).await
    }

    /// `records` grouped into RRsets, each followed by its RRSIG when a signed zone owns it.
    /// NS below an apex are a delegation's, which the child owns: not signed (RFC 4035 §2.2).
    async fn sign_section(&self, records: &[Record], now_ms: u64) -> Result<Vec<Record>, String> {
        let mut out = Vec::with_capacity(records.len() * 2);
        for mut set in rrsets(records) {
            let rtype = set[0].record_type();
            let owner = set[0].name.clone();
            let zone = if rtype == RecordType::RRSIG {
                None
            } else {
                self.signing_zone(&owner, rtype).await?
            };
            let cut = |(zone, _): &SigningZone| {
                rtype == RecordType::NS && !zone.apex().eq_ignore_root(&owner)
            };
            let Some((_, key)) = zone.filter(|z| !cut(z)) else {
                out.extend(set);
                continue;
            };
            // One TTL per RRset (RFC 2181 §5.2), the one it is signed with.
            let ttl = set.iter().map(|r| r.ttl).min().unwrap_or(0);
            for record in &mut set {
                record.ttl = ttl;
            }
            out.extend(self.signed(&key, set, now_ms).await?);
        }
        Ok(out)
    }
}

/// `records` grouped into RRsets (same owner and type), in the order they first appear.
fn rrsets(records: &[Record]) -> Vec<Vec<Record>> {
    let mut sets: Vec<Vec<Record>> = Vec::new();
    for record in records {
        let same = |set: &&mut Vec<Record>| {
            set[0].record_type() == record.record_type() && set[0].name.eq_ignore_root(&record.name)
        };
        match sets.iter_mut().find(same) {
            Some(set) => set.push(record.clone()),
            None => sets.push(vec![record.clone()]),
        }
    }
    sets
}

/// Whether `owner` is glue in `zone`: at or below a delegation (an NS set below the apex).
fn is_glue(zone: &Zone, owner: &Name) -> bool {
    let mut name = owner.clone();
    while !zone.apex().eq_ignore_root(&name) && zone.apex().zone_of(&name) {
        if zone
            .node(&name)
            .is_some_and(|node| node.rrset(RecordType::NS).is_some())
        {
            return true;
        }
        name = name.base_name();
    }
    false
}

/// CDS and CDNSKEY at the apex come from its SEP DNSKEYs when the zone has none of its own
/// (RFC 7344 §4, RFC 8078 §2): a NODATA for them is replaced by the synthesised set.
pub(super) fn synthesize_cds(zone: &Zone, qname: &Name, qtype: RecordType, answer: &mut Answer) {
    if answer.rcode != ResponseCode::NoError || !answer.answers.is_empty() {
        return;
    }
    if !zone.apex().eq_ignore_root(qname) {
        return;
    }
    if let Some(records) = synthesized_cds(zone, qtype, qname) {
        answer.answers = records;
        answer.authorities.clear();
    }
}

/// When a kept copy of `answer`, signed at `now_ms`, must be rebuilt: the earliest end of its
/// signatures' validity buckets (`dnssec::rrsig::bucket_end`), in milliseconds; `None` when it
/// carries no signature. A response cache that kept signed answers longer would serve
/// signatures ever closer to their expiration, and then past it (RFC 4035 §5.3.1).
pub(super) fn rebuild_by_ms(answer: &Answer, now_ms: u64) -> Option<u64> {
    answer
        .answers
        .iter()
        .chain(&answer.authorities)
        .filter_map(|record| match &record.data {
            RData::Unknown { code, rdata } if *code == RecordType::RRSIG => {
                let covered = rdata.anything.get(..2)?;
                let covered = RecordType::from(u16::from_be_bytes([covered[0], covered[1]]));
                Some(bucket_end(now_ms / 1000, &record.name, covered) * 1000)
            }
            _ => None,
        })
        .min()
}
