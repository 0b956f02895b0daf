//! The PowerDNS endpoints.

use serde_json::json;

use super::{ACME, ADMIN, World};

const ZONE_URL: &str = "/api/v1/servers/localhost/zones/example.com.";

fn patch(rrsets: serde_json::Value) -> String {
    json!({ "rrsets": rrsets }).to_string()
}

#[test]
fn discovery_endpoints_answer_as_powerdns_does() {
    let world = World::new();
    let api = world.call("GET", "/api", Some(ADMIN), "");
    assert_eq!(api.body, json!([{"url": "/api/v1", "version": 1}]));
    let servers = world.call("GET", "/api/v1/servers", Some(ADMIN), "");
    assert_eq!(servers.body[0]["id"], "localhost");
    let server = world.call("GET", "/api/v1/servers/localhost", Some(ADMIN), "");
    assert_eq!(server.body["daemon_type"], "authoritative");
    assert_eq!(server.body["version"], "4.9.0-flatapex");
    assert_eq!(server.content_type, "application/json");
}

#[test]
fn a_zone_is_listed_and_read_with_and_without_its_trailing_dot() {
    let world = World::new();
    let list = world.call("GET", "/api/v1/servers/localhost/zones", Some(ADMIN), "");
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_eq!(list.body[0]["id"], "example.com.");
    assert_eq!(list.body[0]["url"], ZONE_URL);
    assert!(
        list.body[0].get("rrsets").is_none(),
        "listings carry no rrsets"
    );
    let zone = world.call(
        "GET",
        "/api/v1/servers/localhost/zones/example.com",
        Some(ADMIN),
        "",
    );
    assert_eq!(zone.status, 200);
    assert_eq!(zone.body["serial"], 10);
    let www = &zone.body["rrsets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "www.example.com.")
        .unwrap();
    assert_eq!(
        www["records"],
        json!([{"content": "192.0.2.1", "disabled": false}])
    );
    assert_eq!(www["comments"], json!([]));
    let one = world.call(
        "GET",
        &format!("{ZONE_URL}?rrset_name=www.example.com.&rrset_type=A"),
        Some(ADMIN),
        "",
    );
    assert_eq!(one.body["rrsets"].as_array().unwrap().len(), 1);
    let missing = world.call(
        "GET",
        "/api/v1/servers/localhost/zones/example.org.",
        Some(ADMIN),
        "",
    );
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body,
        json!({"error": "Could not find domain 'example.org.'"})
    );
    assert_eq!(missing.content_type, "application/json");
}

#[test]
fn a_patch_applies_every_changetype_bumps_the_serial_once_and_is_logged() {
    let world = World::new();
    let body = patch(json!([
        {"name": "example.com.", "type": "ALIAS", "changetype": "replace", "ttl": 300,
         "records": [{"content": "app.cloud.example.", "disabled": false}], "comments": []},
        {"name": "example.com.", "type": "MX", "changetype": "REPLACE", "ttl": 3600,
         "records": [{"content": "10 mail.example.com."}]},
        {"name": "example.com.", "type": "TXT", "changetype": "EXTEND", "ttl": 60,
         "records": [{"content": "\"v=spf1 -all\""}]},
        {"name": "docs.example.com.", "type": "CNAME", "changetype": "Replace", "ttl": 60,
         "records": [{"content": "www.example.com."}], "unknown": "ignored"},
        {"name": "www.example.com.", "type": "A", "changetype": "DELETE", "ttl": 1, "records": []},
    ]));
    let got = world.call("PATCH", ZONE_URL, Some(ADMIN), &body);
    assert_eq!(got.status, 204, "{}", got.body);
    assert_eq!(world.serial(), 11, "one change, one serial");
    assert_eq!(
        world.rrset("example.com.", "ALIAS").0,
        ["app.cloud.example."]
    );
    assert_eq!(
        world.rrset("example.com.", "MX").0,
        ["10 mail.example.com."]
    );
    assert_eq!(world.rrset("example.com.", "TXT").0, ["\"v=spf1 -all\""]);
    assert_eq!(
        world.rrset("docs.example.com.", "CNAME").0,
        ["www.example.com."]
    );
    assert!(world.rrset("www.example.com.", "A").0.is_empty());
    let audit = got.audit.unwrap();
    assert_eq!(audit["key"], "admin");
    assert_eq!(
        (audit["old_serial"].as_u64(), audit["new_serial"].as_u64()),
        (Some(10), Some(11))
    );
    assert_eq!(audit["changes"].as_array().unwrap().len(), 5);
    let text = world.text("example.com.").unwrap();
    assert!(
        text.contains("example.com. 300 IN ALIAS app.cloud.example."),
        "{text}"
    );
    let prune = patch(
        json!([{"name": "example.com.", "type": "TXT", "changetype": "PRUNE",
        "records": [{"content": "\"v=spf1 -all\""}]}]),
    );
    assert_eq!(
        world.call("PATCH", ZONE_URL, Some(ADMIN), &prune).status,
        204
    );
    assert!(world.rrset("example.com.", "TXT").0.is_empty());
}

