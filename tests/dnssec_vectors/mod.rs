//! Published DNSSEC keys and signatures, shared by the WebCrypto tests (tests/dnssec_wasm.rs,
//! in wasm under node) and the ring tests (tests/dnssec_ring.rs, native), so both shells'
//! crypto is held to the same bytes.
#![allow(dead_code)]

/// RFC 8080 §6.1: the Ed25519 (algorithm 15) key of `example.com.`, seed and DNSKEY public key.
pub const ED25519_PRIVATE: &str = "ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=";
pub const ED25519_PUBLIC: &str = "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=";

/// RFC 8080 §6.1's signing input (RFC 4034 §3.1.8.1): the RRSIG RDATA of
/// `example.com. 3600 IN RRSIG MX 15 2 3600 1440021600 1438207200 3613 example.com.` without its
/// signature, then `example.com. 3600 IN MX 10 mail.example.com.` in canonical form.
pub const RFC8080_SIGNING_INPUT: &str = "000f0f0200000e1055d4fc6055b94ce00e1d076578616d706c6503636f6d00\
     076578616d706c6503636f6d00000f000100000e100014000a046d61696c076578616d706c6503636f6d00";

/// The signature RFC 8080 §6.1 publishes for that input (Ed25519 is deterministic, RFC 8032
/// §5.1.6, so every correct implementation gives exactly these bytes).
pub const RFC8080_SIGNATURE: &str =
    "oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==";

/// RFC 6605 §6.1: the P-256 (algorithm 13) key of `example.net.`, scalar and DNSKEY public key.
pub const P256_PRIVATE: &str = "GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQ=";
pub const P256_PUBLIC: &str =
    "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==";

/// A signature node 20's WebCrypto made over [`RFC8080_SIGNING_INPUT`] with the RFC 6605 key
/// (`crypto.subtle.sign({name: "ECDSA", hash: "SHA-256"}, …)`): r‖s, which ring must verify
/// as the RFC 6605 §4 wire form.
pub const WEBCRYPTO_P256_SIGNATURE: &str = "e218efb29fe423d38d3bf9d869a1dbea4071f2f63e8e3a424588dea4c04f7475\
     793c651edc9bd16ea5632bbd7370f3ba02f539e4ac33679fdce4ad9b58d65ae8";

/// RFC 8032 §7.1 TEST 1's Ed25519 public key: a real key, but not the one of [`ED25519_PRIVATE`].
pub const RFC8032_TEST1_PUBLIC: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

/// `text` (base64) as bytes.
pub fn base64(text: &str) -> Vec<u8> {
    flatapex::encoding::base64_decode(text.as_bytes()).unwrap()
}

/// `text` (hex) as bytes.
pub fn hex(text: &str) -> Vec<u8> {
    flatapex::encoding::hex_decode(text.as_bytes()).unwrap()
}
