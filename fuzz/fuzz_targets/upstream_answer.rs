//! Any HTTP response from an upstream DoH server, through the checks every shell makes on it
//! (`alias::upstream::check_head`, `check_body_len`: status, RFC 8484 §4.2.1 content type, size)
//! and the core's validation of the DNS answer against our question (`alias::exchange::validate`),
//! then into a flattened set as a refresh stores it.
//!
//! Input: byte 0 picks the status (bits 0-1), the content type (bits 2-3), whether a
//! Content-Length is declared (bit 4) and the type asked (bit 5: A or AAAA) for the target
//! `target.example.`; the rest is the body.
#![no_main]

use std::sync::OnceLock;

use flatapex::alias::FlatSet;
use flatapex::alias::exchange::{MAX_UPSTREAM_CNAMES, Rejected, validate};
use flatapex::alias::policy::flattened_ttl;
use flatapex::alias::upstream::{check_body_len, check_head};
use hickory_proto::rr::{Name, RecordType};
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 4] = [200, 200, 404, 503];
const CONTENT_TYPES: [Option<&str>; 4] = [
    Some("application/dns-message"),
    Some("application/dns-message; charset=binary"),
    Some("text/html"),
    None,
];

fn target() -> &'static Name {
    static TARGET: OnceLock<Name> = OnceLock::new();
    TARGET.get_or_init(|| Name::from_ascii("target.example.").unwrap())
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let which = usize::from(which);
    let status = STATUSES[which & 3];
    let content_type = CONTENT_TYPES[(which >> 2) & 3];
    let length = (which & 16 != 0).then_some(body.len() as u64);
    let rtype = if which & 32 == 0 {
        RecordType::A
    } else {
        RecordType::AAAA
    };
    if let Err(e) = check_head(status, content_type, length).and(check_body_len(body.len())) {
        assert!(!e.to_string().is_empty());
        assert!(
            status != 200 || content_type.is_none_or(|c| c == "text/html"),
            "{e}"
        );
        return;
    }
    match validate(body, target(), rtype) {
        Err(e) => {
            assert!(!e.to_string().is_empty());
            if let Rejected::Chain(why) = &e {
                assert!(why.contains("CNAME"), "{why}");
            }
        }
        Ok(resolved) => {
            assert_eq!(resolved.chain.first(), Some(target()));
            assert!(resolved.chain.len() <= MAX_UPSTREAM_CNAMES + 1);
            // One TTL per CNAME followed, one for the addresses (or the negative answer).
            assert_eq!(resolved.ttls.len(), resolved.chain.len());
            let v4 = rtype == RecordType::A;
            assert!(resolved.addresses.iter().all(|a| a.is_ipv4() == v4));
            let ttl = flattened_ttl(300, resolved.ttls.iter().copied(), 30);
            assert!(ttl <= 300);
            let set = FlatSet::new(resolved.addresses.clone(), ttl, 1, None);
            assert!(
                set.addresses.windows(2).all(|w| w[0] < w[1]),
                "sorted, no duplicates"
            );
            assert!(resolved.addresses.iter().all(|a| set.addresses.contains(a)));
        }
    }
});
