//! Zone files imported through the PowerDNS API: `PUT …/import` and `POST …/zones` with
//! `"zone"`, checked as `flatapex check` checks a file, every error with its line.

use serde_json::json;

use super::{ACME, ADMIN, World};

const IMPORT_URL: &str = "/api/v1/servers/localhost/zones/example.com./import";
const ZONES_URL: &str = "/api/v1/servers/localhost/zones";

/// A file for example.com.: serial 5 (below the 10 served), an ALIAS, and an MX whose in-zone
/// target does not exist (a warning, at line 6).
const FILE: &str = "$TTL 300
@ IN SOA ns1 hostmaster 5 7200 3600 1209600 300
@ IN NS ns1
ns1 IN A 192.0.2.53
@ IN ALIAS lb.provider.test.
@ IN MX 10 nomail
api 60 IN A 192.0.2.80
";

#[test]
fn an_import_replaces_the_records_and_goes_one_serial_up() {
    let world = World::new();
    let got = world.call_typed("PUT", IMPORT_URL, Some(ADMIN), FILE, Some("text/plain"));
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(
        got.body["serial"], 11,
        "the file's 5 is not above 10: one up"
    );
    assert_eq!(got.body["record_count"], 6);
    assert_eq!(got.body["alias_count"], 1);
    let warnings = got.body["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].as_str().unwrap().starts_with("line 6: "),
        "{warnings:?}"
    );
    assert_eq!(world.serial(), 11);
    assert!(
        world.rrset("www.example.com.", "A").0.is_empty(),
        "replaced"
    );
    assert_eq!(
        world.rrset("api.example.com.", "A"),
        (vec!["192.0.2.80".to_string()], Some(60))
    );
    assert_eq!(
        world.rrset("example.com.", "ALIAS").0,
        ["lb.provider.test."]
    );
    let audit = got.audit.unwrap();
    assert_eq!(audit["changes"][0]["op"], "IMPORT");
    assert_eq!(
        (audit["old_serial"].as_u64(), audit["new_serial"].as_u64()),
        (Some(10), Some(11))
    );
    let listed = world.call("GET", ZONES_URL, Some(ADMIN), "");
    assert_eq!(listed.body[0]["record_count"], 6);
    assert_eq!(listed.body[0]["alias_count"], 1);
}

#[test]
fn an_import_in_json_keeps_a_higher_file_serial() {
    let world = World::new();
    let file = FILE.replace(" 5 7200", " 2024010101 7200");
    let body = json!({ "zone": file }).to_string();
    let got = world.call("PUT", IMPORT_URL, Some(ADMIN), &body);
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["serial"], 2024010101u64);
    let typed = world.call_typed(
        "PUT",
        IMPORT_URL,
        Some(ADMIN),
        &body,
        Some("application/json; charset=utf-8"),
    );
    assert_eq!(typed.body["serial"], 2024010102u64, "the same file again");
}

#[test]
fn every_error_of_a_file_is_reported_with_its_line_and_nothing_changes() {
    let world = World::new();
    let before = world.text("example.com.");
    let file = "$TTL 300
@ IN SOA ns1 hostmaster 5 7200 3600 1209600 300
www IN A 300.1.2.3
@ IN NS ns1
ns1 IN A 192.0.2.53
; a comment
bad IN MX mail
";
    let got = world.call_typed("PUT", IMPORT_URL, Some(ADMIN), file, Some("text/plain"));
    assert_eq!(got.status, 422, "{}", got.body);
    let errors = got.body["errors"].as_array().unwrap();
    let lines: Vec<u64> = errors.iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 7], "{}", got.body);
    let message = got.body["error"].as_str().unwrap();
    assert!(message.starts_with("line 3: "), "{message}");
    assert!(message.contains("; line 7: "), "{message}");
    assert!(message.contains("300.1.2.3"), "names the value: {message}");
    assert_eq!(world.text("example.com."), before);
    assert!(got.audit.is_none());
}

#[test]
fn an_import_is_refused_for_other_zones_keys_and_files() {
    let world = World::new();
    let missing = world.call_typed(
        "PUT",
        "/api/v1/servers/localhost/zones/example.org./import",
        Some(ADMIN),
        &FILE.replace("@", "example.org."),
        Some("text/plain"),
    );
    assert_eq!(missing.status, 404, "{}", missing.body);
    let scoped = world.call_typed("PUT", IMPORT_URL, Some(ACME), FILE, Some("text/plain"));
    assert_eq!(scoped.status, 403, "{}", scoped.body);
    let elsewhere = "other.test. 300 IN SOA ns1.other.test. h.other.test. 1 2 3 4 5\n";
    let wrong = world.call_typed("PUT", IMPORT_URL, Some(ADMIN), elsewhere, None);
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    let include = world.call_typed(
        "PUT",
        IMPORT_URL,
        Some(ADMIN),
        "$INCLUDE /etc/passwd\n",
        Some("text/plain"),
    );
    assert_eq!(include.status, 422, "{}", include.body);
    let errors = include.body["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["line"] == 1 && e["message"].as_str().unwrap().contains("$INCLUDE")),
        "{}",
        include.body
    );
    let get = world.call("GET", IMPORT_URL, Some(ADMIN), "");
    assert_eq!(get.status, 405);
}

#[test]
fn a_zone_is_created_from_a_file_but_not_from_a_file_and_rrsets() {
    let world = World::new();
    let file = "$TTL 300
@ IN SOA ns1 hostmaster 7 7200 3600 1209600 300
@ IN NS ns1
ns1 IN A 192.0.2.53
www IN ALIAS lb.provider.test.
";
    let body = json!({"name": "new.test.", "kind": "Native", "zone": file}).to_string();
    let created = world.call("POST", ZONES_URL, Some(ADMIN), &body);
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["serial"], 7);
    assert_eq!(created.body["alias_count"], 1);
    assert_eq!(created.body["record_count"], 4);
    assert!(
        world
            .text("new.test.")
            .unwrap()
            .contains("www.new.test. 300 IN ALIAS lb.provider.test."),
        "{:?}",
        world.text("new.test.")
    );
    let both = json!({"name": "two.test.", "zone": file,
        "rrsets": [{"name": "two.test.", "type": "A", "ttl": 60,
                    "records": [{"content": "192.0.2.1"}]}]});
    let refused = world.call("POST", ZONES_URL, Some(ADMIN), &both.to_string());
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(world.text("two.test.").is_none());
    let broken = json!({"name": "three.test.", "zone": "@ IN A 192.0.2.1\n"});
    let refused = world.call("POST", ZONES_URL, Some(ADMIN), &broken.to_string());
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body["errors"].is_array(), "{}", refused.body);
}
