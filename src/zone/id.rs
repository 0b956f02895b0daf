//! A zone's identifier: its apex in lowercase ASCII with the trailing dot (`example.com.`), the
//! one spelling used for KV keys, the zone index, state files, logs and API paths.

use std::fmt;

use hickory_proto::rr::Name;

use super::names::{name_text, text_to_name};
use serde::{Deserialize, Serialize};

/// A zone apex as an identifier: lowercase, absolute, IDNs in their `xn--` form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ZoneId(String);

impl ZoneId {
    /// The identifier of the zone whose apex is `apex`.
    pub fn of(apex: &Name) -> ZoneId {
        ZoneId(name_text(&apex.to_lowercase()))
    }

    /// Reads an identifier as users write it: any case, with or without the trailing dot.
    pub fn parse(text: &str) -> Result<ZoneId, String> {
        let name = text_to_name(text).map_err(|e| format!("{text:?} is not a zone name: {e}"))?;
        Ok(ZoneId::of(&name))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The apex as a name.
    pub fn name(&self) -> Name {
        text_to_name(&self.0).unwrap_or_else(|_| Name::root())
    }
}

impl fmt::Display for ZoneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ZoneId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_for_every_way_of_writing_a_zone() {
        let id = ZoneId::parse("Example.COM").unwrap();
        assert_eq!(id.as_str(), "example.com.");
        assert_eq!(ZoneId::parse("example.com.").unwrap(), id);
        assert_eq!(ZoneId::of(&Name::from_ascii("EXAMPLE.com.").unwrap()), id);
        assert_eq!(id.name(), Name::from_ascii("example.com.").unwrap());
        assert_eq!(ZoneId::parse(".").unwrap().as_str(), ".");
        assert!(ZoneId::parse("a..b").is_err());
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"example.com.\"");
    }
}
