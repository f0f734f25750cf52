//! The mathematical functions of SQLite's SQLITE_ENABLE_MATH_FUNCTIONS
//! build (which the system SQLite has): acos ... trunc, ln, log, pi, pow.
//!
//! Arguments go through SQLite's numeric test: an INTEGER or REAL, or TEXT
//! that is entirely a number, counts; anything else (and NULL) gives NULL.
//! A NaN result (e.g. `acos(2)`, `sqrt(-1)`) is NULL, as a NaN always is.

use super::{arg, FuncContext};
use crate::error::Result;
use crate::sql::types::numeric::NumericValue;
use crate::sql::types::{text_to_numeric, value_to_f64};
use crate::storage::Value;
use std::f64::consts::PI;

/// `sqlite3_value_numeric_type` read as a number: None when not numeric.
fn numeric(v: &Value) -> Option<NumericValue> {
    match v {
        Value::Integer(i) => Some(NumericValue::Int(*i)),
        Value::Real(r) => Some(NumericValue::Real(*r)),
        Value::Text(s) => text_to_numeric(s.as_bytes(), false),
        Value::Null | Value::Blob(_) => None,
    }
}

fn as_f64(n: NumericValue) -> f64 {
    match n {
        NumericValue::Int(i) => i as f64,
        NumericValue::Real(r) => r,
    }
}

fn real(x: f64) -> Value {
    if x.is_nan() {
        Value::Null
    } else {
        Value::Real(x)
    }
}

fn unary(args: &[Value], f: fn(f64) -> f64) -> Value {
    numeric(arg(args, 0)).map_or(Value::Null, |n| real(f(as_f64(n))))
}

fn binary(args: &[Value], f: fn(f64, f64) -> f64) -> Value {
    match (numeric(arg(args, 0)), numeric(arg(args, 1))) {
        (Some(a), Some(b)) => real(f(as_f64(a), as_f64(b))),
        _ => Value::Null,
    }
}

/// ceil, floor, trunc: an INTEGER stays as it is; a REAL is rounded.
fn rounding(args: &[Value], f: fn(f64) -> f64) -> Value {
    match numeric(arg(args, 0)) {
        Some(NumericValue::Int(i)) => Value::Integer(i),
        Some(NumericValue::Real(r)) => real(f(r)),
        None => Value::Null,
    }
}

macro_rules! unary_fns {
    ($($name:ident => $f:expr;)*) => {
        $(
            pub fn $name(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
                Ok(unary(args, $f))
            }
        )*
    };
}

unary_fns! {
    acos => f64::acos;
    acosh => c_acosh;
    asin => f64::asin;
    asinh => c_asinh;
    atan => f64::atan;
    atanh => c_atanh;
    cos => f64::cos;
    cosh => f64::cosh;
    exp => f64::exp;
    sin => f64::sin;
    sinh => f64::sinh;
    sqrt => f64::sqrt;
    tan => f64::tan;
    tanh => f64::tanh;
    degrees => |x| x * (180.0 / PI);
    radians => |x| x * (PI / 180.0);
}

pub fn ceil(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(rounding(args, f64::ceil))
}

pub fn floor(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(rounding(args, f64::floor))
}

pub fn trunc(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(rounding(args, f64::trunc))
}

pub fn atan2(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(binary(args, f64::atan2))
}

pub fn pow(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(binary(args, f64::powf))
}

/// `mod(X, Y)`: the C library's fmod (the sign of X; REAL).
pub fn mod_fn(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(binary(args, |a, b| a % b))
}

pub fn pi(_: &mut dyn FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::Real(PI))
}

/// Which logarithm a one-argument call takes.
#[derive(Clone, Copy)]
enum Base {
    E,
    Ten,
    Two,
}

/// ln / log / log10 / log2, and `log(B, X)`: NULL unless X > 0 (and B > 1).
fn log_impl(args: &[Value], base: Base) -> Value {
    let Some(n) = numeric(arg(args, 0)) else {
        return Value::Null;
    };
    let x = as_f64(n);
    if x <= 0.0 {
        return Value::Null;
    }
    if args.len() == 2 {
        // The first argument is the base; SQLite reads the second as a
        // plain double (non-numeric text is 0.0, hence NULL below).
        let b = x.ln();
        if b <= 0.0 {
            return Value::Null;
        }
        let x = value_to_f64(arg(args, 1));
        if x <= 0.0 {
            return Value::Null;
        }
        return real(x.ln() / b);
    }
    // SQLite divides the natural logarithm (so log10(0.001) is
    // -2.9999999999999996, not the C library's log10 answer -3.0).
    let ln = x.ln();
    real(match base {
        Base::E => ln,
        Base::Ten => ln / std::f64::consts::LN_10,
        Base::Two => ln / std::f64::consts::LN_2,
    })
}

// The inverse hyperbolic functions as the C library (glibc) computes them,
// which is what SQLite returns; Rust's own formulas differ in the last bit.
// Each picks the form of the textbook identity that keeps precision in its
// range: asinh x = ln(x + sqrt(x² + 1)), acosh x = ln(x + sqrt(x² - 1)),
// atanh x = ln((1 + x) / (1 - x)) / 2.

/// 2^28: beyond it x² + 1 is x² in double precision.
const BIG: f64 = 268_435_456.0;
/// 2^-28: below it asinh x = atanh x = x.
const TINY: f64 = 3.725_290_298_461_914e-9;

fn c_asinh(x: f64) -> f64 {
    if x.is_nan() || x.is_infinite() {
        return x;
    }
    let a = x.abs();
    let w = if a < TINY {
        return x;
    } else if a > BIG {
        a.ln() + std::f64::consts::LN_2
    } else if a > 2.0 {
        (2.0 * a + 1.0 / ((x * x + 1.0).sqrt() + a)).ln()
    } else {
        let t = x * x;
        (a + t / (1.0 + (1.0 + t).sqrt())).ln_1p()
    };
    w.copysign(x)
}

fn c_acosh(x: f64) -> f64 {
    if x < 1.0 || x.is_nan() {
        f64::NAN
    } else if x >= BIG {
        if x.is_infinite() {
            x
        } else {
            x.ln() + std::f64::consts::LN_2
        }
    } else if x == 1.0 {
        0.0
    } else if x > 2.0 {
        (2.0 * x - 1.0 / (x + (x * x - 1.0).sqrt())).ln()
    } else {
        let t = x - 1.0;
        (t + (2.0 * t + t * t).sqrt()).ln_1p()
    }
}

fn c_atanh(x: f64) -> f64 {
    let a = x.abs();
    if a.is_nan() || a > 1.0 {
        return f64::NAN;
    }
    if a == 1.0 {
        return x / 0.0;
    }
    if a < TINY {
        return x;
    }
    let w = if a < 0.5 {
        let t = a + a;
        0.5 * (t + t * a / (1.0 - a)).ln_1p()
    } else {
        0.5 * ((a + a) / (1.0 - a)).ln_1p()
    };
    w.copysign(x)
}

pub fn ln(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(log_impl(args, Base::E))
}

/// `log(X)` is the base-10 logarithm; `log(B, X)` base B.
pub fn log(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(log_impl(args, Base::Ten))
}

pub fn log10(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(log_impl(args, Base::Ten))
}

pub fn log2(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(log_impl(args, Base::Two))
}
