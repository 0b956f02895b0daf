//! Turning edited RRsets into the next zone: the SOA serial goes up (RFC 1982), and the text is
//! loaded by [`load_zone`], the reader and rules of `flatapex check`, so the API accepts
//! exactly what a zone file may hold. What it refuses is a 422 naming the record and the rule.

use hickory_proto::rr::Name;

use super::content::ZoneContent;
use super::error::ApiError;
use crate::xfr::serial::{next_serial, serial_gt};
use crate::zone::{NoIncludes, Problem, Zone, load_zone};

/// A change that loaded: the zone to serve and the text to store.
#[derive(Clone, Debug)]
pub struct Committed {
    /// The zone, built from `text`.
    pub zone: Zone,
    /// The zone as master-file text: what the store keeps.
    pub text: String,
    /// The serial served before, if the zone existed.
    pub old_serial: Option<u32>,
    /// The serial the change is served at.
    pub new_serial: u32,
    /// Warnings `flatapex check` would print (nothing here stopped the change).
    pub warnings: Vec<String>,
}

/// The serial for edited content: the client's SOA serial if it is above the one served
/// (RFC 1982 §3.2), else one above the served serial ([`next_serial`]). A new zone keeps its
/// serial, or starts at 1.
fn serial_after(content_serial: u32, served: Option<u32>) -> u32 {
    match served {
        Some(served) if serial_gt(content_serial, served) => content_serial,
        Some(served) => next_serial(served, content_serial),
        None if content_serial == 0 => 1,
        None => content_serial,
    }
}

/// Builds the zone `content` describes, after `current` (the zone served now, if any).
pub fn commit(current: Option<&Zone>, mut content: ZoneContent) -> Result<Committed, ApiError> {
    let apex = content.apex.clone();
    let Some(soa) = content.soa().cloned() else {
        return Err(ApiError::invalid(format!(
            "zone {apex} would have no SOA record; a zone needs exactly one, at its apex"
        )));
    };
    if soa.contents.len() != 1 {
        return Err(ApiError::invalid(format!(
            "the SOA RRset of {apex} must hold exactly one record, not {}",
            soa.contents.len()
        )));
    }
    let old_serial = current.map(Zone::serial);
    let new_serial = serial_after(soa_serial(&soa.contents[0])?, old_serial);
    let mut fields: Vec<&str> = soa.contents[0].split_whitespace().collect();
    let serial_text = new_serial.to_string();
    fields[2] = &serial_text;
    let bumped = fields.join(" ");
    content.put(super::content::RrSet {
        contents: vec![bumped],
        ..soa
    });
    let (text, lines) = content.to_text();
    let file = "api";
    match load_zone(file, &text, &Name::root(), Some(&apex), &NoIncludes) {
        Ok(loaded) => Ok(Committed {
            zone: loaded.zone,
            text,
            old_serial,
            new_serial,
            warnings: loaded
                .warnings
                .iter()
                .map(|p| describe(p, &lines))
                .collect(),
        }),
        Err(errors) => {
            let reasons: Vec<String> = errors
                .0
                .iter()
                .filter(|p| p.is_error())
                .map(|p| describe(p, &lines))
                .collect();
            Err(ApiError::invalid(reasons.join("; ")))
        }
    }
}

/// A problem with the record it concerns instead of a line of generated text.
fn describe(problem: &Problem, lines: &[(String, String)]) -> String {
    match problem.line.and_then(|line| lines.get(line)) {
        Some((owner, rtype)) if !owner.is_empty() => {
            format!("{owner} {rtype}: {}", problem.message)
        }
        _ => problem.message.clone(),
    }
}

/// The serial field of SOA content in presentation form (RFC 1035 §3.3.13).
fn soa_serial(content: &str) -> Result<u32, ApiError> {
    let fields: Vec<&str> = content.split_whitespace().collect();
    match fields.get(2).map(|s| s.parse::<u32>()) {
        Some(Ok(serial)) if fields.len() == 7 => Ok(serial),
        _ => Err(ApiError::invalid(format!(
            "SOA content {content:?} is not `mname rname serial refresh retry expire minimum`"
        ))),
    }
}

/// The content of a new zone's SOA when the client gives none: the first name server (or
/// PowerDNS's placeholder), `hostmaster.<zone>`, serial 1, and PowerDNS's default timers.
pub fn default_soa(apex: &Name, nameservers: &[Name]) -> String {
    let primary = nameservers.first().map_or_else(
        || "a.misconfigured.dns.server.invalid.".to_string(),
        super::content::owner_text,
    );
    let hostmaster = Name::from_ascii("hostmaster")
        .and_then(|h| h.append_domain(apex))
        .map_or_else(|_| apex.to_string(), |n| super::content::owner_text(&n));
    format!("{primary} {hostmaster} 1 10800 3600 604800 3600")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_follow_rfc_1982() {
        assert_eq!(serial_after(5, Some(5)), 6, "unchanged SOA: one up");
        assert_eq!(serial_after(3, Some(5)), 6, "a lower client serial: one up");
        assert_eq!(serial_after(9, Some(5)), 9, "a higher client serial wins");
        assert_eq!(
            serial_after(u32::MAX, Some(u32::MAX)),
            0,
            "wraps (RFC 1982 §3.1)"
        );
        assert_eq!(serial_after(0, None), 1);
        assert_eq!(serial_after(2024010101, None), 2024010101);
    }
}
