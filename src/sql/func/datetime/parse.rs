//! Time values: `YYYY-MM-DD [HH:MM[:SS[.fff]]][zone]` (with spaces or `T`
//! between date and time), `HH:MM[:SS[.fff]][zone]`, 'now', and numbers.
//! Every parser reads a C string: bytes past the end read as NUL.

use super::{DateTime, UNIX_EPOCH_JD_MS};
use crate::sql::func::FuncContext;
use crate::sql::types::numeric::{atof, is_space, AtofKind};

/// Byte `i` of `z`, or 0 past its end (the parsers read C strings).
pub(super) fn at(z: &[u8], i: usize) -> u8 {
    z.get(i).copied().unwrap_or(0)
}

/// Exactly `n` decimal digits at `z[i..]` with a value in `min..=max`.
pub(super) fn digits(z: &[u8], i: usize, n: usize, min: i32, max: i32) -> Option<i32> {
    let mut v = 0;
    for k in 0..n {
        let c = at(z, i + k);
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i32::from(c - b'0');
    }
    (min..=max).contains(&v).then_some(v)
}

/// `HH:MM` at `z[i..]` (hours up to `max_h`, minutes up to 59).
pub(super) fn hh_mm(z: &[u8], i: usize, max_h: i32) -> Option<(i32, i32)> {
    let h = digits(z, i, 2, 0, max_h)?;
    if at(z, i + 2) != b':' {
        return None;
    }
    Some((h, digits(z, i + 3, 2, 0, 59)?))
}

/// An optional time-zone suffix: spaces, then `Z`, or `[+-]HH:MM`, then spaces
/// and the end of the string.
fn parse_timezone(z: &[u8], p: &mut DateTime) -> bool {
    let mut i = 0;
    while is_space(at(z, i)) {
        i += 1;
    }
    p.tz = 0;
    let sign = match at(z, i) {
        b'-' => -1,
        b'+' => 1,
        b'Z' | b'z' => 0,
        c => return c == 0,
    };
    i += 1;
    if sign != 0 {
        let Some((h, m)) = hh_mm(z, i, 14) else {
            return false;
        };
        i += 5;
        p.tz = sign * (m + h * 60);
    }
    while is_space(at(z, i)) {
        i += 1;
    }
    p.tz_set = true;
    at(z, i) == 0
}

/// `HH:MM[:SS[.fff...]][zone]`.
pub(super) fn parse_hh_mm_ss(z: &[u8], p: &mut DateTime) -> bool {
    let Some((h, m)) = hh_mm(z, 0, 24) else {
        return false;
    };
    let mut i = 5;
    let mut s = 0;
    let mut frac = 0.0;
    if at(z, i) == b':' {
        i += 1;
        let Some(sec) = digits(z, i, 2, 0, 59) else {
            return false;
        };
        s = sec;
        i += 2;
        if at(z, i) == b'.' && at(z, i + 1).is_ascii_digit() {
            let mut scale = 1.0;
            i += 1;
            while at(z, i).is_ascii_digit() {
                frac = frac * 10.0 + f64::from(at(z, i) - b'0');
                scale *= 10.0;
                i += 1;
            }
            frac /= scale;
        }
    }
    p.valid_jd = false;
    p.raw_s = false;
    p.valid_hms = true;
    p.h = h;
    p.mi = m;
    p.s = f64::from(s) + frac;
    if !parse_timezone(&z[i.min(z.len())..], p) {
        return false;
    }
    p.valid_tz = p.tz != 0;
    true
}

/// `[-]YYYY-MM-DD`, then optional spaces or `T`s and an optional time.
fn parse_yyyy_mm_dd(z: &[u8], p: &mut DateTime) -> bool {
    let (neg, z) = if at(z, 0) == b'-' { (true, &z[1..]) } else { (false, z) };
    let Some(y) = digits(z, 0, 4, 0, 9999) else {
        return false;
    };
    if at(z, 4) != b'-' {
        return false;
    }
    let Some(m) = digits(z, 5, 2, 1, 12) else {
        return false;
    };
    if at(z, 7) != b'-' {
        return false;
    }
    let Some(d) = digits(z, 8, 2, 1, 31) else {
        return false;
    };
    let mut i = 10;
    while is_space(at(z, i)) || at(z, i) == b'T' {
        i += 1;
    }
    let rest = &z[i.min(z.len())..];
    if parse_hh_mm_ss(rest, p) {
        // date and time
    } else if rest.is_empty() {
        p.valid_hms = false;
    } else {
        return false;
    }
    p.valid_jd = false;
    p.valid_ymd = true;
    p.y = if neg { -y } else { y };
    p.mo = m;
    p.d = d;
    if p.valid_tz {
        p.compute_jd();
    }
    true
}

/// The current moment (for 'now' and calls without a time value).
pub(super) fn set_now(ctx: &mut dyn FuncContext, p: &mut DateTime) -> bool {
    p.jd = ctx.now_unix_ms().saturating_add(UNIX_EPOCH_JD_MS);
    if p.jd > 0 {
        p.valid_jd = true;
        true
    } else {
        false
    }
}

/// True when all of `z` (bar surrounding spaces) is a number; its value.
pub(super) fn pure_number(z: &[u8]) -> Option<f64> {
    match atof(z) {
        (r, AtofKind::Integer | AtofKind::Real) => Some(r),
        _ => None,
    }
}

pub(super) fn parse_date_or_time(ctx: &mut dyn FuncContext, z: &[u8], p: &mut DateTime) -> bool {
    if parse_yyyy_mm_dd(z, p) || parse_hh_mm_ss(z, p) {
        return true;
    }
    if z.eq_ignore_ascii_case(b"now") {
        return set_now(ctx, p);
    }
    match pure_number(z) {
        Some(r) => {
            p.set_raw_number(r);
            true
        }
        None => false,
    }
}
