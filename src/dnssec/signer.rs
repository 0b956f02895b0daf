//! The signing port and the private-key material it is built from. The core builds the
//! signing input (RFC 4034 §3.1.8.1); the shell signs it. Both algorithms are deterministic to
//! the core: it never sees randomness (ECDSA's nonce is the shell's business).

use hickory_proto::rr::Name;

/// The algorithms flatapex signs with (RFC 8624 §3.1: 13 is the one to use, 15 recommended).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256 (RFC 6605): public key x‖y (64 bytes), signature r‖s (64).
    EcdsaP256Sha256,
    /// Ed25519 (RFC 8080): public key 32 bytes, signature 64.
    Ed25519,
}

impl Algorithm {
    /// The DNSSEC algorithm number (IANA registry).
    pub fn number(self) -> u8 {
        match self {
            Algorithm::EcdsaP256Sha256 => 13,
            Algorithm::Ed25519 => 15,
        }
    }

    /// The algorithm with `number`, if flatapex signs with it.
    pub fn from_number(number: u8) -> Option<Algorithm> {
        match number {
            13 => Some(Algorithm::EcdsaP256Sha256),
            15 => Some(Algorithm::Ed25519),
            _ => None,
        }
    }

    /// The length of the public key in a DNSKEY (RFC 6605 §4, RFC 8080 §3).
    pub fn public_key_len(self) -> usize {
        match self {
            Algorithm::EcdsaP256Sha256 => 64,
            Algorithm::Ed25519 => 32,
        }
    }

    /// The length of a signature in an RRSIG (both: 64).
    pub fn signature_len(self) -> usize {
        64
    }
}

/// One zone's private key as a shell holds it: the 32-byte private scalar (P-256) or seed
/// (Ed25519), the `PrivateKey:` field of a BIND `.private` file, with the DNSKEY public key it
/// belongs to.
#[derive(Clone, PartialEq, Eq)]
pub struct KeySecret {
    /// The zone it signs.
    pub zone: Name,
    /// Its algorithm.
    pub algorithm: Algorithm,
    /// The DNSKEY public key field.
    pub public_key: Vec<u8>,
    /// The private scalar or seed (32 bytes).
    pub private_key: Vec<u8>,
}

impl std::fmt::Debug for KeySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySecret")
            .field("zone", &self.zone)
            .field("algorithm", &self.algorithm)
            .field("private_key", &"(hidden)")
            .finish()
    }
}

/// Why a signature could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("signing for {zone}: {reason}")]
pub struct SignError {
    /// The zone whose key failed.
    pub zone: Name,
    /// What went wrong.
    pub reason: String,
}

/// The signing port: signs `data` (the RFC 4034 §3.1.8.1 signing input the core built) with the
/// private key of `zone`. A P-256 signature is r‖s, 64 bytes (RFC 6605 §4, IEEE P1363, what
/// WebCrypto returns); an Ed25519 signature is 64 bytes (RFC 8080 §3).
#[allow(async_fn_in_trait)]
pub trait Signer {
    /// The algorithm and DNSKEY public key of `zone`'s key, if the shell has one.
    fn key_of(&self, zone: &Name) -> Option<(Algorithm, Vec<u8>)>;

    /// Signs `data` with `zone`'s key.
    async fn sign(&self, zone: &Name, data: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// The signer of a server without DNSSEC keys: every zone with a DNSKEY is broken for DO
/// queries, every other zone answers unsigned.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSigner;

impl Signer for NoSigner {
    fn key_of(&self, _zone: &Name) -> Option<(Algorithm, Vec<u8>)> {
        None
    }

    async fn sign(&self, zone: &Name, _data: &[u8]) -> Result<Vec<u8>, SignError> {
        Err(SignError {
            zone: zone.clone(),
            reason: "no DNSSEC keys are loaded".to_string(),
        })
    }
}

/// A shared signer signs as the signer it points to (the edge keeps one per isolate and lends
/// it to each request's responder).
impl<T: Signer> Signer for &T {
    fn key_of(&self, zone: &Name) -> Option<(Algorithm, Vec<u8>)> {
        (**self).key_of(zone)
    }

    async fn sign(&self, zone: &Name, data: &[u8]) -> Result<Vec<u8>, SignError> {
        (**self).sign(zone, data).await
    }
}
