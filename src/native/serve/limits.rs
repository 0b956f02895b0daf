//! The limits that keep any one client from taking the server down (docs/ARCHITECTURE.md,
//! "The native shell"): connections per listener and per client network, the timeouts of
//! DNS over TCP and DoH, the memory of the response cache, and the file descriptors all that
//! needs.

use std::time::Duration;

use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit, setrlimit};

/// `--max-connections`.
pub const MAX_CONNECTIONS: u64 = 1024;
/// `--max-connections-per-client`.
pub const MAX_CONNECTIONS_PER_CLIENT: u64 = 64;
/// `--idle-timeout-seconds`.
pub const IDLE_TIMEOUT_SECONDS: u64 = 10;
/// `--header-timeout-seconds`.
pub const HEADER_TIMEOUT_SECONDS: u64 = 5;
/// `--response-cache-mib`.
pub const RESPONSE_CACHE_MIB: u64 = 32;

/// File descriptors kept for everything but client connections: the listeners, zone files and
/// reloads, upstream and NOTIFY sockets, the state file.
pub const SPARE_DESCRIPTORS: u64 = 256;

/// The highest soft descriptor limit asked for (Linux's default `fs.nr_open`).
const MOST_DESCRIPTORS: u64 = 1 << 20;

/// The limits of `flatapex serve`.
#[derive(clap::Args, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// Connections open at once on each TCP listener (DNS over TCP, and DoH). At the limit a
    /// new connection closes the one idle the longest, and is refused if none is idle.
    #[arg(long, default_value_t = MAX_CONNECTIONS, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    /// Connections open at once on each listener from one client network (an IPv4 /24 or an
    /// IPv6 /56). At the limit a new one closes that network's connection idle the longest.
    #[arg(long, default_value_t = MAX_CONNECTIONS_PER_CLIENT, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections_per_client: u64,
    /// Seconds a connection stays open with no query (DNS over TCP) or request (DoH) under way.
    #[arg(long, default_value_t = IDLE_TIMEOUT_SECONDS, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout_seconds: u64,
    /// Seconds a client has to send the rest of a DNS-over-TCP query or an HTTP/1.1 request
    /// head once it began it; an HTTP/1.1 connection waits this long for its next request.
    #[arg(long, default_value_t = HEADER_TIMEOUT_SECONDS, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_timeout_seconds: u64,
    /// Memory for whole responses in the response cache, in MiB (0: no cache).
    #[arg(long, default_value_t = RESPONSE_CACHE_MIB)]
    pub response_cache_mib: u64,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_connections: MAX_CONNECTIONS,
            max_connections_per_client: MAX_CONNECTIONS_PER_CLIENT,
            idle_timeout_seconds: IDLE_TIMEOUT_SECONDS,
            header_timeout_seconds: HEADER_TIMEOUT_SECONDS,
            response_cache_mib: RESPONSE_CACHE_MIB,
        }
    }
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

    /// Raises the soft file-descriptor limit to the hard one, then lowers `max_connections` if
    /// `listeners` listeners full of connections would not leave [`SPARE_DESCRIPTORS`];
    /// returns what to log.
    pub fn fit_descriptors(&mut self, listeners: u64) -> Vec<String> {
        let mut lines = Vec::new();
        let descriptors = match getrlimit(Resource::RLIMIT_NOFILE) {
            Ok((soft, hard)) => {
                let wanted = if hard == RLIM_INFINITY {
                    MOST_DESCRIPTORS
                } else {
                    hard.min(MOST_DESCRIPTORS)
                };
                if soft >= wanted {
                    soft
                } else {
                    match setrlimit(Resource::RLIMIT_NOFILE, wanted, hard) {
                        Ok(()) => {
                            lines.push(format!(
                                "file descriptor limit raised from {soft} to {wanted}"
                            ));
                            wanted
                        }
                        Err(e) => {
                            lines.push(format!(
                                "cannot raise the file descriptor limit from {soft} to {wanted}: {e}"
                            ));
                            soft
                        }
                    }
                }
            }
            Err(e) => {
                lines.push(format!("cannot read the file descriptor limit: {e}"));
                return lines;
            }
        };
        let fitted = connections_that_fit(self.max_connections, listeners, descriptors);
        if fitted < self.max_connections {
            lines.push(format!(
                "--max-connections {} on {listeners} listener(s) needs {} file descriptors with {SPARE_DESCRIPTORS} spare, and the limit is {descriptors} (ulimit -n): serving with --max-connections {fitted}",
                self.max_connections,
                self.max_connections * listeners + SPARE_DESCRIPTORS
            ));
            self.max_connections = fitted;
        }
        lines
    }
}

/// The most connections per listener that `listeners` listeners can hold within
/// `descriptors`, keeping [`SPARE_DESCRIPTORS`]; at most `wanted`, at least 1.
fn connections_that_fit(wanted: u64, listeners: u64, descriptors: u64) -> u64 {
    let room = descriptors.saturating_sub(SPARE_DESCRIPTORS) / listeners.max(1);
    wanted.min(room).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_stay_below_the_descriptor_limit() {
        assert_eq!(connections_that_fit(1024, 2, 1_048_576), 1024);
        assert_eq!(connections_that_fit(1024, 2, 2304), 1024);
        assert_eq!(connections_that_fit(1024, 2, 1024), 384);
        assert_eq!(connections_that_fit(1024, 1, 100), 1);
    }
}
