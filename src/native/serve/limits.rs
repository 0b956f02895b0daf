//! The file descriptors that the limits of `flatapex serve` ([`ServerLimits`], in the settings
//! model; docs/ARCHITECTURE.md, "The native shell") need: the soft limit is raised to the hard
//! one, and `--max-connections` lowered if the listeners full of connections would not fit.

use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit, setrlimit};

use crate::settings::ServerLimits;

/// File descriptors kept for everything but client connections: the listeners, zone files and
/// reloads, upstream and NOTIFY sockets, the state file.
pub const SPARE_DESCRIPTORS: u64 = 256;

/// The highest soft descriptor limit asked for (Linux's default `fs.nr_open`).
const MOST_DESCRIPTORS: u64 = 1 << 20;

/// Raises the soft file-descriptor limit to the hard one, then lowers `max_connections` if
/// `listeners` listeners full of connections would not leave [`SPARE_DESCRIPTORS`]; returns
/// what to log.
pub fn fit_descriptors(limits: &mut ServerLimits, listeners: u64) -> Vec<String> {
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
    let fitted = connections_that_fit(limits.max_connections, listeners, descriptors);
    if fitted < limits.max_connections {
        lines.push(format!(
                "--max-connections {} on {listeners} listener(s) needs {} file descriptors with {SPARE_DESCRIPTORS} spare, and the limit is {descriptors} (ulimit -n): serving with --max-connections {fitted}",
                limits.max_connections,
                limits.max_connections * listeners + SPARE_DESCRIPTORS
            ));
        limits.max_connections = fitted;
    }
    lines
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
