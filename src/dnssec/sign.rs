//! Signing one RRset with a zone's key: the validity window, the signing input, a signature
//! from the cache or the shell's [`Signer`], and the RRSIG record (RFC 4034 §3, RFC 4035 §2.2).

use hickory_proto::rr::{Name, Record, RecordType};

use super::cache::SignatureCache;
use super::keys::ZoneKey;
use super::rrsig::{RrsigFields, canonical_rdatas, signing_input, validity};
use super::{SignError, Signer};
use crate::zone::wire::raw_rdata;

/// The RRSIG over `records`, one RRset (same owner, type and class) with TTL `ttl`, signed by
/// `key` at `now_ms`. The Labels field counts `owner`'s labels: wildcard answers are signed as
/// exact matches at the query name (RFC 9824 §3.3).
pub async fn sign_rrset(
    key: &ZoneKey,
    signer: &impl Signer,
    cache: &SignatureCache,
    records: &[&Record],
    ttl: u32,
    now_ms: u64,
) -> Result<Record, SignError> {
    let first = records.first().ok_or_else(|| SignError {
        zone: key.apex.clone(),
        reason: "an empty RRset cannot be signed".to_string(),
    })?;
    let owner: &Name = &first.name;
    let rtype: RecordType = first.record_type();
    let (inception, expiration) = validity(now_ms / 1000, owner, rtype);
    let fields = RrsigFields {
        type_covered: u16::from(rtype),
        algorithm: key.algorithm.number(),
        labels: owner.num_labels(),
        original_ttl: ttl,
        expiration,
        inception,
        key_tag: key.key_tag,
        signer: key.apex.clone(),
    };
    let rdatas = canonical_rdatas(records).map_err(|reason| SignError {
        zone: key.apex.clone(),
        reason: format!("{owner} {rtype}: {reason}"),
    })?;
    let input = signing_input(&fields, owner, &rdatas);
    let cache_key = SignatureCache::key(&key.public_key, &input);
    let signature = match cache.get(&cache_key) {
        Some(signature) => signature,
        None => {
            let signature = signer.sign(&key.apex, &input).await?;
            if signature.len() != key.algorithm.signature_len() {
                return Err(SignError {
                    zone: key.apex.clone(),
                    reason: format!(
                        "the signer returned {} bytes, not {}",
                        signature.len(),
                        key.algorithm.signature_len()
                    ),
                });
            }
            cache.put(cache_key, signature.clone());
            signature
        }
    };
    Ok(Record::from_rdata(
        owner.clone(),
        ttl,
        raw_rdata(RecordType::RRSIG, &fields.rdata(&signature)),
    ))
}
