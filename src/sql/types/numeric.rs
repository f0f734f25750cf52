//! Text -> number conversions with SQLite's exact acceptance rules.
//!
//! Two scanners mirror SQLite's: [`atof`] reads the longest prefix of the form
//! `[space]* [+-]? digits [. digits] [(e|E) [+-]? digits] [space]*` and
//! classifies the whole input; [`atoi64`] reads `[space]* [+-]? digits` and
//! clamps on overflow. Spaces are the six ASCII whitespace bytes
//! (`\t \n \v \f \r` and space). Hex literals are not numbers here.

use super::f80::F80;

/// SQLite's whitespace set for numeric text.
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// How much of the input [`atof`] accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtofKind {
    /// The whole input (bar surrounding spaces) is an integer literal.
    Integer,
    /// The whole input is a number with a decimal point and/or an exponent.
    Real,
    /// A prefix with a decimal point and/or exponent is a number; more text follows.
    RealPrefix,
    /// Not a number, or only an integer prefix followed by other text.
    NotNumeric,
}

/// Largest significand SQLite accumulates before it starts dropping digits.
const SIGNIFICAND_LIMIT: i64 = (i64::MAX - 9) / 10;

/// Parses `s` as SQLite's `sqlite3AtoF` does: returns the value of the longest
/// numeric prefix (0.0 when there is none) and how much of `s` was numeric.
/// Digits beyond the ~18 that fit the 64-bit significand are dropped, as SQLite does.
pub fn atof(s: &[u8]) -> (f64, AtofKind) {
    let n = s.len();
    let mut i = 0;
    while i < n && is_space(s[i]) {
        i += 1;
    }
    if i >= n {
        return (0.0, AtofKind::NotNumeric);
    }
    let mut negative = false;
    if s[i] == b'-' {
        negative = true;
        i += 1;
    } else if s[i] == b'+' {
        i += 1;
    }
    let mut sig: i64 = 0;
    let mut d: i32 = 0; // decimal exponent adjustment of the significand
    let mut n_digit = 0;
    let mut e_type = 1; // 1 integer, +1 for '.', +1 for exponent
    let mut e_valid = true;
    let mut exp: i32 = 0;
    let mut esign: i32 = 1;
    'scan: {
        while i < n && s[i].is_ascii_digit() {
            sig = sig * 10 + i64::from(s[i] - b'0');
            i += 1;
            n_digit += 1;
            if sig >= SIGNIFICAND_LIMIT {
                while i < n && s[i].is_ascii_digit() {
                    i += 1;
                    d += 1;
                }
            }
        }
        if i >= n {
            break 'scan;
        }
        if s[i] == b'.' {
            i += 1;
            e_type += 1;
            while i < n && s[i].is_ascii_digit() {
                if sig < SIGNIFICAND_LIMIT {
                    sig = sig * 10 + i64::from(s[i] - b'0');
                    d -= 1;
                    n_digit += 1;
                }
                i += 1;
            }
        }
        if i >= n {
            break 'scan;
        }
        if s[i] == b'e' || s[i] == b'E' {
            i += 1;
            e_valid = false;
            e_type += 1;
            if i >= n {
                break 'scan;
            }
            if s[i] == b'-' {
                esign = -1;
                i += 1;
            } else if s[i] == b'+' {
                i += 1;
            }
            while i < n && s[i].is_ascii_digit() {
                exp = if exp < 10000 { exp * 10 + i32::from(s[i] - b'0') } else { 10000 };
                i += 1;
                e_valid = true;
            }
        }
        while i < n && is_space(s[i]) {
            i += 1;
        }
    }
    let e = (exp * esign).saturating_add(d);
    let value = if sig == 0 {
        if negative {
            -0.0
        } else {
            0.0
        }
    } else {
        let mag = scale_pow10(sig as u64, e);
        if negative {
            -mag
        } else {
            mag
        }
    };
    let kind = if i == n && n_digit > 0 && e_valid {
        if e_type == 1 {
            AtofKind::Integer
        } else {
            AtofKind::Real
        }
    } else if e_type >= 2 && (e_type == 3 || e_valid) && n_digit > 0 {
        AtofKind::RealPrefix
    } else {
        AtofKind::NotNumeric
    };
    (value, kind)
}

