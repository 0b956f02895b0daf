//! The edge's WebCrypto signer, in wasm under node (whose `crypto.subtle` has P-256 and
//! Ed25519, as workerd's does), from the secret's text to the signature bytes.
#![cfg(target_arch = "wasm32")]
// Tests and tools are shells: they may read clocks.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod dnssec_vectors;

use dnssec_vectors::*;
use flatapex::dnssec::{Algorithm, Signer, parse_key_secrets};
use flatapex::edge::dnssec::WebCryptoSigner;
use hickory_proto::rr::Name;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use worker::wasm_bindgen_futures::JsFuture;

fn line(zone: &str, algorithm: u8, public: &str, private: &str) -> String {
    format!(
        r#"{{"zone":"{zone}","algorithm":{algorithm},"public":"{public}","private":"{private}"}}"#
    )
}

/// The signer of the secret `lines`.
async fn signer(lines: &[String]) -> WebCryptoSigner {
    let secrets = parse_key_secrets("FLATAPEX_DNSSEC_KEYS", &lines.join("\n")).unwrap();
    WebCryptoSigner::new(secrets).await
}

fn name(text: &str) -> Name {
    Name::from_ascii(text).unwrap()
}

/// Whether `signature` over `data` verifies with the P-256 DNSKEY public key `public` (x‖y),
/// through WebCrypto's own `verify`.
async fn p256_verifies(public: &[u8], signature: &[u8], data: &[u8]) -> bool {
    let subtle: web_sys::SubtleCrypto = js_sys::Reflect::get(
        &js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).unwrap(),
        &"subtle".into(),
    )
    .unwrap()
    .unchecked_into();
    let params = |extra: (&str, &str)| {
        let object = js_sys::Object::new();
        js_sys::Reflect::set(&object, &"name".into(), &"ECDSA".into()).unwrap();
        js_sys::Reflect::set(&object, &extra.0.into(), &extra.1.into()).unwrap();
        object
    };
    let point = js_sys::Uint8Array::from(&[&[0x04][..], public].concat()[..]);
    let usages = js_sys::Array::of1(&"verify".into());
    let import = subtle
        .import_key_with_object(
            "raw",
            &point,
            &params(("namedCurve", "P-256")),
            false,
            &usages,
        )
        .unwrap();
    let key: web_sys::CryptoKey = JsFuture::from(import).await.unwrap().unchecked_into();
    let verify = subtle
        .verify_with_object_and_u8_array_and_u8_array(
            &params(("hash", "SHA-256")),
            &key,
            signature,
            data,
        )
        .unwrap();
    JsFuture::from(verify).await.unwrap().as_bool().unwrap()
}

#[wasm_bindgen_test]
async fn ed25519_signs_rfc_8080s_example_with_its_published_bytes() {
    let signer = signer(&[line("example.com.", 15, ED25519_PUBLIC, ED25519_PRIVATE)]).await;
    let zone = name("example.com.");
    assert_eq!(signer.broken(&zone), None);
    assert_eq!(
        signer.key_of(&zone),
        Some((Algorithm::Ed25519, base64(ED25519_PUBLIC)))
    );
    let signature = signer
        .sign(&zone, &hex(RFC8080_SIGNING_INPUT))
        .await
        .unwrap();
    assert_eq!(signature, base64(RFC8080_SIGNATURE));
    // Zone names match whatever their case.
    let again = signer
        .sign(&name("EXAMPLE.Com."), &hex(RFC8080_SIGNING_INPUT))
        .await;
    assert_eq!(again.unwrap(), base64(RFC8080_SIGNATURE));
}

#[wasm_bindgen_test]
async fn p256_signatures_are_r_s_and_verify_with_the_dnskey() {
    let signer = signer(&[
        line("example.com.", 15, ED25519_PUBLIC, ED25519_PRIVATE),
        line("example.net.", 13, P256_PUBLIC, P256_PRIVATE),
    ])
    .await;
    let zone = name("example.net.");
    assert_eq!(signer.broken(&zone), None);
    let (algorithm, public) = signer.key_of(&zone).unwrap();
    assert_eq!((algorithm, public.len()), (Algorithm::EcdsaP256Sha256, 64));
    let data = hex(RFC8080_SIGNING_INPUT);
    let first = signer.sign(&zone, &data).await.unwrap();
    let second = signer.sign(&zone, &data).await.unwrap();
    assert_eq!((first.len(), second.len()), (64, 64));
    assert_ne!(first, second, "ECDSA draws a fresh nonce per signature");
    assert!(p256_verifies(&public, &first, &data).await);
    assert!(p256_verifies(&public, &second, &data).await);
    assert!(!p256_verifies(&public, &first, b"other data").await);
    // The signature ring verified natively (tests/dnssec_ring.rs) verifies here too.
    assert!(p256_verifies(&public, &hex(WEBCRYPTO_P256_SIGNATURE), &data).await);
}

