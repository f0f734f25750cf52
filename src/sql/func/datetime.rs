//! Date and time functions: date, time, datetime, julianday, unixepoch,
//! strftime, and CURRENT_DATE / CURRENT_TIME / CURRENT_TIMESTAMP, with the
//! time values, modifiers and strftime conversions of SQLite 3.40.
//!
//! A moment is kept the way SQLite keeps it: as a Julian day number in
//! milliseconds (`jd`; 0 is noon of -4713-11-24 in the proleptic Gregorian
//! calendar) and/or as civil fields (year, month, day; hour, minute,
//! seconds; a time-zone offset). Flags say which of them are current and
//! each is computed from the other on demand. So '2024-02-31' prints as
//! written unless some modifier had to go through the day number (then it
//! is 2024-03-02), exactly as in SQLite.
//!
//! Valid results lie in 0000-01-01 00:00:00.000 ..= 9999-12-31 23:59:59.999;
//! anything else (and every malformed value or modifier) gives NULL.
//!
//! 'now' is read through [`FuncContext::now_unix_ms`], which a statement
//! keeps fixed for one step, so every 'now' within a step agrees.
//! `localtime` and `utc` use the C library's `localtime_r` (through
//! `storage::vfs::clock`, the one place that may call into libc); moments
//! outside 1970..2038 are shifted by whole years into it first, as SQLite does.

mod modifier;
mod parse;

use super::{FuncContext, MAX_LENGTH};
use crate::error::Result;
use crate::sql::types::float_fmt::{format_float, FloatFlags, FloatKind};
use crate::sql::types::value_bytes;
use crate::storage::Value;
use modifier::apply_modifier;
use parse::{at, parse_date_or_time, set_now};
use std::borrow::Cow;

const DAY_MS: i64 = 86_400_000;
/// The Julian day of 1970-01-01 00:00:00, in milliseconds.
const UNIX_EPOCH_JD_MS: i64 = 210_866_760_000_000;
/// The last millisecond of 9999-12-31, as a Julian day in milliseconds.
const MAX_JD_MS: i64 = 464_269_060_799_999;

/// One moment under construction (SQLite's `DateTime`).
#[derive(Clone, Copy, Debug, Default)]
struct DateTime {
    /// Julian day number times 86 400 000.
    jd: i64,
    y: i32,
    mo: i32,
    d: i32,
    h: i32,
    mi: i32,
    /// Seconds with fraction; for a bare number (`raw_s`), that number.
    s: f64,
    /// Time-zone offset in minutes (east positive).
    tz: i32,
    valid_jd: bool,
    /// `s` holds a bare number not yet given a meaning ('unixepoch', 'auto').
    raw_s: bool,
    valid_ymd: bool,
    valid_hms: bool,
    valid_tz: bool,
    /// A zone was written (or 'utc' applied): 'utc' does nothing more.
    tz_set: bool,
    is_error: bool,
}

fn valid_julian_day(jd: i64) -> bool {
    (0..=MAX_JD_MS).contains(&jd)
}

impl DateTime {
    fn error(&mut self) {
        *self = DateTime { is_error: true, ..DateTime::default() };
    }

    fn clear_ymd_hms_tz(&mut self) {
        self.valid_ymd = false;
        self.valid_hms = false;
        self.valid_tz = false;
    }

    /// A bare number: a Julian day when it is in range (it may still be
    /// reinterpreted by 'unixepoch' or 'auto').
    fn set_raw_number(&mut self, r: f64) {
        self.s = r;
        self.raw_s = true;
        if (0.0..5_373_484.5).contains(&r) {
            self.jd = (r * 86_400_000.0 + 0.5) as i64;
            self.valid_jd = true;
        }
    }

    fn compute_jd(&mut self) {
        if self.valid_jd {
            return;
        }
        let (mut y, mut m, d) = if self.valid_ymd { (self.y, self.mo, self.d) } else { (2000, 1, 1) };
        if !(-4713..=9999).contains(&y) || self.raw_s {
            self.error();
            return;
        }
        if m <= 2 {
            y -= 1;
            m += 12;
        }
        // Integer divisions truncate toward zero (the algorithm expects C's).
        let a = y / 100;
        let b = 2 - a + a / 4;
        let x1 = 36_525 * (y + 4716) / 100;
        let x2 = 306_001 * (m + 1) / 10_000;
        self.jd = ((f64::from(x1 + x2 + d + b) - 1524.5) * 86_400_000.0) as i64;
        self.valid_jd = true;
        if self.valid_hms {
            self.jd += i64::from(self.h) * 3_600_000 + i64::from(self.mi) * 60_000 + (self.s * 1000.0 + 0.5) as i64;
            if self.valid_tz {
                self.jd -= i64::from(self.tz) * 60_000;
                self.valid_ymd = false;
                self.valid_hms = false;
                self.valid_tz = false;
            }
        }
    }

