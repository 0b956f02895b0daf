//! The private keys a shell signs with, as text: the `FLATAPEX_DNSSEC_KEYS` Worker secret (and
//! whatever the native shell reads), one JSON object per zone, as `flatapex dnssec keygen
//! --secret` prints it:
//!
//! ```text
//! {"zone":"example.com.","algorithm":13,"public":"<base64 DNSKEY public key>","private":"<base64>"}
//! ```
//!
//! JSON lines (blank lines and `#` comments skipped) or one JSON array of such objects. `public`
//! is the DNSKEY public key field (RFC 6605 §4: x‖y, 64 bytes; RFC 8080 §3: 32 bytes), `private`
//! the 32-byte scalar or seed (the `PrivateKey:` field of a BIND `.private` file), both standard
//! base64 (RFC 4648 §4). Whether the two belong together needs the crypto, so the shell checks
//! that when it loads them. An error names the line (or array entry), the zone and the problem,
//! never a key's bytes.

use serde::Deserialize;

use super::signer::{Algorithm, KeySecret};
use crate::encoding::base64_decode;
use crate::zone::names::text_to_name;

/// The length of every private key flatapex signs with (P-256 scalar, Ed25519 seed).
pub const PRIVATE_KEY_LEN: usize = 32;

/// One entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyLine {
    zone: String,
    algorithm: u8,
    public: String,
    private: String,
}

/// Reads every key of `text` (from `source`, which names it in errors: a file or the secret's
/// name). No keys at all is not an error: the zones are then served unsigned.
pub fn parse_key_secrets(source: &str, text: &str) -> Result<Vec<KeySecret>, String> {
    let mut keys: Vec<KeySecret> = Vec::new();
    for (at, line) in entries(source, text)? {
        let key = key_secret(line).map_err(|e| format!("{at}: {e}"))?;
        if keys.iter().any(|k| k.zone == key.zone) {
            return Err(format!(
                "{at}: a second key for zone {} (one key per zone)",
                key.zone
            ));
        }
        keys.push(key);
    }
    Ok(keys)
}

/// The entries of `text`, each with where it is (`source:line` or `source: key N`).
fn entries(source: &str, text: &str) -> Result<Vec<(String, KeyLine)>, String> {
    if text.trim_start().starts_with('[') {
        let all: Vec<KeyLine> = serde_json::from_str(text).map_err(|e| format!("{source}: {e}"))?;
        return Ok(all
            .into_iter()
            .enumerate()
            .map(|(i, line)| (format!("{source}: key {}", i + 1), line))
            .collect());
    }
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("{source}:{}", i + 1);
        let parsed = serde_json::from_str(line).map_err(|e| format!("{at}: {e}"))?;
        entries.push((at, parsed));
    }
    Ok(entries)
}

/// One entry, checked: a zone name, an algorithm flatapex signs with, and keys of its lengths.
fn key_secret(line: KeyLine) -> Result<KeySecret, String> {
    let zone = text_to_name(&line.zone).map_err(|e| format!("zone {:?}: {e}", line.zone))?;
    let algorithm = Algorithm::from_number(line.algorithm).ok_or_else(|| {
        format!(
            "zone {zone}: unknown algorithm {} (flatapex signs with 13, ECDSA P-256, and 15, Ed25519)",
            line.algorithm
        )
    })?;
    let public_key = decoded(&zone, "public", &line.public, algorithm.public_key_len())?;
    let private_key = decoded(&zone, "private", &line.private, PRIVATE_KEY_LEN)?;
    Ok(KeySecret {
        zone,
        algorithm,
        public_key,
        private_key,
    })
}

