//! Records: a header of serial types, then the values (SQLite's record idea),
//! and the total order of values used by indexes and ORDER BY.
//! (CONTRACT SKELETON: the storage owner fills in the bodies.)

use crate::error::Result;
use std::cmp::Ordering;

/// One SQL value in one of SQLite's five storage classes.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A collating sequence for TEXT comparisons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Collation {
    /// memcmp of the UTF-8 bytes.
    Binary,
    /// ASCII case folded (A-Z == a-z), otherwise binary.
    NoCase,
    /// Binary, ignoring trailing spaces.
    RTrim,
}

/// How to order the fields of index keys: one collation and direction per
/// field. Fields beyond `collations.len()` compare with BINARY ascending.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyInfo {
    pub collations: Vec<Collation>,
    pub desc: Vec<bool>,
}

/// SQLite's value order: NULL < INTEGER/REAL (numerically, integers and reals
/// compared exactly) < TEXT (by collation) < BLOB (memcmp).
pub fn compare_values(a: &Value, b: &Value, coll: Collation) -> Ordering {
    let _ = (a, b, coll);
    todo!()
}

/// Appends the encoding of `values` as one record to `out`.
pub fn encode_record(values: &[Value], out: &mut Vec<u8>) {
    let _ = (values, out);
    todo!()
}

/// Decodes every field of a record into `out` (cleared first).
/// A malformed record is SQLITE_CORRUPT.
pub fn decode_record(data: &[u8], out: &mut Vec<Value>) -> Result<()> {
    let _ = (data, out);
    todo!()
}

/// Decodes field `idx` only; a record with fewer fields yields NULL (columns
/// added by ALTER TABLE ADD COLUMN are absent from old rows).
pub fn decode_field(data: &[u8], idx: usize) -> Result<Value> {
    let _ = (data, idx);
    todo!()
}

/// Number of fields in a record.
pub fn field_count(data: &[u8]) -> Result<usize> {
    let _ = data;
    todo!()
}

/// Compares the first `key.len()` fields of `record` with `key` under `ki`
/// (prefix comparison: a record equal on those fields is `Equal`).
pub fn compare_record_to_key(record: &[u8], key: &[Value], ki: &KeyInfo) -> Result<Ordering> {
    let _ = (record, key, ki);
    todo!()
}

/// Compares two whole records field by field under `ki`; a record that is a
/// prefix of the other is smaller.
pub fn compare_records(a: &[u8], b: &[u8], ki: &KeyInfo) -> Result<Ordering> {
    let _ = (a, b, ki);
    todo!()
}