    fn compute_ymd(&mut self) {
        if self.valid_ymd {
            return;
        }
        if !self.valid_jd {
            (self.y, self.mo, self.d) = (2000, 1, 1);
        } else if !valid_julian_day(self.jd) {
            self.error();
            return;
        } else {
            let z = ((self.jd + 43_200_000) / DAY_MS) as i32;
            let a = ((f64::from(z) - 1_867_216.25) / 36_524.25) as i32;
            let a = z + 1 + a - a / 4;
            let b = a + 1524;
            let c = ((f64::from(b) - 122.1) / 365.25) as i32;
            let d = (36_525 * (c & 32_767)) / 100;
            let e = (f64::from(b - d) / 30.6001) as i32;
            let x1 = (30.6001 * f64::from(e)) as i32;
            self.d = b - d - x1;
            self.mo = if e < 14 { e - 1 } else { e - 13 };
            self.y = if self.mo > 2 { c - 4716 } else { c - 4715 };
        }
        self.valid_ymd = true;
    }

    fn compute_hms(&mut self) {
        if self.valid_hms {
            return;
        }
        self.compute_jd();
        let ms = (self.jd.wrapping_add(43_200_000) % DAY_MS) as i32;
        self.s = f64::from(ms) / 1000.0;
        let mut whole = self.s as i32;
        self.s -= f64::from(whole);
        self.h = whole / 3600;
        whole -= self.h * 3600;
        self.mi = whole / 60;
        self.s += f64::from(whole - self.mi * 60);
        self.raw_s = false;
        self.valid_hms = true;
    }

    fn compute_ymd_hms(&mut self) {
        self.compute_ymd();
        self.compute_hms();
    }
}

/// The text of an argument as the parsers read it: up to its first NUL.
fn c_bytes(v: &Value) -> Cow<'_, [u8]> {
    match value_bytes(v) {
        Cow::Borrowed(b) => Cow::Borrowed(b.split(|&c| c == 0).next().unwrap_or(b)),
        Cow::Owned(mut b) => {
            if let Some(n) = b.iter().position(|&c| c == 0) {
                b.truncate(n);
            }
            Cow::Owned(b)
        }
    }
}

/// Reads the time value and modifiers of a date function call; None for NULL.
fn is_date(ctx: &mut dyn FuncContext, args: &[Value]) -> Result<Option<DateTime>> {
    let mut p = DateTime::default();
    match args.first() {
        None => {
            if !set_now(ctx, &mut p) {
                return Ok(None);
            }
        }
        Some(Value::Null) => return Ok(None),
        Some(Value::Integer(i)) => p.set_raw_number(*i as f64),
        Some(Value::Real(r)) => p.set_raw_number(*r),
        Some(v) => {
            if !parse_date_or_time(ctx, &c_bytes(v), &mut p) {
                return Ok(None);
            }
        }
    }
    for (i, m) in args.iter().enumerate().skip(1) {
        if matches!(m, Value::Null) || !apply_modifier(&c_bytes(m), &mut p, i)? {
            return Ok(None);
        }
    }
    p.compute_jd();
    if p.is_error || !valid_julian_day(p.jd) {
        return Ok(None);
    }
    Ok(Some(p))
}

/// Appends the last two decimal digits of `v`.
fn push2(out: &mut String, v: i32) {
    out.push(char::from(b'0' + (v / 10 % 10) as u8));
    out.push(char::from(b'0' + (v % 10) as u8));
}

fn push_date(out: &mut String, p: &DateTime) {
    if p.y < 0 {
        out.push('-');
    }
    let y = p.y.abs();
    push2(out, y / 100);
    push2(out, y);
    out.push('-');
    push2(out, p.mo);
    out.push('-');
    push2(out, p.d);
}

fn push_time(out: &mut String, p: &DateTime) {
    push2(out, p.h);
    out.push(':');
    push2(out, p.mi);
    out.push(':');
    push2(out, p.s as i32);
}

/// `julianday(...)`: REAL.
pub fn julianday(ctx: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(is_date(ctx, args)?.map_or(Value::Null, |p| Value::Real(p.jd as f64 / 86_400_000.0)))
}

/// `unixepoch(...)`: INTEGER seconds since 1970-01-01 (fraction dropped).
pub fn unixepoch(ctx: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(is_date(ctx, args)?.map_or(Value::Null, |p| Value::Integer(p.jd / 1000 - UNIX_EPOCH_JD_MS / 1000)))
}

