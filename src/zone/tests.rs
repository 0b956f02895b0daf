//! Unit tests for reading and validating zone files: each rule, each error with its line.
//! Reading (directives, names, types, syntax errors) is in `tests/reading.rs`; the validation
//! rules in `tests/rules.rs`.

mod reading;
mod rules;

use std::str::FromStr;

use hickory_proto::rr::Name;

use super::*;

fn name(s: &str) -> Name {
    Name::from_str(s).unwrap()
}

fn load(text: &str) -> Result<Loaded, ZoneErrors> {
    load_zone("t.zone", text, &name("example.com."), None, &NoIncludes)
}

/// Loads `text` and returns "line: message" for each problem of `severity`: errors must stop
/// the zone from loading, warnings must not.
fn problems(text: &str, severity: Severity) -> Vec<String> {
    let found = match (load(text), severity) {
        (Err(errors), Severity::Error) => errors.0,
        (Ok(loaded), Severity::Warning) => loaded.warnings,
        (result, _) => panic!("the zone should give {severity:?}s: {result:?}"),
    };
    found
        .iter()
        .filter(|p| p.severity == severity)
        .map(|p| {
            format!(
                "{}: {}",
                p.line.map_or("-".into(), |l| l.to_string()),
                p.message
            )
        })
        .collect()
}

/// The errors of a zone that must fail to load.
fn errors(text: &str) -> Vec<String> {
    problems(text, Severity::Error)
}

/// The warnings of a zone that must load.
fn warnings(text: &str) -> Vec<String> {
    problems(text, Severity::Warning)
}

const HEAD: &str =
    "$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 900 1209600 600\n@ NS ns1\nns1 A 192.0.2.53\n";

fn zone(body: &str) -> String {
    format!("{HEAD}{body}")
}
