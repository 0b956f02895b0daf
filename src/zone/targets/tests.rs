//! The in-zone target warnings: a missing trailing dot is caught; names that exist as empty
//! non-terminals, through a wildcard, below a cut or DNAME, and "no service" targets are not.

use std::str::FromStr;

use hickory_proto::rr::Name;

use crate::zone::{NoIncludes, load_zone};

fn warnings(body: &str) -> Vec<String> {
    let text = format!(
        "$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 900 1209600 600\n@ NS ns1\nns1 A 192.0.2.53\n{body}"
    );
    let origin = Name::from_str("example.com.").unwrap();
    let loaded = load_zone("t.zone", &text, &origin, None, &NoIncludes).expect("loads");
    loaded.warnings.iter().map(ToString::to_string).collect()
}

#[test]
fn an_alias_without_its_trailing_dot_is_reported_with_its_line() {
    assert_eq!(
        warnings("api ALIAS edge.example.net\n"),
        [
            "t.zone:5: warning: ALIAS target edge.example.net.example.com. does not exist in the \
          zone; a name without a trailing dot is relative to the origin example.com. (RFC 1035 §5.1)"
        ]
    );
}

#[test]
fn cname_mx_srv_and_ns_targets_that_do_not_exist_are_reported() {
    let found = warnings(
        "www CNAME web.example.org\n@ MX 10 mx.example.org\n_sip._tcp SRV 0 0 5060 sip\nsub NS ns.sub\n",
    );
    let targets: Vec<&str> = found
        .iter()
        .map(|w| {
            w.split(" target ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(
        targets,
        [
            "web.example.org.example.com.",
            "mx.example.org.example.com.",
            "sip.example.com.",
            "ns.sub.example.com."
        ],
        "{found:?}"
    );
    // Glue missing below a cut is named as such.
    assert!(found[3].contains("has no A or AAAA record"), "{found:?}");
}

#[test]
fn targets_that_exist_in_any_form_are_not_reported() {
    let found = warnings(
        "www CNAME a.b\nx.a.b A 192.0.2.1\n\
         mx MX 10 host.wild\n*.wild A 192.0.2.2\n\
         srv SRV 0 0 0 .\nnull MX 0 .\n\
         alias ALIAS www.example.net.\n\
         d DNAME example.net.\nto-d CNAME x.d\n\
         sub NS ns1.example.net.\nin-sub CNAME host.sub\n",
    );
    assert!(found.is_empty(), "{found:?}");
}
