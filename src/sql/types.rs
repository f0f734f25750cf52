//! SQLite's value semantics: type affinity, conversions, text rendering of
//! numbers, CAST, arithmetic, and comparison with affinity and collation.
//!
//! Every function here is total: any combination of storage classes gives
//! SQLite's answer, never a panic.
//!
//! - [`numeric`]: text -> number scanners with SQLite's acceptance rules;
//! - [`float_fmt`]: SQLite's printf float conversions (and REAL -> TEXT),
//!   digit for digit, over [`f80`], a model of the x87 `long double`;
//! - `pattern`: LIKE and GLOB matching.
//!
//! One difference is structural: `Value::Text` holds valid UTF-8, so where
//! SQLite would carry arbitrary bytes as TEXT (CAST of a BLOB, `||` with a
//! BLOB) invalid sequences become U+FFFD.

pub mod f80;
pub mod float_fmt;
pub mod numeric;
mod pattern;

use crate::error::{Error, Result};
use crate::storage::{Collation, Value};
use numeric::{atof, atoi64, cast_text_numeric, numeric_prefix, real_as_exact_int, real_to_i64, NumericValue};
use std::borrow::Cow;
use std::cmp::Ordering;

pub use numeric::text_to_numeric;

/// Column / expression affinity (SQLite 3 "Type Affinity").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Affinity {
    Blob,
    Text,
    Numeric,
    Integer,
    Real,
}

impl Affinity {
    /// INTEGER, REAL or NUMERIC.
    pub fn is_numeric(self) -> bool {
        matches!(self, Affinity::Numeric | Affinity::Integer | Affinity::Real)
    }
}

/// Affinity of a declared column type by SQLite's five rules (INT, CHAR/CLOB/TEXT,
/// BLOB or empty, REAL/FLOA/DOUB, otherwise NUMERIC). The rules are applied
/// while scanning the name left to right, as SQLite does: `INT` anywhere wins,
/// a text marker beats BLOB/REAL, and BLOB or REAL only replace NUMERIC/REAL.
/// The same rules give the affinity of a `CAST(x AS type)` type name.
pub fn affinity_of_decltype(decltype: &str) -> Affinity {
    if decltype.trim().is_empty() {
        return Affinity::Blob;
    }
    let mut aff = Affinity::Numeric;
    let mut h: u32 = 0;
    let key = |s: &[u8; 4]| u32::from_be_bytes(*s);
    for b in decltype.bytes() {
        h = (h << 8) | u32::from(b.to_ascii_lowercase());
        if h == key(b"char") || h == key(b"clob") || h == key(b"text") {
            aff = Affinity::Text;
        } else if h == key(b"blob") && matches!(aff, Affinity::Numeric | Affinity::Real) {
            aff = Affinity::Blob;
        } else if (h == key(b"real") || h == key(b"floa") || h == key(b"doub")) && aff == Affinity::Numeric {
            aff = Affinity::Real;
        } else if h & 0x00ff_ffff == u32::from_be_bytes([0, b'i', b'n', b't']) {
            return Affinity::Integer;
        }
    }
    aff
}

/// The collating sequence named `name` (case-insensitive), if built in.
pub fn collation_by_name(name: &str) -> Option<Collation> {
    if name.eq_ignore_ascii_case("binary") {
        Some(Collation::Binary)
    } else if name.eq_ignore_ascii_case("nocase") {
        Some(Collation::NoCase)
    } else if name.eq_ignore_ascii_case("rtrim") {
        Some(Collation::RTrim)
    } else {
        None
    }
}

fn from_numeric(n: NumericValue) -> Value {
    match n {
        NumericValue::Int(i) => Value::Integer(i),
        NumericValue::Real(r) => Value::Real(r),
    }
}

/// Applies a column affinity to a value being stored (TEXT that looks like a
/// number becomes INTEGER/REAL under NUMERIC, REAL that is integral becomes
/// INTEGER under INTEGER/NUMERIC, numbers become text under TEXT, ...).
pub fn apply_affinity(v: Value, aff: Affinity) -> Value {
    match aff {
        Affinity::Blob => v,
        Affinity::Text => match v {
            Value::Integer(i) => Value::Text(i.to_string()),
            Value::Real(r) => Value::Text(real_to_text(r)),
            other => other,
        },
        Affinity::Numeric | Affinity::Integer => match v {
            Value::Text(ref s) => match text_to_numeric(s.as_bytes(), true) {
                Some(n) => from_numeric(n),
                None => v,
            },
            Value::Real(r) => match real_as_exact_int(r) {
                Some(i) => Value::Integer(i),
                None => v,
            },
            other => other,
        },
        Affinity::Real => match v {
            Value::Text(ref s) => match text_to_numeric(s.as_bytes(), true) {
                Some(NumericValue::Int(i)) => Value::Real(i as f64),
                Some(NumericValue::Real(r)) => Value::Real(r),
                None => v,
            },
            Value::Integer(i) => Value::Real(i as f64),
            other => other,
        },
    }
}

