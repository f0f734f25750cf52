//! Modifiers: `[+-]NNN[.NNN] unit[s]`, `[+-]HH:MM[:SS[.fff]]`, 'start of
//! month|year|day', 'weekday N', 'unixepoch', 'julianday', 'auto',
//! 'localtime', 'utc'.

use super::parse::{at, parse_hh_mm_ss, pure_number};
use super::{DateTime, DAY_MS, UNIX_EPOCH_JD_MS};
use crate::error::{Error, Result};
use crate::sql::types::numeric::is_space;
use crate::storage::vfs::clock;

/// Converts `p` (UTC) to the local time zone's civil time. Moments before
/// 1970 or after 2037-01-18 are first moved by whole years to one within
/// that range with the same leap-year phase, as the C library may not
/// know their zone rules, and the year is moved back after.
fn to_localtime(p: &mut DateTime) -> Result<()> {
    p.compute_jd();
    let (t, year_diff) = if p.jd < UNIX_EPOCH_JD_MS || p.jd > 213_014_145_600_000 {
        let mut x = *p;
        x.compute_ymd_hms();
        let diff = (2000 + x.y % 4) - x.y;
        x.y += diff;
        x.valid_jd = false;
        x.compute_jd();
        (x.jd / 1000 - UNIX_EPOCH_JD_MS / 1000, diff)
    } else {
        (p.jd / 1000 - UNIX_EPOCH_JD_MS / 1000, 0)
    };
    let lt = clock::local_time(t).ok_or_else(|| Error::sql("local time unavailable"))?;
    p.y = lt.year - year_diff;
    p.mo = lt.month;
    p.d = lt.day;
    p.h = lt.hour;
    p.mi = lt.minute;
    p.s = f64::from(lt.second) + (p.jd % 1000) as f64 * 0.001;
    p.valid_ymd = true;
    p.valid_hms = true;
    p.valid_jd = false;
    p.raw_s = false;
    p.valid_tz = false;
    p.is_error = false;
    Ok(())
}

/// Reads `p` as local time and converts it to UTC: the UTC moment whose
/// local time is `p`, found by correcting a guess (at most four rounds;
/// around a zone change there may be no exact answer).
fn to_utc(p: &mut DateTime) -> Result<()> {
    p.compute_jd();
    let orig = p.jd;
    let mut guess = orig;
    let mut err = 0;
    let mut rounds = 0;
    loop {
        guess = guess.wrapping_sub(err);
        let mut local = DateTime { jd: guess, valid_jd: true, ..DateTime::default() };
        to_localtime(&mut local)?;
        local.compute_jd();
        // SQLite 3.40 keeps this error in a C int: a wild first guess (a
        // moment before -4713-11-24) wraps, and so must ours.
        err = i64::from(local.jd.wrapping_sub(orig) as i32);
        if err == 0 || rounds >= 3 {
            break;
        }
        rounds += 1;
    }
    *p = DateTime { jd: guess, valid_jd: true, tz_set: true, ..DateTime::default() };
    Ok(())
}

/// `+NNN unit` modifiers: name, largest magnitude accepted, seconds per unit.
const UNITS: [(&str, f64, f64); 6] = [
    ("second", 4.6427e14, 1.0),
    ("minute", 7.7379e12, 60.0),
    ("hour", 1.2897e11, 3600.0),
    ("day", 5_373_485.0, 86_400.0),
    ("month", 176_546.0, 2_592_000.0),
    ("year", 14_713.0, 31_536_000.0),
];

fn strip_prefix_ic<'a>(z: &'a [u8], prefix: &str) -> Option<&'a [u8]> {
    let n = prefix.len();
    (z.len() >= n && z[..n].eq_ignore_ascii_case(prefix.as_bytes())).then(|| &z[n..])
}

