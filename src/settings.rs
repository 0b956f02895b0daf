//! Operator settings: one model for both shells, each default written once (in [`defaults`]).
//!
//! The Worker reads it with serde from `[vars] FLATAPEX = { ... }` in `wrangler.toml`; unknown
//! keys are errors, so a typo is reported instead of silently ignored. `flatapex serve` takes the
//! same fields as flags (the struct is flattened into its clap arguments), so a setting has one
//! name, one meaning and one default everywhere. Settings only one shell uses are skipped by the
//! other: the KV tuning has no flag, and the native server's connection limits, timeouts and
//! response cache ([`ServerLimits`]) are not read from `FLATAPEX`. The core's components read the
//! parts they need from it ([`Settings::kv`], [`Settings::limits`],
//! [`Settings::server_limits`]); nothing else holds a copy of a default.

use std::time::Duration;

use serde::Deserialize;

use crate::alias::policy::FailurePolicy;
use crate::doh::Limits;
use crate::kv::KvSettings;

/// The default of every setting.
pub mod defaults {
    /// `doh_path`.
    pub const DOH_PATH: &str = "/dns-query";
    /// `zone_recheck_seconds`.
    pub const ZONE_RECHECK_SECONDS: u64 = 30;
    /// `zone_memory_mib`: well inside the 128 MiB of a Workers isolate.
    pub const ZONE_MEMORY_MIB: usize = 48;
    /// `alias_ttl_floor` (docs/ARCHITECTURE.md, "ALIAS").
    pub const ALIAS_TTL_FLOOR: u32 = 30;
    /// `alias_memory_mib`.
    pub const ALIAS_MEMORY_MIB: usize = 16;
    /// `attempt_timeout_ms`.
    pub const ATTEMPT_TIMEOUT_MS: u32 = 500;
    /// `attempts`.
    pub const ATTEMPTS: u32 = 2;
    /// `hedge_after_ms`.
    pub const HEDGE_AFTER_MS: u32 = 100;
    /// `stale_window_seconds`: one day (RFC 8767 §5 suggests 1 to 3 days).
    pub const STALE_WINDOW_SECONDS: u32 = 86_400;
    /// `max_upstream_fetches`: the Workers free plan allows 50 subrequests per request.
    pub const MAX_UPSTREAM_FETCHES: u32 = 20;
    /// `max_connections` (the native server).
    pub const MAX_CONNECTIONS: u64 = 1024;
    /// `max_connections_per_client` (the native server).
    pub const MAX_CONNECTIONS_PER_CLIENT: u64 = 64;
    /// `idle_timeout_seconds` (the native server).
    pub const IDLE_TIMEOUT_SECONDS: u64 = 10;
    /// `header_timeout_seconds` (the native server).
    pub const HEADER_TIMEOUT_SECONDS: u64 = 5;
    /// `response_cache_mib` (the native server).
    pub const RESPONSE_CACHE_MIB: u64 = 32;
    /// `stale_recheck_seconds`: RFC 8767 §4 recommends 30 seconds.
    pub const STALE_RECHECK_SECONDS: u32 = 30;
    /// `upstream_health_seconds`.
    pub const UPSTREAM_HEALTH_SECONDS: u32 = 30;
}

