//! The RDATA of the DNSSEC records the core builds itself (hickory-proto has no DNSSEC types on
//! wasm32, so they travel as generic RDATA): DNSKEY (RFC 4034 §2.1), its key tag (RFC 4034
//! Appendix B), DS (RFC 4034 §5.1, digest type 2 = SHA-256, RFC 4509), CDS and CDNSKEY (RFC 7344
//! §3, same layouts), and the NSEC type bitmap (RFC 4034 §4.1.2).

use hickory_proto::rr::{Name, RecordType};
use sha2::{Digest, Sha256};

use super::Algorithm;
use crate::zone::rdata::type_bitmap;

/// DNSKEY flags of a zone key that is also a secure entry point (RFC 4034 §2.1.1): 257, the
/// flags of a combined signing key.
pub const CSK_FLAGS: u16 = 257;
/// The Zone Key flag bit (RFC 4034 §2.1.1).
const ZONE_KEY: u16 = 0x0100;
/// The Secure Entry Point flag bit (RFC 4034 §2.1.1, RFC 3757).
const SEP: u16 = 0x0001;
/// DS digest type 2: SHA-256 (RFC 4509 §2.1).
pub const DIGEST_SHA256: u8 = 2;
/// The NXNAME meta type of compact denial (RFC 9824 §2).
pub const NXNAME: u16 = 128;

/// A DNSKEY's fields, read from or written as RDATA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dnskey {
    /// The flags (RFC 4034 §2.1.1).
    pub flags: u16,
    /// The algorithm number.
    pub algorithm: u8,
    /// The public key.
    pub public_key: Vec<u8>,
}

impl Dnskey {
    /// The combined signing key (flags 257, protocol 3) of `algorithm` with `public_key`.
    pub fn csk(algorithm: Algorithm, public_key: &[u8]) -> Dnskey {
        Dnskey {
            flags: CSK_FLAGS,
            algorithm: algorithm.number(),
            public_key: public_key.to_vec(),
        }
    }

    /// Reads DNSKEY (or CDNSKEY) RDATA: flags, protocol 3, algorithm, key (RFC 4034 §2.1).
    pub fn from_rdata(rdata: &[u8]) -> Option<Dnskey> {
        if rdata.len() < 4 || rdata[2] != 3 {
            return None;
        }
        Some(Dnskey {
            flags: u16::from_be_bytes([rdata[0], rdata[1]]),
            algorithm: rdata[3],
            public_key: rdata[4..].to_vec(),
        })
    }

    /// The RDATA (RFC 4034 §2.1).
    pub fn rdata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.public_key.len());
        out.extend_from_slice(&self.flags.to_be_bytes());
        out.push(3);
        out.push(self.algorithm);
        out.extend_from_slice(&self.public_key);
        out
    }

    /// Whether it is a zone key (RFC 4034 §2.1.1: only those may verify RRSIGs).
    pub fn is_zone_key(&self) -> bool {
        self.flags & ZONE_KEY != 0
    }

    /// Whether it is a secure entry point, the key a DS points at (RFC 4034 §2.1.1).
    pub fn is_sep(&self) -> bool {
        self.flags & SEP != 0
    }

    /// The key tag (RFC 4034 Appendix B).
    pub fn key_tag(&self) -> u16 {
        key_tag(&self.rdata())
    }

    /// The DS RDATA for this key at `owner`, digest type 2 (RFC 4034 §5.1.4, RFC 4509 §2.1):
    /// SHA-256 of the canonical owner name and the DNSKEY RDATA.
    pub fn ds_rdata(&self, owner: &Name) -> Vec<u8> {
        let rdata = self.rdata();
        let mut hasher = Sha256::new();
        hasher.update(lowercase_name_wire(owner));
        hasher.update(&rdata);
        let mut out = Vec::with_capacity(36);
        out.extend_from_slice(&key_tag(&rdata).to_be_bytes());
        out.push(self.algorithm);
        out.push(DIGEST_SHA256);
        out.extend_from_slice(&hasher.finalize());
        out
    }

    /// The presentation form of the RDATA (RFC 4034 §2.2).
    pub fn to_text(&self) -> String {
        format!(
            "{} 3 {} {}",
            self.flags,
            self.algorithm,
            data_encoding::BASE64.encode(&self.public_key)
        )
    }
}

