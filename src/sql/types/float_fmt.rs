//! Floating-point rendering with SQLite's printf algorithm (`%f`, `%e`, `%g`
//! and the `!` "alternate form 2" flag used by `%!.15g` for REAL -> TEXT).
//!
//! SQLite (x86-64 build) works in `long double`: it adds a rounding
//! constant 0.5 * 10^-precision (a double; for `%f` with few digits plus
//! `x * 3e-16`), scales the value into [1, 10) by powers of ten, and reads
//! digits off one at a time — at most 16 significant digits (26 with `!`),
//! the rest printed as `0`. The same steps run here on [`F80`], the software
//! long double, so the digits are SQLite's bit for bit.

use super::f80::F80;

/// Which conversion: `%f`, `%e`/`%E` or `%g`/`%G`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatKind {
    Fixed,
    Exp,
    General,
}

/// Flags of one conversion that affect the digits.
#[derive(Clone, Copy, Debug, Default)]
pub struct FloatFlags {
    /// `#`: always a decimal point; `%g` keeps trailing zeros.
    pub alternate: bool,
    /// `!`: 26 significant digits, and `%g` keeps one `0` after a bare `.`.
    pub alt2: bool,
    /// Prefix for non-negative numbers: `+` or ` ` (or none).
    pub plus: Option<char>,
    pub upper: bool,
}

/// Rounding constants 0.5 * 10^-k for k in 0..10 (doubles, as in SQLite).
const ROUND: [f64; 10] = [5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05, 5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10];

/// SQLite's `et_getdigit`: the integer digit of `val`, then `val = (val - digit) * 10`,
/// with a budget of significant digits after which only `0` is produced.
fn next_digit(val: &mut F80, budget: &mut i32, ten: F80) -> char {
    if *budget <= 0 {
        return '0';
    }
    *budget -= 1;
    let digit = val.trunc_u64();
    let d = F80::from_u64(digit);
    *val = if *val >= d { val.minus(d) } else { F80::ZERO }.times(ten);
    char::from(b'0'.wrapping_add(digit.min(255) as u8))
}

fn inf_text(prefix: Option<char>) -> String {
    let mut out = String::new();
    if let Some(p) = prefix {
        out.push(p);
    }
    out.push_str("Inf");
    out
}

/// Formats `x` as SQLite's printf does for the given conversion and precision
/// (`None` = default 6). Width padding is the caller's.
pub fn format_float(x: f64, kind: FloatKind, precision: Option<usize>, flags: FloatFlags) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    let mut precision = precision.unwrap_or(6).min(i32::MAX as usize) as i64;
    let prefix: Option<char> = if x < 0.0 { Some('-') } else { flags.plus };
    let ax = x.abs();
    let mut kind = kind;
    if kind == FloatKind::General && precision > 0 {
        precision -= 1;
    }
    let mut idx = (precision & 0xfff) as usize;
    let mut rounder = ROUND[idx % 10];
    while idx >= 10 {
        rounder *= 1.0e-10;
        idx -= 10;
    }
    if ax.is_infinite() {
        return inf_text(prefix);
    }
    let ten = F80::from_f64(10.0);
    let mut v = F80::from_f64(ax);
    if kind == FloatKind::Fixed {
        let ex = ((ax.to_bits() >> 52) & 0x7ff) as i64 - 1023;
        if precision + ex / 3 < 15 {
            rounder = F80::from_f64(rounder).plus(v.times(F80::from_f64(3e-16))).to_f64();
        }
        v = v.plus(F80::from_f64(rounder));
    }
    let mut exp: i32 = 0;
    if !v.is_zero() {
        let mut scale = F80::from_f64(1.0);
        let (e100, e10) = (F80::from_f64(1e100), F80::from_f64(1e10));
        while v >= e100.times(scale) && exp <= 350 {
            scale = scale.times(e100);
            exp += 100;
        }
        while v >= e10.times(scale) && exp <= 350 {
            scale = scale.times(e10);
            exp += 10;
        }
        while v >= ten.times(scale) && exp <= 350 {
            scale = scale.times(ten);
            exp += 1;
        }
        v = v.over(scale);
        let (em8, e8) = (F80::from_f64(1e-8), F80::from_f64(1e8));
        while v < em8 {
            v = v.times(e8);
            exp -= 8;
        }
        let one = F80::from_f64(1.0);
        while v < one {
            v = v.times(ten);
            exp -= 1;
        }
        if exp > 350 {
            return inf_text(prefix);
        }
    }
    if kind != FloatKind::Fixed {
        v = v.plus(F80::from_f64(rounder));
        if v >= ten {
            v = v.times(F80::from_f64(0.1));
            exp += 1;
        }
    }
    let rtz;
    if kind == FloatKind::General {
        rtz = !flags.alternate;
        if exp < -4 || i64::from(exp) > precision {
            kind = FloatKind::Exp;
        } else {
            precision -= i64::from(exp);
            kind = FloatKind::Fixed;
        }
    } else {
        rtz = flags.alt2;
    }
    let mut e2: i64 = if kind == FloatKind::Exp { 0 } else { i64::from(exp) };
    let mut budget: i32 = if flags.alt2 { 26 } else { 16 };
    let dp = precision > 0 || flags.alternate || flags.alt2;
    let mut out = String::new();
    if let Some(p) = prefix {
        out.push(p);
    }
    if e2 < 0 {
        out.push('0');
    } else {
        while e2 >= 0 {
            out.push(next_digit(&mut v, &mut budget, ten));
            e2 -= 1;
        }
    }
    if dp {
        out.push('.');
    }
    e2 += 1;
    while e2 < 0 && precision > 0 {
        out.push('0');
        precision -= 1;
        e2 += 1;
    }
    while precision > 0 {
        out.push(next_digit(&mut v, &mut budget, ten));
        precision -= 1;
    }
    if rtz && dp {
        while out.ends_with('0') {
            out.pop();
        }
        if out.ends_with('.') {
            if flags.alt2 {
                out.push('0');
            } else {
                out.pop();
            }
        }
    }
    if kind == FloatKind::Exp {
        out.push(if flags.upper { 'E' } else { 'e' });
        let mut e = exp;
        if e < 0 {
            out.push('-');
            e = -e;
        } else {
            out.push('+');
        }
        if e >= 100 {
            out.push(char::from(b'0' + (e / 100) as u8));
            e %= 100;
        }
        out.push(char::from(b'0' + (e / 10) as u8));
        out.push(char::from(b'0' + (e % 10) as u8));
    }
    out
}