/// The base64 `field` of `zone`'s entry, which must decode to `len` bytes. The error tells the
/// length, not the bytes.
fn decoded(
    zone: &hickory_proto::rr::Name,
    field: &str,
    text: &str,
    len: usize,
) -> Result<Vec<u8>, String> {
    let bytes = base64_decode(text.trim().as_bytes())
        .map_err(|e| format!("zone {zone}: \"{field}\" is not base64: {e}"))?;
    if bytes.len() != len {
        return Err(format!(
            "zone {zone}: \"{field}\" is {} bytes, the algorithm needs {len}",
            bytes.len()
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6605 §6.1's example key (algorithm 13).
    const P256_PUBLIC: &str =
        "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==";
    const P256_PRIVATE: &str = "GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQ=";
    /// RFC 8080 §6.1's example key (algorithm 15).
    const ED25519_PUBLIC: &str = "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=";
    const ED25519_PRIVATE: &str = "ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=";

    fn line(zone: &str, algorithm: u8, public: &str, private: &str) -> String {
        format!(
            r#"{{"zone":"{zone}","algorithm":{algorithm},"public":"{public}","private":"{private}"}}"#
        )
    }

    fn both() -> (String, String) {
        (
            line("example.net.", 13, P256_PUBLIC, P256_PRIVATE),
            line("example.com", 15, ED25519_PUBLIC, ED25519_PRIVATE),
        )
    }

    fn error_of(text: &str) -> String {
        parse_key_secrets("FLATAPEX_DNSSEC_KEYS", text).unwrap_err()
    }

    #[test]
    fn json_lines_with_comments_give_each_zone_its_key() {
        let (p256, ed25519) = both();
        let text = format!("# keys\n\n{p256}\n  {ed25519}  \n");
        let keys = parse_key_secrets("FLATAPEX_DNSSEC_KEYS", &text).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].zone, text_to_name("example.net.").unwrap());
        assert_eq!(keys[0].algorithm, Algorithm::EcdsaP256Sha256);
        assert_eq!(keys[0].public_key.len(), 64);
        assert_eq!(&keys[0].private_key[..3], &[0x19, 0x4e, 0x92]);
        assert_eq!(keys[1].zone, text_to_name("example.com.").unwrap());
        assert_eq!(keys[1].algorithm, Algorithm::Ed25519);
        assert_eq!(keys[1].private_key, b"82260384628080122645190204142262");
        assert_eq!(&keys[1].public_key[..2], &[0x97, 0x4d]);
    }

    #[test]
    fn a_json_array_reads_the_same_as_lines() {
        let (p256, ed25519) = both();
        let array = parse_key_secrets("s", &format!("[{p256},\n{ed25519}]")).unwrap();
        let lines = parse_key_secrets("s", &format!("{p256}\n{ed25519}")).unwrap();
        assert_eq!(array, lines);
    }

    #[test]
    fn nothing_is_no_keys() {
        assert_eq!(parse_key_secrets("s", "").unwrap(), Vec::new());
        assert_eq!(parse_key_secrets("s", " [ ] ").unwrap(), Vec::new());
    }

    #[test]
    fn bad_json_names_the_line() {
        let (p256, _) = both();
        let e = error_of(&format!("{p256}\n\n{{\"zone\": \"example.org.\""));
        assert!(e.starts_with("FLATAPEX_DNSSEC_KEYS:3: "), "{e}");
        let e = error_of(&format!("[{p256}, 7]"));
        assert!(e.starts_with("FLATAPEX_DNSSEC_KEYS: "), "{e}");
        let e = error_of(&p256.replace("\"private\"", "\"secret\""));
        assert!(
            e.contains(":1: ") && e.contains("unknown field `secret`"),
            "{e}"
        );
    }

    #[test]
    fn an_unknown_algorithm_is_named_with_its_zone() {
        let e = error_of(&line("example.org.", 8, ED25519_PUBLIC, ED25519_PRIVATE));
        assert_eq!(
            e,
            "FLATAPEX_DNSSEC_KEYS:1: zone example.org.: unknown algorithm 8 \
             (flatapex signs with 13, ECDSA P-256, and 15, Ed25519)"
        );
    }

    #[test]
    fn wrong_key_lengths_are_refused_without_showing_the_key() {
        // A P-256 public key given for Ed25519, and the other way round.
        let e = error_of(&line("example.org.", 15, P256_PUBLIC, ED25519_PRIVATE));
        assert_eq!(
            e,
            "FLATAPEX_DNSSEC_KEYS:1: zone example.org.: \"public\" is 64 bytes, the algorithm needs 32"
        );
        let e = error_of(&line("example.org.", 13, ED25519_PUBLIC, P256_PRIVATE));
        assert!(
            e.contains("\"public\" is 32 bytes, the algorithm needs 64"),
            "{e}"
        );
        // A private key of 33 bytes (a BIND key with a leading zero byte, say).
        let e = error_of(&line(
            "example.org.",
            15,
            ED25519_PUBLIC,
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ));
        assert!(
            e.contains("\"private\" is 33 bytes, the algorithm needs 32"),
            "{e}"
        );
    }

    #[test]
    fn bad_base64_and_bad_names_are_named() {
        let e = error_of(&line("example.org.", 15, ED25519_PUBLIC, "not base64!"));
        assert!(
            e.starts_with("FLATAPEX_DNSSEC_KEYS:1: zone example.org.: \"private\" is not base64"),
            "{e}"
        );
        assert!(
            !e.contains("not base64!"),
            "the key's text must not be echoed: {e}"
        );
        let e = error_of(&line("exa mple..org", 15, ED25519_PUBLIC, ED25519_PRIVATE));
        assert!(
            e.starts_with("FLATAPEX_DNSSEC_KEYS:1: zone \"exa mple..org\": "),
            "{e}"
        );
    }

    #[test]
    fn a_second_key_for_a_zone_is_refused_whatever_its_case() {
        let (p256, _) = both();
        let again = line("EXAMPLE.net", 15, ED25519_PUBLIC, ED25519_PRIVATE);
        let e = error_of(&format!("{p256}\n{again}"));
        assert_eq!(
            e,
            "FLATAPEX_DNSSEC_KEYS:2: a second key for zone EXAMPLE.net. (one key per zone)"
        );
    }

    #[test]
    fn debug_hides_the_private_key() {
        let (_, ed25519) = both();
        let keys = parse_key_secrets("s", &ed25519).unwrap();
        let shown = format!("{keys:?}");
        assert!(
            shown.contains("(hidden)") && !shown.contains("56, 50"),
            "{shown}"
        );
    }
}
