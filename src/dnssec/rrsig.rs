//! The RRSIG of one RRset (RFC 4034 §3): its validity window, the signing input (RFC 4034
//! §3.1.8.1: the RRSIG RDATA without the signature, then every RR of the set in canonical form
//! and order, §6.2 and §6.3) and the RDATA once the shell has signed it.

use hickory_proto::rr::{Name, Record, RecordType};

use super::records::lowercase_name_wire;
use crate::zone::rdata::canonical_rdata;
use crate::zone::wire::encode_rdata;

/// How long a signature's inception lies in the past, for clocks that run behind (RFC 6781 §4.4.2.2).
pub const INCEPTION_BACKDATE_SECS: u32 = 3600;
/// Signatures made in one bucket are the same, so they can be reused (docs/ARCHITECTURE.md, "DNSSEC").
pub const VALIDITY_BUCKET_SECS: u32 = 86_400;
/// How long a signature stays valid after its bucket ends: about a week (RFC 6781 §4.4.2).
pub const VALIDITY_SECS: u32 = 7 * 86_400;

/// The fields of an RRSIG but the signature (RFC 4034 §3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RrsigFields {
    /// The type covered.
    pub type_covered: u16,
    /// The algorithm number.
    pub algorithm: u8,
    /// The owner's label count, without a leading `*` (RFC 4034 §3.1.3).
    pub labels: u8,
    /// The TTL the set is signed with (RFC 4034 §3.1.4).
    pub original_ttl: u32,
    /// Expiration, seconds since the epoch modulo 2^32 (RFC 4034 §3.1.5).
    pub expiration: u32,
    /// Inception, likewise.
    pub inception: u32,
    /// The signing key's tag (RFC 4034 §3.1.6).
    pub key_tag: u16,
    /// The zone whose key signs (RFC 4034 §3.1.7).
    pub signer: Name,
}

impl RrsigFields {
    /// The RRSIG RDATA without its signature, the signer's name in canonical form
    /// (RFC 4034 §3.1.8.1).
    pub fn prefix(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(18 + self.signer.len() + 2);
        out.extend_from_slice(&self.type_covered.to_be_bytes());
        out.push(self.algorithm);
        out.push(self.labels);
        out.extend_from_slice(&self.original_ttl.to_be_bytes());
        out.extend_from_slice(&self.expiration.to_be_bytes());
        out.extend_from_slice(&self.inception.to_be_bytes());
        out.extend_from_slice(&self.key_tag.to_be_bytes());
        out.extend(lowercase_name_wire(&self.signer));
        out
    }

    /// The RRSIG RDATA: the prefix, then the signature (RFC 4034 §3.1).
    pub fn rdata(&self, signature: &[u8]) -> Vec<u8> {
        let mut out = self.prefix();
        out.extend_from_slice(signature);
        out
    }
}

/// The start of the validity bucket that `now_secs` falls in for `owner`/`rtype`. Time is cut
/// into buckets; each owner and type is shifted by a jitter of its own, so that signatures do
/// not all expire at once, and two queries in one bucket get the same window (and so one cached
/// signature).
fn bucket_start(now_secs: u64, owner: &Name, rtype: RecordType) -> u64 {
    let bucket = u64::from(VALIDITY_BUCKET_SECS);
    let jitter = u64::from(jitter_of(owner, rtype)) % bucket;
    (now_secs + jitter) / bucket * bucket - jitter
}

/// The validity window (inception, expiration) of a signature made at `now_secs` for
/// `owner`/`rtype`: from an hour before its bucket starts to a week after it ends.
pub fn validity(now_secs: u64, owner: &Name, rtype: RecordType) -> (u32, u32) {
    let start = bucket_start(now_secs, owner, rtype);
    let inception = start.saturating_sub(u64::from(INCEPTION_BACKDATE_SECS));
    let expiration = start + u64::from(VALIDITY_BUCKET_SECS) + u64::from(VALIDITY_SECS);
    // RFC 4034 §3.1.5: serial number arithmetic, modulo 2^32.
    (inception as u32, expiration as u32)
}