/// REAL rendered exactly as SQLite renders it (`%!.15g`: 1.0, 0.1, 1.0e+20,
/// Inf, -Inf).
pub fn real_to_text(f: f64) -> String {
    float_fmt::real_to_text(f)
}

/// sqlite3_column_text's view of a value (NULL -> None).
pub fn value_to_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(Cow::Owned(i.to_string())),
        Value::Real(r) => Some(Cow::Owned(real_to_text(*r))),
        Value::Text(s) => Some(Cow::Borrowed(s.as_str())),
        Value::Blob(b) => Some(String::from_utf8_lossy(b)),
    }
}

/// sqlite3_column_int64's view (text parsed by the leading numeric prefix, REAL truncated and clamped).
pub fn value_to_i64(v: &Value) -> i64 {
    match v {
        Value::Null => 0,
        Value::Integer(i) => *i,
        Value::Real(r) => real_to_i64(*r),
        Value::Text(s) => atoi64(s.as_bytes()).0,
        Value::Blob(b) => atoi64(b).0,
    }
}

/// sqlite3_column_double's view.
pub fn value_to_f64(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Integer(i) => *i as f64,
        Value::Real(r) => *r,
        Value::Text(s) => atof(s.as_bytes()).0,
        Value::Blob(b) => atof(b).0,
    }
}

/// sqlite3_column_blob's view (text as its UTF-8 bytes, numbers as their text).
pub fn value_to_blob(v: &Value) -> Option<Cow<'_, [u8]>> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(Cow::Owned(i.to_string().into_bytes())),
        Value::Real(r) => Some(Cow::Owned(real_to_text(*r).into_bytes())),
        Value::Text(s) => Some(Cow::Borrowed(s.as_bytes())),
        Value::Blob(b) => Some(Cow::Borrowed(b.as_slice())),
    }
}

/// The bytes of a value's text form without copying text or blobs (NULL -> empty).
pub fn value_bytes(v: &Value) -> Cow<'_, [u8]> {
    value_to_blob(v).unwrap_or(Cow::Borrowed(&[]))
}

/// The number a value stands for in arithmetic (None for NULL): text and
/// blobs by their longest numeric prefix (SQLite's `computeNumericType`).
pub fn value_to_numeric(v: &Value) -> Option<NumericValue> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(NumericValue::Int(*i)),
        Value::Real(r) => Some(NumericValue::Real(*r)),
        Value::Text(s) => Some(numeric_prefix(s.as_bytes())),
        Value::Blob(b) => Some(numeric_prefix(b)),
    }
}

/// `CAST(v AS type)` with the affinity of the type name.
pub fn cast(v: &Value, to: Affinity) -> Value {
    if let Value::Null = v {
        return Value::Null;
    }
    match to {
        Affinity::Blob => match v {
            Value::Blob(b) => Value::Blob(b.clone()),
            other => Value::Blob(value_bytes(other).into_owned()),
        },
        Affinity::Text => match v {
            Value::Text(s) => Value::Text(s.clone()),
            other => Value::Text(value_to_text(other).unwrap_or_default().into_owned()),
        },
        Affinity::Integer => Value::Integer(value_to_i64(v)),
        Affinity::Real => Value::Real(value_to_f64(v)),
        Affinity::Numeric => match v {
            Value::Text(s) => from_numeric(cast_text_numeric(s.as_bytes())),
            Value::Blob(b) => from_numeric(cast_text_numeric(b)),
            other => other.clone(),
        },
    }
}

/// Truth value for WHERE/CASE/AND/OR: None for NULL, else numeric value != 0
/// (text converted by its numeric prefix).
pub fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(*i != 0),
        Value::Real(r) => Some(*r != 0.0),
        other => Some(value_to_f64(other) != 0.0),
    }
}

