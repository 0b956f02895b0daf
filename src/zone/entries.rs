//! The lexical layer of a master file: RFC 1035 §5.1 "entries", with the line each starts on.
//!
//! This module does only the part RFC 1035 §5.1 calls framing: it cuts the text into entries,
//! joins lines inside `( … )`, drops `;` comments, and keeps each token's raw text and whether
//! it was quoted. It interprets nothing: names ([`super::names`]), types ([`super::rrtype`])
//! and RDATA ([`super::rdata`]) are read later.

use std::borrow::Cow;

/// One token of an entry: an unquoted run of characters, or a `"…"` character-string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// The text as written, without the surrounding quotes; escapes are left in place.
    pub raw: &'a str,
    /// Whether the token was a quoted character-string.
    pub quoted: bool,
}

/// One entry (a directive or a resource record) of a master file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The 1-based line the entry starts on.
    pub line: usize,
    /// The entry began with blank space, so its owner is the previous owner (RFC 1035 §5.1).
    pub leading_blank: bool,
    /// The tokens, in order, with parentheses and comments removed.
    pub tokens: Vec<Token<'a>>,
}

/// A framing error: an unclosed quote or parenthesis, or a stray `)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FramingError {
    /// The 1-based line where the problem was found.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Iterates over the entries of a master file.
pub struct Entries<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Entries<'a> {
    /// Starts framing `text`.
    pub fn new(text: &'a str) -> Self {
        Entries {
            text,
            pos: 0,
            line: 1,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Reads one entry; `None` at the end of the text.
    fn next_entry(&mut self) -> Option<Result<Entry<'a>, FramingError>> {
        let bytes = self.text.as_bytes();
        loop {
            if self.pos >= bytes.len() {
                return None;
            }
            let start_line = self.line;
            let leading_blank = matches!(self.peek(), Some(b' ' | b'\t'));
            let mut tokens = Vec::new();
            let mut depth = 0usize;
            let mut open_line = 0usize;
            while let Some(c) = self.peek() {
                match c {
                    b'\n' => {
                        self.pos += 1;
                        self.line += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b' ' | b'\t' | b'\r' => self.pos += 1,
                    b';' => {
                        while !matches!(self.peek(), None | Some(b'\n')) {
                            self.pos += 1;
                        }
                    }
                    b'(' => {
                        if depth == 0 {
                            open_line = self.line;
                        }
                        depth += 1;
                        self.pos += 1;
                    }
                    b')' => {
                        if depth == 0 {
                            let line = self.line;
                            self.skip_line();
                            return Some(Err(FramingError {
                                line,
                                message: "')' without a matching '('".into(),
                            }));
                        }
                        depth -= 1;
                        self.pos += 1;
                    }
                    b'"' => match self.quoted() {
                        Ok(raw) => tokens.push(Token { raw, quoted: true }),
                        Err(e) => return Some(Err(e)),
                    },
                    _ => tokens.push(Token {
                        raw: self.unquoted(),
                        quoted: false,
                    }),
                }
            }
            if depth > 0 {
                return Some(Err(FramingError {
                    line: open_line,
                    message: "'(' is never closed".into(),
                }));
            }
            if !tokens.is_empty() {
                return Some(Ok(Entry {
                    line: start_line,
                    leading_blank,
                    tokens,
                }));
            }
        }
    }

    /// Reads a `"…"` string starting at the opening quote; it may span lines.
    fn quoted(&mut self) -> Result<&'a str, FramingError> {
        let open_line = self.line;
        self.pos += 1;
        let start = self.pos;
        while let Some(c) = self.peek() {
            match c {
                b'"' => {
                    let raw = &self.text[start..self.pos];
                    self.pos += 1;
                    return Ok(raw);
                }
                b'\\' => {
                    self.pos += 1;
                    if self.peek() == Some(b'\n') {
                        self.line += 1;
                    }
                    if self.peek().is_some() {
                        self.pos += 1;
                    }
                }
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        Err(FramingError {
            line: open_line,
            message: "quoted string is never closed".into(),
        })
    }

    /// Reads an unquoted token: up to blank space, a comment, a parenthesis or a quote.
    fn unquoted(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' | b'"' => break,
                b'\\' => {
                    self.pos += 1;
                    if matches!(self.peek(), Some(c) if c != b'\n') {
                        self.pos += 1;
                    }
                }
                _ => self.pos += 1,
            }
        }
        // Every stop is at an ASCII delimiter or the end, so the slice is on char boundaries.
        &self.text[start..self.pos]
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == b'\n' {
                self.line += 1;
                break;
            }
        }
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, FramingError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry()
    }
}