/// `sig * 10^e` as SQLite 3.40 computes it on x86-64: trailing decimal
/// zeros moved between significand and exponent, then a `long double` scale
/// 10^|e| accumulated from factors 10 and 1e22 and applied in `long double`,
/// rounded to double; exponents beyond 307 take an extra double step
/// through 1e308, and beyond 341 give 0 or infinity. This reproduces the
/// system library on all but a few in a thousand literals with 15+ digits or
/// exponents near the double range (whose last bit SQLite's build rounds
/// differently); correct rounding is not the goal, SQLite's answer is.
fn scale_pow10(sig: u64, e: i32) -> f64 {
    let mut s = sig;
    let negative_exp = e < 0;
    let mut e = e.unsigned_abs();
    if !negative_exp {
        while s < (i64::MAX / 10) as u64 && e > 0 {
            e -= 1;
            s *= 10;
        }
    } else {
        while s.is_multiple_of(10) && e > 0 {
            e -= 1;
            s /= 10;
        }
    }
    if e == 0 {
        return s as f64;
    }
    let ten = F80::from_u64(10);
    let sv = F80::from_u64(s);
    let mut scale = F80::from_u64(1);
    if e > 307 {
        if e >= 342 {
            return if negative_exp { 0.0 } else { f64::INFINITY };
        }
        while !e.is_multiple_of(308) {
            scale = scale.times(ten);
            e -= 1;
        }
        if negative_exp {
            sv.over(scale).to_f64() / 1.0e308
        } else {
            sv.times(scale).to_f64() * 1.0e308
        }
    } else {
        let e22 = F80::from_f64(1.0e22);
        while !e.is_multiple_of(22) {
            scale = scale.times(ten);
            e -= 1;
        }
        while e > 0 {
            scale = scale.times(e22);
            e -= 22;
        }
        if negative_exp {
            sv.over(scale).to_f64()
        } else {
            sv.times(scale).to_f64()
        }
    }
}

/// Outcome of [`atoi64`], as SQLite's `sqlite3Atoi64` classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtoiKind {
    /// The whole input (bar surrounding spaces) is an in-range integer.
    Exact,
    /// No digits at all.
    NoDigits,
    /// An integer prefix followed by other text.
    TrailingText,
    /// Too large; the value is clamped to i64::MIN/MAX.
    Overflow,
    /// Exactly `9223372036854775808` (no sign): clamped to i64::MAX.
    PlusTwoPow63,
}

/// Parses the leading integer of `s` (spaces, sign, digits), clamping on overflow.
pub fn atoi64(s: &[u8]) -> (i64, AtoiKind) {
    let n = s.len();
    let mut i = 0;
    while i < n && is_space(s[i]) {
        i += 1;
    }
    let mut negative = false;
    if i < n && s[i] == b'-' {
        negative = true;
        i += 1;
    } else if i < n && s[i] == b'+' {
        i += 1;
    }
    let start = i;
    while i < n && s[i] == b'0' {
        i += 1;
    }
    let zeros_end = i;
    let mut mag: u128 = 0;
    while i < n && s[i].is_ascii_digit() {
        if mag <= u128::from(u64::MAX) {
            mag = mag * 10 + u128::from(s[i] - b'0');
        }
        i += 1;
    }
    let n_digits = i - zeros_end;
    let mut trailing = false;
    let mut j = i;
    while j < n {
        if !is_space(s[j]) {
            trailing = true;
            break;
        }
        j += 1;
    }
    let base_kind = if n_digits == 0 && zeros_end == start {
        AtoiKind::NoDigits
    } else if trailing {
        AtoiKind::TrailingText
    } else {
        AtoiKind::Exact
    };
    let limit = 1u128 << 63;
    if n_digits > 19 || mag > limit {
        let v = if negative { i64::MIN } else { i64::MAX };
        return (v, AtoiKind::Overflow);
    }
    if mag == limit {
        if negative {
            return (i64::MIN, base_kind);
        }
        return (i64::MAX, AtoiKind::PlusTwoPow63);
    }
    let v = mag as i64;
    (if negative { -v } else { v }, base_kind)
}

/// SQLite's `sqlite3RealSameAsInt`: `r` equals `i` exactly (or is a zero)
/// and `i` is within +-2^51.
pub fn real_same_as_int(r: f64, i: i64) -> bool {
    r == 0.0 || (r.to_bits() == (i as f64).to_bits() && (-(1i64 << 51)..(1i64 << 51)).contains(&i))
}

/// Converts a double to i64 the way SQLite does: truncation toward zero,
/// saturating at the i64 range (NaN -> 0).
pub fn real_to_i64(r: f64) -> i64 {
    if r.is_nan() {
        0
    } else if r <= i64::MIN as f64 {
        i64::MIN
    } else if r >= i64::MAX as f64 {
        i64::MAX
    } else {
        r as i64
    }
}

/// The integer an integral REAL may become under INTEGER/NUMERIC affinity
/// (SQLite's `sqlite3VdbeIntegerAffinity`): exact and strictly inside the i64 range.
pub fn real_as_exact_int(r: f64) -> Option<i64> {
    let ix = real_to_i64(r);
    if r == ix as f64 && ix > i64::MIN && ix < i64::MAX {
        Some(ix)
    } else {
        None
    }
}