/// Binary arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// `a op b`: NULL if either is NULL; integers overflow to REAL; division or
/// remainder by zero is NULL; text/blob operands converted as numbers.
pub fn arith(op: ArithOp, a: &Value, b: &Value) -> Value {
    let (Some(na), Some(nb)) = (value_to_numeric(a), value_to_numeric(b)) else {
        return Value::Null;
    };
    if let (NumericValue::Int(x), NumericValue::Int(y)) = (na, nb) {
        let r = match op {
            ArithOp::Add => x.checked_add(y),
            ArithOp::Sub => x.checked_sub(y),
            ArithOp::Mul => x.checked_mul(y),
            ArithOp::Div => {
                if y == 0 {
                    return Value::Null;
                }
                x.checked_div(y)
            }
            ArithOp::Rem => {
                if y == 0 {
                    return Value::Null;
                }
                // x % -1 is 0 for every x (and must not trap for i64::MIN).
                Some(if y == -1 { 0 } else { x % y })
            }
        };
        if let Some(r) = r {
            return Value::Integer(r);
        }
    }
    let fa = match na {
        NumericValue::Int(i) => i as f64,
        NumericValue::Real(r) => r,
    };
    let fb = match nb {
        NumericValue::Int(i) => i as f64,
        NumericValue::Real(r) => r,
    };
    let r = match op {
        ArithOp::Add => fa + fb,
        ArithOp::Sub => fa - fb,
        ArithOp::Mul => fa * fb,
        ArithOp::Div => {
            if fb == 0.0 {
                return Value::Null;
            }
            fa / fb
        }
        ArithOp::Rem => {
            // SQLite takes the remainder of the operands' integer values.
            let ia = value_to_i64(a);
            let ib = value_to_i64(b);
            if ib == 0 {
                return Value::Null;
            }
            let ib = if ib == -1 { 1 } else { ib };
            (ia % ib) as f64
        }
    };
    if r.is_nan() {
        Value::Null
    } else {
        Value::Real(r)
    }
}

/// Unary minus (`0 - v`, so text is converted like an arithmetic operand and
/// -(-9223372036854775808) becomes REAL).
pub fn negate(v: &Value) -> Value {
    arith(ArithOp::Sub, &Value::Integer(0), v)
}

/// Bitwise binary operators on the operands' integer values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitOp {
    And,
    Or,
    ShiftLeft,
    ShiftRight,
}

/// `a op b` for `& | << >>`: NULL if either is NULL. A negative shift
/// shifts the other way; shifts of 64 or more give 0 (or -1 for a negative
/// value shifted right).
pub fn bit_op(op: BitOp, a: &Value, b: &Value) -> Value {
    if matches!(a, Value::Null) || matches!(b, Value::Null) {
        return Value::Null;
    }
    let x = value_to_i64(a);
    let mut n = value_to_i64(b);
    let r = match op {
        BitOp::And => x & n,
        BitOp::Or => x | n,
        BitOp::ShiftLeft | BitOp::ShiftRight => {
            let mut left = op == BitOp::ShiftLeft;
            if n < 0 {
                left = !left;
                n = if n > -64 { -n } else { 64 };
            }
            if n >= 64 {
                if x >= 0 || left {
                    0
                } else {
                    -1
                }
            } else if left {
                ((x as u64) << n) as i64
            } else {
                x >> n
            }
        }
    };
    Value::Integer(r)
}

/// `~v`.
pub fn bit_not(v: &Value) -> Value {
    match v {
        Value::Null => Value::Null,
        other => Value::Integer(!value_to_i64(other)),
    }
}

/// `NOT v`: NULL stays NULL.
pub fn logical_not(v: &Value) -> Value {
    match truthy(v) {
        None => Value::Null,
        Some(t) => Value::Integer(i64::from(!t)),
    }
}

/// `a || b`: the text forms joined (blobs contribute their bytes); NULL if either is NULL.
pub fn concat(a: &Value, b: &Value) -> Value {
    if matches!(a, Value::Null) || matches!(b, Value::Null) {
        return Value::Null;
    }
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => {
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Value::Text(s)
        }
        _ => {
            let mut bytes = value_bytes(a).into_owned();
            bytes.extend_from_slice(&value_bytes(b));
            Value::Text(match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            })
        }
    }
}

/// SQLite's total order of values (ORDER BY, min/max, DISTINCT, indexes):
/// NULL < INTEGER/REAL (numerically, exactly) < TEXT (by collation) < BLOB
/// (memcmp). The one implementation lives with the record format
/// ([`crate::storage::record::compare_values`]); this is its name on the SQL
/// side.
pub fn compare_for_sort(a: &Value, b: &Value, coll: Collation) -> Ordering {
    crate::storage::record::compare_values(a, b, coll)
}

/// The affinity SQLite applies to both operands of a comparison (None = no
/// conversion): numeric if either side is INTEGER/REAL/NUMERIC; TEXT if one
/// side is TEXT and the other has no affinity; otherwise none.
pub fn comparison_affinity(a: Option<Affinity>, b: Option<Affinity>) -> Option<Affinity> {
    match (a, b) {
        (Some(x), Some(y)) => {
            if x.is_numeric() || y.is_numeric() {
                Some(Affinity::Numeric)
            } else {
                None
            }
        }
        (Some(x), None) | (None, Some(x)) => {
            if x.is_numeric() {
                Some(Affinity::Numeric)
            } else if x == Affinity::Text {
                Some(Affinity::Text)
            } else {
                None
            }
        }
        (None, None) => None,
    }
}

