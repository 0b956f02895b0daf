//! The DNS JSON API, shaped like Cloudflare's and Google's (`application/dns-json`): a query
//! from `?name=&type=`, and the response message rendered as JSON with serde.

use std::str::FromStr;

use hickory_proto::op::{Edns, Message, Query};
use hickory_proto::rr::{Name, Record, RecordType};
use serde::Serialize;

use crate::answer::Ede;
use crate::zone::names::text_to_name;
use crate::zone::text::rdata_text;

/// A JSON API query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonQuery {
    /// The name asked for, case kept.
    pub name: Name,
    /// The type asked for (default A).
    pub qtype: RecordType,
    /// `do=1`: DNSSEC records wanted (sets the EDNS DO bit).
    pub dnssec_ok: bool,
    /// `cd=1`: checking disabled.
    pub checking_disabled: bool,
}

fn flag(value: Option<&str>) -> bool {
    matches!(value, Some("1" | "true"))
}

impl JsonQuery {
    /// Reads the query parameters; the error is the 400 reason.
    pub fn from_params(
        name: Option<&str>,
        qtype: Option<&str>,
        dnssec_ok: Option<&str>,
        checking_disabled: Option<&str>,
    ) -> Result<Self, String> {
        let name = name
            .filter(|n| !n.is_empty())
            .ok_or("missing the name parameter")?;
        let name =
            text_to_name(name).map_err(|e| format!("name {name:?} is not a domain name: {e}"))?;
        let qtype = match qtype {
            None | Some("") => RecordType::A,
            Some(t) => match t.parse::<u16>() {
                Ok(code) => RecordType::from(code),
                Err(_) => RecordType::from_str(&t.to_ascii_uppercase())
                    .map_err(|_| format!("type {t:?} is not a record type"))?,
            },
        };
        Ok(JsonQuery {
            name,
            qtype,
            dnssec_ok: flag(dnssec_ok),
            checking_disabled: flag(checking_disabled),
        })
    }

    /// The query as a wire message (ID 0, RD set as a stub would, EDNS with a 1232 buffer).
    pub fn to_wire(&self) -> Vec<u8> {
        let mut message = Message::query();
        message.metadata.recursion_desired = true;
        message.metadata.checking_disabled = self.checking_disabled;
        message.add_query(Query::query(self.name.clone(), self.qtype));
        let mut edns = Edns::new();
        edns.set_max_payload(1232);
        edns.set_dnssec_ok(self.dnssec_ok);
        message.edns = Some(edns);
        message.to_vec().unwrap_or_default()
    }
}

#[derive(Serialize)]
#[allow(non_snake_case)]
struct JsonMessage {
    Status: u16,
    TC: bool,
    RD: bool,
    RA: bool,
    AD: bool,
    CD: bool,
    Question: Vec<JsonQuestion>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    Answer: Vec<JsonRecord>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    Authority: Vec<JsonRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    Comment: Option<String>,
}

#[derive(Serialize)]
struct JsonQuestion {
    name: String,
    #[serde(rename = "type")]
    rtype: u16,
}

#[derive(Serialize)]
#[allow(non_snake_case)]
struct JsonRecord {
    name: String,
    #[serde(rename = "type")]
    rtype: u16,
    TTL: u32,
    data: String,
}

fn records(section: &[Record]) -> Vec<JsonRecord> {
    section
        .iter()
        .filter(|r| r.record_type() != RecordType::OPT)
        .map(|r| JsonRecord {
            name: r.name.to_string(),
            rtype: u16::from(r.record_type()),
            TTL: r.ttl,
            data: rdata_text(&r.data),
        })
        .collect()
}

/// Renders a wire response as the JSON API body. EDE text (RFC 8914) becomes `Comment`.
pub fn json_body(response: &[u8]) -> Vec<u8> {
    let Ok(message) = Message::from_vec(response) else {
        return b"{\"Status\":2,\"Comment\":\"unreadable response\"}".to_vec();
    };
    let m = &message.metadata;
    let comment = Ede::of_message(&message).map(|ede| format!("EDE {}: {}", ede.code, ede.text));
    let body = JsonMessage {
        Status: u16::from(m.response_code),
        TC: m.truncation,
        RD: m.recursion_desired,
        RA: m.recursion_available,
        AD: m.authentic_data,
        CD: m.checking_disabled,
        Question: message
            .queries
            .iter()
            .map(|q| JsonQuestion {
                name: q.name().to_string(),
                rtype: u16::from(q.query_type()),
            })
            .collect(),
        Answer: records(&message.answers),
        Authority: records(&message.authorities),
        Comment: comment,
    };
    serde_json::to_vec(&body).unwrap_or_default()
}
