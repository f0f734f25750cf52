//! A software model of the x87 80-bit `long double` (64-bit significand,
//! round-to-nearest-even), for non-negative values only.
//!
//! SQLite on x86-64 Linux formats and parses REALs with `long double`
//! arithmetic; reproducing its digits bit for bit (e.g. 7290517160979795.0
//! renders as 7.29051716097979e+15, not ...980) needs the same roundings.
//! Exponents are unbounded `i32`s: no value SQLite computes here comes near
//! the real format's limits.

use std::cmp::Ordering;

/// `m * 2^e`; `m` has its top bit set, or is 0 for zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct F80 {
    m: u64,
    e: i32,
}

impl F80 {
    pub const ZERO: F80 = F80 { m: 0, e: 0 };

    /// `m * 2^e` for a normalised `m` (top bit set): for constants.
    pub const fn from_parts(m: u64, e: i32) -> F80 {
        F80 { m, e }
    }

    pub fn is_zero(self) -> bool {
        self.m == 0
    }

    /// Rounds `mag * 2^e` (plus a nonzero fraction below its last bit when
    /// `sticky`) to 64 significant bits, ties to even.
    fn round_pack(mag: u128, e: i32, sticky: bool) -> F80 {
        if mag == 0 {
            return F80::ZERO;
        }
        let p = 127 - mag.leading_zeros() as i32;
        if p <= 63 {
            // Callers keep at least one guard bit whenever `sticky` can be set.
            return F80 { m: (mag << (63 - p)) as u64, e: e - (63 - p) };
        }
        let shift = (p - 63) as u32;
        let kept = mag >> shift;
        let rem = mag & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        let round_up = rem > half || (rem == half && (sticky || kept & 1 == 1));
        let mut m = kept;
        let mut e = e + shift as i32;
        if round_up {
            m += 1;
            if m >> 64 != 0 {
                m >>= 1;
                e += 1;
            }
        }
        F80 { m: m as u64, e }
    }

    pub fn from_u64(v: u64) -> F80 {
        F80::round_pack(u128::from(v), 0, false)
    }

    /// Exact conversion of a non-negative finite double.
    pub fn from_f64(x: f64) -> F80 {
        let bits = x.abs().to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1u64 << 52) - 1);
        if exp == 0 {
            F80::round_pack(u128::from(frac), -1074, false)
        } else {
            F80::round_pack(u128::from(frac | (1u64 << 52)), exp - 1075, false)
        }
    }

    /// Rounds to the nearest double (ties to even), subnormals included.
    pub fn to_f64(self) -> f64 {
        if self.is_zero() {
            return 0.0;
        }
        let lead = self.e + 63; // value in [2^lead, 2^(lead+1))
        if lead > 1023 {
            return f64::INFINITY;
        }
        let keep_bits = if lead >= -1022 { 53 } else { 53 - (-1022 - lead) };
        if keep_bits <= 0 {
            // Below half the smallest subnormal (or exactly half: ties to 0).
            let half_min = -1075;
            return if lead > half_min || (lead == half_min && self.m << 1 != 0) { f64::from_bits(1) } else { 0.0 };
        }
        let shift = (64 - keep_bits) as u32;
        let kept = self.m >> shift;
        let rem = self.m & ((1u64 << shift) - 1);
        let half = 1u64 << (shift - 1);
        let mut mant = kept;
        if rem > half || (rem == half && kept & 1 == 1) {
            mant += 1;
        }
        // mant * 2^(e + shift), built directly from bits.
        let e2 = self.e + shift as i32;
        if lead >= -1022 {
            let (mant, e2) = if mant >> 53 != 0 { (mant >> 1, e2 + 1) } else { (mant, e2) };
            let biased = e2 + 52 + 1023;
            if biased >= 0x7ff {
                return f64::INFINITY;
            }
            f64::from_bits(((biased as u64) << 52) | (mant & ((1u64 << 52) - 1)))
        } else {
            // Subnormal: value = mant * 2^-1074 exactly (mant may round up to 2^52 = smallest normal).
            f64::from_bits(mant)
        }
    }

    pub fn times(self, o: F80) -> F80 {
        if self.is_zero() || o.is_zero() {
            return F80::ZERO;
        }
        F80::round_pack(u128::from(self.m) * u128::from(o.m), self.e + o.e, false)
    }

    pub fn over(self, o: F80) -> F80 {
        if self.is_zero() || o.is_zero() {
            return F80::ZERO;
        }
        let num = u128::from(self.m) << 64;
        let d = u128::from(o.m);
        let q = num / d;
        let r = num % d;
        let g = (r << 1) / d;
        let r2 = (r << 1) % d;
        F80::round_pack((q << 1) | g, self.e - 64 - o.e - 1, r2 != 0)
    }

    /// Aligns `small` below `big` with 62 guard bits: (big, small, sticky, exp).
    fn align(big: F80, small: F80) -> (u128, u128, bool, i32) {
        let a = u128::from(big.m) << 62;
        let shift = (big.e - small.e) as u32;
        let b0 = u128::from(small.m) << 62;
        let (b, sticky) = if small.is_zero() {
            (0, false)
        } else if shift >= 127 {
            (0, true)
        } else {
            (b0 >> shift, b0 & ((1u128 << shift) - 1) != 0)
        };
        (a, b, sticky, big.e - 62)
    }

    pub fn plus(self, o: F80) -> F80 {
        if self.is_zero() {
            return o;
        }
        if o.is_zero() {
            return self;
        }
        let (big, small) = if self.e >= o.e { (self, o) } else { (o, self) };
        let (a, b, sticky, e) = F80::align(big, small);
        F80::round_pack(a + b, e, sticky)
    }

    /// `self - o` for `self >= o`.
    pub fn minus(self, o: F80) -> F80 {
        if o.is_zero() {
            return self;
        }
        let (a, b, sticky, e) = F80::align(self, o);
        if sticky {
            F80::round_pack(a - b - 1, e, true)
        } else {
            F80::round_pack(a - b, e, false)
        }
    }

    /// Integer part (truncation), saturating at u64::MAX.
    pub fn trunc_u64(self) -> u64 {
        if self.is_zero() || self.e <= -64 {
            0
        } else if self.e >= 0 {
            u64::MAX
        } else {
            self.m >> (-self.e) as u32
        }
    }
}

impl Ord for F80 {
    fn cmp(&self, o: &F80) -> Ordering {
        match (self.is_zero(), o.is_zero()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => self.e.cmp(&o.e).then(self.m.cmp(&o.m)),
        }
    }
}

impl PartialOrd for F80 {
    fn partial_cmp(&self, o: &F80) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_ops() {
        for x in [1.0, 0.1, 3.5, 1e300, 5e-324, 2.2250738585072014e-308, 123456.789] {
            assert_eq!(F80::from_f64(x).to_f64(), x);
        }
        let ten = F80::from_f64(10.0);
        assert_eq!(F80::from_f64(1.5).times(ten).to_f64(), 15.0);
        assert_eq!(F80::from_f64(15.0).over(ten).to_f64(), 1.5);
        assert_eq!(F80::from_f64(15.0).minus(F80::from_u64(7)).to_f64(), 8.0);
        assert_eq!(F80::from_f64(0.25).plus(F80::from_f64(1e-30)).to_f64(), 0.25);
        assert_eq!(F80::from_f64(9.75).trunc_u64(), 9);
        // 1/10 in 64 bits lies below the double nearest 0.1.
        let tenth = F80::from_u64(1).over(ten);
        assert!(tenth < F80::from_f64(0.1));
        assert_eq!(tenth.to_f64(), 0.1);
    }
}
