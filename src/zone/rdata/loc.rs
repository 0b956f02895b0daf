//! LOC (RFC 1876): `d1 [m1 [s1]] {N|S} d2 [m2 [s2]] {E|W} alt["m"] [siz["m"] [hp["m"]
//! [vp["m"]]]]` in presentation form (§3), version 0 on the wire (§2).

use super::Cursor;
use super::print::Reader;

/// 2^31: the equator and the prime meridian (RFC 1876 §2).
const ORIGIN: i64 = 1 << 31;

/// The altitude base: 100,000 m below the WGS 84 spheroid, in centimetres.
const ALTITUDE_BASE: i64 = 10_000_000;

/// A decimal number with at most `decimals` fraction digits, scaled to an integer (`"23.5"` with
/// 3 decimals is 23500); an optional trailing `m`.
fn scaled(text: &str, decimals: u32) -> Result<i64, String> {
    let bad = || format!("{text:?} is not a number with at most {decimals} decimals");
    let text = text.strip_suffix(['m', 'M']).unwrap_or(text);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > decimals as usize
        || whole.len() > 12
    {
        return Err(bad());
    }
    let mut value: i64 = whole.parse().map_err(|_| bad())?;
    for i in 0..decimals as usize {
        let digit = fraction
            .as_bytes()
            .get(i)
            .map_or(0, |d| i64::from(d - b'0'));
        value = value * 10 + digit;
    }
    Ok(if negative { -value } else { value })
}

/// A size or precision in centimetres as RFC 1876 §2 stores it: mantissa (high nibble) and
/// power of ten (low nibble).
fn precision(centimetres: i64) -> Result<u8, String> {
    if !(0..=9_000_000_000).contains(&centimetres) {
        return Err(format!(
            "{} m is out of range for a LOC size",
            centimetres / 100
        ));
    }
    let (mut mantissa, mut exponent) = (centimetres, 0u8);
    while mantissa > 9 {
        mantissa /= 10;
        exponent += 1;
    }
    Ok((mantissa as u8) << 4 | exponent)
}

/// Degrees, minutes and seconds up to the hemisphere letter, in thousandths of an arc second
/// (negative south and west).
fn angle(c: &mut Cursor<'_, '_>, max: i64, positive: &str, negative: &str) -> Result<i64, String> {
    let mut total = scaled(c.word("degrees")?, 0)? * 3_600_000;
    let mut read = 1;
    loop {
        let word = c.word("a hemisphere")?;
        if word.eq_ignore_ascii_case(positive) {
            return check_angle(total, max);
        }
        if word.eq_ignore_ascii_case(negative) {
            return check_angle(-total, max);
        }
        total += match read {
            1 => scaled(word, 0)? * 60_000,
            2 => scaled(word, 3)?,
            _ => return Err(format!("expected {positive} or {negative}, found {word:?}")),
        };
        read += 1;
    }
}

fn check_angle(thousandths: i64, max_degrees: i64) -> Result<i64, String> {
    if thousandths.abs() > max_degrees * 3_600_000 {
        return Err(format!("an angle beyond {max_degrees} degrees"));
    }
    Ok(thousandths)
}

/// Reads a LOC RDATA.
pub fn parse(c: &mut Cursor<'_, '_>, wire: &mut Vec<u8>) -> Result<(), String> {
    let latitude = angle(c, 90, "N", "S")?;
    let longitude = angle(c, 180, "E", "W")?;
    let altitude = scaled(c.word("an altitude")?, 2)?;
    if !(-ALTITUDE_BASE..=4_284_967_295).contains(&altitude) {
        return Err("an altitude out of range (-100000.00 to 42849672.95 m)".into());
    }
    let mut sizes = [100, 1_000_000, 1000]; // 1 m, 10,000 m, 10 m (RFC 1876 §3)
    for size in &mut sizes {
        if c.is_done() {
            break;
        }
        *size = scaled(c.word("a size")?, 2)?;
    }
    wire.push(0); // VERSION
    for size in sizes {
        wire.push(precision(size)?);
    }
    wire.extend_from_slice(&((ORIGIN + latitude) as u32).to_be_bytes());
    wire.extend_from_slice(&((ORIGIN + longitude) as u32).to_be_bytes());
    wire.extend_from_slice(&((altitude + ALTITUDE_BASE) as u32).to_be_bytes());
    Ok(())
}

fn angle_text(raw: u32, positive: char, negative: char) -> String {
    let value = i64::from(raw) - ORIGIN;
    let hemisphere = if value < 0 { negative } else { positive };
    let v = value.abs();
    format!(
        "{} {} {}.{:03} {hemisphere}",
        v / 3_600_000,
        v / 60_000 % 60,
        v / 1000 % 60,
        v % 1000
    )
}

fn metres(centimetres: i64) -> String {
    let sign = if centimetres < 0 { "-" } else { "" };
    let c = centimetres.abs();
    format!("{sign}{}.{:02}m", c / 100, c % 100)
}

fn size_text(byte: u8) -> Result<String, String> {
    let (mantissa, exponent) = (byte >> 4, byte & 0x0f);
    if mantissa > 9 || exponent > 9 {
        return Err("a LOC size out of range".into());
    }
    Ok(metres(
        i64::from(mantissa) * 10_i64.pow(u32::from(exponent)),
    ))
}

/// Prints a LOC RDATA (version 0 only; other versions are printed generically).
pub fn print(r: &mut Reader<'_>) -> Result<String, String> {
    if r.u8()? != 0 {
        return Err("LOC version is not 0".into());
    }
    let (size, horizontal, vertical) = (r.u8()?, r.u8()?, r.u8()?);
    let (latitude, longitude, altitude) = (r.u32()?, r.u32()?, r.u32()?);
    Ok(format!(
        "{} {} {} {} {} {}",
        angle_text(latitude, 'N', 'S'),
        angle_text(longitude, 'E', 'W'),
        metres(i64::from(altitude) - ALTITUDE_BASE),
        size_text(size)?,
        size_text(horizontal)?,
        size_text(vertical)?
    ))
}
