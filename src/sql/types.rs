//! SQLite's value semantics: type affinity, conversions, text rendering of
//! numbers, CAST, arithmetic, and comparison with affinity and collation.
//! (CONTRACT SKELETON: the values owner fills in the bodies.)

use crate::storage::{Collation, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

/// Column / expression affinity (SQLite 3 "Type Affinity").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Affinity {
    Blob,
    Text,
    Numeric,
    Integer,
    Real,
}

/// Affinity of a declared column type by SQLite's five rules (INT, CHAR/CLOB/TEXT,
/// BLOB or empty, REAL/FLOA/DOUB, otherwise NUMERIC).
pub fn affinity_of_decltype(decltype: &str) -> Affinity {
    let _ = decltype;
    todo!()
}

/// Applies a column affinity to a value being stored (TEXT that looks like a
/// number becomes INTEGER/REAL under NUMERIC, REAL that is integral becomes
/// INTEGER under INTEGER/NUMERIC, numbers become text under TEXT, ...).
pub fn apply_affinity(v: Value, aff: Affinity) -> Value {
    let _ = (v, aff);
    todo!()
}

/// REAL rendered exactly as SQLite renders it (`%!.15g`: 1.0, 0.1, 1.0e+20,
/// Inf, -Inf).
pub fn real_to_text(f: f64) -> String {
    let _ = f;
    todo!()
}

/// sqlite3_column_text's view of a value (NULL -> None).
pub fn value_to_text(v: &Value) -> Option<Cow<'_, str>> {
    let _ = v;
    todo!()
}
/// sqlite3_column_int64's view (text parsed by the leading numeric prefix, REAL truncated and clamped).
pub fn value_to_i64(v: &Value) -> i64 {
    let _ = v;
    todo!()
}
/// sqlite3_column_double's view.
pub fn value_to_f64(v: &Value) -> f64 {
    let _ = v;
    todo!()
}
/// sqlite3_column_blob's view (text as its UTF-8 bytes, numbers as their text).
pub fn value_to_blob(v: &Value) -> Option<Cow<'_, [u8]>> {
    let _ = v;
    todo!()
}

/// `CAST(v AS type)` with the affinity of the type name.
pub fn cast(v: &Value, to: Affinity) -> Value {
    let _ = (v, to);
    todo!()
}

/// Truth value for WHERE/CASE/AND/OR: None for NULL, else numeric value != 0
/// (text converted by its numeric prefix).
pub fn truthy(v: &Value) -> Option<bool> {
    let _ = v;
    todo!()
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
    let _ = (op, a, b);
    todo!()
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
    let _ = (a, a_aff, b, b_aff, coll);
    todo!()
}

/// `LIKE` with SQLite's defaults: ASCII case-insensitive, `%` and `_`,
/// optional escape character.
pub fn like(pattern: &str, text: &str, escape: Option<char>) -> bool {
    let _ = (pattern, text, escape);
    todo!()
}

/// `GLOB`: case-sensitive, `*`, `?`, `[...]`, `[^...]`.
pub fn glob(pattern: &str, text: &str) -> bool {
    let _ = (pattern, text);
    todo!()
}
