//! Floating-point rendering with SQLite's printf algorithm (`%f`, `%e`, `%g`
//! and the `!` "alternate form 2" flag used by `%!.15g` for REAL -> TEXT).
//!
//! SQLite adds a rounding constant of 0.5 * 10^-precision and then reads the
//! digits off one by one, at most 16 significant digits (26 with `!`), the
//! rest printed as `0`. For `%f` it also adds `x * 3e-16` when few digits are
//! asked for, so 0.15 prints as 0.2 at one decimal. This module performs the
//! same steps on an exact decimal expansion of the double, so its output is
//! SQLite's wherever SQLite's own 64-bit-mantissa arithmetic is exact; a
//! rounding constant smaller than half a unit of that mantissa is dropped,
//! as it is in SQLite.

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

/// An exact non-negative decimal: value = sum of `d[k] * 10^(point - 1 - k)`.
#[derive(Clone, Debug)]
struct Dec {
    d: Vec<u8>,
    point: i32,
}

impl Dec {
    fn zero() -> Dec {
        Dec { d: Vec::new(), point: 0 }
    }

    /// The exact (to 100 significant digits) decimal expansion of `x >= 0`.
    fn from_f64(x: f64) -> Dec {
        if x == 0.0 {
            return Dec::zero();
        }
        let s = format!("{x:.99e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
        let mut r = Dec { d, point: exp + 1 };
        r.trim();
        r
    }

    /// 5 * 10^(-p-1), i.e. 0.5 * 10^-p.
    fn half_ulp(p: i32) -> Dec {
        Dec { d: vec![5], point: -p }
    }

    fn trim(&mut self) {
        let lead = self.d.iter().take_while(|&&x| x == 0).count();
        if lead > 0 {
            self.d.drain(..lead);
            self.point -= lead as i32;
        }
        while self.d.last() == Some(&0) {
            self.d.pop();
        }
        if self.d.is_empty() {
            self.point = 0;
        }
    }

    fn is_zero(&self) -> bool {
        self.d.is_empty()
    }

    /// Exponent of the leading digit (value in [10^e, 10^(e+1))); trimmed, non-zero.
    fn lead_exp(&self) -> i32 {
        self.point - 1
    }

    fn add(&self, o: &Dec) -> Dec {
        if self.is_zero() {
            return o.clone();
        }
        if o.is_zero() {
            return self.clone();
        }
        let top = self.point.max(o.point);
        let bottom = (self.point - self.d.len() as i32).min(o.point - o.d.len() as i32);
        let len = (top - bottom) as usize;
        let mut acc = vec![0u8; len + 1];
        for src in [self, o] {
            let off = (top - src.point) as usize + 1;
            for (k, &v) in src.d.iter().enumerate() {
                acc[off + k] += v;
            }
        }
        for k in (1..acc.len()).rev() {
            if acc[k] >= 10 {
                acc[k] -= 10;
                acc[k - 1] += 1;
            }
        }
        let mut r = Dec { d: acc, point: top + 1 };
        r.trim();
        r
    }

    /// `self * m` for a small multiplier.
    fn mul_small(&self, m: u8) -> Dec {
        let mut acc = vec![0u16; self.d.len() + 1];
        for (k, &v) in self.d.iter().enumerate() {
            acc[k + 1] = u16::from(v) * u16::from(m);
        }
        for k in (1..acc.len()).rev() {
            let carry = acc[k] / 10;
            acc[k] %= 10;
            acc[k - 1] += carry;
        }
        let mut r = Dec { d: acc.into_iter().map(|v| v as u8).collect(), point: self.point + 1 };
        r.trim();
        r
    }

    fn shift(&mut self, by: i32) {
        if !self.is_zero() {
            self.point += by;
        }
    }

    /// Approximate value (for comparisons against the long double's unit).
    fn approx(&self) -> f64 {
        let mut v = 0.0f64;
        for (k, &x) in self.d.iter().take(20).enumerate() {
            v += f64::from(x) * 10f64.powi(self.point - 1 - k as i32);
        }
        v
    }
}

/// Half a unit in the last place of an x87 long double holding `v > 0`.
fn long_double_half_ulp(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 0.0;
    }
    2f64.powi(v.log2().floor() as i32 - 64)
}

