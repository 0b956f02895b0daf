//! API keys with least privilege: each key has a name and may be limited to zones, and within
//! them to owner names (glob patterns) and record types. A key that may only write TXT at
//! `_acme-challenge.*` is the one to hand to certbot or cert-manager.
//!
//! Keys are JSON lines: the native server reads them from `--api-keys FILE`, the Worker from
//! the `FLATAPEX_API_KEYS` secret. Presented keys are compared with every key in constant time
//! (`subtle`), so timing tells nothing about any of them.

use hickory_proto::rr::Name;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use wildmatch::WildMatch;

use super::content::{owner_text, type_code, type_name};
use super::error::ApiError;
use crate::zone::names::text_to_name;

/// The longest secret: every comparison runs over this many bytes, so its time tells nothing,
/// not even a key's length.
pub const MAX_SECRET: usize = 256;

/// Whether `a` equals `b` (each at most [`MAX_SECRET`] bytes), in time that depends on neither
/// (`subtle`'s slice comparison returns early on a length that differs).
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let byte = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let mut same = (a.len() as u64).ct_eq(&(b.len() as u64));
    for i in 0..MAX_SECRET {
        same &= byte(a, i).ct_eq(&byte(b, i));
    }
    bool::from(same)
}

/// The prefix of every key flatapex makes, so a leaked one is easy to recognise.
pub const KEY_PREFIX: &str = "fapx_";

/// One key as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyLine {
    /// Who holds the key; it names the key in the change log.
    pub name: String,
    /// The secret the client presents.
    pub key: String,
    /// The zones it may touch; empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
    /// Owner-name patterns (`*` matches any run of characters) it may write; empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Record types it may write; empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
}

/// A key, checked and ready to authorise with. Its `Debug` leaves the secret out.
#[derive(Clone)]
pub struct ApiKey {
    /// The key's name.
    pub name: String,
    secret: Vec<u8>,
    zones: Vec<Name>,
    names: Vec<WildMatch>,
    name_patterns: Vec<String>,
    types: Vec<u16>,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("name", &self.name)
            .field("zones", &self.zones)
            .field("names", &self.name_patterns)
            .field("types", &self.types)
            .finish_non_exhaustive()
    }
}

/// Absolute, lowercased presentation text of a name for matching.
fn match_text(name: &Name) -> String {
    owner_text(name).to_ascii_lowercase()
}

impl ApiKey {
    /// Checks a stored key line.
    pub fn from_line(line: &KeyLine) -> Result<ApiKey, String> {
        let what = format!("key {:?}", line.name);
        if line.name.trim().is_empty() {
            return Err("a key with an empty name".into());
        }
        if line.key.len() < 16 || line.key.len() > MAX_SECRET {
            return Err(format!(
                "{what}: the secret must have 16 to {MAX_SECRET} characters"
            ));
        }
        let zones = line
            .zones
            .iter()
            .map(|z| text_to_name(z).map_err(|e| format!("{what}: zone {z:?}: {e}")))
            .collect::<Result<_, _>>()?;
        let mut name_patterns = Vec::new();
        for pattern in &line.names {
            let mut p = pattern.to_ascii_lowercase();
            if !p.ends_with('.') {
                p.push('.');
            }
            name_patterns.push(p);
        }
        let types = line
            .types
            .iter()
            .map(|t| type_code(t).map_err(|e| format!("{what}: {e}")))
            .collect::<Result<_, _>>()?;
        Ok(ApiKey {
            name: line.name.clone(),
            secret: line.key.as_bytes().to_vec(),
            zones,
            names: name_patterns.iter().map(|p| WildMatch::new(p)).collect(),
            name_patterns,
            types,
        })
    }

    /// Whether the key may see and edit `apex` at all.
    pub fn may_use_zone(&self, apex: &Name) -> bool {
        self.zones.is_empty() || self.zones.iter().any(|z| z.eq_ignore_root(apex))
    }

    /// Whether the key is limited to some names or types: such a key edits records (and may
    /// ask for NOTIFY), and may not create, delete or re-describe zones.
    pub fn is_record_scoped(&self) -> bool {
        !self.names.is_empty() || !self.types.is_empty()
    }