/// The key tag of DNSKEY RDATA (RFC 4034 Appendix B; not algorithm 1).
pub fn key_tag(rdata: &[u8]) -> u16 {
    let mut acc: u32 = 0;
    for (i, byte) in rdata.iter().enumerate() {
        acc += if i % 2 == 0 {
            u32::from(*byte) << 8
        } else {
            u32::from(*byte)
        };
    }
    acc += (acc >> 16) & 0xFFFF;
    (acc & 0xFFFF) as u16
}

/// The presentation form of DS RDATA (RFC 4034 §5.3).
pub fn ds_text(rdata: &[u8]) -> String {
    let tag = u16::from_be_bytes([rdata[0], rdata[1]]);
    format!(
        "{tag} {} {} {}",
        rdata[2],
        rdata[3],
        data_encoding::HEXUPPER.encode(&rdata[4..])
    )
}

/// A name in canonical wire form: uncompressed, lowercased (RFC 4034 §6.2).
pub fn lowercase_name_wire(name: &Name) -> Vec<u8> {
    let mut wire = Vec::with_capacity(name.len() + 2);
    for label in name.iter() {
        wire.push(label.len() as u8);
        wire.extend(label.iter().map(u8::to_ascii_lowercase));
    }
    wire.push(0);
    wire
}

/// NSEC RDATA: the next owner name and the type bitmap of `types` (RFC 4034 §4.1).
pub fn nsec_rdata(next: &Name, types: &[u16]) -> Vec<u8> {
    let mut out = lowercase_name_wire(next);
    out.extend(type_bitmap(types));
    out
}

/// The type code of a record type.
pub fn code(rtype: RecordType) -> u16 {
    u16::from(rtype)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// RFC 6605 §6.1: the example P-256 key, its key tag 55648 and its DS (SHA-256).
    #[test]
    fn rfc_6605_example_key_tag_and_ds() {
        let public = data_encoding::BASE64
            .decode(
                b"GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
            )
            .unwrap();
        let key = Dnskey::csk(Algorithm::EcdsaP256Sha256, &public);
        assert_eq!(key.key_tag(), 55648);
        let ds = key.ds_rdata(&Name::from_str("example.net.").unwrap());
        assert_eq!(
            ds_text(&ds),
            "55648 13 2 B4C8C1FE2E7477127B27115656AD6256F424625BF5C1E2770CE6D6E37DF61D17"
        );
    }

    /// RFC 8080 §6.1: the example Ed25519 key, its key tag 3613 and its DS (SHA-256).
    #[test]
    fn rfc_8080_example_key_tag_and_ds() {
        let public = data_encoding::BASE64
            .decode(b"l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=")
            .unwrap();
        let key = Dnskey::csk(Algorithm::Ed25519, &public);
        assert_eq!(key.key_tag(), 3613);
        let ds = key.ds_rdata(&Name::from_str("example.com.").unwrap());
        assert_eq!(
            ds_text(&ds),
            "3613 15 2 3AA5AB37EFCE57F737FC1627013FEE07BDF241BD10F3B1964AB55C78E79A304B"
        );
    }

    #[test]
    fn dnskey_rdata_round_trips_and_rejects_other_protocols() {
        let key = Dnskey::csk(Algorithm::Ed25519, &[7; 32]);
        assert_eq!(Dnskey::from_rdata(&key.rdata()), Some(key.clone()));
        assert!(key.is_zone_key() && key.is_sep());
        let mut bad = key.rdata();
        bad[2] = 2;
        assert_eq!(Dnskey::from_rdata(&bad), None);
    }

    /// RFC 4034 §4.3: the bitmap of "A MX RRSIG NSEC TYPE1234".
    #[test]
    fn type_bitmap_matches_rfc_4034_example() {
        let bitmap = type_bitmap(&[1, 15, 46, 47, 1234]);
        let expected = format!("0006400100000003041B{}20", "00".repeat(26));
        assert_eq!(data_encoding::HEXUPPER.encode(&bitmap), expected);
    }
}
