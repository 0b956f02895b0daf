//! The native crypto, ring, against the same published keys and signatures as the edge's
//! WebCrypto (tests/dnssec_wasm.rs): what one shell signs, the other would sign (Ed25519) or
//! verify (P-256) byte for byte.
#![cfg(not(target_arch = "wasm32"))]

mod dnssec_vectors;

use dnssec_vectors::*;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey,
};

#[test]
fn ring_signs_rfc_8080s_example_with_its_published_bytes() {
    let pair =
        Ed25519KeyPair::from_seed_and_public_key(&base64(ED25519_PRIVATE), &base64(ED25519_PUBLIC))
            .unwrap();
    assert_eq!(pair.public_key().as_ref(), base64(ED25519_PUBLIC));
    let signature = pair.sign(&hex(RFC8080_SIGNING_INPUT));
    assert_eq!(signature.as_ref(), base64(RFC8080_SIGNATURE));
}

#[test]
fn ring_verifies_a_p256_signature_webcrypto_made() {
    let public = [&[0x04][..], &base64(P256_PUBLIC)].concat();
    let key = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public);
    let signature = hex(WEBCRYPTO_P256_SIGNATURE);
    assert_eq!(signature.len(), 64);
    key.verify(&hex(RFC8080_SIGNING_INPUT), &signature).unwrap();
    // and not over other data, nor with a bit of the signature changed.
    assert!(key.verify(b"other data", &signature).is_err());
    let mut changed = signature.clone();
    changed[63] ^= 1;
    assert!(key.verify(&hex(RFC8080_SIGNING_INPUT), &changed).is_err());
}

#[test]
fn the_wrong_public_key_does_not_verify_rfc_8080s_signature() {
    let key = UnparsedPublicKey::new(&ED25519, base64(RFC8032_TEST1_PUBLIC));
    assert!(
        key.verify(&hex(RFC8080_SIGNING_INPUT), &base64(RFC8080_SIGNATURE))
            .is_err()
    );
    let key = UnparsedPublicKey::new(&ED25519, base64(ED25519_PUBLIC));
    key.verify(&hex(RFC8080_SIGNING_INPUT), &base64(RFC8080_SIGNATURE))
        .unwrap();
}