/// `datetime(...)`: 'YYYY-MM-DD HH:MM:SS'.
pub fn datetime(ctx: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(is_date(ctx, args)?.map_or(Value::Null, |mut p| {
        p.compute_ymd_hms();
        let mut out = String::with_capacity(20);
        push_date(&mut out, &p);
        out.push(' ');
        push_time(&mut out, &p);
        Value::Text(out)
    }))
}

/// `date(...)`: 'YYYY-MM-DD'.
pub fn date(ctx: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(is_date(ctx, args)?.map_or(Value::Null, |mut p| {
        p.compute_ymd();
        let mut out = String::with_capacity(11);
        push_date(&mut out, &p);
        Value::Text(out)
    }))
}

/// `time(...)`: 'HH:MM:SS'.
pub fn time(ctx: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(is_date(ctx, args)?.map_or(Value::Null, |mut p| {
        p.compute_hms();
        let mut out = String::with_capacity(8);
        push_time(&mut out, &p);
        Value::Text(out)
    }))
}

/// CURRENT_TIMESTAMP.
pub fn current_timestamp(ctx: &mut dyn FuncContext, _: &[Value]) -> Result<Value> {
    datetime(ctx, &[])
}

/// CURRENT_DATE.
pub fn current_date(ctx: &mut dyn FuncContext, _: &[Value]) -> Result<Value> {
    date(ctx, &[])
}

/// CURRENT_TIME.
pub fn current_time(ctx: &mut dyn FuncContext, _: &[Value]) -> Result<Value> {
    time(ctx, &[])
}

/// The conversions strftime accepts in SQLite 3.40; any other makes the
/// result NULL.
const STRFTIME_CONVERSIONS: &[u8] = b"dfHjJmMsSwWY%";

/// `strftime(FORMAT, ...)`: %d day, %f seconds with milliseconds, %H hour,
/// %j day of year, %J Julian day, %m month, %M minute, %s Unix seconds,
/// %S seconds, %w weekday (0 = Sunday), %W week of year (weeks start on
/// Monday), %Y year, %% a percent sign.
pub fn strftime(ctx: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let Some(f) = args.first() else {
        return Ok(Value::Null);
    };
    if matches!(f, Value::Null) {
        return Ok(Value::Null);
    }
    let fmt = c_bytes(f);
    let Some(mut x) = is_date(ctx, &args[1..])? else {
        return Ok(Value::Null);
    };
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] == b'%' {
            if !STRFTIME_CONVERSIONS.contains(&at(&fmt, i + 1)) {
                return Ok(Value::Null);
            }
            i += 1;
        }
        i += 1;
    }
    // (is_date computed the Julian day.)
    x.compute_ymd_hms();
    let mut out: Vec<u8> = Vec::with_capacity(fmt.len() + 16);
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        let conv = fmt[i];
        i += 1;
        let mut s = String::new();
        match conv {
            b'd' => push2(&mut s, x.d),
            b'f' => {
                let secs = x.s.min(59.999);
                let t = format_float(secs, FloatKind::Fixed, Some(3), FloatFlags::default());
                for _ in t.len()..6 {
                    s.push('0');
                }
                s.push_str(&t);
            }
            b'H' => push2(&mut s, x.h),
            b'W' | b'j' => {
                let mut y = x;
                y.valid_jd = false;
                y.mo = 1;
                y.d = 1;
                y.compute_jd();
                let n_day = (x.jd - y.jd + 43_200_000) / DAY_MS;
                if conv == b'W' {
                    // 0 = Monday .. 6 = Sunday
                    let wd = ((x.jd + 43_200_000) / DAY_MS) % 7;
                    s = format!("{:02}", (n_day + 7 - wd) / 7);
                } else {
                    s = format!("{:03}", n_day + 1);
                }
            }
            b'J' => {
                s = format_float(x.jd as f64 / 86_400_000.0, FloatKind::General, Some(16), FloatFlags::default());
            }
            b'm' => push2(&mut s, x.mo),
            b'M' => push2(&mut s, x.mi),
            b's' => s = (x.jd / 1000 - UNIX_EPOCH_JD_MS / 1000).to_string(),
            b'S' => push2(&mut s, x.s as i32),
            b'w' => s = (((x.jd + 129_600_000) / DAY_MS) % 7).to_string(),
            b'Y' => s = format!("{:04}", x.y),
            _ => s.push('%'),
        }
        out.extend_from_slice(s.as_bytes());
        if out.len() > MAX_LENGTH {
            return Err(super::too_big());
        }
    }
    Ok(Value::Text(match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }))
}