/// Adds `r` to `v` as a 64-bit-mantissa addition would: a term below half
/// a unit of `v` is lost.
fn add_rounder(v: &Dec, r: &Dec) -> Dec {
    if !v.is_zero() && r.approx() < long_double_half_ulp(v.approx()) {
        v.clone()
    } else {
        v.add(r)
    }
}

/// Digit reader with SQLite's cap on significant digits.
struct Digits<'a> {
    v: &'a Dec,
    /// Place value exponent of the next digit.
    place: i32,
    left: i32,
    started: bool,
}

impl Digits<'_> {
    fn next(&mut self) -> char {
        let idx = self.v.point - 1 - self.place;
        self.place -= 1;
        let digit = if idx >= 0 { self.v.d.get(idx as usize).copied().unwrap_or(0) } else { 0 };
        // SQLite counts every digit it produces against the cap, including
        // leading zeros of the integer part.
        if self.left <= 0 {
            return '0';
        }
        self.left -= 1;
        let _ = self.started;
        self.started = true;
        char::from(b'0' + digit)
    }
}

/// Formats `x` as SQLite's printf does for the given conversion and precision
/// (`None` = default 6). Returns the text without width padding; `zero_pad_to`
/// inserts leading zeros after the sign up to that width (`0` flag).
pub fn format_float(x: f64, kind: FloatKind, precision: Option<usize>, flags: FloatFlags) -> String {
    let mut precision = precision.unwrap_or(6) as i64;
    let prefix: Option<char> = if x < 0.0 { Some('-') } else { flags.plus };
    let ax = x.abs();
    let mut out = String::new();
    if x.is_nan() {
        return "NaN".to_string();
    }
    if ax.is_infinite() {
        if let Some(p) = prefix {
            out.push(p);
        }
        out.push_str("Inf");
        return out;
    }
    let mut kind = kind;
    if kind == FloatKind::General && precision > 0 {
        precision -= 1;
    }
    let p32 = precision.min(100_000) as i32;
    let mut v = Dec::from_f64(ax);
    if kind == FloatKind::Fixed {
        let mut rounder = Dec::half_ulp(p32);
        let bexp = if ax == 0.0 { -1023 } else { ((ax.to_bits() >> 52) & 0x7ff) as i64 - 1023 };
        if precision + bexp / 3 < 15 {
            let mut fudge = v.mul_small(3);
            fudge.shift(-16);
            rounder = rounder.add(&fudge);
        }
        v = add_rounder(&v, &rounder);
    }
    // Normalise to [1, 10) (zero stays zero with exponent 0).
    let mut exp: i32 = 0;
    if !v.is_zero() {
        exp = v.lead_exp();
        if exp > 350 {
            if let Some(p) = prefix {
                out.push(p);
            }
            out.push_str("Inf");
            return out;
        }
        v.shift(-exp);
    }
    if kind != FloatKind::Fixed {
        v = add_rounder(&v, &Dec::half_ulp(p32));
        if !v.is_zero() && v.lead_exp() >= 1 {
            v.shift(-1);
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
    let nsd = if flags.alt2 { 26 } else { 16 };
    // The digits are read from v scaled to [1, 10): place 0 is the units digit.
    let mut digits = Digits { v: &v, place: 0, left: nsd, started: false };
    // For Fixed, the leading integer digits come from v * 10^e2, i.e. the
    // digits of the normalised value starting at place 0.
    let dp = precision > 0 || flags.alternate || flags.alt2;
    if let Some(p) = prefix {
        out.push(p);
    }
    if e2 < 0 {
        out.push('0');
    } else {
        while e2 >= 0 {
            out.push(digits.next());
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
        out.push(digits.next());
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
pub fn real_to_text(f: f64) -> String {
    format_float(f, FloatKind::General, Some(15), FloatFlags { alt2: true, ..FloatFlags::default() })
}
