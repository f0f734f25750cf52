//! `printf(FORMAT, ...)` / `format(...)`: SQLite's formatter over SQL values.
//!
//! A conversion is `%[flags][width][.precision][l|ll]type` with flags
//! `- + space # ! 0 ,` and types `d i u x X o f e E g G c s z q Q w p r n %`.
//! Width and precision may be `*` (taken from the next argument). Missing
//! arguments read as NULL (0, 0.0 or the empty string). Width and precision
//! count bytes, as in SQLite, except for `%c` and `!`-flagged string
//! conversions, which count characters. An unknown conversion ends the output.

use super::text::c_str;
use super::{too_big, FuncContext, MAX_LENGTH};
use crate::error::Result;
use crate::sql::types::float_fmt::{format_float, FloatFlags, FloatKind};
use crate::sql::types::{value_bytes, value_to_blob, value_to_f64, value_to_i64, value_to_text};
use crate::storage::Value;

/// Largest width or integer precision built (a memory guard: SQLite builds
/// fields up to its 1e9-byte string limit).
const MAX_FIELD: i64 = 100_000_000;
/// SQLite caps the precision of float conversions at this many digits.
const FLOAT_PRECISION_LIMIT: i64 = 100_000_000;

struct Args<'a> {
    vals: &'a [Value],
    next: usize,
}

impl Args<'_> {
    fn take(&mut self) -> &Value {
        let v = self.vals.get(self.next).unwrap_or(&Value::Null);
        self.next += 1;
        v
    }
    fn int(&mut self) -> i64 {
        value_to_i64(self.take())
    }
    /// A `*` width or precision: the argument cast to a C int.
    fn c_int(&mut self) -> i64 {
        i64::from(self.int() as i32)
    }
}

/// printf / format.
pub fn printf_fn(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let Some(Value::Text(fmt)) = args.first().map(|v| match v {
        Value::Null => Value::Null,
        other => Value::Text(value_to_text(other).unwrap_or_default().into_owned()),
    }) else {
        return Ok(Value::Null);
    };
    let Some(out) = format(&fmt, &args[1..])? else {
        return Ok(Value::Null);
    };
    Ok(Value::Text(match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }))
}