/// Everything an operator can set.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The DoH path.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value = defaults::DOH_PATH)
    )]
    pub doh_path: String,
    /// How often the zone index in KV is re-read, in seconds (the edge).
    #[cfg_attr(not(target_arch = "wasm32"), arg(skip = defaults::ZONE_RECHECK_SECONDS))]
    pub zone_recheck_seconds: u64,
    /// Memory for decoded zone shards per isolate, in MiB (the edge).
    #[cfg_attr(not(target_arch = "wasm32"), arg(skip = defaults::ZONE_MEMORY_MIB))]
    pub zone_memory_mib: usize,
    /// What to answer when an ALIAS cannot be flattened: servfail or empty.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value = "servfail"))]
    pub alias_failure: FailurePolicy,
    /// The lowest TTL given to flattened ALIAS records, in seconds.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value_t = defaults::ALIAS_TTL_FLOOR)
    )]
    pub alias_ttl_floor: u32,
    /// Memory for flattened ALIAS sets kept in memory, in MiB.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value_t = defaults::ALIAS_MEMORY_MIB)
    )]
    pub alias_memory_mib: usize,
    /// A DoH URL (https:// or http://) that resolves ALIAS targets outside our zones; repeat
    /// for more. None: such ALIAS fail.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long = "upstream", value_name = "URL")
    )]
    pub upstreams: Vec<String>,
    /// The deadline of one upstream attempt, in milliseconds.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value_t = defaults::ATTEMPT_TIMEOUT_MS)
    )]
    pub attempt_timeout_ms: u32,
    /// Attempts per resolution, each on the next upstream.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value_t = defaults::ATTEMPTS)
    )]
    pub attempts: u32,
    /// Start the next attempt after this many milliseconds without an answer (a hedge).
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value_t = defaults::HEDGE_AFTER_MS)
    )]
    pub hedge_after_ms: u32,
    /// How long expired ALIAS data may still be served when upstreams fail, in seconds.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, visible_alias = "stale-window", default_value_t = defaults::STALE_WINDOW_SECONDS)
    )]
    pub stale_window_seconds: u32,
    /// After a failed resolution, serve stale data at once for this long, then retry in the
    /// background, once per interval (RFC 8767's failure recheck), in seconds.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value_t = defaults::STALE_RECHECK_SECONDS)
    )]
    pub stale_recheck_seconds: u32,
    /// An upstream that failed, timed out or lost a hedge is tried after the healthy ones and
    /// probed in the background this often until it answers, in seconds.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value_t = defaults::UPSTREAM_HEALTH_SECONDS)
    )]
    pub upstream_health_seconds: u32,
    /// Upstream fetches allowed per client request (the edge's subrequest limit).
    #[cfg_attr(not(target_arch = "wasm32"), arg(skip = defaults::MAX_UPSTREAM_FETCHES))]
    pub max_upstream_fetches: u32,
    /// Connections open at once on each TCP listener (DNS over TCP, and DoH). At the limit a
    /// new connection closes the one idle the longest, and is refused if none is idle. The
    /// native server only: a key the Worker rejects, like the four below.
    #[serde(skip)]
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value_t = defaults::MAX_CONNECTIONS, value_parser = clap::value_parser!(u64).range(1..))
    )]
    pub max_connections: u64,
    /// Connections open at once on each listener from one client network (an IPv4 /24 or an
    /// IPv6 /56). At the limit a new one closes that network's connection idle the longest.
    #[serde(skip)]
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value_t = defaults::MAX_CONNECTIONS_PER_CLIENT, value_parser = clap::value_parser!(u64).range(1..))
    )]
    pub max_connections_per_client: u64,
    /// Seconds a connection stays open with no query (DNS over TCP) or request (DoH) under way.
    #[serde(skip)]
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value_t = defaults::IDLE_TIMEOUT_SECONDS, value_parser = clap::value_parser!(u64).range(1..=3600))
    )]
    pub idle_timeout_seconds: u64,
    /// Seconds a client has to send the rest of a DNS-over-TCP query or an HTTP/1.1 request
    /// head once it began it; an HTTP/1.1 connection waits this long for its next request.
    #[serde(skip)]
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value_t = defaults::HEADER_TIMEOUT_SECONDS, value_parser = clap::value_parser!(u64).range(1..=600))
    )]
    pub header_timeout_seconds: u64,
    /// Memory for whole responses in the response cache, in MiB (0: no cache).
    #[serde(skip)]
    #[cfg_attr(
        not(target_arch = "wasm32"),
        arg(long, default_value_t = defaults::RESPONSE_CACHE_MIB)
    )]
    pub response_cache_mib: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            doh_path: defaults::DOH_PATH.into(),
            zone_recheck_seconds: defaults::ZONE_RECHECK_SECONDS,
            zone_memory_mib: defaults::ZONE_MEMORY_MIB,
            alias_failure: FailurePolicy::default(),
            alias_ttl_floor: defaults::ALIAS_TTL_FLOOR,
            alias_memory_mib: defaults::ALIAS_MEMORY_MIB,
            upstreams: Vec::new(),
            attempt_timeout_ms: defaults::ATTEMPT_TIMEOUT_MS,
            attempts: defaults::ATTEMPTS,
            hedge_after_ms: defaults::HEDGE_AFTER_MS,
            stale_window_seconds: defaults::STALE_WINDOW_SECONDS,
            stale_recheck_seconds: defaults::STALE_RECHECK_SECONDS,
            upstream_health_seconds: defaults::UPSTREAM_HEALTH_SECONDS,
            max_upstream_fetches: defaults::MAX_UPSTREAM_FETCHES,
            max_connections: defaults::MAX_CONNECTIONS,
            max_connections_per_client: defaults::MAX_CONNECTIONS_PER_CLIENT,
            idle_timeout_seconds: defaults::IDLE_TIMEOUT_SECONDS,
            header_timeout_seconds: defaults::HEADER_TIMEOUT_SECONDS,
            response_cache_mib: defaults::RESPONSE_CACHE_MIB,
        }
    }
}

/// The limits that keep any one client from taking the native server down (docs/ARCHITECTURE.md,
/// "The native shell"), read off [`Settings`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// `max_connections`.
    pub max_connections: u64,
    /// `max_connections_per_client`.
    pub max_connections_per_client: u64,
    /// `idle_timeout_seconds`.
    pub idle_timeout_seconds: u64,
    /// `header_timeout_seconds`.
    pub header_timeout_seconds: u64,
    /// `response_cache_mib`.
    pub response_cache_mib: u64,
}

impl ServerLimits {
    /// The idle timeout.
    pub fn idle(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_seconds)
    }

    /// The header timeout.
    pub fn header(&self) -> Duration {
        Duration::from_secs(self.header_timeout_seconds)
    }

    /// The response cache's bound in bytes.
    pub fn response_cache_bytes(&self) -> usize {
        usize::try_from(self.response_cache_mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }
}

