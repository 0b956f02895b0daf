//! Operator settings, read with serde: `[vars] FLATAPEX = { ... }` in `wrangler.toml` at the
//! edge. Unknown keys are errors, so a typo is reported instead of silently ignored.

use serde::Deserialize;

use crate::alias::policy::FailurePolicy;
use crate::doh::Limits;
use crate::kv::KvSettings;
use crate::respond::ResponderConfig;

/// Everything an operator can set, with the defaults of DESIGN.md.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The DoH path (default `/dns-query`).
    pub doh_path: String,
    /// How often the zone index in KV is re-read, in seconds (default 30).
    pub zone_recheck_seconds: u64,
    /// Memory for decoded zone shards per isolate, in MiB (default 48; Workers allow 128).
    pub zone_memory_mib: usize,
    /// What to answer when an ALIAS cannot be flattened: `servfail` (default) or `empty`.
    pub alias_failure: FailurePolicy,
    /// The lowest TTL of flattened ALIAS records, in seconds (default 30).
    pub alias_ttl_floor: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            doh_path: "/dns-query".into(),
            zone_recheck_seconds: 30,
            zone_memory_mib: 48,
            alias_failure: FailurePolicy::Servfail,
            alias_ttl_floor: 30,
        }
    }
}

impl Settings {
    /// Reads settings from JSON (how Workers hands an object-valued var to Rust).
    pub fn from_json(json: &str) -> Result<Settings, String> {
        let settings: Settings =
            serde_json::from_str(json).map_err(|e| format!("FLATAPEX settings: {e}"))?;
        settings.check()
    }

    /// Rejects values that parse but cannot work.
    pub fn check(self) -> Result<Settings, String> {
        if !self.doh_path.starts_with('/') {
            return Err(format!(
                "FLATAPEX settings: doh_path {:?} must start with /",
                self.doh_path
            ));
        }
        if self.zone_memory_mib == 0 {
            return Err("FLATAPEX settings: zone_memory_mib must be at least 1".into());
        }
        Ok(self)
    }

    /// The DoH limits these settings imply.
    pub fn limits(&self) -> Limits {
        Limits {
            path: self.doh_path.clone(),
            ..Limits::default()
        }
    }

    /// The KV store tuning.
    pub fn kv(&self) -> KvSettings {
        KvSettings {
            recheck_ms: self.zone_recheck_seconds * 1000,
            budget_bytes: self.zone_memory_mib * 1024 * 1024,
        }
    }

    /// The responder settings.
    pub fn responder(&self) -> ResponderConfig {
        ResponderConfig {
            alias_failure: self.alias_failure,
            alias_ttl_floor: self.alias_ttl_floor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_overrides_and_clear_errors() {
        assert_eq!(Settings::from_json("{}").unwrap(), Settings::default());
        let s = Settings::from_json(r#"{"zone_recheck_seconds": 5, "alias_failure": "empty"}"#)
            .unwrap();
        assert_eq!(s.kv().recheck_ms, 5000);
        assert_eq!(s.responder().alias_failure, FailurePolicy::Empty);
        let typo = Settings::from_json(r#"{"zone_recheck_secs": 5}"#).unwrap_err();
        assert!(typo.contains("unknown field `zone_recheck_secs`"), "{typo}");
        let bad = Settings::from_json(r#"{"alias_failure": "drop"}"#).unwrap_err();
        assert!(bad.contains("drop"), "{bad}");
        assert!(Settings::from_json(r#"{"doh_path": "dns"}"#).is_err());
    }
}