/// Decodes the escapes of a character-string (RFC 1035 §5.1: `\X` and `\DDD`) into bytes.
pub fn unescape(raw: &str) -> Result<Cow<'_, [u8]>, String> {
    if !raw.contains('\\') {
        return Ok(Cow::Borrowed(raw.as_bytes()));
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let digits = bytes
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(u8::is_ascii_digit));
        match (digits, bytes.get(i + 1)) {
            (Some(d), _) => {
                let value = d.iter().fold(0u32, |v, c| v * 10 + u32::from(c - b'0'));
                let byte = u8::try_from(value)
                    .map_err(|_| format!("escape \\{} is above \\255", &raw[i + 1..i + 4]))?;
                out.push(byte);
                i += 4;
            }
            (None, Some(c)) if c.is_ascii_digit() => {
                return Err("a \\DDD escape needs exactly three digits".into());
            }
            (None, Some(&c)) => {
                out.push(c);
                i += 2;
            }
            (None, None) => return Err("a backslash ends the string".into()),
        }
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<Entry<'_>> {
        Entries::new(text).map(Result::unwrap).collect()
    }

    fn raws<'a>(e: &Entry<'a>) -> Vec<&'a str> {
        e.tokens.iter().map(|t| t.raw).collect()
    }

    #[test]
    fn frames_lines_blanks_and_comments() {
        let es = entries("$TTL 60 ; default\n\n; only a comment\n@ IN A 1.2.3.4\n\tIN AAAA ::1\n");
        assert_eq!(es.len(), 3);
        assert_eq!((es[0].line, raws(&es[0])), (1, vec!["$TTL", "60"]));
        assert_eq!((es[1].line, es[1].leading_blank), (4, false));
        assert_eq!((es[2].line, es[2].leading_blank), (5, true));
        assert_eq!(raws(&es[2]), vec!["IN", "AAAA", "::1"]);
    }

    #[test]
    fn joins_parentheses_with_quotes_and_comments_inside() {
        let text = "k IN TXT ( \"v=DKIM1; k=rsa; \" ; note\n   \"p=AB(C)\" )\nnext A 1.1.1.1\n";
        let es = entries(text);
        assert_eq!(es.len(), 2);
        assert_eq!(
            raws(&es[0]),
            vec!["k", "IN", "TXT", "v=DKIM1; k=rsa; ", "p=AB(C)"]
        );
        assert!(es[0].tokens[3].quoted && !es[0].tokens[2].quoted);
        assert_eq!(es[1].line, 3);
    }

    #[test]
    fn reports_unbalanced_parentheses_and_quotes_with_lines() {
        let err = Entries::new("a A 1.2.3.4\nb TXT ( \"x\"\n")
            .nth(1)
            .unwrap()
            .unwrap_err();
        assert_eq!((err.line, err.message.as_str()), (2, "'(' is never closed"));
        let err = Entries::new("\n\nb TXT \"x\n").next().unwrap().unwrap_err();
        assert_eq!(err.line, 3);
        let err = Entries::new("a A 1.2.3.4 )\n").next().unwrap().unwrap_err();
        assert_eq!(err.message, "')' without a matching '('");
    }

    #[test]
    fn keeps_escapes_raw_and_counts_lines_in_multiline_strings() {
        let es = entries("a TXT \"line\none\" b\\ c\nz A 1.1.1.1\n");
        assert_eq!(raws(&es[0]), vec!["a", "TXT", "line\none", "b\\ c"]);
        assert_eq!(es[1].line, 3);
    }

    #[test]
    fn unescapes_character_strings() {
        assert_eq!(&*unescape("a\\\"b\\\\c").unwrap(), b"a\"b\\c");
        assert_eq!(&*unescape("\\065\\000\\255").unwrap(), b"A\x00\xff");
        assert!(unescape("\\256").is_err());
        assert!(unescape("\\12x").is_err());
        assert!(unescape("end\\").is_err());
    }

    #[test]
    fn never_panics_on_arbitrary_text() {
        for text in ["\\", "\"\\", "a\\\u{e9}b", "(((", ")", "é\\é", "a\\\n"] {
            for e in Entries::new(text) {
                let _ = e;
            }
        }
    }
}
