//! Operator settings, read with serde: `[vars] FLATAPEX = { ... }` in `wrangler.toml` at the
//! edge. Unknown keys are errors, so a typo is reported instead of silently ignored.

use serde::Deserialize;

use crate::alias::UpstreamPolicy;
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
    /// DoH URLs that resolve ALIAS targets outside our zones (default none: such ALIAS fail).
    pub upstreams: Vec<String>,
    /// The deadline of one upstream attempt, in milliseconds (default 500).
    pub attempt_timeout_ms: u32,
    /// Attempts per resolution, each on the next upstream (default 2).
    pub attempts: u32,
    /// Start the next attempt after this long without an answer, in milliseconds (default 100).
    pub hedge_after_ms: u32,
    /// How long expired ALIAS data may be served when upstreams fail, in seconds (default 1 day).
    pub stale_window_seconds: u32,
    /// Upstream fetches allowed per client request (default 20; Workers allow 50 on free).
    pub max_upstream_fetches: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            doh_path: "/dns-query".into(),
            zone_recheck_seconds: 30,
            zone_memory_mib: 48,
            alias_failure: FailurePolicy::Servfail,
            alias_ttl_floor: 30,
            upstreams: Vec::new(),
            attempt_timeout_ms: 500,
            attempts: 2,
            hedge_after_ms: 100,
            stale_window_seconds: 86_400,
            max_upstream_fetches: 20,
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
        if let Some(bad) = self
            .upstreams
            .iter()
            .find(|u| !(u.starts_with("https://") || u.starts_with("http://")))
        {
            return Err(format!(
                "FLATAPEX settings: upstream {bad:?} is not an http(s) URL"
            ));
        }
        if self.attempts == 0 || self.attempt_timeout_ms == 0 {
            return Err(
                "FLATAPEX settings: attempts and attempt_timeout_ms must be above 0".into(),
            );
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

    /// How ALIAS targets are resolved.
    pub fn upstream_policy(&self) -> UpstreamPolicy {
        UpstreamPolicy {
            upstreams: self.upstreams.clone(),
            attempt_timeout_ms: self.attempt_timeout_ms,
            attempts: self.attempts,
            hedge_after_ms: self.hedge_after_ms,
            stale_window_seconds: self.stale_window_seconds,
            ttl_floor: self.alias_ttl_floor,
            ..UpstreamPolicy::default()
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
        let up =
            Settings::from_json(r#"{"upstreams": ["https://1.1.1.1/dns-query"], "attempts": 3}"#)
                .unwrap()
                .upstream_policy();
        assert_eq!(
            (up.upstreams.len(), up.attempts, up.attempt_timeout_ms),
            (1, 3, 500)
        );
        assert!(Settings::from_json(r#"{"upstreams": ["1.1.1.1"]}"#).is_err());
    }
}