#[test]
fn a_refused_patch_names_the_rule_and_changes_nothing() {
    let world = World::new();
    let before = world.text("example.com.");
    let cases = [
        ("{not json", 400, "not the JSON expected"),
        (
            r#"{"rrsets": [{"name": "www.example.com."}]}"#,
            400,
            "missing field `type`",
        ),
        (
            &patch(
                json!([{"name": "www.example.com.", "type": "NOPE", "changetype": "REPLACE", "ttl": 1, "records": []}]),
            ),
            422,
            "NOPE",
        ),
        (
            &patch(
                json!([{"name": "www.example.com.", "type": "A", "changetype": "REPLACE", "ttl": 1, "records": [{"content": "192.0.2.300"}]}]),
            ),
            422,
            "192.0.2.300",
        ),
        (
            &patch(
                json!([{"name": "www.example.com.", "type": "CNAME", "changetype": "REPLACE", "ttl": 1, "records": [{"content": "example.net."}]}]),
            ),
            422,
            "CNAME",
        ),
        (
            &patch(
                json!([{"name": "www.example.org.", "type": "A", "changetype": "REPLACE", "ttl": 1, "records": [{"content": "192.0.2.1"}]}]),
            ),
            422,
            "outside zone example.com.",
        ),
        (
            &patch(
                json!([{"name": "example.com.", "type": "ALIAS", "changetype": "REPLACE", "ttl": 1, "records": [{"content": "a.example."}, {"content": "b.example."}]}]),
            ),
            422,
            "ALIAS",
        ),
        (
            &patch(json!([{"name": "example.com.", "type": "SOA", "changetype": "DELETE"}])),
            422,
            "no SOA",
        ),
        (
            &patch(
                json!([{"name": "www.example.com.", "type": "A", "changetype": "UPSERT", "ttl": 1, "records": []}]),
            ),
            422,
            "UPSERT",
        ),
        (
            &patch(
                json!([{"name": "www.example.com.", "type": "A", "changetype": "REPLACE", "records": []}]),
            ),
            422,
            "no \"ttl\"",
        ),
        (
            &patch(
                json!([{"name": "www.example.com.", "type": "A", "changetype": "REPLACE", "ttl": -1, "records": []}]),
            ),
            422,
            "TTL -1",
        ),
        (
            &patch(
                json!([{"name": "www.example.com.", "type": "A", "changetype": "REPLACE", "ttl": 1, "records": [{"content": "192.0.2.9", "disabled": true}]}]),
            ),
            422,
            "disabled",
        ),
        (
            &patch(
                json!([{"name": "www.example.com.", "type": "A", "changetype": "DELETE"}, {"name": "WWW.example.com.", "type": "A", "changetype": "DELETE"}]),
            ),
            422,
            "changed twice",
        ),
    ];
    for (body, status, needle) in cases {
        let got = world.call("PATCH", ZONE_URL, Some(ADMIN), body);
        assert_eq!(got.status, status, "{body}: {}", got.body);
        let error = got.body["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(needle),
            "{body}: {error:?} should name {needle:?}"
        );
        assert_eq!(got.content_type, "application/json");
        assert!(got.audit.is_none());
        assert_eq!(
            world.text("example.com."),
            before,
            "{body} changed the zone"
        );
    }
    assert_eq!(world.serial(), 10);
}

