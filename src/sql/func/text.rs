//! String functions. TEXT is handled by characters, BLOB by bytes; numbers
//! are read through their text form.

use super::scalar::push_hex;
use super::{arg, too_big, value_int, FuncContext, MAX_LENGTH};
use crate::error::Result;
use crate::sql::types;
use crate::sql::types::{value_bytes, value_to_i64, value_to_text};
use crate::storage::Value;
use std::borrow::Cow;

fn text_arg(v: &Value) -> Option<Cow<'_, str>> {
    value_to_text(v)
}

/// The part of `s` before its first NUL: SQLite reads some arguments as C
/// strings (substr, unicode, like, glob, quote, printf's %s).
pub fn c_str(s: &str) -> &str {
    match s.find('\0') {
        Some(i) => &s[..i],
        None => s,
    }
}

/// `length(X)`: characters of text (up to a NUL), bytes of a blob, NULL for NULL.
pub fn length(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(match arg(args, 0) {
        Value::Null => Value::Null,
        Value::Blob(b) => Value::Integer(b.len() as i64),
        other => {
            let s = text_arg(other).unwrap_or_default();
            Value::Integer(s.chars().take_while(|&c| c != '\0').count() as i64)
        }
    })
}

fn map_ascii(args: &[Value], f: fn(&str) -> String) -> Value {
    match text_arg(arg(args, 0)) {
        None => Value::Null,
        Some(s) => Value::Text(f(&s)),
    }
}

/// `lower(X)`: ASCII letters only, as SQLite without ICU.
pub fn lower(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(map_ascii(args, str::to_ascii_lowercase))
}

/// `upper(X)`: ASCII letters only.
pub fn upper(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(map_ascii(args, str::to_ascii_uppercase))
}

#[derive(Clone, Copy)]
enum TrimSide {
    Left,
    Right,
    Both,
}

fn trim_impl(args: &[Value], side: TrimSide) -> Value {
    let Some(s) = text_arg(arg(args, 0)) else {
        return Value::Null;
    };
    let set: Vec<char> = if args.len() >= 2 {
        match text_arg(&args[1]) {
            None => return Value::Null,
            // The set is read as a C string.
            Some(t) => c_str(&t).chars().collect(),
        }
    } else {
        vec![' ']
    };
    let is_set = |c: char| set.contains(&c);
    let out = match side {
        TrimSide::Left => s.trim_start_matches(is_set),
        TrimSide::Right => s.trim_end_matches(is_set),
        TrimSide::Both => s.trim_start_matches(is_set).trim_end_matches(is_set),
    };
    Value::Text(out.to_string())
}

pub fn ltrim(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(trim_impl(args, TrimSide::Left))
}

pub fn rtrim(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(trim_impl(args, TrimSide::Right))
}

pub fn trim(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(trim_impl(args, TrimSide::Both))
}

/// SQLite's substr index arithmetic: (start, length) in units (characters or
/// bytes) of a string `len` units long, both clamped to be non-negative.
fn substr_range(len: i64, p1: i64, p2: Option<i64>) -> (usize, usize) {
    let mut p1 = p1;
    let (mut p2, neg) = match p2 {
        Some(p) if p < 0 => (p.saturating_neg(), true),
        Some(p) => (p, false),
        None => (MAX_LENGTH as i64, false),
    };
    if p1 < 0 {
        p1 = p1.saturating_add(len);
        if p1 < 0 {
            p2 = p2.saturating_add(p1).max(0);
            p1 = 0;
        }
    } else if p1 > 0 {
        p1 -= 1;
    } else if p2 > 0 {
        p2 -= 1;
    }
    if neg {
        p1 = p1.saturating_sub(p2);
        if p1 < 0 {
            p2 = p2.saturating_add(p1);
            p1 = 0;
        }
    }
    let start = p1.clamp(0, len) as usize;
    let end = p1.saturating_add(p2).clamp(0, len) as usize;
    (start, end.max(start))
}

/// `substr(X, Y [, Z])` / `substring`: 1-based, negative Y counts from the
/// end, negative Z takes characters before Y.
pub fn substr(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let x = arg(args, 0);
    if matches!(x, Value::Null)
        || matches!(arg(args, 1), Value::Null)
        || (args.len() == 3 && matches!(args[2], Value::Null))
    {
        return Ok(Value::Null);
    }
    let p1 = value_int(&args[1]);
    let p2 = if args.len() == 3 { Some(value_int(&args[2])) } else { None };
    if let Value::Blob(b) = x {
        if b.is_empty() {
            return Ok(Value::Null);
        }
        let (s, e) = substr_range(b.len() as i64, p1, p2);
        return Ok(Value::Blob(b[s..e].to_vec()));
    }
    let s = text_arg(x).unwrap_or_default();
    let s = c_str(&s);
    let n = s.chars().count() as i64;
    let (start, end) = substr_range(n, p1, p2);
    Ok(Value::Text(s.chars().skip(start).take(end - start).collect()))
}