/// A number parsed from text by NUMERIC affinity, or None when the text is
/// not entirely a number (SQLite's `applyNumericAffinity`). With
/// `try_for_int`, an integral REAL becomes an INTEGER.
pub fn text_to_numeric(s: &[u8], try_for_int: bool) -> Option<NumericValue> {
    let (r, kind) = atof(s);
    match kind {
        AtofKind::NotNumeric | AtofKind::RealPrefix => None,
        AtofKind::Integer => {
            let (i, k) = atoi64(s);
            if k == AtoiKind::Exact {
                Some(NumericValue::Int(i))
            } else {
                Some(real_numeric(r, try_for_int))
            }
        }
        AtofKind::Real => Some(real_numeric(r, try_for_int)),
    }
}

fn real_numeric(r: f64, try_for_int: bool) -> NumericValue {
    if try_for_int {
        if let Some(i) = real_as_exact_int(r) {
            return NumericValue::Int(i);
        }
    }
    NumericValue::Real(r)
}

/// A number as INTEGER or REAL.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumericValue {
    Int(i64),
    Real(f64),
}

/// The number an arithmetic operator sees in a TEXT/BLOB operand (SQLite's
/// `computeNumericType`): the longest numeric prefix, INTEGER when that prefix
/// is an in-range integer, REAL otherwise; 0 when there is no prefix.
pub fn numeric_prefix(s: &[u8]) -> NumericValue {
    let (r, kind) = atof(s);
    match kind {
        AtofKind::NotNumeric => {
            let (i, k) = atoi64(s);
            match k {
                AtoiKind::Exact | AtoiKind::NoDigits | AtoiKind::TrailingText => NumericValue::Int(i),
                _ => NumericValue::Real(r),
            }
        }
        AtofKind::Integer => {
            let (i, k) = atoi64(s);
            if k == AtoiKind::Exact {
                NumericValue::Int(i)
            } else {
                NumericValue::Real(r)
            }
        }
        AtofKind::Real | AtofKind::RealPrefix => NumericValue::Real(r),
    }
}

/// `CAST(text AS NUMERIC)` (SQLite's `sqlite3VdbeMemNumerify`): always a number.
pub fn cast_text_numeric(s: &[u8]) -> NumericValue {
    let (r, kind) = atof(s);
    if matches!(kind, AtofKind::NotNumeric | AtofKind::Integer) {
        let (i, k) = atoi64(s);
        if matches!(k, AtoiKind::Exact | AtoiKind::NoDigits | AtoiKind::TrailingText) {
            return NumericValue::Int(i);
        }
    }
    let ix = real_to_i64(r);
    if real_same_as_int(r, ix) {
        NumericValue::Int(ix)
    } else {
        NumericValue::Real(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atof_classification() {
        assert_eq!(atof(b" 12 "), (12.0, AtofKind::Integer));
        assert_eq!(atof(b"1.5"), (1.5, AtofKind::Real));
        assert_eq!(atof(b"1e3"), (1000.0, AtofKind::Real));
        assert_eq!(atof(b"1.5x"), (1.5, AtofKind::RealPrefix));
        assert_eq!(atof(b"1e").1, AtofKind::NotNumeric);
        assert_eq!(atof(b"1.e").1, AtofKind::RealPrefix);
        assert_eq!(atof(b"12abc"), (12.0, AtofKind::NotNumeric));
        assert_eq!(atof(b"."), (0.0, AtofKind::NotNumeric));
        assert_eq!(atof(b""), (0.0, AtofKind::NotNumeric));
        assert_eq!(atof(b"5."), (5.0, AtofKind::Real));
        assert_eq!(atof(b".5"), (0.5, AtofKind::Real));
        assert_eq!(atof(b"1e400").0, f64::INFINITY);
    }

    #[test]
    fn atoi_classification() {
        assert_eq!(atoi64(b" -12 "), (-12, AtoiKind::Exact));
        assert_eq!(atoi64(b"12abc"), (12, AtoiKind::TrailingText));
        assert_eq!(atoi64(b"abc"), (0, AtoiKind::NoDigits));
        assert_eq!(atoi64(b"9223372036854775808"), (i64::MAX, AtoiKind::PlusTwoPow63));
        assert_eq!(atoi64(b"-9223372036854775808"), (i64::MIN, AtoiKind::Exact));
        assert_eq!(atoi64(b"99999999999999999999"), (i64::MAX, AtoiKind::Overflow));
        assert_eq!(atoi64(b"0000000000000000000000001"), (1, AtoiKind::Exact));
    }
}
