//! API errors: an HTTP status and a sentence naming what is wrong, sent as JSON in the shape
//! of each API (PowerDNS: `{"error": …}`; the records API: `{"status":"error", …}`), with the
//! lines of a zone file at fault (`errors`) and the request field at fault (`field`) when known.

/// One problem at one line of a zone file a client sent (1-based, as the client counts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// The line of the client's text, if the problem belongs to one.
    pub line: Option<usize>,
    /// What is wrong there.
    pub message: String,
}

impl LineError {
    /// `line N: message`, or the message alone.
    pub fn describe(&self) -> String {
        match self.line {
            Some(line) => format!("line {line}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// Why a request was refused, as the client should see it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    /// The HTTP status: 400 malformed, 401 no valid key, 403 outside the key's scope, 404 no
    /// such zone or record, 409 already exists, 413 too large, 422 invalid data, 429 slowed
    /// down, 503 the store failed.
    pub status: u16,
    /// What is wrong, naming the value at fault.
    pub message: String,
    /// Every problem of a zone file, by line (empty otherwise).
    pub lines: Vec<LineError>,
    /// The request field at fault, when the error is about one (the records API's `name`,
    /// `type`, `ttl` or `content`).
    pub field: Option<&'static str>,
}

impl ApiError {
    /// An error with `status`.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            lines: Vec::new(),
            field: None,
        }
    }

    /// 422 for the problems of a zone file: the message lists them all, `line N: …; …`.
    pub fn zone_file(lines: Vec<LineError>) -> Self {
        let message = lines
            .iter()
            .map(LineError::describe)
            .collect::<Vec<_>>()
            .join("; ");
        ApiError {
            lines,
            ..ApiError::invalid(message)
        }
    }

    /// The same error, about request field `field`.
    pub fn about(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    /// 400: the body is not the JSON asked for.
    pub fn malformed(message: impl Into<String>) -> Self {
        ApiError::new(400, message)
    }

    /// 404: no such zone, record or endpoint.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(404, message)
    }

    /// 403: the key may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(403, message)
    }

    /// 409: the zone or record already exists, or changed underneath.
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::new(409, message)
    }

    /// 422: the data would make the zone invalid, or cannot be read.
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(422, message)
    }

    /// 503: the store could not be read or written; nothing changed.
    pub fn store(message: impl Into<String>) -> Self {
        ApiError::new(503, message)
    }

    /// A short code for the records API's error shape.
    pub fn code(&self) -> &'static str {
        match self.status {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            409 => "conflict",
            413 => "payload_too_large",
            422 => "validation_failed",
            429 => "too_many_requests",
            _ => "unavailable",
        }
    }
}