    /// 403 unless the key may manage (create, delete, re-describe) zone `apex`.
    pub fn check_manage(&self, apex: &Name) -> Result<(), ApiError> {
        if !self.may_use_zone(apex) {
            return Err(self.outside_zone(apex));
        }
        if self.is_record_scoped() {
            return Err(ApiError::forbidden(format!(
                "key {:?} may only write some records, not manage zone {apex}",
                self.name
            )));
        }
        Ok(())
    }

    /// 403 unless the key may write the RRset at `owner` of type `code` in zone `apex`.
    pub fn check_write(&self, apex: &Name, owner: &Name, code: u16) -> Result<(), ApiError> {
        if !self.may_use_zone(apex) {
            return Err(self.outside_zone(apex));
        }
        let text = match_text(owner);
        if !self.names.is_empty() && !self.names.iter().any(|p| p.matches(&text)) {
            return Err(ApiError::forbidden(format!(
                "key {:?} may not write at {text} (allowed: {})",
                self.name,
                self.name_patterns.join(", ")
            )));
        }
        if !self.types.is_empty() && !self.types.contains(&code) {
            let allowed: Vec<String> = self.types.iter().map(|t| type_name(*t)).collect();
            return Err(ApiError::forbidden(format!(
                "key {:?} may not write {} records (allowed: {})",
                self.name,
                type_name(code),
                allowed.join(", ")
            )));
        }
        Ok(())
    }

    /// 403 (as PowerDNS's 404 would leak less, but a clear reason helps the operator) for a
    /// zone outside the key's list.
    pub fn outside_zone(&self, apex: &Name) -> ApiError {
        ApiError::forbidden(format!("key {:?} may not use zone {apex}", self.name))
    }
}

/// Every key the server accepts.
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    keys: Vec<ApiKey>,
}

