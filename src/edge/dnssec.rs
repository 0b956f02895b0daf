//! The edge's [`Signer`]: the runtime's WebCrypto (`crypto.subtle`), which signs natively in
//! workerd and adds no crypto code to the wasm (docs/ARCHITECTURE.md, "DNSSEC").
//!
//! Built once per isolate from the `FLATAPEX_DNSSEC_KEYS` secret ([`crate::dnssec::secret`]):
//! each private key is imported as a non-extractable `CryptoKey`, then checked against the
//! DNSKEY public key of its line by signing a fixed message and verifying it. A zone whose key
//! fails that check keeps its place (so [`Signer::key_of`] still says it is meant to be signed)
//! but is never signed with: [`WebCryptoSigner::broken`] says why, and `sign` refuses, so the
//! responder can answer SERVFAIL with an EDE rather than unsigned or wrongly signed data.

use hickory_proto::rr::Name;
use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CryptoKey, SubtleCrypto};
use worker::wasm_bindgen_futures::JsFuture;

use crate::dnssec::secret::parse_key_secrets;
use crate::dnssec::{Algorithm, KeySecret, SignError, Signer};

/// The Worker secret holding the zones' private keys (as `flatapex dnssec keygen --secret`
/// prints them).
pub const DNSSEC_KEYS_SECRET: &str = "FLATAPEX_DNSSEC_KEYS";

/// The DER of a PKCS#8 `PrivateKeyInfo` (RFC 5208 §5) for a P-256 key (RFC 5915 §3, no public
/// key), up to the 32-byte scalar that follows it.
const P256_PKCS8_PREFIX: [u8; 35] = [
    0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01,
    0x01, 0x04, 0x20,
];
/// The DER of a PKCS#8 `PrivateKeyInfo` for an Ed25519 key (RFC 8410 §7), up to the 32-byte
/// seed that follows it.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// What the self-check signs: any fixed bytes do.
const SELF_CHECK_MESSAGE: &[u8] = b"flatapex DNSSEC key self-check";

/// One zone's key: imported and checked, or the reason it is not used.
struct ZoneKey {
    zone: Name,
    algorithm: Algorithm,
    public_key: Vec<u8>,
    key: Result<CryptoKey, String>,
}

/// Signs with WebCrypto, one key per zone. Holds JavaScript objects, so it stays in the isolate
/// that built it (a `thread_local!`, not a `static`).
pub struct WebCryptoSigner {
    subtle: Option<SubtleCrypto>,
    zones: Vec<ZoneKey>,
}

impl WebCryptoSigner {
    /// Imports and checks every key (about one signature and one verification each).
    pub async fn new(secrets: Vec<KeySecret>) -> WebCryptoSigner {
        let subtle = subtle_crypto();
        let mut zones = Vec::with_capacity(secrets.len());
        for secret in secrets {
            let key = match &subtle {
                Ok(subtle) => checked_key(subtle, &secret).await,
                Err(e) => Err(e.clone()),
            };
            zones.push(ZoneKey {
                key: key.map_err(|e| format!("the DNSSEC key of {}: {e}", secret.zone)),
                zone: secret.zone,
                algorithm: secret.algorithm,
                public_key: secret.public_key,
            });
        }
        WebCryptoSigner {
            subtle: subtle.ok(),
            zones,
        }
    }

    /// The signer for the keys in the [`DNSSEC_KEYS_SECRET`] secret; without that secret, one
    /// with no keys (every zone unsigned). A secret that does not parse is an error naming the
    /// line at fault.
    pub async fn from_env(env: &worker::Env) -> Result<WebCryptoSigner, String> {
        let secrets = match env.secret(DNSSEC_KEYS_SECRET) {
            Ok(text) => parse_key_secrets(DNSSEC_KEYS_SECRET, &text.to_string())?,
            Err(_) => Vec::new(),
        };
        Ok(WebCryptoSigner::new(secrets).await)
    }

    /// Why `zone` has a key that must not be signed with (it did not import, or it is not the
    /// key pair its public key says); `None` if it signs, or has no key.
    pub fn broken(&self, zone: &Name) -> Option<&str> {
        self.zone(zone)?.key.as_ref().err().map(String::as_str)
    }

    /// Every broken zone with its reason, to log once when the signer is built.
    pub fn broken_zones(&self) -> impl Iterator<Item = (&Name, &str)> {
        self.zones
            .iter()
            .filter_map(|z| Some((&z.zone, z.key.as_ref().err()?.as_str())))
    }

    fn zone(&self, zone: &Name) -> Option<&ZoneKey> {
        self.zones.iter().find(|z| &z.zone == zone)
    }
}

impl Signer for WebCryptoSigner {
    /// Also for a broken zone: it is meant to be signed, so it must not be served unsigned.
    fn key_of(&self, zone: &Name) -> Option<(Algorithm, Vec<u8>)> {
        self.zone(zone).map(|z| (z.algorithm, z.public_key.clone()))
    }

    async fn sign(&self, zone: &Name, data: &[u8]) -> Result<Vec<u8>, SignError> {
        let failed = |reason: String| SignError {
            zone: zone.clone(),
            reason,
        };
        let Some(found) = self.zone(zone) else {
            return Err(failed("no DNSSEC key for this zone".to_string()));
        };
        let key = found.key.as_ref().map_err(|e| failed(e.clone()))?;
        let subtle = self.subtle.as_ref().ok_or_else(|| failed(no_webcrypto()))?;
        signature(subtle, found.algorithm, key, data)
            .await
            .map_err(failed)
    }
}

