//! BIND's `$GENERATE` directive, expanded into master-file lines as named-compilezone expands
//! it: `$GENERATE start-stop[/step] lhs [ttl] [class] type rhs`, where `$` in `lhs` and `rhs`
//! is the counter, `${offset[,width[,base]]}` formats it (bases `d`, `o`, `x`, `X`, and the
//! nibble forms `n`, `N` for reverse zones), and `$$` or `\$` is a literal `$`. The `rhs` is one
//! token, read again as RDATA once the counter is in it. Knot has no `$GENERATE`; BIND 9's
//! named-compilezone is the reference (docs/ARCHITECTURE.md, "Zone model").

use std::fmt::Write;

use super::entries::Token;

/// More lines than this from one `$GENERATE` is refused: a typo in a range should not make a
/// zone of millions of records.
pub const MAX_GENERATED: u64 = 65_536;

/// Expands `$GENERATE`'s arguments (the tokens after the directive) into master-file lines,
/// each `lhs [ttl] [class] type rhs` with the counter substituted.
pub fn expand_generate(args: &[Token<'_>]) -> Result<Vec<String>, String> {
    let usage = "$GENERATE takes a range, an owner, an optional TTL and class, a type and one \
                 RDATA token (quote RDATA that has blanks)";
    let [range, lhs, middle @ .., rhs] = args else {
        return Err(usage.into());
    };
    if middle.is_empty() || middle.len() > 3 {
        return Err(usage.into());
    }
    let (start, stop, step) = parse_range(range.raw)?;
    let count = (stop - start) / step + 1;
    if count > MAX_GENERATED {
        return Err(format!(
            "$GENERATE range {} makes {count} records, over {MAX_GENERATED}",
            range.raw
        ));
    }
    let middle: Vec<&str> = middle.iter().map(|t| t.raw).collect();
    let middle = middle.join(" ");
    let middle = middle.as_str();
    let mut lines = Vec::with_capacity(count as usize);
    let mut counter = start;
    while counter <= stop {
        let owner = substitute(lhs.raw, counter)?;
        let types = substitute(middle, counter)?;
        let rdata = substitute(rhs.raw, counter)?;
        lines.push(format!("{owner} {types} {rdata}"));
        counter += step;
    }
    Ok(lines)
}

/// `start-stop[/step]`, numbers up to 2^32-1, start not after stop.
fn parse_range(text: &str) -> Result<(u64, u64, u64), String> {
    let bad = || format!("bad $GENERATE range {text:?}: write start-stop or start-stop/step");
    let (range, step) = match text.split_once('/') {
        Some((range, step)) => (range, step.parse::<u32>().map_err(|_| bad())?),
        None => (text, 1),
    };
    let (start, stop) = range.split_once('-').ok_or_else(bad)?;
    let start = start.parse::<u32>().map_err(|_| bad())?;
    let stop = stop.parse::<u32>().map_err(|_| bad())?;
    if step == 0 || start > stop {
        return Err(bad());
    }
    Ok((u64::from(start), u64::from(stop), u64::from(step)))
}

/// `template` with each `$` and `${…}` replaced by the formatted counter.
fn substitute(template: &str, counter: u64) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 8);
    let mut chars = template.char_indices().peekable();
    while let Some((at, ch)) = chars.next() {
        match ch {
            '\\' if matches!(chars.peek(), Some((_, '$'))) => {
                chars.next();
                out.push('$');
            }
            '\\' => {
                // Any other escape is the name's or the RDATA's; keep it whole.
                out.push('\\');
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '$' if matches!(chars.peek(), Some((_, '$'))) => {
                chars.next();
                out.push('$');
            }
            '$' if matches!(chars.peek(), Some((_, '{'))) => {
                let close = template[at..]
                    .find('}')
                    .ok_or_else(|| format!("unclosed ${{ in $GENERATE template {template:?}"))?;
                let spec = &template[at + 2..at + close];
                format_counter(&mut out, spec, counter)
                    .map_err(|e| format!("bad ${{{spec}}} in $GENERATE template: {e}"))?;
                while chars.next_if(|&(i, _)| i <= at + close).is_some() {}
            }
            '$' => {
                let _ = write!(out, "{counter}");
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// Formats `counter + offset` as `${offset,width,base}` asks.
fn format_counter(out: &mut String, spec: &str, counter: u64) -> Result<(), String> {
    let mut parts = spec.split(',');
    let offset: i64 = match parts.next() {
        Some(o) if !o.is_empty() => o.parse().map_err(|_| format!("offset {o:?}"))?,
        _ => 0,
    };
    let width: usize = match parts.next() {
        Some(w) => w.parse().map_err(|_| format!("width {w:?}"))?,
        None => 0,
    };
    let base = parts.next().unwrap_or("d");
    if parts.next().is_some() {
        return Err("more than offset, width and base".into());
    }
    if width > 255 {
        return Err(format!("width {width} is over 255"));
    }
    // BIND works in unsigned 32-bit arithmetic: counter 0 with offset -1 is 4294967295.
    let value = (counter as i64).wrapping_add(offset) as u32;
    match base {
        "d" => write!(out, "{value:0width$}"),
        "o" => write!(out, "{value:0width$o}"),
        "x" => write!(out, "{value:0width$x}"),
        "X" => write!(out, "{value:0width$X}"),
        "n" | "N" => {
            out.push_str(&nibbles(value, width, base == "N"));
            Ok(())
        }
        other => return Err(format!("base {other:?}: use d, o, x, X, n or N")),
    }
    .map_err(|e| e.to_string())
}

/// The nibbles of `value`, lowest first, joined by dots (RFC 3596 §2.5 order), padded with
/// `.0` groups to `width` characters as BIND pads them.
fn nibbles(value: u32, width: usize, upper: bool) -> String {
    let hex = if upper {
        format!("{value:X}")
    } else {
        format!("{value:x}")
    };
    let mut out: Vec<u8> = Vec::with_capacity(width.max(hex.len() * 2));
    for (i, digit) in hex.bytes().rev().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        out.push(digit);
    }
    while out.len() < width {
        out.push(if out.last() == Some(&b'.') {
            b'0'
        } else {
            b'.'
        });
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::entries::Entries;

    fn expand(line: &str) -> Result<Vec<String>, String> {
        let entry = Entries::new(line).next().unwrap().unwrap();
        expand_generate(&entry.tokens)
    }

    /// The expansions named-compilezone (BIND 9.18) gives for the same directives.
    #[test]
    fn expands_as_bind_does() {
        assert_eq!(
            expand("1-3 host$ A 192.0.2.$").unwrap(),
            [
                "host1 A 192.0.2.1",
                "host2 A 192.0.2.2",
                "host3 A 192.0.2.3"
            ]
        );
        assert_eq!(
            expand("0-2/2 ${10,3,d}.x CNAME y${-1,4,x}").unwrap(),
            ["010.x CNAME yffffffff", "012.x CNAME y0001"]
        );
        assert_eq!(expand("10-10 n${0,4,n} PTR h").unwrap(), ["na.0. PTR h"]);
        assert_eq!(
            expand("26-26 ${0,0,N} 60 IN TXT \"v$ $$\"").unwrap(),
            ["A.1 60 IN TXT v26 $"]
        );
        assert_eq!(
            expand("8-8 h\\$${0,3,o} A 1.2.3.4").unwrap(),
            ["h$010 A 1.2.3.4"]
        );
    }

    #[test]
    fn refuses_bad_directives_with_the_reason() {
        assert!(
            expand("3-1 h$ A 1.2.3.$")
                .unwrap_err()
                .contains("bad $GENERATE range")
        );
        assert!(expand("1-2 h$ MX 10 m$").is_ok_and(|l| l[0] == "h1 MX 10 m1"));
        assert!(expand("1-2 h$ A").unwrap_err().contains("takes a range"));
        assert!(
            expand("0-4294967295 h$ A 1.2.3.$")
                .unwrap_err()
                .contains("over 65536")
        );
        assert!(
            expand("1-2 h${0,2,q} A 1.2.3.4")
                .unwrap_err()
                .contains("base \"q\"")
        );
        assert!(
            expand("1-2 h${0 A 1.2.3.4")
                .unwrap_err()
                .contains("unclosed")
        );
    }
}