impl KeyRing {
    /// Reads JSON lines (blank lines and `#` comments skipped), or one JSON array of keys (a
    /// Worker secret is easier to set as one line); an error names the line or the key.
    pub fn parse(source: &str, text: &str) -> Result<KeyRing, String> {
        let lines: Vec<(String, KeyLine)> = if text.trim_start().starts_with('[') {
            let all: Vec<KeyLine> =
                serde_json::from_str(text).map_err(|e| format!("{source}: {e}"))?;
            all.into_iter()
                .enumerate()
                .map(|(i, key)| (format!("{source}: key {}", i + 1), key))
                .collect()
        } else {
            let mut lines = Vec::new();
            for (i, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let at = format!("{source}:{}", i + 1);
                let key = serde_json::from_str(line).map_err(|e| format!("{at}: {e}"))?;
                lines.push((at, key));
            }
            lines
        };
        let mut keys: Vec<ApiKey> = Vec::new();
        for (at, parsed) in lines {
            let key = ApiKey::from_line(&parsed).map_err(|e| format!("{at}: {e}"))?;
            if keys.iter().any(|k| k.name == key.name) {
                return Err(format!("{at}: a second key named {:?}", key.name));
            }
            keys.push(key);
        }
        Ok(KeyRing { keys })
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none (the API is then closed).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key `presented` matches, comparing with every key in constant time.
    pub fn authenticate(&self, presented: &str) -> Option<&ApiKey> {
        let presented = presented.trim().as_bytes();
        if presented.len() > MAX_SECRET {
            return None;
        }
        let mut found = None;
        for key in &self.keys {
            if same_secret(&key.secret, presented) {
                found = Some(key);
            }
        }
        found
    }
}

/// A new key line from 32 random bytes (drawn by the caller: the core has no randomness).
pub fn new_key(
    name: &str,
    zones: Vec<String>,
    names: Vec<String>,
    types: Vec<String>,
    random: [u8; 32],
) -> Result<KeyLine, String> {
    let line = KeyLine {
        name: name.to_string(),
        key: format!(
            "{KEY_PREFIX}{}",
            data_encoding::BASE32_NOPAD
                .encode(&random)
                .to_ascii_lowercase()
        ),
        zones,
        names,
        types,
    };
    ApiKey::from_line(&line)?;
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(lines: &str) -> KeyRing {
        KeyRing::parse("keys", lines).unwrap()
    }

    const ADMIN: &str = r#"{"name":"admin","key":"fapx_admin_0123456789"}"#;
    const ACME: &str = r#"{"name":"acme","key":"fapx_acme_01234567890","zones":["example.com"],"names":["_acme-challenge.*"],"types":["TXT"]}"#;

    #[test]
    fn only_an_exact_key_authenticates() {
        let keys = ring(&format!("# keys\n{ADMIN}\n\n{ACME}\n"));
        assert_eq!(keys.len(), 2);
        let array = ring(&format!("[{ADMIN}, {ACME}]"));
        assert_eq!(
            array.authenticate("fapx_acme_01234567890").unwrap().name,
            "acme"
        );
        assert_eq!(
            keys.authenticate("fapx_admin_0123456789").unwrap().name,
            "admin"
        );
        assert_eq!(
            keys.authenticate(" fapx_acme_01234567890 ").unwrap().name,
            "acme"
        );
        assert!(keys.authenticate("fapx_admin_012345678").is_none());
        assert!(keys.authenticate("fapx_admin_0123456789x").is_none());
        assert!(keys.authenticate("").is_none());
        assert!(keys.authenticate(&"f".repeat(MAX_SECRET + 1)).is_none());
        assert!(same_secret(b"abc", b"abc") && !same_secret(b"abc", b"abc\0"));
    }

    #[test]
    fn a_scoped_key_writes_only_its_names_and_types() {
        let keys = ring(ACME);
        let acme = keys.authenticate("fapx_acme_01234567890").unwrap();
        let apex = text_to_name("example.com.").unwrap();
        let challenge = text_to_name("_acme-challenge.www.Example.com.").unwrap();
        assert!(acme.check_write(&apex, &challenge, 16).is_ok());
        let a = acme.check_write(&apex, &challenge, 1).unwrap_err();
        assert_eq!(a.status, 403);
        assert!(
            a.message.contains("may not write A records (allowed: TXT)"),
            "{a:?}"
        );
        let www = text_to_name("www.example.com.").unwrap();
        let at_www = acme.check_write(&apex, &www, 16).unwrap_err();
        assert!(at_www.message.contains("www.example.com."), "{at_www:?}");
        let other = text_to_name("example.org.").unwrap();
        assert_eq!(
            acme.check_write(&other, &other, 16).unwrap_err().status,
            403
        );
        assert!(
            acme.check_manage(&apex).is_err(),
            "a record key manages no zone"
        );
        let admin = ring(ADMIN);
        let admin = admin.authenticate("fapx_admin_0123456789").unwrap();
        assert!(admin.check_manage(&other).is_ok());
    }

    #[test]
    fn bad_key_files_name_the_line() {
        let short = KeyRing::parse("keys", r#"{"name":"a","key":"short"}"#).unwrap_err();
        assert!(
            short.starts_with("keys:1: ") && short.contains("16"),
            "{short}"
        );
        let twice = KeyRing::parse("keys", &format!("{ADMIN}\n{ADMIN}")).unwrap_err();
        assert!(twice.starts_with("keys:2: "), "{twice}");
        let typo = KeyRing::parse("keys", r#"{"name":"a","key":"0123456789abcdef","zone":[]}"#)
            .unwrap_err();
        assert!(typo.contains("unknown field `zone`"), "{typo}");
        let bad_type = KeyRing::parse(
            "keys",
            r#"{"name":"a","key":"0123456789abcdef","types":["TXTX"]}"#,
        )
        .unwrap_err();
        assert!(bad_type.contains("TXTX"), "{bad_type}");
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let keys = ring(ADMIN);
        let shown = format!("{:?}", keys.authenticate("fapx_admin_0123456789").unwrap());
        assert!(
            shown.contains("admin") && !shown.contains("0123456789"),
            "{shown}"
        );
    }

    #[test]
    fn new_keys_are_prefixed_and_check() {
        let line = new_key("ci", vec![], vec![], vec!["TXT".into()], [7; 32]).unwrap();
        assert!(line.key.starts_with(KEY_PREFIX) && line.key.len() > 50);
        assert!(new_key("ci", vec![], vec![], vec!["NOPE".into()], [7; 32]).is_err());
    }
}
