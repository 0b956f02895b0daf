//! Binary data as text, through one crate (data-encoding, which hickory-proto uses too):
//! base64 (RFC 4648 §4), base64url (§5), base32hex (§7) and hex (§8).

use data_encoding::{
    BASE32HEX_NOPAD, BASE64, BASE64_NOPAD, BASE64URL_NOPAD, DecodeError, HEXLOWER,
    HEXLOWER_PERMISSIVE, HEXUPPER,
};

/// Base64 with its `=` padding optional: zone files, TSIG secrets and DoH clients write it
/// both ways.
pub fn base64_decode(text: &[u8]) -> Result<Vec<u8>, DecodeError> {
    BASE64_NOPAD.decode(without_padding(text))
}

/// Base64 with padding, as zone files print it (RFC 4034 §2.2).
pub fn base64_encode(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

/// Base64url with its padding optional (RFC 8484 §4.1 sends none; some clients pad).
pub fn base64url_decode(text: &[u8]) -> Result<Vec<u8>, DecodeError> {
    BASE64URL_NOPAD.decode(without_padding(text))
}

/// Base64url without padding (RFC 8484 §4.1).
pub fn base64url_encode(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

/// Base32hex without padding, as NSEC3 owner hashes are written (RFC 5155 §3.3).
pub fn base32hex_decode(text: &[u8]) -> Result<Vec<u8>, DecodeError> {
    BASE32HEX_NOPAD.decode(text)
}

/// Base32hex without padding, upper case (RFC 5155 §3.3).
pub fn base32hex_encode(bytes: &[u8]) -> String {
    BASE32HEX_NOPAD.encode(bytes)
}

/// Hex in either case.
pub fn hex_decode(text: &[u8]) -> Result<Vec<u8>, DecodeError> {
    HEXLOWER_PERMISSIVE.decode(text)
}

/// Hex in upper case, as DNSSEC and SSHFP data are printed.
pub fn hex_upper(bytes: &[u8]) -> String {
    HEXUPPER.encode(bytes)
}

/// Hex in lower case, as RFC 3597 data is printed.
pub fn hex_lower(bytes: &[u8]) -> String {
    HEXLOWER.encode(bytes)
}

/// `text` without up to two trailing `=`.
fn without_padding(text: &[u8]) -> &[u8] {
    let mut end = text.len();
    while end > 0 && text.len() - end < 2 && text[end - 1] == b'=' {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_reads_with_or_without_padding_and_rejects_garbage() {
        assert_eq!(base64_decode(b"YQ==").unwrap(), b"a");
        assert_eq!(base64_decode(b"YQ").unwrap(), b"a");
        assert_eq!(base64url_decode(b"_-8").unwrap(), [0xff, 0xef]);
        assert!(base64_decode(b"YQ===").is_err());
        assert!(base64_decode(b"Y!Q=").is_err());
        assert_eq!(base64_encode(b"a"), "YQ==");
        assert_eq!(base64url_encode(&[0xff, 0xef]), "_-8");
    }

    #[test]
    fn hex_and_base32hex_round_trip() {
        assert_eq!(hex_decode(b"c76D").unwrap(), [0xc7, 0x6d]);
        assert_eq!(hex_upper(&[0xc7, 0x6d]), "C76D");
        assert_eq!(hex_lower(&[0xc7, 0x6d]), "c76d");
        assert!(hex_decode(b"c7 6d").is_err());
        let hash = base32hex_decode(b"0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM").unwrap();
        assert_eq!(base32hex_encode(&hash), "0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM");
    }
}