/// When the bucket of a signature made at `now_secs` for `owner`/`rtype` ends, in seconds: a
/// kept copy of an answer carrying it must be rebuilt by then, so that no signature is served
/// more than a bucket after it was made, and never near its expiration (RFC 4035 §5.3.1).
pub fn bucket_end(now_secs: u64, owner: &Name, rtype: RecordType) -> u64 {
    bucket_start(now_secs, owner, rtype) + u64::from(VALIDITY_BUCKET_SECS)
}

/// FNV-1a of the lowercased owner and the type: the same on every platform and every run.
fn jitter_of(owner: &Name, rtype: RecordType) -> u32 {
    lowercase_name_wire(owner)
        .iter()
        .chain(u16::from(rtype).to_be_bytes().iter())
        .fold(0x811c_9dc5_u32, |hash, &b| {
            (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
        })
}

/// The canonical RDATA of each record, sorted and without duplicates (RFC 4034 §6.2, §6.3).
/// The next name of an NSEC keeps its case (RFC 6840 §5.1 took NSEC off §6.2's list; the zone
/// model's comparison list keeps it, as Knot does for duplicates).
pub fn canonical_rdatas(records: &[&Record]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let wire = encode_rdata(&record.data)?;
        let code = u16::from(record.record_type());
        out.push(if record.record_type() == RecordType::NSEC {
            wire
        } else {
            canonical_rdata(code, &wire).into_owned()
        });
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The signing input of RFC 4034 §3.1.8.1 for the set of `rdatas` (canonical, sorted) owned by
/// `owner`, class IN.
pub fn signing_input(fields: &RrsigFields, owner: &Name, rdatas: &[Vec<u8>]) -> Vec<u8> {
    let mut out = fields.prefix();
    let owner = lowercase_name_wire(owner);
    for rdata in rdatas {
        out.extend_from_slice(&owner);
        out.extend_from_slice(&fields.type_covered.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&fields.original_ttl.to_be_bytes());
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(rdata);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn validity_is_stable_within_a_bucket_and_covers_now() {
        let owner = Name::from_str("www.example.com.").unwrap();
        let now = 1_790_000_000u64;
        let (inception, expiration) = validity(now, &owner, RecordType::A);
        assert!(u64::from(inception) <= now - u64::from(INCEPTION_BACKDATE_SECS));
        assert!(u64::from(expiration) >= now + u64::from(VALIDITY_SECS));
        // Somewhere in the next day the window moves on; until then it stays.
        let moves = (1..=86_400u64)
            .find(|s| validity(now + s, &owner, RecordType::A) != (inception, expiration))
            .expect("the window moves within one bucket");
        assert!(validity(now + moves - 1, &owner, RecordType::A) == (inception, expiration));
        assert_eq!(
            validity(now + moves, &owner, RecordType::A).0,
            inception + VALIDITY_BUCKET_SECS
        );
        // The bucket ends exactly where the window moves, and a week before it expires.
        assert_eq!(bucket_end(now, &owner, RecordType::A), now + moves);
        assert_eq!(
            bucket_end(now, &owner, RecordType::A) + u64::from(VALIDITY_SECS),
            u64::from(expiration)
        );
    }

    #[test]
    fn owners_get_different_jitter() {
        let now = 1_790_000_000u64;
        let a = validity(now, &Name::from_str("a.example.").unwrap(), RecordType::A);
        let b = validity(now, &Name::from_str("b.example.").unwrap(), RecordType::A);
        assert_ne!(a, b);
        let upper = validity(now, &Name::from_str("A.EXAMPLE.").unwrap(), RecordType::A);
        assert_eq!(a, upper, "the jitter ignores case");
    }
}
