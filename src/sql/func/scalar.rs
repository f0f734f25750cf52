//! Scalar functions over values and numbers.

use super::{arg, too_big, value_int, FuncContext, MAX_LENGTH};
use crate::error::{Error, Result};
use crate::sql::types::float_fmt::{format_float, FloatFlags, FloatKind};
use crate::sql::types::numeric::{atof, AtofKind};
use crate::sql::types::{compare_for_sort, real_to_text, text_to_numeric, value_to_f64, value_to_i64};
use crate::storage::{Collation, Value};
use std::cmp::Ordering;

/// `abs(X)`: integers stay integers (abs of the smallest integer is an
/// error), everything else non-NULL becomes REAL.
pub fn abs(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(match arg(args, 0) {
        Value::Null => Value::Null,
        Value::Integer(i) => Value::Integer(i.checked_abs().ok_or_else(|| Error::sql("integer overflow"))?),
        other => Value::Real(value_to_f64(other).abs()),
    })
}

pub fn changes(ctx: &mut dyn FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::Integer(ctx.changes()))
}

pub fn total_changes(ctx: &mut dyn FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::Integer(ctx.total_changes()))
}

pub fn last_insert_rowid(ctx: &mut dyn FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::Integer(ctx.last_insert_rowid()))
}

/// `coalesce(X, Y, ...)` / `ifnull(X, Y)`: the first non-NULL argument.
pub fn coalesce(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(args.iter().find(|v| !matches!(v, Value::Null)).cloned().unwrap_or(Value::Null))
}

/// `iif(C, X, Y)`.
pub fn iif(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let c = crate::sql::types::truthy(arg(args, 0)).unwrap_or(false);
    Ok(if c { arg(args, 1) } else { arg(args, 2) }.clone())
}

/// `likely(X)`, `unlikely(X)`: X unchanged.
pub fn identity(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(arg(args, 0).clone())
}

/// `likelihood(X, P)`: X unchanged; P must be a number in [0, 1].
pub fn likelihood(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let p = match arg(args, 1) {
        Value::Integer(i) => *i as f64,
        Value::Real(r) => *r,
        _ => -1.0,
    };
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::sql("second argument to likelihood() must be a constant between 0.0 and 1.0"));
    }
    Ok(arg(args, 0).clone())
}

/// Scalar `max(X, Y, ...)` / `min(...)`: NULL if any argument is NULL; ties
/// keep the first argument for max and the last for min (SQLite's loop).
fn min_max(args: &[Value], want_max: bool, coll: Collation) -> Value {
    if args.iter().any(|v| matches!(v, Value::Null)) {
        return Value::Null;
    }
    let mut best = 0;
    for i in 1..args.len() {
        let c = compare_for_sort(&args[best], &args[i], coll);
        let replace = if want_max { c == Ordering::Less } else { c != Ordering::Less };
        if replace {
            best = i;
        }
    }
    args.get(best).cloned().unwrap_or(Value::Null)
}

pub fn max(ctx: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(min_max(args, true, ctx.collation()))
}

pub fn min(ctx: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(min_max(args, false, ctx.collation()))
}

/// `nullif(X, Y)`: NULL when X = Y under the call's collation, else X.
pub fn nullif(ctx: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let (x, y) = (arg(args, 0), arg(args, 1));
    if !matches!(y, Value::Null) && compare_for_sort(x, y, ctx.collation()) == Ordering::Equal {
        Ok(Value::Null)
    } else {
        Ok(x.clone())
    }
}

/// `quote(X)`: an SQL literal for X. REALs use 15 significant digits when
/// that reads back as the same double, else `%!.20e`.
pub fn quote(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(Value::Text(quote_value(arg(args, 0))))
}

/// The SQL literal for a value (also used by printf's `%Q`-like needs).
pub fn quote_value(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => {
            let s = real_to_text(*r);
            if atof(s.as_bytes()).0 == *r {
                s
            } else {
                format_float(*r, FloatKind::Exp, Some(20), FloatFlags { alt2: true, ..FloatFlags::default() })
            }
        }
        Value::Text(s) => {
            let mut out = String::with_capacity(s.len() + 2);
            out.push('\'');
            for c in super::text::c_str(s).chars() {
                if c == '\'' {
                    out.push('\'');
                }
                out.push(c);
            }
            out.push('\'');
            out
        }
        Value::Blob(b) => {
            let mut out = String::with_capacity(b.len() * 2 + 3);
            out.push_str("X'");
            push_hex(&mut out, b);
            out.push('\'');
            out
        }
    }
}