/// Applies modifier `z` (the `idx`-th argument, 1-based after the time
/// value). Ok(false) means "not a valid modifier here": the result is NULL.
pub(super) fn apply_modifier(z: &[u8], p: &mut DateTime, idx: usize) -> Result<bool> {
    let eq = |name: &str| z.eq_ignore_ascii_case(name.as_bytes());
    match at(z, 0).to_ascii_lowercase() {
        b'a' if eq("auto") => {
            if idx > 1 {
                return Ok(false);
            }
            if !p.raw_s || p.valid_jd {
                p.raw_s = false;
                return Ok(true);
            }
            if p.s >= -210_866_760_000.0 && p.s <= 253_402_300_799.0 {
                let r = p.s * 1000.0 + UNIX_EPOCH_JD_MS as f64;
                p.clear_ymd_hms_tz();
                p.jd = (r + 0.5) as i64;
                p.valid_jd = true;
                p.raw_s = false;
                return Ok(true);
            }
            Ok(false)
        }
        b'j' if eq("julianday") => {
            if idx > 1 {
                return Ok(false);
            }
            if p.valid_jd && p.raw_s {
                p.raw_s = false;
                return Ok(true);
            }
            Ok(false)
        }
        b'l' if eq("localtime") => {
            to_localtime(p)?;
            Ok(true)
        }
        b'u' if eq("unixepoch") && p.raw_s => {
            if idx > 1 {
                return Ok(false);
            }
            let r = p.s * 1000.0 + UNIX_EPOCH_JD_MS as f64;
            if (0.0..464_269_060_800_000.0).contains(&r) {
                p.clear_ymd_hms_tz();
                p.jd = (r + 0.5) as i64;
                p.valid_jd = true;
                p.raw_s = false;
                return Ok(true);
            }
            Ok(false)
        }
        b'u' if eq("utc") => {
            if !p.tz_set {
                to_utc(p)?;
            }
            Ok(true)
        }
        b'w' => {
            // weekday N: forward to the next day (or today) with weekday N (0 = Sunday).
            let Some(arg) = strip_prefix_ic(z, "weekday ") else {
                return Ok(false);
            };
            let Some(r) = pure_number(arg) else {
                return Ok(false);
            };
            let n = r as i64;
            if n as f64 != r || n < 0 || r >= 7.0 {
                return Ok(false);
            }
            p.compute_ymd_hms();
            p.valid_tz = false;
            p.valid_jd = false;
            p.compute_jd();
            let mut wd = (p.jd.wrapping_add(129_600_000) / DAY_MS) % 7;
            if wd > n {
                wd -= 7;
            }
            p.jd = p.jd.wrapping_add((n - wd) * DAY_MS);
            p.clear_ymd_hms_tz();
            Ok(true)
        }
        b's' => {
            let Some(unit) = strip_prefix_ic(z, "start of ") else {
                return Ok(false);
            };
            if !p.valid_jd && !p.valid_ymd && !p.valid_hms {
                return Ok(false);
            }
            p.compute_ymd();
            p.valid_hms = true;
            (p.h, p.mi, p.s) = (0, 0, 0.0);
            p.raw_s = false;
            p.valid_tz = false;
            p.valid_jd = false;
            if unit.eq_ignore_ascii_case(b"month") {
                p.d = 1;
            } else if unit.eq_ignore_ascii_case(b"year") {
                p.mo = 1;
                p.d = 1;
            } else if !unit.eq_ignore_ascii_case(b"day") {
                return Ok(false);
            }
            Ok(true)
        }
        b'+' | b'-' | b'0'..=b'9' => Ok(shift(z, p)),
        _ => Ok(false),
    }
}

/// `[+-]NNN[.NNN] unit[s]` or `[+-]HH:MM[:SS[.SSS]]`.
fn shift(z: &[u8], p: &mut DateTime) -> bool {
    let mut n = 1;
    while n < z.len() && z[n] != b':' && !is_space(z[n]) {
        n += 1;
    }
    let Some(r) = pure_number(&z[..n]) else {
        return false;
    };
    if at(z, n) == b':' {
        let z2 = if at(z, 0).is_ascii_digit() { z } else { &z[1..] };
        let mut tx = DateTime::default();
        if !parse_hh_mm_ss(z2, &mut tx) {
            return false;
        }
        tx.compute_jd();
        tx.jd -= 43_200_000;
        let day = tx.jd / DAY_MS;
        tx.jd -= day * DAY_MS;
        if z[0] == b'-' {
            tx.jd = -tx.jd;
        }
        p.compute_jd();
        p.clear_ymd_hms_tz();
        p.jd = p.jd.wrapping_add(tx.jd);
        return true;
    }
    let mut rest = &z[n..];
    while let Some((&c, tail)) = rest.split_first() {
        if !is_space(c) {
            break;
        }
        rest = tail;
    }
    let mut len = rest.len();
    if !(3..=10).contains(&len) {
        return false;
    }
    if rest[len - 1].eq_ignore_ascii_case(&b's') {
        len -= 1;
    }
    let unit = &rest[..len];
    p.compute_jd();
    let rounder = if r < 0.0 { -0.5 } else { 0.5 };
    let mut ok = false;
    for (name, limit, secs) in UNITS {
        if !(unit.eq_ignore_ascii_case(name.as_bytes()) && r > -limit && r < limit) {
            continue;
        }
        let mut r = r;
        match name {
            "month" => {
                p.compute_ymd_hms();
                p.mo += r as i32;
                let x = if p.mo > 0 { (p.mo - 1) / 12 } else { (p.mo - 12) / 12 };
                p.y += x;
                p.mo -= x * 12;
                p.valid_jd = false;
                r -= f64::from(r as i32);
            }
            "year" => {
                p.compute_ymd_hms();
                p.y += r as i32;
                p.valid_jd = false;
                r -= f64::from(r as i32);
            }
            _ => {}
        }
        p.compute_jd();
        p.jd = p.jd.wrapping_add((r * 1000.0 * secs + rounder) as i64);
        ok = true;
        break;
    }
    p.clear_ymd_hms_tz();
    ok
}
