//! What a zone check reports: errors and warnings, each with the file and line it concerns.

use std::fmt;

/// How serious a [`Problem`] is. Any error stops the zone from loading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something unusual that still loads, such as a duplicate record.
    Warning,
    /// Something that makes the zone unusable; the zone is not loaded.
    Error,
}

/// One finding about a zone file, printed like named-checkzone: `file:line: message`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file (or KV key, or other source name) the problem is in.
    pub file: String,
    /// The 1-based line, when the problem belongs to one entry.
    pub line: Option<usize>,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in words a zone editor can act on.
    pub message: String,
}

impl Problem {
    /// An error at a line of a file.
    pub fn error(file: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        Problem {
            file: file.to_string(),
            line,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// A warning at a line of a file.
    pub fn warning(file: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(file, line, message)
        }
    }

    /// Whether this problem stops the zone from loading.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: ", self.file)?,
            None => write!(f, "{}: ", self.file)?,
        }
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        f.write_str(&self.message)
    }
}

/// All the problems found in a zone that failed to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneErrors(pub Vec<Problem>);

impl fmt::Display for ZoneErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for p in &self.0 {
            if !first {
                f.write_str("\n")?;
            }
            first = false;
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ZoneErrors {}