/// `instr(X, Y)`: 1-based position of the first Y in X (characters, or bytes
/// when both are blobs); 0 when absent; NULL if either is NULL.
pub fn instr(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let (h, n) = (arg(args, 0), arg(args, 1));
    if matches!(h, Value::Null) || matches!(n, Value::Null) {
        return Ok(Value::Null);
    }
    if let (Value::Blob(hb), Value::Blob(nb)) = (h, n) {
        if nb.is_empty() {
            return Ok(Value::Integer(1));
        }
        let pos = hb.windows(nb.len()).position(|w| w == nb.as_slice());
        return Ok(Value::Integer(pos.map_or(0, |p| p as i64 + 1)));
    }
    let hs = text_arg(h).unwrap_or_default();
    let ns = text_arg(n).unwrap_or_default();
    Ok(Value::Integer(match hs.find(ns.as_ref()) {
        Some(byte_pos) => hs[..byte_pos].chars().count() as i64 + 1,
        None => 0,
    }))
}

/// `replace(X, Y, Z)`: every Y in X replaced by Z; X unchanged when Y is empty.
pub fn replace(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let (x, y, z) = (arg(args, 0), arg(args, 1), arg(args, 2));
    if matches!(x, Value::Null) || matches!(y, Value::Null) {
        return Ok(Value::Null);
    }
    let pat = value_bytes(y);
    if pat.first().is_none_or(|&b| b == 0) {
        // An empty pattern (as a C string) leaves X as it is, but a BLOB X has
        // been read as text by then.
        return Ok(match x {
            Value::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
            other => other.clone(),
        });
    }
    if matches!(z, Value::Null) {
        return Ok(Value::Null);
    }
    let src = value_bytes(x);
    let rep = value_bytes(z);
    let mut out = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        if src[i..].starts_with(&pat) {
            out.extend_from_slice(&rep);
            i += pat.len();
        } else {
            out.push(src[i]);
            i += 1;
        }
        if out.len() > MAX_LENGTH {
            return Err(too_big());
        }
    }
    Ok(Value::Text(match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }))
}

/// `hex(X)`: upper-case hex of the blob, or of the text form's UTF-8 bytes.
pub fn hex(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let bytes = value_bytes(arg(args, 0));
    if bytes.len() * 2 > MAX_LENGTH {
        return Err(too_big());
    }
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(&mut out, &bytes);
    Ok(Value::Text(out))
}

/// `unicode(X)`: code point of the first character; NULL for an empty string.
pub fn unicode(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(match text_arg(arg(args, 0)) {
        None => Value::Null,
        Some(s) => match c_str(&s).chars().next() {
            Some(c) => Value::Integer(i64::from(u32::from(c))),
            None => Value::Null,
        },
    })
}

/// `char(X1, X2, ...)`: the string of those code points. Negative ones and
/// ones above U+10FFFF become U+FFFD. SQLite encodes a surrogate (U+D800 to
/// U+DFFF) as its three raw bytes, which are not UTF-8; TEXT here is always
/// UTF-8, so those bytes read as three U+FFFD, as every lossy UTF-8 reader
/// of SQLite's answer sees them.
pub fn char_fn(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let mut out = String::with_capacity(args.len());
    for a in args {
        let x = value_to_i64(a);
        match u32::try_from(x) {
            Ok(0xd800..=0xdfff) => out.push_str("\u{fffd}\u{fffd}\u{fffd}"),
            Ok(u) => out.push(char::from_u32(u).unwrap_or('\u{fffd}')),
            Err(_) => out.push('\u{fffd}'),
        }
    }
    Ok(Value::Text(out))
}

/// `soundex(X)`: the four-character Soundex code of X's first run of
/// letters (bytes of a UTF-8 character read through their low seven bits,
/// as SQLite does), or '?000' when X has no ASCII letter.
pub fn soundex(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    // Codes of A..Z; 0 for vowels, H, W, Y and anything not a letter.
    const CODES: &[u8; 26] = b"01230120022455012623010202";
    let code = |b: u8| {
        let c = (b & 0x7f).to_ascii_uppercase();
        if c.is_ascii_uppercase() {
            CODES[usize::from(c - b'A')] - b'0'
        } else {
            0
        }
    };
    let v = arg(args, 0);
    let bytes = types::value_bytes(v);
    let s = bytes.split(|&b| b == 0).next().unwrap_or(&[]);
    let Some(start) = s.iter().position(|b| b.is_ascii_alphabetic()) else {
        return Ok(Value::Text("?000".to_string()));
    };
    let mut out = String::with_capacity(4);
    out.push(char::from(s[start].to_ascii_uppercase()));
    let mut prev = code(s[start]);
    for &b in &s[start + 1..] {
        if out.len() == 4 {
            break;
        }
        let c = code(b);
        if c > 0 && c != prev {
            out.push(char::from(b'0' + c));
        }
        prev = c;
    }
    while out.len() < 4 {
        out.push('0');
    }
    Ok(Value::Text(out))
}

/// `like(P, S [, E])` = `S LIKE P [ESCAPE E]` (see [`types::like_value`]).
pub fn like_fn(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    types::like_value(arg(args, 1), arg(args, 0), args.get(2))
}

/// `glob(P, S)` = `S GLOB P` (see [`types::glob_value`]).
pub fn glob_fn(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    types::glob_value(arg(args, 1), arg(args, 0))
}
