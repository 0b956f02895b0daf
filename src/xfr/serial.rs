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

/// The serial to serve for a zone loaded with `file`, given the last one served: the file's,
/// unless a bumped serial already served is greater.
pub fn serial_to_serve(file: u32, served: Option<u32>) -> u32 {
    match served {
        Some(s) if serial_gt(s, file) => s,
        _ => file,
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
        assert_eq!(serial_to_serve(10, Some(12)), 12);
        assert_eq!(serial_to_serve(15, Some(12)), 15, "a newer file wins");
        assert_eq!(serial_to_serve(15, None), 15);
    }
}
