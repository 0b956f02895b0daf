//! The pure ALIAS policy: how TTLs are computed and what happens when resolution fails
//! (docs/ARCHITECTURE.md, "ALIAS").

use serde::Deserialize;

/// The TTL of a stale answer (RFC 8767 §4 recommends 30 seconds).
pub const STALE_TTL: u32 = 30;

/// Refresh ahead when less than this percentage of a cached set's TTL is left.
pub const REFRESH_PERCENT: u32 = 10;

/// What to answer when an ALIAS cannot be flattened and no stale copy is left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailurePolicy {
    /// SERVFAIL with EDE 22 No Reachable Authority (the default).
    #[default]
    Servfail,
    /// NOERROR, no answer, the SOA in authority (DNSimple's classic behaviour).
    Empty,
}

impl std::str::FromStr for FailurePolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "servfail" => Ok(FailurePolicy::Servfail),
            "empty" => Ok(FailurePolicy::Empty),
            other => Err(format!(
                "alias failure policy {other:?} is neither servfail nor empty"
            )),
        }
    }
}

/// The TTL of flattened records: min(ALIAS TTL, every chain TTL, the target's TTL), raised to
/// `floor`, and never above the ALIAS TTL.
pub fn flattened_ttl(alias_ttl: u32, chain_ttls: impl IntoIterator<Item = u32>, floor: u32) -> u32 {
    let lowest = chain_ttls.into_iter().fold(alias_ttl, u32::min);
    lowest.max(floor).min(alias_ttl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_is_the_chain_minimum_within_floor_and_alias_ceiling() {
        assert_eq!(flattened_ttl(300, [600, 120], 30), 120);
        assert_eq!(flattened_ttl(300, [5], 30), 30);
        assert_eq!(flattened_ttl(20, [5], 30), 20);
        assert_eq!(flattened_ttl(300, [], 30), 300);
    }

    #[test]
    fn policy_names() {
        assert_eq!("empty".parse(), Ok(FailurePolicy::Empty));
        assert!("drop".parse::<FailurePolicy>().is_err());
    }
}
