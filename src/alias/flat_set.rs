//! A flattened set: one ALIAS target's addresses of one type as resolved, with when and from
//! where. It is the one value every layer keeps (docs/ARCHITECTURE.md, "ALIAS"): the memory
//! cache, the Cache API and KV last-good copies at the edge, the zone state that transfers carry,
//! and the native state file. Its freshness rules live here: refresh ahead in the last part of
//! the TTL, and stale answers within the stale window (RFC 8767 §4).

use std::net::IpAddr;

use hickory_proto::rr::rdata::{A, AAAA};
use hickory_proto::rr::{RData, RecordType};
use serde::{Deserialize, Serialize};

/// The two types an ALIAS flattens into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AddressType {
    /// IPv4 addresses (RFC 1035 §3.4.1).
    A,
    /// IPv6 addresses (RFC 3596).
    #[serde(rename = "AAAA")]
    Aaaa,
}

impl AddressType {
    /// Both, in the order answers and transfers list them.
    pub const BOTH: [AddressType; 2] = [AddressType::A, AddressType::Aaaa];

    /// The record type.
    pub fn record_type(self) -> RecordType {
        match self {
            AddressType::A => RecordType::A,
            AddressType::Aaaa => RecordType::AAAA,
        }
    }

    /// The address type of `rtype`, if it is A or AAAA.
    pub fn of(rtype: RecordType) -> Option<AddressType> {
        match rtype {
            RecordType::A => Some(AddressType::A),
            RecordType::AAAA => Some(AddressType::Aaaa),
            _ => None,
        }
    }

    /// Whether `ip` is of this type.
    pub fn holds(self, ip: &IpAddr) -> bool {
        matches!(
            (self, ip),
            (AddressType::A, IpAddr::V4(_)) | (AddressType::Aaaa, IpAddr::V6(_))
        )
    }
}

impl std::fmt::Display for AddressType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AddressType::A => "A",
            AddressType::Aaaa => "AAAA",
        })
    }
}

/// One flattened set as resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlatSet {
    /// The addresses, sorted and without duplicates, so equal sets compare equal; empty for a
    /// negative answer (NODATA or NXDOMAIN, RFC 2308).
    pub addresses: Vec<IpAddr>,
    /// The TTL it was resolved with (the chain minimum, floored), before any ALIAS cap.
    pub ttl: u32,
    /// When it was resolved, in milliseconds since the Unix epoch (0: unknown, in state saved by
    /// old versions).
    #[serde(default)]
    pub fetched_ms: u64,
    /// The upstream that answered, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<String>,
}

impl FlatSet {
    /// A set of `addresses` (sorted and deduplicated here).
    pub fn new(
        mut addresses: Vec<IpAddr>,
        ttl: u32,
        fetched_ms: u64,
        upstream: Option<String>,
    ) -> FlatSet {
        addresses.sort_unstable();
        addresses.dedup();
        FlatSet {
            addresses,
            ttl,
            fetched_ms,
            upstream,
        }
    }

    /// When it stops being fresh.
    pub fn expires_ms(&self) -> u64 {
        self.fetched_ms + u64::from(self.ttl) * 1000
    }

    /// Whole seconds of freshness left at `now_ms` (0 once expired).
    pub fn remaining(&self, now_ms: u64) -> u32 {
        (self.expires_ms().saturating_sub(now_ms) / 1000) as u32
    }

    /// Still fresh at `now_ms`.
    pub fn is_fresh(&self, now_ms: u64) -> bool {
        now_ms < self.expires_ms()
    }

    /// Fresh, but with less than `percent` of its TTL left: answer from it and refresh.
    pub fn wants_refresh(&self, now_ms: u64, percent: u32) -> bool {
        self.expires_ms().saturating_sub(now_ms) * 100
            < u64::from(self.ttl) * 1000 * u64::from(percent)
    }

    /// Usable as a stale answer at `now_ms`: expired less than `window_s` ago (RFC 8767 §4).
    pub fn within_stale_window(&self, now_ms: u64, window_s: u32) -> bool {
        now_ms < self.expires_ms() + u64::from(window_s) * 1000
    }

    /// The same set with its fetch time no later than `now_ms`: a time read from storage is
    /// never trusted to lie in the future, which would pin the data as fresh.
    pub fn clamped(mut self, now_ms: u64) -> FlatSet {
        self.fetched_ms = self.fetched_ms.min(now_ms);
        self
    }

    /// The addresses of `rtype` as RDATA (others dropped).
    pub fn rdatas(&self, rtype: AddressType) -> Vec<RData> {
        rdatas_of(&self.addresses, rtype)
    }
}

/// `addresses` of `rtype` as RDATA, in order (others dropped).
pub fn rdatas_of(addresses: &[IpAddr], rtype: AddressType) -> Vec<RData> {
    addresses
        .iter()
        .filter_map(|ip| match (ip, rtype) {
            (IpAddr::V4(v4), AddressType::A) => Some(RData::A(A(*v4))),
            (IpAddr::V6(v6), AddressType::Aaaa) => Some(RData::AAAA(AAAA(*v6))),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ips: &[&str], ttl: u32, at: u64) -> FlatSet {
        FlatSet::new(
            ips.iter().map(|ip| ip.parse().unwrap()).collect(),
            ttl,
            at,
            None,
        )
    }

    #[test]
    fn sets_compare_by_addresses_in_any_order() {
        assert_eq!(
            set(&["192.0.2.2", "192.0.2.1", "192.0.2.2"], 60, 5),
            set(&["192.0.2.1", "192.0.2.2"], 60, 5)
        );
    }

    #[test]
    fn freshness_refresh_ahead_and_the_stale_window() {
        let s = set(&["192.0.2.1"], 100, 1_000);
        assert_eq!(s.expires_ms(), 101_000);
        assert!(s.is_fresh(100_999) && !s.is_fresh(101_000));
        assert_eq!(s.remaining(51_000), 50);
        assert!(!s.wants_refresh(90_999, 10) && s.wants_refresh(91_001, 10));
        assert!(s.within_stale_window(101_000 + 59_999, 60));
        assert!(!s.within_stale_window(101_000 + 60_000, 60));
        assert_eq!(set(&["192.0.2.1"], 1, u64::MAX).clamped(7).fetched_ms, 7);
    }

    #[test]
    fn the_stored_form_is_stable_json() {
        let json = r#"{"addresses":["192.0.2.1"],"ttl":60,"fetched_ms":5}"#;
        let s: FlatSet = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), json);
        let old: FlatSet = serde_json::from_str(r#"{"addresses":[],"ttl":1}"#).unwrap();
        assert_eq!(old.fetched_ms, 0, "sets saved before fetch times were kept");
        assert_eq!(
            serde_json::to_string(&AddressType::Aaaa).unwrap(),
            "\"AAAA\""
        );
        assert_eq!(s.rdatas(AddressType::Aaaa), vec![]);
    }
}
