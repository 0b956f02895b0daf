//! Which key signs a zone (docs/ARCHITECTURE.md, "DNSSEC"): the zone file carries the apex
//! DNSKEY, the shell's [`Signer`] the private key. A zone with no DNSKEY is unsigned; a zone
//! whose DNSKEYs match the signer's key is signed with it; any other zone is broken and must
//! not be answered to a validator at all. Also the CDS and CDNSKEY the apex publishes for its
//! SEP keys (RFC 7344 §3, RFC 8078 §2).

use hickory_proto::rr::{Name, Record, RecordType};

use super::records::Dnskey;
use super::{Algorithm, Signer};
use crate::zone::model::Zone;
use crate::zone::wire::raw_rdata;

/// The key a signed zone signs with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneKey {
    /// The zone's apex, the RRSIG signer name.
    pub apex: Name,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The key tag of the zone's DNSKEY (RFC 4034 Appendix B).
    pub key_tag: u16,
    /// The DNSKEY public key.
    pub public_key: Vec<u8>,
}

/// How a zone is answered to a validator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneSigning {
    /// No DNSKEY at the apex: answers go unsigned (an insecure zone, RFC 4035 §5.2).
    Unsigned,
    /// Signed with this key.
    Signed(ZoneKey),
    /// The zone publishes a DNSKEY the signer holds no private key for: unsigned or wrongly
    /// signed answers would be bogus, so DO queries get SERVFAIL with this reason.
    Broken(String),
}

/// The DNSKEYs at the apex of `zone`.
pub fn apex_dnskeys(zone: &Zone) -> Vec<Dnskey> {
    let Some(apex) = zone.node(zone.apex()) else {
        return Vec::new();
    };
    apex.rrset(RecordType::DNSKEY)
        .map(|set| set.rdatas().filter_map(Dnskey::from_rdata).collect())
        .unwrap_or_default()
}

/// How `zone` is signed with the keys `signer` holds.
pub fn zone_signing(zone: &Zone, signer: &impl Signer) -> ZoneSigning {
    let dnskeys = apex_dnskeys(zone);
    if dnskeys.is_empty() {
        return ZoneSigning::Unsigned;
    }
    let apex = zone.apex();
    let Some((algorithm, public_key)) = signer.key_of(apex) else {
        return ZoneSigning::Broken(format!(
            "{apex} publishes a DNSKEY but no private key for it is loaded here"
        ));
    };
    let found = dnskeys.iter().find(|key| {
        key.is_zone_key() && key.algorithm == algorithm.number() && key.public_key == public_key
    });
    // RFC 4035 §2.2: every algorithm in the DNSKEY set must sign every RRset; one key signs
    // here, so a second algorithm would be a downgrade hardened validators refuse.
    if let Some(other) = dnskeys
        .iter()
        .find(|key| key.is_zone_key() && key.algorithm != algorithm.number())
    {
        return ZoneSigning::Broken(format!(
            "{apex} publishes a DNSKEY of algorithm {} beside its signing key's {}; every \
             algorithm published must sign (RFC 4035 §2.2), so keep one algorithm (roll keys \
             within it, README \"Rolling the key\")",
            other.algorithm,
            algorithm.number()
        ));
    }
    match found {
        Some(key) => ZoneSigning::Signed(ZoneKey {
            apex: apex.clone(),
            algorithm,
            key_tag: key.key_tag(),
            public_key,
        }),
        None => ZoneSigning::Broken(format!(
            "the private key loaded for {apex} matches none of its DNSKEYs"
        )),
    }
}

/// The CDS (digest type 2) or CDNSKEY records `zone` publishes at its apex for its SEP
/// DNSKEYs (RFC 7344 §4, RFC 8078 §2), when it has DNSKEYs and no CDS/CDNSKEY of its own;
/// `owner` spells the apex as the query did.
pub fn synthesized_cds(zone: &Zone, rtype: RecordType, owner: &Name) -> Option<Vec<Record>> {
    if !matches!(rtype, RecordType::CDS | RecordType::CDNSKEY) {
        return None;
    }
    let apex = zone.node(zone.apex())?;
    if apex.rrset(rtype).is_some() {
        return None;
    }
    let ttl = apex.rrset(RecordType::DNSKEY)?.ttl;
    let records: Vec<Record> = apex_dnskeys(zone)
        .iter()
        .filter(|key| key.is_sep() && key.is_zone_key())
        .map(|key| {
            let rdata = match rtype {
                RecordType::CDS => key.ds_rdata(zone.apex()),
                _ => key.rdata(),
            };
            Record::from_rdata(owner.clone(), ttl, raw_rdata(rtype, &rdata))
        })
        .collect();
    (!records.is_empty()).then_some(records)
}
