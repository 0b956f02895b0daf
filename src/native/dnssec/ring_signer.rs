//! The native [`Signer`]: ring's ECDSA P-256 (fixed-length r‖s, RFC 6605 §4) and Ed25519
//! (RFC 8080 §3). ECDSA's nonce comes from the operating system (ring's `SystemRandom`).

use std::collections::HashMap;

use hickory_proto::rr::Name;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair};

use crate::dnssec::{Algorithm, KeySecret, SignError, Signer};

/// A zone's private key, ready to sign.
pub enum PrivateKey {
    /// ECDSA P-256 with SHA-256 (algorithm 13).
    Ecdsa(EcdsaKeyPair),
    /// Ed25519 (algorithm 15).
    Ed25519(Ed25519KeyPair),
}

struct ZonePrivateKey {
    algorithm: Algorithm,
    public_key: Vec<u8>,
    key: PrivateKey,
}

/// The private keys of the zones this server signs, one per zone.
pub struct RingSigner {
    keys: HashMap<Name, ZonePrivateKey>,
    rng: SystemRandom,
}

impl std::fmt::Debug for RingSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingSigner")
            .field("zones", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for RingSigner {
    fn default() -> Self {
        RingSigner {
            keys: HashMap::new(),
            rng: SystemRandom::new(),
        }
    }
}

impl RingSigner {
    /// A signer with no keys.
    pub fn new() -> Self {
        RingSigner::default()
    }

    /// Adds `secret`; an error if its private and public keys do not belong together, or the
    /// zone already has a key.
    pub fn add(&mut self, secret: &KeySecret) -> Result<(), String> {
        let zone = secret.zone.to_lowercase();
        if self.keys.contains_key(&zone) {
            return Err(format!(
                "{zone} has two keys; load only the key that signs (keep a pre-published key \
                 elsewhere until it takes over: README, \"Rolling the key\")"
            ));
        }
        let key = key_pair(secret, &self.rng)?;
        self.keys.insert(
            zone,
            ZonePrivateKey {
                algorithm: secret.algorithm,
                public_key: secret.public_key.clone(),
                key,
            },
        );
        Ok(())
    }

    /// How many zones have a key.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no zone has a key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The ring key pair of `secret`, checked against its public key.
pub fn key_pair(secret: &KeySecret, rng: &SystemRandom) -> Result<PrivateKey, String> {
    let zone = &secret.zone;
    match secret.algorithm {
        Algorithm::EcdsaP256Sha256 => {
            let mut public = Vec::with_capacity(65);
            public.push(4);
            public.extend_from_slice(&secret.public_key);
            EcdsaKeyPair::from_private_key_and_public_key(
                &ECDSA_P256_SHA256_FIXED_SIGNING,
                &secret.private_key,
                &public,
                rng,
            )
            .map(PrivateKey::Ecdsa)
            .map_err(|e| format!("{zone}: not a P-256 key pair ({e})"))
        }
        Algorithm::Ed25519 => {
            Ed25519KeyPair::from_seed_and_public_key(&secret.private_key, &secret.public_key)
                .map(PrivateKey::Ed25519)
                .map_err(|e| format!("{zone}: not an Ed25519 key pair ({e})"))
        }
    }
}

/// The DNSKEY public key of a key pair (P-256: x‖y without the 0x04 prefix, RFC 6605 §4).
pub fn public_key_of(key: &PrivateKey) -> Vec<u8> {
    match key {
        PrivateKey::Ecdsa(pair) => pair.public_key().as_ref()[1..].to_vec(),
        PrivateKey::Ed25519(pair) => pair.public_key().as_ref().to_vec(),
    }
}

impl Signer for RingSigner {
    fn key_of(&self, zone: &Name) -> Option<(Algorithm, Vec<u8>)> {
        let key = self.keys.get(&zone.to_lowercase())?;
        Some((key.algorithm, key.public_key.clone()))
    }

    async fn sign(&self, zone: &Name, data: &[u8]) -> Result<Vec<u8>, SignError> {
        let fail = |reason: String| SignError {
            zone: zone.clone(),
            reason,
        };
        let key = self
            .keys
            .get(&zone.to_lowercase())
            .ok_or_else(|| fail("no private key is loaded".to_string()))?;
        match &key.key {
            PrivateKey::Ecdsa(pair) => pair
                .sign(&self.rng, data)
                .map(|s| s.as_ref().to_vec())
                .map_err(|e| fail(format!("ECDSA signing failed: {e}"))),
            PrivateKey::Ed25519(pair) => Ok(pair.sign(data).as_ref().to_vec()),
        }
    }
}