/// `crypto.subtle` from the global scope (workerd's and node's alike).
fn subtle_crypto() -> Result<SubtleCrypto, String> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(|_| no_webcrypto())?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).map_err(|_| no_webcrypto())?;
    if subtle.is_undefined() || subtle.is_null() {
        return Err(no_webcrypto());
    }
    Ok(subtle.unchecked_into())
}

fn no_webcrypto() -> String {
    "this runtime has no WebCrypto (globalThis.crypto.subtle)".to_string()
}

/// Imports `secret`'s private key, non-extractable, and checks that a signature made with it
/// verifies with its public key.
async fn checked_key(subtle: &SubtleCrypto, secret: &KeySecret) -> Result<CryptoKey, String> {
    let algorithm = secret.algorithm;
    let prefix: &[u8] = match algorithm {
        Algorithm::EcdsaP256Sha256 => &P256_PKCS8_PREFIX,
        Algorithm::Ed25519 => &ED25519_PKCS8_PREFIX,
    };
    let pkcs8 = [prefix, &secret.private_key].concat();
    let private = import(subtle, "pkcs8", &pkcs8, algorithm, "sign")
        .await
        .map_err(|e| format!("the private key does not import ({e})"))?;
    let raw_public = match algorithm {
        // An uncompressed point (SEC 1 §2.3.3) from the DNSKEY's x‖y (RFC 6605 §4).
        Algorithm::EcdsaP256Sha256 => [&[0x04][..], &secret.public_key].concat(),
        Algorithm::Ed25519 => secret.public_key.clone(),
    };
    let public = import(subtle, "raw", &raw_public, algorithm, "verify")
        .await
        .map_err(|e| format!("the public key does not import ({e})"))?;
    let signature = signature(subtle, algorithm, &private, SELF_CHECK_MESSAGE).await?;
    let verified = settled(subtle.verify_with_object_and_u8_array_and_u8_array(
        &params(algorithm),
        &public,
        &signature,
        SELF_CHECK_MESSAGE,
    ))
    .await
    .map_err(|e| format!("the self-check signature cannot be verified ({e})"))?;
    if verified.as_bool() != Some(true) {
        return Err(
            "the private key does not belong to the public key in the secret \
                    (a signature made with it does not verify)"
                .to_string(),
        );
    }
    Ok(private)
}

/// Imports `bytes` (in `format`) as a non-extractable key for the one `usage`.
async fn import(
    subtle: &SubtleCrypto,
    format: &str,
    bytes: &[u8],
    algorithm: Algorithm,
    usage: &str,
) -> Result<CryptoKey, String> {
    let usages = Array::of1(&usage.into());
    let data = Uint8Array::from(bytes);
    settled(subtle.import_key_with_object(format, &data, &key_params(algorithm), false, &usages))
        .await
        .map(JsCast::unchecked_into)
}

/// `data` signed with `key`: 64 bytes for both algorithms (P-256 as r‖s, RFC 6605 §4, which
/// is WebCrypto's own encoding).
async fn signature(
    subtle: &SubtleCrypto,
    algorithm: Algorithm,
    key: &CryptoKey,
    data: &[u8],
) -> Result<Vec<u8>, String> {
    let signed = settled(subtle.sign_with_object_and_u8_array(&params(algorithm), key, data))
        .await
        .map_err(|e| format!("crypto.subtle.sign failed ({e})"))?;
    let bytes = Uint8Array::new(&signed.unchecked_into::<ArrayBuffer>()).to_vec();
    if bytes.len() != algorithm.signature_len() {
        return Err(format!(
            "crypto.subtle.sign gave {} bytes, not {}",
            bytes.len(),
            algorithm.signature_len()
        ));
    }
    Ok(bytes)
}

/// The value of a WebCrypto promise, or its error as text.
async fn settled(promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, String> {
    JsFuture::from(promise.map_err(|e| js_text(&e))?)
        .await
        .map_err(|e| js_text(&e))
}

/// The key algorithm of `importKey`.
fn key_params(algorithm: Algorithm) -> Object {
    match algorithm {
        Algorithm::EcdsaP256Sha256 => object(&[("name", "ECDSA"), ("namedCurve", "P-256")]),
        Algorithm::Ed25519 => object(&[("name", "Ed25519")]),
    }
}

/// The signature algorithm of `sign` and `verify`.
fn params(algorithm: Algorithm) -> Object {
    match algorithm {
        Algorithm::EcdsaP256Sha256 => object(&[("name", "ECDSA"), ("hash", "SHA-256")]),
        Algorithm::Ed25519 => object(&[("name", "Ed25519")]),
    }
}

fn object(fields: &[(&str, &str)]) -> Object {
    let object = Object::new();
    for (name, value) in fields {
        // Setting a property of a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &(*name).into(), &(*value).into());
    }
    object
}

/// A JavaScript error (a `DOMException` from WebCrypto) as `Name: message`.
fn js_text(value: &JsValue) -> String {
    match value.dyn_ref::<js_sys::Error>() {
        Some(error) => format!(
            "{}: {}",
            String::from(error.name()),
            String::from(error.message())
        ),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    }
}