/// Formats `fmt` (read as a C string) with `vals`, returning raw bytes (a
/// byte-counted precision may split a character). None when nothing at all
/// was output, not even an empty conversion: SQLite's result is then NULL
/// (`printf('')`, `printf('%5')`), while `printf('%s', '')` is ''.
pub fn format(fmt: &str, vals: &[Value]) -> Result<Option<Vec<u8>>> {
    let f = c_str(fmt).as_bytes();
    let mut args = Args { vals, next: 0 };
    let mut out: Vec<u8> = Vec::with_capacity(fmt.len() + 16);
    let mut wrote = false;
    let mut i = 0;
    while i < f.len() {
        if f[i] != b'%' {
            let start = i;
            while i < f.len() && f[i] != b'%' {
                i += 1;
            }
            out.extend_from_slice(&f[start..i]);
            wrote = true;
            continue;
        }
        i += 1;
        if i >= f.len() {
            // A lone '%' at the end is output as is.
            out.push(b'%');
            wrote = true;
            break;
        }
        // Flags.
        let (mut left, mut plus, mut alt, mut alt2, mut zero, mut comma) = (false, None, false, false, false, false);
        while i < f.len() {
            match f[i] {
                b'-' => left = true,
                b'+' => plus = Some('+'),
                b' ' => plus = Some(' '),
                b'#' => alt = true,
                b'!' => alt2 = true,
                b'0' => zero = true,
                b',' => comma = true,
                _ => break,
            }
            i += 1;
        }
        // Width.
        let width: i64;
        if i < f.len() && f[i] == b'*' {
            let w = args.c_int();
            if w < 0 {
                left = true;
                width = if w == i64::from(i32::MIN) { 0 } else { -w };
            } else {
                width = w;
            }
            i += 1;
        } else {
            // Digits accumulate in 32 unsigned bits and keep the low 31 (SQLite's parse).
            let mut wx: u32 = 0;
            while i < f.len() && f[i].is_ascii_digit() {
                wx = wx.wrapping_mul(10).wrapping_add(u32::from(f[i] - b'0'));
                i += 1;
            }
            width = i64::from(wx & 0x7fff_ffff);
        }
        // Precision.
        let mut precision: Option<i64> = None;
        if i < f.len() && f[i] == b'.' {
            i += 1;
            if i < f.len() && f[i] == b'*' {
                let p = args.c_int();
                // A negative precision counts as its magnitude; the most
                // negative int as "no precision".
                precision = match p {
                    p if p == i64::from(i32::MIN) => None,
                    p => Some(p.abs()),
                };
                i += 1;
            } else {
                let mut px: u32 = 0;
                while i < f.len() && f[i].is_ascii_digit() {
                    px = px.wrapping_mul(10).wrapping_add(u32::from(f[i] - b'0'));
                    i += 1;
                }
                precision = Some(i64::from(px & 0x7fff_ffff));
            }
        }
        // Length modifiers are accepted and ignored.
        while i < f.len() && f[i] == b'l' {
            i += 1;
        }
        if i >= f.len() {
            break;
        }
        let conv = f[i];
        i += 1;
        // Fields that cannot fit SQLite's length limit make its result NULL
        // (the formatter's buffer overflows and printf() returns nothing).
        // Below that limit but over MAX_FIELD, refuse with an error rather
        // than build a string of hundreds of megabytes.
        let counted_prec = match conv {
            // Floats cap their precision; strings are only cut by it.
            b'f' | b'e' | b'E' | b'g' | b'G' | b's' | b'z' | b'q' | b'Q' | b'w' => 0,
            _ => precision.unwrap_or(0),
        };
        let need = width.max(counted_prec.saturating_add(10));
        if need.saturating_add(out.len() as i64) >= MAX_LENGTH as i64 {
            return Ok(None);
        }
        if width > MAX_FIELD || counted_prec > MAX_FIELD {
            return Err(too_big());
        }
        if matches!(conv, b'f' | b'e' | b'E' | b'g' | b'G') {
            precision = precision.map(|p| p.min(FLOAT_PRECISION_LIMIT));
        }
        let mut prefix: Option<char> = None;
        let mut body: Vec<u8> = Vec::new();
        let mut zero_pad_ok = zero;
        match conv {
            b'%' => {
                body.push(b'%');
                zero_pad_ok = false;
            }
            b'd' | b'i' | b'u' | b'x' | b'X' | b'o' | b'p' | b'r' => {
                let v = args.int();
                let (mag, neg) = match conv {
                    b'd' | b'i' | b'r' => (v.unsigned_abs(), v < 0),
                    _ => (v as u64, false),
                };
                if neg {
                    prefix = Some('-');
                } else if matches!(conv, b'd' | b'i' | b'r') {
                    prefix = plus;
                }
                let (radix, upper) = match conv {
                    b'x' => (16, false),
                    b'X' | b'p' => (16, true),
                    b'o' => (8, false),
                    _ => (10, false),
                };
                let alt = alt && mag != 0;
                let mut digits = to_radix(mag, radix, upper);
                let mut prec = precision.unwrap_or(0);
                if zero && prec < width - i64::from(prefix.is_some()) {
                    prec = width - i64::from(prefix.is_some());
                }
                if conv == b'r' {
                    let suffix = match (mag % 100, mag % 10) {
                        (11..=13, _) => "th",
                        (_, 1) => "st",
                        (_, 2) => "nd",
                        (_, 3) => "rd",
                        _ => "th",
                    };
                    digits.extend_from_slice(suffix.as_bytes());
                }
                while (digits.len() as i64) < prec {
                    digits.insert(0, b'0');
                }
                if comma && matches!(conv, b'd' | b'i' | b'u') {
                    digits = group_thousands(&digits);
                }
                if let Some(p) = prefix {
                    body.push(p as u8);
                }
                if alt {
                    match conv {
                        b'o' => body.push(b'0'),
                        b'x' | b'p' => body.extend_from_slice(b"0x"),
                        b'X' => body.extend_from_slice(b"0X"),
                        _ => {}
                    }
                }
                body.extend_from_slice(&digits);
                zero_pad_ok = false;
                prefix = None;
            }
            b'f' | b'e' | b'E' | b'g' | b'G' => {
                let x = value_to_f64(args.take());
                let kind = match conv {
                    b'f' => FloatKind::Fixed,
                    b'e' | b'E' => FloatKind::Exp,
                    _ => FloatKind::General,
                };
                let flags = FloatFlags { alternate: alt, alt2, plus, upper: conv.is_ascii_uppercase() };
                let s = format_float(x, kind, precision.map(|p| p as usize), flags);
                if s.ends_with("Inf") || s == "NaN" {
                    zero_pad_ok = false;
                } else if s.starts_with(['-', '+', ' ']) {
                    prefix = s.chars().next();
                }
                body.extend_from_slice(s.as_bytes());
            }
            b'c' => {
                let v = args.take();
                let ch: Vec<u8> = match value_to_text(v) {
                    Some(t) => match t.chars().next() {
                        Some(c) => c.to_string().into_bytes(),
                        None => vec![0],
                    },
                    None => vec![0],
                };
                let reps = precision.unwrap_or(1).max(1);
                for _ in 0..reps {
                    body.extend_from_slice(&ch);
                }
                zero_pad_ok = false;
            }
            b's' | b'z' => {
                let v = args.take();
                // The value's bytes as they are (a BLOB need not be UTF-8).
                let t = value_bytes(v);
                body.extend_from_slice(limit(c_bytes(&t), precision, alt2));
                zero_pad_ok = false;
            }
            b'q' | b'Q' | b'w' => {
                let v = args.take();
                let quote = if conv == b'w' { b'"' } else { b'\'' };
                match value_to_blob(v) {
                    None => {
                        let text: &[u8] = if conv == b'Q' { b"NULL" } else { b"(NULL)" };
                        body.extend_from_slice(limit(text, precision, alt2));
                    }
                    Some(t) => {
                        let src = limit(c_bytes(&t), precision, alt2);
                        if conv == b'Q' {
                            body.push(b'\'');
                        }
                        for &b in src {
                            body.push(b);
                            if b == quote {
                                body.push(b);
                            }
                        }
                        if conv == b'Q' {
                            body.push(b'\'');
                        }
                    }
                }
                zero_pad_ok = false;
            }
            b'n' => {
                // Outputs nothing, but counts as output (an empty string, not NULL).
                wrote = true;
                continue;
            }
            _ => break,
        }
        // Width counts characters for %c, and for string conversions with `!`.
        let counts_chars = conv == b'c' || (alt2 && matches!(conv, b's' | b'z' | b'q' | b'Q' | b'w'));
        let len = if counts_chars { body.iter().filter(|&&b| (b & 0xc0) != 0x80).count() } else { body.len() };
        pad(&mut out, &body, len, width, left, zero_pad_ok, prefix.is_some());
        wrote = true;
        if out.len() >= MAX_LENGTH {
            return Ok(None);
        }
    }
    Ok(wrote.then_some(out))
}

