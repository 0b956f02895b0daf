//! `Authorization: Bearer <token>` for the zone-management endpoints (RFC 6750 §2.1), compared
//! in constant time so response timing tells nothing about the token.

use subtle::ConstantTimeEq;

/// Whether `header` (the `Authorization` value) carries exactly `token`. An empty configured
/// token never matches: an endpoint without a token stays closed.
pub fn bearer_ok(header: Option<&str>, token: &str) -> bool {
    let Some(given) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
        return false;
    };
    !token.is_empty() && given.trim().as_bytes().ct_eq(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_token_passes() {
        assert!(bearer_ok(Some("Bearer s3cret"), "s3cret"));
        assert!(!bearer_ok(Some("Bearer s3cre"), "s3cret"));
        assert!(!bearer_ok(Some("Bearer s3cretX"), "s3cret"));
        assert!(!bearer_ok(Some("Basic s3cret"), "s3cret"));
        assert!(!bearer_ok(None, "s3cret"));
        assert!(
            !bearer_ok(Some("Bearer "), ""),
            "no token configured: closed"
        );
    }
}