/// REAL -> TEXT exactly as SQLite renders it (`%!.15g`).
///
/// Fast path: when the shortest round-trip decimal of a normal `f` has at
/// most 15 significant digits, `f` lies within 1.2e-16 (relative) of it and
/// at least 5e-16 from any rounding boundary at the 15th digit, so SQLite's
/// digits are exactly those; only
/// the layout (`%g` choice of fixed or exponent form, `.0`, `e+XX`) remains.
/// Longer expansions take the full long-double model.
pub fn real_to_text(f: f64) -> String {
    if let Some(s) = short_real_to_text(f) {
        return s;
    }
    format_float(f, FloatKind::General, Some(15), FloatFlags { alt2: true, ..FloatFlags::default() })
}

/// The fast path of [`real_to_text`]; None when it does not apply.
fn short_real_to_text(f: f64) -> Option<String> {
    if f == 0.0 {
        return Some("0.0".to_string());
    }
    // Normal doubles only: a subnormal's shortest decimal (5e-324) can be
    // far from its value at 15 digits (4.94065645841247e-324).
    if !f.is_normal() {
        return None;
    }
    // `{:e}` is the shortest representation that reads back as `f`.
    let sci = format!("{:e}", f.abs());
    let (mant, exp) = sci.split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    if digits.len() > 15 {
        return None;
    }
    let mut out = String::with_capacity(24);
    if f < 0.0 {
        out.push('-');
    }
    if !(-4..=14).contains(&exp) {
        // d.ddd e+XX (at least one digit after the point).
        out.push_str(&digits[..1]);
        out.push('.');
        out.push_str(if digits.len() > 1 { &digits[1..] } else { "0" });
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_sqlite() {
        // Outputs of the sqlite3 3.40 CLI for `SELECT <expression>`.
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e20, "1.0e+20"),
            (1.5e-7, "1.5e-07"),
            (123456789012345680000.0, "1.23456789012346e+20"),
            (1e15, "1.0e+15"),
            (1e16, "1.0e+16"),
            (f64::INFINITY, "Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (-0.0, "0.0"),
            (0.0, "0.0"),
            (1e14, "100000000000000.0"),
            (123456789012345.6, "123456789012346.0"),
            (1234567890123456.7, "1.23456789012346e+15"),
            (0.3, "0.3"),
            (1.0 / 3.0, "0.333333333333333"),
            (2.0 / 3.0, "0.666666666666667"),
            (1e-5, "1.0e-05"),
            (1e-4, "0.0001"),
            (0.001, "0.001"),
            (1e100, "1.0e+100"),
            (1.7976931348623157e308, "1.79769313486232e+308"),
            (5e-324, "4.94065645841247e-324"),
            (2.2250738585072014e-308, "2.2250738585072e-308"),
            (100.0, "100.0"),
            (1e21, "1.0e+21"),
            (12345678901234567890.0, "1.23456789012346e+19"),
            (4.56789012345678, "4.56789012345678"),
            (0.1 + 0.2, "0.3"),
            (1e15 + 0.5, "1.0e+15"),
            (99999999999999.99, "100000000000000.0"),
            (999999999999999.9, "1.0e+15"),
            (9999999999999999.0, "1.0e+16"),
            (-1.5, "-1.5"),
            (-1e-10, "-1.0e-10"),
            (255.0 / 7.0, "36.4285714285714"),
            (12e15, "1.2e+16"),
            (0.000001, "1.0e-06"),
            (0.0000001, "1.0e-07"),
            (7290517160979795.0, "7.29051716097979e+15"),
        ];
        for &(x, s) in cases {
            assert_eq!(real_to_text(x), s, "{x:e}");
            // The long-double model agrees with the fast path.
            let full =
                format_float(x, FloatKind::General, Some(15), FloatFlags { alt2: true, ..FloatFlags::default() });
            assert_eq!(full, s, "{x:e} (full model)");
        }
    }

    #[test]
    fn fast_path_agrees_with_the_model() {
        let flags = FloatFlags { alt2: true, ..FloatFlags::default() };
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for i in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = match i % 3 {
                0 => f64::from_bits(x),
                1 => (x % 1_000_000) as f64 / 10f64.powi((x >> 50) as i32 % 20),
                _ => (x as i64 as f64) * 1e-3,
            };
            if let Some(fast) = short_real_to_text(f) {
                assert_eq!(fast, format_float(f, FloatKind::General, Some(15), flags), "{f:e}");
            }
        }
    }
}