/// The bytes of `b` before its first NUL (SQLite reads string arguments as C strings).
fn c_bytes(b: &[u8]) -> &[u8] {
    b.split(|&c| c == 0).next().unwrap_or(b)
}

/// The first `precision` bytes (characters with `!`) of `s`.
fn limit(s: &[u8], precision: Option<i64>, chars: bool) -> &[u8] {
    let Some(p) = precision else {
        return s;
    };
    let p = p.max(0) as usize;
    if !chars {
        return &s[..p.min(s.len())];
    }
    let mut n = 0;
    let mut end = 0;
    while end < s.len() && n < p {
        end += 1;
        while end < s.len() && (s[end] & 0xc0) == 0x80 {
            end += 1;
        }
        n += 1;
    }
    &s[..end]
}

fn to_radix(mut v: u64, radix: u64, upper: bool) -> Vec<u8> {
    let digits: &[u8; 16] = if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    let mut out = Vec::with_capacity(20);
    loop {
        out.push(digits[(v % radix) as usize]);
        v /= radix;
        if v == 0 {
            break;
        }
    }
    out.reverse();
    out
}

fn group_thousands(digits: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(digits.len() + digits.len() / 3);
    for (k, &d) in digits.iter().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(b',');
        }
        out.push(d);
    }
    out
}

/// Pads `body` (`len` units long) to `width` units: spaces on the left (right with `-`), or
/// zeros after the sign for a zero-padded number.
fn pad(out: &mut Vec<u8>, body: &[u8], len: usize, width: i64, left: bool, zero: bool, has_sign: bool) {
    let len = len as i64;
    let fill = (width - len).max(0) as usize;
    if fill == 0 {
        out.extend_from_slice(body);
    } else if left {
        out.extend_from_slice(body);
        out.resize(out.len() + fill, b' ');
    } else if zero {
        let split = usize::from(has_sign);
        out.extend_from_slice(&body[..split]);
        out.resize(out.len() + fill, b'0');
        out.extend_from_slice(&body[split..]);
    } else {
        out.resize(out.len() + fill, b' ');
        out.extend_from_slice(body);
    }
}