/// Converts one comparison operand for the comparison affinity `aff`.
/// Borrowed when nothing changes.
pub fn prepare_for_comparison(v: &Value, aff: Option<Affinity>) -> Cow<'_, Value> {
    match (aff, v) {
        (Some(a), Value::Text(s)) if a.is_numeric() => match text_to_numeric(s.as_bytes(), false) {
            Some(n) => Cow::Owned(from_numeric(n)),
            None => Cow::Borrowed(v),
        },
        (Some(Affinity::Text), Value::Integer(i)) => Cow::Owned(Value::Text(i.to_string())),
        (Some(Affinity::Text), Value::Real(r)) => Cow::Owned(Value::Text(real_to_text(*r))),
        _ => Cow::Borrowed(v),
    }
}

/// Comparison of `a op b` in a WHERE clause, after SQLite's rules: when one
/// operand has INTEGER/REAL/NUMERIC affinity and the other TEXT/BLOB/none,
/// numeric affinity is applied to the other; when one has TEXT affinity and
/// the other none, TEXT affinity is applied. `None` affinity = expression
/// with no affinity. Returns None if either side is NULL.
pub fn compare_with_affinity(
    a: &Value,
    a_aff: Option<Affinity>,
    b: &Value,
    b_aff: Option<Affinity>,
    coll: Collation,
) -> Option<Ordering> {
    if matches!(a, Value::Null) || matches!(b, Value::Null) {
        return None;
    }
    let aff = comparison_affinity(a_aff, b_aff);
    let x = prepare_for_comparison(a, aff);
    let y = prepare_for_comparison(b, aff);
    Some(compare_for_sort(&x, &y, coll))
}

/// SQLite's default SQLITE_LIMIT_LIKE_PATTERN_LENGTH.
const MAX_PATTERN_LENGTH: usize = 50_000;

/// The part of `s` before its first NUL (LIKE and GLOB read C strings).
fn before_nul(s: &str) -> &str {
    s.split('\0').next().unwrap_or("")
}

/// `text LIKE pattern [ESCAPE escape]` on values, with all of SQLite's rules
/// (use this from the executor rather than [`like`]): a BLOB text or pattern
/// never matches (0, even beside a NULL: the system library is built with
/// SQLITE_LIKE_DOESNT_MATCH_BLOBS); otherwise NULL if any operand is NULL;
/// numbers are matched by their text; an escape that is not exactly one
/// character and a pattern over 50000 bytes are errors.
pub fn like_value(text: &Value, pattern: &Value, escape: Option<&Value>) -> Result<Value> {
    if matches!(pattern, Value::Blob(_)) || matches!(text, Value::Blob(_)) {
        return Ok(Value::Integer(0));
    }
    let esc = match escape {
        None => None,
        Some(e) => match value_to_text(e) {
            None => return Ok(Value::Null),
            Some(e) => {
                let mut it = before_nul(&e).chars();
                match (it.next(), it.next()) {
                    (Some(c), None) => Some(c),
                    _ => return Err(Error::sql("ESCAPE expression must be a single character")),
                }
            }
        },
    };
    let (Some(p), Some(t)) = (value_to_text(pattern), value_to_text(text)) else {
        return Ok(Value::Null);
    };
    if p.len() > MAX_PATTERN_LENGTH {
        return Err(Error::sql("LIKE or GLOB pattern too complex"));
    }
    Ok(Value::Integer(i64::from(like(before_nul(&p), before_nul(&t), esc))))
}

/// `text GLOB pattern` on values, with the same rules as [`like_value`].
pub fn glob_value(text: &Value, pattern: &Value) -> Result<Value> {
    if matches!(pattern, Value::Blob(_)) || matches!(text, Value::Blob(_)) {
        return Ok(Value::Integer(0));
    }
    let (Some(p), Some(t)) = (value_to_text(pattern), value_to_text(text)) else {
        return Ok(Value::Null);
    };
    if p.len() > MAX_PATTERN_LENGTH {
        return Err(Error::sql("LIKE or GLOB pattern too complex"));
    }
    Ok(Value::Integer(i64::from(glob(before_nul(&p), before_nul(&t)))))
}

/// `LIKE` with SQLite's defaults: ASCII case-insensitive, `%` and `_`,
/// optional escape character.
pub fn like(pattern: &str, text: &str, escape: Option<char>) -> bool {
    pattern::like(pattern, text, escape)
}

/// `GLOB`: case-sensitive, `*`, `?`, `[...]`, `[^...]`.
pub fn glob(pattern: &str, text: &str) -> bool {
    pattern::glob(pattern, text)
}