/// Settings that cannot work, with the field and value at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("FLATAPEX settings: {0}")]
pub struct SettingsError(pub String);

impl Settings {
    /// Reads settings from JSON (how Workers hands an object-valued var to Rust).
    pub fn from_json(json: &str) -> Result<Settings, SettingsError> {
        let settings: Settings =
            serde_json::from_str(json).map_err(|e| SettingsError(e.to_string()))?;
        settings.check()
    }

    /// Rejects values that parse but cannot work.
    pub fn check(self) -> Result<Settings, SettingsError> {
        let fail = |why: String| Err(SettingsError(why));
        if !self.doh_path.starts_with('/') {
            return fail(format!("doh_path {:?} must start with /", self.doh_path));
        }
        if let Some(bad) = self
            .upstreams
            .iter()
            .find(|u| !(u.starts_with("https://") || u.starts_with("http://")))
        {
            return fail(format!("upstream {bad:?}: DoH needs http:// or https://"));
        }
        if self.attempts == 0 || self.attempt_timeout_ms == 0 {
            return fail(format!(
                "attempts ({}) and attempt_timeout_ms ({}) must be above 0",
                self.attempts, self.attempt_timeout_ms
            ));
        }
        if self.zone_memory_mib == 0 || self.alias_memory_mib == 0 {
            return fail(format!(
                "zone_memory_mib ({}) and alias_memory_mib ({}) must be at least 1",
                self.zone_memory_mib, self.alias_memory_mib
            ));
        }
        Ok(self)
    }

    /// The DoH path and limits.
    pub fn limits(&self) -> Limits {
        Limits::at(&self.doh_path)
    }

    /// The KV store's tuning.
    pub fn kv(&self) -> KvSettings {
        KvSettings {
            recheck_ms: self.zone_recheck_seconds * 1000,
            budget_bytes: self.zone_memory_mib * 1024 * 1024,
        }
    }

    /// The native server's connection limits, timeouts and response cache bound.
    pub fn server_limits(&self) -> ServerLimits {
        ServerLimits {
            max_connections: self.max_connections,
            max_connections_per_client: self.max_connections_per_client,
            idle_timeout_seconds: self.idle_timeout_seconds,
            header_timeout_seconds: self.header_timeout_seconds,
            response_cache_mib: self.response_cache_mib,
        }
    }

    /// The byte budget of the in-memory ALIAS cache.
    pub fn alias_memory_bytes(&self) -> usize {
        self.alias_memory_mib * 1024 * 1024
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
        assert_eq!(s.alias_failure, FailurePolicy::Empty);
        let typo = Settings::from_json(r#"{"zone_recheck_secs": 5}"#)
            .unwrap_err()
            .to_string();
        assert!(typo.contains("unknown field `zone_recheck_secs`"), "{typo}");
        let bad = Settings::from_json(r#"{"alias_failure": "drop"}"#)
            .unwrap_err()
            .to_string();
        assert!(bad.contains("drop"), "{bad}");
        assert!(Settings::from_json(r#"{"doh_path": "dns"}"#).is_err());
        let up =
            Settings::from_json(r#"{"upstreams": ["https://1.1.1.1/dns-query"], "attempts": 3}"#)
                .unwrap();
        assert_eq!(
            (up.upstreams.len(), up.attempts, up.attempt_timeout_ms),
            (1, 3, 500)
        );
        let url = Settings::from_json(r#"{"upstreams": ["1.1.1.1"]}"#)
            .unwrap_err()
            .to_string();
        assert!(url.contains("\"1.1.1.1\""), "{url}");
        let native_only = Settings::from_json(r#"{"max_connections": 5}"#)
            .unwrap_err()
            .to_string();
        assert!(
            native_only.contains("unknown field `max_connections`"),
            "{native_only}"
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_command_line_has_the_same_defaults() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            settings: Settings,
        }
        let parsed = Cli::try_parse_from(["flatapex"]).unwrap().settings;
        assert_eq!(parsed, Settings::default());
        let parsed = Cli::try_parse_from([
            "flatapex",
            "--upstream",
            "http://127.0.0.1:1/dns-query",
            "--stale-window",
            "60",
            "--alias-failure",
            "empty",
            "--max-connections-per-client",
            "8",
            "--idle-timeout-seconds",
            "3",
        ])
        .unwrap()
        .settings;
        assert_eq!(
            (
                parsed.upstreams.len(),
                parsed.stale_window_seconds,
                parsed.alias_failure
            ),
            (1, 60, FailurePolicy::Empty)
        );
        let limits = parsed.server_limits();
        assert_eq!(
            (limits.max_connections_per_client, limits.idle().as_secs()),
            (8, 3)
        );
        let zero = ["flatapex", "--max-connections", "0"];
        assert!(
            Cli::try_parse_from(zero).is_err(),
            "at least one connection"
        );
    }
}