#[wasm_bindgen_test]
async fn a_private_key_that_is_not_the_public_keys_pair_is_broken() {
    // RFC 8080's private key with RFC 8032's public key: both real, not one pair.
    let signer = signer(&[
        line("example.com.", 15, RFC8032_TEST1_PUBLIC, ED25519_PRIVATE),
        line("example.net.", 13, P256_PUBLIC, P256_PRIVATE),
    ])
    .await;
    let zone = name("example.com.");
    let reason = signer.broken(&zone).unwrap();
    assert!(
        reason.starts_with("the DNSSEC key of example.com.: the private key does not belong"),
        "{reason}"
    );
    // Still a signed zone (so never served unsigned), but nothing is signed with it.
    assert_eq!(signer.key_of(&zone).unwrap().0, Algorithm::Ed25519);
    let error = signer.sign(&zone, b"data").await.unwrap_err();
    assert_eq!((error.zone, error.reason.as_str()), (zone.clone(), reason));
    let broken: Vec<_> = signer.broken_zones().map(|(z, _)| z.clone()).collect();
    assert_eq!(broken, vec![zone]);
    // The other zone is unaffected.
    assert!(signer.sign(&name("example.net."), b"data").await.is_ok());
}

#[wasm_bindgen_test]
async fn keys_webcrypto_refuses_are_broken_with_its_reason() {
    let zero_scalar = flatapex::encoding::base64_encode(&[0; 32]);
    let mut off_curve = base64(P256_PUBLIC);
    off_curve[63] ^= 1;
    let off_curve = flatapex::encoding::base64_encode(&off_curve);
    let signer = signer(&[
        line("zero.example.", 13, P256_PUBLIC, &zero_scalar),
        line("off.example.", 13, &off_curve, P256_PRIVATE),
    ])
    .await;
    let zero = signer.broken(&name("zero.example.")).unwrap();
    assert!(zero.contains("the private key does not import ("), "{zero}");
    let off = signer.broken(&name("off.example.")).unwrap();
    assert!(off.contains("the public key does not import ("), "{off}");
    assert!(signer.sign(&name("off.example."), b"data").await.is_err());
}

#[wasm_bindgen_test]
async fn a_zone_without_a_key_has_none() {
    let signer = signer(&[line("example.com.", 15, ED25519_PUBLIC, ED25519_PRIVATE)]).await;
    for zone in ["example.org.", "sub.example.com.", "com."] {
        let zone = name(zone);
        assert_eq!(signer.key_of(&zone), None);
        assert_eq!(signer.broken(&zone), None);
        let error = signer.sign(&zone, b"data").await.unwrap_err();
        assert_eq!(error.reason, "no DNSSEC key for this zone");
    }
    let empty = WebCryptoSigner::new(Vec::new()).await;
    assert_eq!(empty.key_of(&name("example.com.")), None);
    assert_eq!(empty.broken_zones().count(), 0);
}

/// Not a test of speed: the cost of one signature through the signer, in node (whose WebCrypto
/// runs on a thread pool, so it is dearer than in workerd). Fails only on a wrong signature.
#[wasm_bindgen_test]
#[ignore = "measurement: cargo test --target wasm32-unknown-unknown --test dnssec_wasm -- --include-ignored"]
async fn signing_cost_in_node() {
    const SIGNATURES: usize = 2_000;
    const BUILDS: usize = 100;
    let lines = [
        line("example.com.", 15, ED25519_PUBLIC, ED25519_PRIVATE),
        line("example.net.", 13, P256_PUBLIC, P256_PRIVATE),
    ];
    let start = js_sys::Date::now();
    for _ in 0..BUILDS {
        assert_eq!(signer(&lines).await.broken_zones().count(), 0);
    }
    let micros = (js_sys::Date::now() - start) * 1000.0 / (BUILDS * lines.len()) as f64;
    wasm_bindgen_test::console_log!(
        "BENCH WebCryptoSigner::new in node: {micros:.0} us/zone (import, sign, import, verify)"
    );
    let signer = signer(&lines).await;
    let data = hex(RFC8080_SIGNING_INPUT);
    for (zone, label) in [
        ("example.net.", "P-256 (13)"),
        ("example.com.", "Ed25519 (15)"),
    ] {
        let zone = name(zone);
        let start = js_sys::Date::now();
        let mut last = Vec::new();
        for _ in 0..SIGNATURES {
            last = signer.sign(&zone, &data).await.unwrap();
        }
        let micros = (js_sys::Date::now() - start) * 1000.0 / SIGNATURES as f64;
        assert_eq!(last.len(), 64);
        wasm_bindgen_test::console_log!(
            "BENCH WebCrypto sign in node, {label}: {micros:.1} us/signature over {SIGNATURES}"
        );
    }
    let ed25519 = signer.sign(&name("example.com."), &data).await.unwrap();
    assert_eq!(ed25519, base64(RFC8080_SIGNATURE));
}