/// Appends upper-case hex digits of `bytes`.
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
}

pub fn random(ctx: &mut dyn FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::Integer(ctx.random_i64()))
}

/// `randomblob(N)`: N random bytes (at least 1).
pub fn randomblob(ctx: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let n = value_to_i64(arg(args, 0)).max(1);
    if n as u64 > MAX_LENGTH as u64 {
        return Err(too_big());
    }
    let n = n as usize;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let r = ctx.random_i64().to_le_bytes();
        let take = (n - out.len()).min(8);
        out.extend_from_slice(&r[..take]);
    }
    Ok(Value::Blob(out))
}

/// `zeroblob(N)`: N zero bytes (negative N gives an empty blob).
pub fn zeroblob(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let n = value_to_i64(arg(args, 0)).max(0);
    if n as u64 > MAX_LENGTH as u64 {
        return Err(too_big());
    }
    Ok(Value::Blob(vec![0; n as usize]))
}

/// Largest double below which a value may still have a fractional part (2^52).
const NO_FRACTION_ABOVE: f64 = 4_503_599_627_370_496.0;

/// `round(X [, N])`: REAL rounded half away from zero to N (0..=30) decimals,
/// by SQLite's route (integer rounding for N = 0, else `%.*f` and back).
pub fn round(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let mut n: i64 = 0;
    if args.len() == 2 {
        if matches!(args[1], Value::Null) {
            return Ok(Value::Null);
        }
        n = value_int(&args[1]).clamp(0, 30);
    }
    let x = arg(args, 0);
    if matches!(x, Value::Null) {
        return Ok(Value::Null);
    }
    let mut r = value_to_f64(x);
    if !(-NO_FRACTION_ABOVE..=NO_FRACTION_ABOVE).contains(&r) {
        // No fractional part: nothing to round.
    } else if n == 0 {
        let shifted = if r < 0.0 { r - 0.5 } else { r + 0.5 };
        r = (shifted as i64) as f64;
    } else {
        let s = format_float(r, FloatKind::Fixed, Some(n as usize), FloatFlags::default());
        r = atof(s.as_bytes()).0;
    }
    Ok(Value::Real(r))
}

/// `sign(X)`: -1, 0 or 1 for numbers (text that is entirely a number
/// counts); NULL for anything else.
pub fn sign(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    let x = match arg(args, 0) {
        Value::Integer(i) => *i as f64,
        Value::Real(r) => *r,
        Value::Text(s) => match text_to_numeric(s.as_bytes(), false) {
            Some(_) => atof(s.as_bytes()).0,
            None => return Ok(Value::Null),
        },
        _ => return Ok(Value::Null),
    };
    Ok(Value::Integer(if x < 0.0 {
        -1
    } else if x > 0.0 {
        1
    } else {
        0
    }))
}

/// `typeof(X)`.
pub fn type_of(_: &mut dyn FuncContext, args: &[Value]) -> Result<Value> {
    Ok(Value::Text(
        match arg(args, 0) {
            Value::Null => "null",
            Value::Integer(_) => "integer",
            Value::Real(_) => "real",
            Value::Text(_) => "text",
            Value::Blob(_) => "blob",
        }
        .to_string(),
    ))
}

/// True when `s` is entirely numeric text by SQLite's rules.
pub fn is_numeric_text(s: &str) -> bool {
    !matches!(atof(s.as_bytes()).1, AtofKind::NotNumeric | AtofKind::RealPrefix)
}

/// The SQLite release whose SQL dialect sqlvibe implements; programs test
/// `sqlite_version()` to decide which SQL features they may use. sqlvibe's
/// own version is `sqlvibe_libversion()`.
pub const SQLITE_DIALECT_VERSION: &str = "3.40.1";

/// `sqlite_version()`.
pub fn sqlite_version(_: &mut dyn FuncContext, _: &[Value]) -> Result<Value> {
    Ok(Value::Text(SQLITE_DIALECT_VERSION.to_string()))
}