#[test]
fn keys_are_checked_and_scoped() {
    let world = World::new();
    for key in [None, Some("fapx_wrong_0123456789")] {
        let got = world.call("GET", "/api/v1/servers/localhost/zones", key, "");
        assert_eq!(got.status, 401);
        assert_eq!(got.content_type, "application/json");
    }
    let challenge = patch(
        json!([{"name": "_acme-challenge.www.example.com.", "type": "TXT",
        "changetype": "REPLACE", "ttl": 120, "records": [{"content": "\"token\""}]}]),
    );
    assert_eq!(
        world.call("PATCH", ZONE_URL, Some(ACME), &challenge).status,
        204
    );
    let a_record = patch(
        json!([{"name": "_acme-challenge.www.example.com.", "type": "A",
        "changetype": "REPLACE", "ttl": 120, "records": [{"content": "192.0.2.7"}]}]),
    );
    let refused = world.call("PATCH", ZONE_URL, Some(ACME), &a_record);
    assert_eq!(refused.status, 403);
    assert!(
        refused.body["error"]
            .as_str()
            .unwrap()
            .contains("may not write A records")
    );
    let www = patch(json!([{"name": "www.example.com.", "type": "TXT", "changetype": "DELETE"}]));
    assert_eq!(world.call("PATCH", ZONE_URL, Some(ACME), &www).status, 403);
    assert_eq!(world.call("DELETE", ZONE_URL, Some(ACME), "").status, 403);
    let notify = world.call("PUT", &format!("{ZONE_URL}/notify"), Some(ACME), "");
    assert_eq!(
        notify.status, 200,
        "NOTIFY changes nothing: lego sends it with its key"
    );
    let listed = world.call("GET", "/api/v1/servers/localhost/zones", Some(ACME), "");
    assert_eq!(listed.body.as_array().unwrap().len(), 1, "it sees its zone");
}

#[test]
fn zones_are_created_deleted_exported_and_notified() {
    let world = World::new();
    let body = json!({"name": "example.net.", "kind": "master", "masters": [], "serial": 0,
        "nameservers": ["ns1.example.net."], "soa_edit_api": "default",
        "rrsets": [{"name": "ns1.example.net.", "type": "A", "ttl": 60, "records": [{"content": "192.0.2.2", "disabled": false}]}]});
    let created = world.call(
        "POST",
        "/api/v1/servers/localhost/zones",
        Some(ADMIN),
        &body.to_string(),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["id"], "example.net.");
    let soa = created.body["rrsets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "SOA")
        .unwrap()
        .clone();
    assert_eq!(
        soa["records"][0]["content"],
        "ns1.example.net. hostmaster.example.net. 1 10800 3600 604800 3600"
    );
    let again = world.call(
        "POST",
        "/api/v1/servers/localhost/zones",
        Some(ADMIN),
        &body.to_string(),
    );
    assert_eq!(again.status, 409);
    for bad in [".", "a\\047b.example.", "a=2Fb.example."] {
        let body = json!({"name": bad}).to_string();
        let got = world.call(
            "POST",
            "/api/v1/servers/localhost/zones",
            Some(ADMIN),
            &body,
        );
        assert_eq!(got.status, 422, "{bad}: {}", got.body);
    }
    let slave = json!({"name": "example.info.", "kind": "Slave"}).to_string();
    assert_eq!(
        world
            .call(
                "POST",
                "/api/v1/servers/localhost/zones",
                Some(ADMIN),
                &slave
            )
            .status,
        422
    );
    let export = world.call(
        "GET",
        "/api/v1/servers/localhost/zones/example.net/export",
        Some(ADMIN),
        "",
    );
    let text = export.body["zone"].as_str().unwrap();
    assert!(
        text.contains("ns1.example.net. 60 IN A 192.0.2.2"),
        "{text}"
    );
    let notify = world.call(
        "PUT",
        "/api/v1/servers/localhost/zones/example.net/notify",
        Some(ADMIN),
        "",
    );
    assert_eq!(notify.status, 200);
    assert_eq!(
        world
            .call(
                "PUT",
                "/api/v1/servers/localhost/zones/example.net.",
                Some(ADMIN),
                r#"{"kind":"Master"}"#
            )
            .status,
        204
    );
    let deleted = world.call(
        "DELETE",
        "/api/v1/servers/localhost/zones/example.net.",
        Some(ADMIN),
        "",
    );
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.audit.unwrap()["old_serial"], 1, "the serial it had");
    assert!(world.text("example.net.").is_none());
    assert_eq!(
        world
            .call(
                "DELETE",
                "/api/v1/servers/localhost/zones/example.net.",
                Some(ADMIN),
                ""
            )
            .status,
        404
    );
    assert_eq!(
        world
            .call("POST", "/api/v1/servers/localhost", Some(ADMIN), "")
            .status,
        405
    );
}
