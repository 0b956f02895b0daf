//! SOA serial arithmetic (RFC 1982 §3): comparison on a 32-bit circle, and the next serial to
//! serve when flattened data changes (never below the zone file's serial).

/// Whether `a` is greater than `b` in serial number arithmetic (RFC 1982 §3.2).
pub fn serial_gt(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000_0000
}

/// The serial to serve after a change: one more than the one served (RFC 1982 §3.1, wrapping),
/// or the file's serial if that is already greater.
pub fn next_serial(served: u32, file: u32) -> u32 {
    let next = served.wrapping_add(1);
    if serial_gt(file, next) { file } else { next }
}

/// The SOA serial served for a zone, and the zone file's serial it was served for: flattened
/// ALIAS changes lift the served serial above the file's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Served {
    /// The SOA serial served.
    pub serial: u32,
    /// The zone file's serial at the time.
    pub file: u32,
}

impl Served {
    /// The serial to serve for a file with serial `file`, after `this` (RFC 1982 arithmetic): a
    /// greater file serial wins; the same file keeps the served serial; a changed file whose
    /// serial is not above the served one goes one above it, so secondaries that hold the served
    /// serial still see the change.
    pub fn for_file(this: Option<Served>, file: u32) -> Served {
        match this {
            Some(s) if !serial_gt(file, s.serial) && file == s.file => s,
            Some(s) if !serial_gt(file, s.serial) => Served {
                serial: next_serial(s.serial, file),
                file,
            },
            _ => Served { serial: file, file },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1982_comparison_and_bumps() {
        assert!(serial_gt(2, 1));
        assert!(!serial_gt(1, 2));
        assert!(serial_gt(0, u32::MAX), "wraps");
        assert!(!serial_gt(5, 5));
        assert_eq!(next_serial(7, 3), 8);
        assert_eq!(
            next_serial(u32::MAX, 3),
            3,
            "wraps to 0, but the file's 3 is greater"
        );
        assert_eq!(next_serial(7, 20), 20, "never below the file's serial");
    }

    #[test]
    fn a_changed_file_never_goes_back_to_a_serial_already_served() {
        let served = |serial, file| Some(Served { serial, file });
        // (served before, file serial now, served after, why)
        let cases = [
            (None, 7, (7, 7), "a first load serves the file's serial"),
            (
                served(12, 10),
                10,
                (12, 10),
                "the same file keeps its bumped serial (a restart)",
            ),
            (
                served(9, 7),
                8,
                (10, 8),
                "a changed file below the served serial goes above it",
            ),
            (
                served(9, 7),
                9,
                (10, 9),
                "equal to the served serial is not above it",
            ),
            (served(12, 10), 15, (15, 15), "a newer file wins"),
            (served(9, 7), 20, (20, 20), "a greater file serial wins"),
            (
                served(u32::MAX, 5),
                6,
                (6, 6),
                "RFC 1982: 6 is above u32::MAX",
            ),
        ];
        for (before, file, (serial, kept_file), why) in cases {
            assert_eq!(
                Served::for_file(before, file),
                Served {
                    serial,
                    file: kept_file
                },
                "{why}"
            );
        }
    }
}
