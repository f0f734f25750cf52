//! Records: a header of serial types, then the values (SQLite's record idea),
//! and the total order of values used by indexes and ORDER BY.
//!
//! Byte layout of one record:
//! ```text
//! varint  header_size   bytes of the header, this varint included
//! varint* serial_type   one per field
//! ...     bodies        one per field, in order, sizes fixed by the serial type
//! ```
//! Serial types: 0 NULL; 1..=6 big-endian two's complement integers of
//! 1, 2, 3, 4, 6, 8 bytes; 7 IEEE-754 f64 big-endian; 8 the integer 0;
//! 9 the integer 1; even N >= 12 a blob of (N-12)/2 bytes; odd N >= 13 a
//! text of (N-13)/2 UTF-8 bytes. 10 and 11 are reserved (corrupt).
//!
//! Varints are SQLite's: big-endian groups of 7 bits with the high bit set
//! on every byte but the last; the 9th byte, if reached, carries 8 bits.
//!
//! Integers use the smallest encoding; a REAL NaN is stored as NULL.

use crate::error::{Error, Result};
use std::cmp::Ordering;

/// One SQL value in one of SQLite's five storage classes.
#[derive(Debug, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Clone for Value {
    #[inline]
    fn clone(&self) -> Value {
        match self {
            Value::Null => Value::Null,
            Value::Integer(i) => Value::Integer(*i),
            Value::Real(r) => Value::Real(*r),
            Value::Text(t) => Value::Text(t.clone()),
            Value::Blob(b) => Value::Blob(b.clone()),
        }
    }

    /// Reuses the buffer of a TEXT or BLOB overwritten by one of the same
    /// class (row slots and sort keys refilled per row allocate nothing).
    #[inline]
    fn clone_from(&mut self, src: &Value) {
        match (self, src) {
            (Value::Text(d), Value::Text(s)) => d.clone_from(s),
            (Value::Blob(d), Value::Blob(s)) => d.clone_from(s),
            (d, s) => *d = s.clone(),
        }
    }
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

impl KeyInfo {
    #[inline]
    fn coll(&self, i: usize) -> Collation {
        self.collations.get(i).copied().unwrap_or(Collation::Binary)
    }
    #[inline]
    fn is_desc(&self, i: usize) -> bool {
        self.desc.get(i).copied().unwrap_or(false)
    }
}

// ---------------------------------------------------------------- varints

/// Reads a varint at the start of `buf`: (value, bytes used), or None when
/// `buf` ends inside it.
#[inline(always)]
pub fn get_varint(buf: &[u8]) -> Option<(u64, usize)> {
    match buf {
        [a, ..] if *a < 0x80 => return Some((u64::from(*a), 1)),
        [a, b, ..] if *b < 0x80 => return Some(((u64::from(*a & 0x7f) << 7) | u64::from(*b), 2)),
        [a, b, c, ..] if *c < 0x80 => {
            return Some(((u64::from(*a & 0x7f) << 14) | (u64::from(*b & 0x7f) << 7) | u64::from(*c), 3))
        }
        _ => {}
    }
    let mut v: u64 = 0;
    for i in 0..8 {
        let b = *buf.get(i)?;
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    let b = *buf.get(8)?;
    Some(((v << 8) | u64::from(b), 9))
}

/// Bytes needed for `v` as a varint.
#[inline]
pub fn varint_len(v: u64) -> usize {
    if v <= 0x7f {
        1
    } else if v <= 0x3fff {
        2
    } else if v > 0x00ff_ffff_ffff_ffff {
        9
    } else {
        let bits = 64 - v.leading_zeros() as usize;
        bits.div_ceil(7)
    }
}

/// Writes `v` as a varint into `out` (which must hold `varint_len(v)` bytes);
/// returns the bytes written.
#[inline]
pub fn put_varint(out: &mut [u8], v: u64) -> usize {
    if v <= 0x7f {
        out[0] = v as u8;
        return 1;
    }
    if v > 0x00ff_ffff_ffff_ffff {
        out[8] = v as u8;
        let mut x = v >> 8;
        for i in (0..8).rev() {
            out[i] = (x as u8 & 0x7f) | 0x80;
            x >>= 7;
        }
        return 9;
    }
    let n = varint_len(v);
    let mut x = v;
    for i in (0..n).rev() {
        out[i] = (x as u8 & 0x7f) | if i == n - 1 { 0 } else { 0x80 };
        x >>= 7;
    }
    n
}

/// Appends `v` as a varint to `out`.
#[inline]
pub fn push_varint(out: &mut Vec<u8>, v: u64) {
    let mut tmp = [0u8; 9];
    let n = put_varint(&mut tmp, v);
    out.extend_from_slice(&tmp[..n]);
}

// ---------------------------------------------------------- serial types

fn serial_type_of(v: &Value) -> u64 {
    match v {
        Value::Null => 0,
        Value::Real(f) if f.is_nan() => 0,
        Value::Integer(i) => int_serial_type(*i),
        Value::Real(_) => 7,
        Value::Text(s) => 13 + 2 * s.len() as u64,
        Value::Blob(b) => 12 + 2 * b.len() as u64,
    }
}

#[inline]
fn int_serial_type(i: i64) -> u64 {
    match i {
        0 => 8,
        1 => 9,
        -128..=127 => 1,
        -32768..=32767 => 2,
        -8_388_608..=8_388_607 => 3,
        -2_147_483_648..=2_147_483_647 => 4,
        -140_737_488_355_328..=140_737_488_355_327 => 5,
        _ => 6,
    }
}

/// Body size of a serial type; None for the reserved types 10 and 11.
#[inline]
pub fn serial_type_size(t: u64) -> Option<usize> {
    Some(match t {
        0 | 8 | 9 => 0,
        1 => 1,
        2 => 2,
        3 => 3,
        4 => 4,
        5 => 6,
        6 | 7 => 8,
        10 | 11 => return None,
        n => ((n - 12) / 2) as usize,
    })
}

#[inline]
fn read_int(b: &[u8]) -> i64 {
    // Sign-extend a big-endian integer of 1..=8 bytes.
    let mut v: i64 = if b[0] & 0x80 != 0 { -1 } else { 0 };
    for &x in b {
        v = (v << 8) | i64::from(x);
    }
    v
}

/// A field viewed in place in the record bytes.
#[derive(Clone, Copy, Debug)]
enum FieldRef<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

#[inline]
fn field_ref(t: u64, body: &[u8]) -> FieldRef<'_> {
    match t {
        0 => FieldRef::Null,
        8 => FieldRef::Int(0),
        9 => FieldRef::Int(1),
        1..=6 => FieldRef::Int(read_int(body)),
        7 => {
            let f = f64::from_be_bytes(body[..8].try_into().unwrap_or([0; 8]));
            if f.is_nan() {
                FieldRef::Null
            } else {
                FieldRef::Real(f)
            }
        }
        n if n % 2 == 0 => FieldRef::Blob(body),
        _ => FieldRef::Text(body),
    }
}

fn value_as_ref(v: &Value) -> FieldRef<'_> {
    match v {
        Value::Null => FieldRef::Null,
        Value::Integer(i) => FieldRef::Int(*i),
        Value::Real(f) if f.is_nan() => FieldRef::Null,
        Value::Real(f) => FieldRef::Real(*f),
        Value::Text(s) => FieldRef::Text(s.as_bytes()),
        Value::Blob(b) => FieldRef::Blob(b),
    }
}

/// Iterates the fields of a record without allocating; every offset is
/// checked against the record's length.
struct FieldIter<'a> {
    data: &'a [u8],
    hdr_pos: usize,
    hdr_end: usize,
    body_pos: usize,
}

impl<'a> FieldIter<'a> {
    #[inline]
    fn new(data: &'a [u8]) -> Result<FieldIter<'a>> {
        let (hs, n) = get_varint(data).ok_or_else(|| Error::corrupt("record header"))?;
        let hs = usize::try_from(hs).map_err(|_| Error::corrupt("record header size"))?;
        if hs < n || hs > data.len() {
            return Err(Error::corrupt("record header size"));
        }
        Ok(FieldIter { data, hdr_pos: n, hdr_end: hs, body_pos: hs })
    }
    /// Next field as (serial type, body), None at the end.
    #[inline]
    fn next_raw(&mut self) -> Result<Option<(u64, &'a [u8])>> {
        if self.hdr_pos >= self.hdr_end {
            return Ok(None);
        }
        let (t, n) =
            get_varint(&self.data[self.hdr_pos..self.hdr_end]).ok_or_else(|| Error::corrupt("record serial type"))?;
        self.hdr_pos += n;
        let sz = serial_type_size(t).ok_or_else(|| Error::corrupt("record serial type"))?;
        let end = self.body_pos.checked_add(sz).filter(|&e| e <= self.data.len());
        let end = end.ok_or_else(|| Error::corrupt("record body overflow"))?;
        let body = &self.data[self.body_pos..end];
        self.body_pos = end;
        Ok(Some((t, body)))
    }
    #[inline]
    fn next_field(&mut self) -> Result<Option<FieldRef<'a>>> {
        Ok(self.next_raw()?.map(|(t, b)| field_ref(t, b)))
    }
}

// ------------------------------------------------------------- ordering

#[inline]
fn class_rank(f: &FieldRef<'_>) -> u8 {
    match f {
        FieldRef::Null => 0,
        FieldRef::Int(_) | FieldRef::Real(_) => 1,
        FieldRef::Text(_) => 2,
        FieldRef::Blob(_) => 3,
    }
}

/// Exact comparison of an integer with a (non-NaN) real.
pub fn cmp_int_real(i: i64, r: f64) -> Ordering {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if r >= TWO63 {
        return Ordering::Less;
    }
    if r < -TWO63 {
        return Ordering::Greater;
    }
    let t = r.trunc();
    let ti = t as i64; // exact: -2^63 <= t < 2^63
    match i.cmp(&ti) {
        Ordering::Equal => {
            let frac = r - t;
            if frac > 0.0 {
                Ordering::Less
            } else if frac < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        o => o,
    }
}

/// Compares two texts under a collation.
pub fn compare_text(a: &[u8], b: &[u8], coll: Collation) -> Ordering {
    match coll {
        Collation::Binary => a.cmp(b),
        // SQLite's NOCASE folds ASCII case over the first min(len) bytes but
        // stops at a NUL common to both texts: the bytes after it are not
        // compared, and the texts then order by length alone (so 'x\0a' and
        // 'X\0b' are equal). RTRIM and BINARY compare every byte.
        Collation::NoCase => {
            for (&x, &y) in a.iter().zip(b) {
                let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
                if x != y {
                    return x.cmp(&y);
                }
                if x == 0 {
                    break;
                }
            }
            a.len().cmp(&b.len())
        }
        Collation::RTrim => {
            let ta = a.iter().rposition(|&c| c != b' ').map_or(0, |p| p + 1);
            let tb = b.iter().rposition(|&c| c != b' ').map_or(0, |p| p + 1);
            a[..ta].cmp(&b[..tb])
        }
    }
}

#[inline]
fn compare_refs(a: &FieldRef<'_>, b: &FieldRef<'_>, coll: Collation) -> Ordering {
    match (a, b) {
        (FieldRef::Int(x), FieldRef::Int(y)) => x.cmp(y),
        (FieldRef::Real(x), FieldRef::Real(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (FieldRef::Int(x), FieldRef::Real(y)) => cmp_int_real(*x, *y),
        (FieldRef::Real(x), FieldRef::Int(y)) => cmp_int_real(*y, *x).reverse(),
        (FieldRef::Text(x), FieldRef::Text(y)) => compare_text(x, y, coll),
        (FieldRef::Blob(x), FieldRef::Blob(y)) => x.cmp(y),
        _ => class_rank(a).cmp(&class_rank(b)),
    }
}

/// SQLite's value order: NULL < INTEGER/REAL (numerically, integers and reals
/// compared exactly) < TEXT (by collation) < BLOB (memcmp). A NaN REAL is
/// ordered as NULL.
pub fn compare_values(a: &Value, b: &Value, coll: Collation) -> Ordering {
    compare_refs(&value_as_ref(a), &value_as_ref(b), coll)
}

// --------------------------------------------------------- encode/decode

/// Appends the encoding of `values` as one record to `out`.
pub fn encode_record(values: &[Value], out: &mut Vec<u8>) {
    let mut hdr_body = 0usize;
    let mut body = 0usize;
    for v in values {
        let t = serial_type_of(v);
        hdr_body += varint_len(t);
        body += serial_type_size(t).unwrap_or(0);
    }
    // The header size counts its own varint.
    let mut n = 1;
    let hs = loop {
        let hs = hdr_body + n;
        if varint_len(hs as u64) == n {
            break hs;
        }
        n += 1;
    };
    out.reserve(hs + body);
    push_varint(out, hs as u64);
    for v in values {
        push_varint(out, serial_type_of(v));
    }
    for v in values {
        match v {
            Value::Null => {}
            Value::Integer(i) => {
                let n = serial_type_size(int_serial_type(*i)).unwrap_or(0);
                out.extend_from_slice(&i.to_be_bytes()[8 - n..]);
            }
            Value::Real(f) if f.is_nan() => {}
            Value::Real(f) => out.extend_from_slice(&f.to_be_bytes()),
            Value::Text(s) => out.extend_from_slice(s.as_bytes()),
            Value::Blob(b) => out.extend_from_slice(b),
        }
    }
}

fn to_value(f: FieldRef<'_>) -> Result<Value> {
    Ok(match f {
        FieldRef::Null => Value::Null,
        FieldRef::Int(i) => Value::Integer(i),
        FieldRef::Real(r) => Value::Real(r),
        FieldRef::Text(t) => Value::Text(match std::str::from_utf8(t) {
            Ok(s) => s.to_owned(),
            // Invalid UTF-8 on disk is shown lossily rather than failing a read.
            Err(_) => String::from_utf8_lossy(t).into_owned(),
        }),
        FieldRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

/// Decodes every field of a record into `out` (cleared first).
/// A malformed record is SQLITE_CORRUPT.
pub fn decode_record(data: &[u8], out: &mut Vec<Value>) -> Result<()> {
    out.clear();
    let mut it = FieldIter::new(data)?;
    while let Some(f) = it.next_field()? {
        out.push(to_value(f)?);
    }
    Ok(())
}

/// Decodes field `idx` only; a record with fewer fields yields NULL (columns
/// added by ALTER TABLE ADD COLUMN are absent from old rows).
pub fn decode_field(data: &[u8], idx: usize) -> Result<Value> {
    let mut it = FieldIter::new(data)?;
    let mut i = 0;
    while let Some((t, b)) = it.next_raw()? {
        if i == idx {
            return to_value(field_ref(t, b));
        }
        i += 1;
    }
    Ok(Value::Null)
}

/// Number of fields in a record.
pub fn field_count(data: &[u8]) -> Result<usize> {
    let mut it = FieldIter::new(data)?;
    let mut n = 0;
    while it.next_raw()?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// The last field of a record as an integer (index keys end in the rowid).
pub fn last_field_int(data: &[u8]) -> Result<i64> {
    let mut it = FieldIter::new(data)?;
    let mut last = None;
    while let Some(f) = it.next_field()? {
        last = Some(f);
    }
    match last {
        Some(FieldRef::Int(i)) => Ok(i),
        _ => Err(Error::corrupt("index key without rowid")),
    }
}

/// Compares the first `key.len()` fields of `record` with `key` under `ki`
/// (prefix comparison: a record equal on those fields is `Equal`). A record
/// with fewer fields than the key is smaller.
pub fn compare_record_to_key(record: &[u8], key: &[Value], ki: &KeyInfo) -> Result<Ordering> {
    let mut it = FieldIter::new(record)?;
    for (i, kv) in key.iter().enumerate() {
        let Some(f) = it.next_field()? else {
            return Ok(Ordering::Less);
        };
        let mut o = compare_refs(&f, &value_as_ref(kv), ki.coll(i));
        if ki.is_desc(i) {
            o = o.reverse();
        }
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(Ordering::Equal)
}

/// Compares two whole records field by field under `ki`; a record that is a
/// prefix of the other is smaller. Fields are compared in place: integers
/// (the common index key) and BINARY texts without building a FieldRef.
pub fn compare_records(a: &[u8], b: &[u8], ki: &KeyInfo) -> Result<Ordering> {
    compare_records_prefix(a, b, usize::MAX, ki)
}

/// As `compare_records` over the first `n` fields only (records equal on
/// them are `Equal`; one with fewer fields than `n` is smaller).
#[inline]
pub fn compare_records_prefix(a: &[u8], b: &[u8], n: usize, ki: &KeyInfo) -> Result<Ordering> {
    let mut ia = FieldIter::new(a)?;
    let mut ib = FieldIter::new(b)?;
    let mut i = 0;
    loop {
        if i == n {
            return Ok(Ordering::Equal);
        }
        let (ta, xa, tb, xb) = match (ia.next_raw()?, ib.next_raw()?) {
            (None, None) => return Ok(Ordering::Equal),
            (None, Some(_)) => return Ok(Ordering::Less),
            (Some(_), None) => return Ok(Ordering::Greater),
            (Some((ta, xa)), Some((tb, xb))) => (ta, xa, tb, xb),
        };
        let mut o = if is_int_type(ta) && is_int_type(tb) {
            int_field(ta, xa).cmp(&int_field(tb, xb))
        } else if ta >= 13 && tb >= 13 && ta % 2 == 1 && tb % 2 == 1 && ki.coll(i) == Collation::Binary {
            xa.cmp(xb)
        } else {
            compare_refs(&field_ref(ta, xa), &field_ref(tb, xb), ki.coll(i))
        };
        if o != Ordering::Equal {
            if ki.is_desc(i) {
                o = o.reverse();
            }
            return Ok(o);
        }
        i += 1;
    }
}

/// The first field of a record when it is an integer (`Some(Some(v))`) or
/// NULL (`Some(None)`); None when it is anything else or absent.
pub fn first_int_field(data: &[u8]) -> Result<Option<Option<i64>>> {
    let mut it = FieldIter::new(data)?;
    Ok(match it.next_raw()? {
        Some((0, _)) => Some(None),
        Some((t, b)) if is_int_type(t) => Some(Some(int_field(t, b))),
        _ => None,
    })
}

/// True when one of the first `n` fields of the record is NULL.
pub fn prefix_has_null(data: &[u8], n: usize) -> Result<bool> {
    let mut it = FieldIter::new(data)?;
    for _ in 0..n {
        match it.next_raw()? {
            Some((0, _)) => return Ok(true),
            Some(_) => {}
            None => return Ok(false),
        }
    }
    Ok(false)
}

/// Serial types 1..=6, 8 and 9 hold integers.
#[inline(always)]
fn is_int_type(t: u64) -> bool {
    matches!(t, 1..=6 | 8 | 9)
}

/// The integer of an integer serial type (`is_int_type`) with its body.
#[inline(always)]
fn int_field(t: u64, body: &[u8]) -> i64 {
    match t {
        8 => 0,
        9 => 1,
        _ => read_int(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt(vals: Vec<Value>) {
        let mut buf = Vec::new();
        encode_record(&vals, &mut buf);
        let mut out = Vec::new();
        decode_record(&buf, &mut out).unwrap();
        assert_eq!(out, vals);
        assert_eq!(field_count(&buf).unwrap(), vals.len());
        for (i, v) in vals.iter().enumerate() {
            assert_eq!(&decode_field(&buf, i).unwrap(), v);
        }
        assert_eq!(decode_field(&buf, vals.len()).unwrap(), Value::Null);
    }

    #[test]
    fn varints() {
        for v in [0u64, 1, 127, 128, 16383, 16384, 1 << 21, 1 << 56, (1 << 56) - 1, u64::MAX, 1 << 63] {
            let mut b = [0u8; 9];
            let n = put_varint(&mut b, v);
            assert_eq!(n, varint_len(v), "{v}");
            assert_eq!(get_varint(&b[..n]), Some((v, n)), "{v}");
        }
        assert_eq!(get_varint(&[0x81]), None);
    }

    #[test]
    fn roundtrip() {
        let ints =
            [0i64, 1, -1, 127, 128, -129, 32767, 40000, -8_388_608, 1 << 31, 1 << 40, 1 << 47, i64::MAX, i64::MIN];
        rt(ints.iter().map(|&i| Value::Integer(i)).collect());
        rt(vec![Value::Null, Value::Real(1.5), Value::Text("héllo".into()), Value::Blob(vec![0, 1, 2])]);
        rt(vec![]);
        rt((0..200).map(|i| Value::Integer(i * 1000)).collect());
        rt(vec![Value::Text("x".repeat(10000))]);
    }

    #[test]
    fn smallest_int_encoding() {
        let mut b = Vec::new();
        encode_record(&[Value::Integer(1), Value::Integer(0), Value::Integer(100)], &mut b);
        assert_eq!(b, vec![4, 9, 8, 1, 100]);
    }

    #[test]
    fn corrupt_records() {
        let mut out = Vec::new();
        assert!(decode_record(&[5, 1], &mut out).is_err());
        assert!(decode_record(&[2, 6, 1], &mut out).is_err());
        assert!(decode_record(&[2, 10], &mut out).is_err());
        assert!(decode_record(&[], &mut out).is_err());
        assert!(field_count(&[0x80]).is_err());
    }

    #[test]
    fn value_order() {
        use Value::*;
        let c = |a: &Value, b: &Value| compare_values(a, b, Collation::Binary);
        assert_eq!(c(&Null, &Integer(0)), Ordering::Less);
        assert_eq!(c(&Integer(1), &Real(1.0)), Ordering::Equal);
        assert_eq!(c(&Integer(1), &Real(1.5)), Ordering::Less);
        assert_eq!(c(&Integer(-1), &Real(-1.5)), Ordering::Greater);
        assert_eq!(c(&Integer(i64::MAX), &Real(9.223372036854776e18)), Ordering::Less);
        assert_eq!(c(&Integer(i64::MIN), &Real(-9.223372036854776e18)), Ordering::Equal);
        assert_eq!(c(&Real(1e300), &Text("a".into())), Ordering::Less);
        assert_eq!(c(&Text("b".into()), &Blob(vec![0])), Ordering::Less);
        assert_eq!(c(&Real(f64::NAN), &Null), Ordering::Equal);
        let nc = |a: &str, b: &str, k| compare_values(&Text(a.into()), &Text(b.into()), k);
        assert_eq!(nc("ABC", "abc", Collation::NoCase), Ordering::Equal);
        assert_eq!(nc("ABC", "abd", Collation::NoCase), Ordering::Less);
        assert_eq!(nc("ABC", "abc", Collation::Binary), Ordering::Less);
        assert_eq!(nc("abc  ", "abc", Collation::RTrim), Ordering::Equal);
        // NOCASE stops at a NUL both texts share, then orders by length.
        assert_eq!(nc("x\0a", "X\0b", Collation::NoCase), Ordering::Equal);
        assert_eq!(nc("x\0a", "x\0", Collation::NoCase), Ordering::Greater);
        assert_eq!(nc("x\0a", "x\0ab", Collation::NoCase), Ordering::Less);
        assert_eq!(nc("xa", "x\0", Collation::NoCase), Ordering::Greater);
        assert_eq!(nc("x\0a", "x\0b", Collation::RTrim), Ordering::Less);
        assert_eq!(nc("abc  ", "abc", Collation::Binary), Ordering::Greater);
    }

    #[test]
    fn record_compare() {
        use Value::*;
        let enc = |v: &[Value]| {
            let mut b = Vec::new();
            encode_record(v, &mut b);
            b
        };
        let a = enc(&[Text("Abc".into()), Integer(5)]);
        let b = enc(&[Text("abc".into()), Integer(3)]);
        let ki = KeyInfo { collations: vec![Collation::NoCase], desc: vec![false] };
        assert_eq!(compare_records(&a, &b, &ki).unwrap(), Ordering::Greater);
        assert_eq!(compare_records(&a, &b, &KeyInfo::default()).unwrap(), Ordering::Less);
        assert_eq!(compare_record_to_key(&a, &[Text("ABC".into())], &ki).unwrap(), Ordering::Equal);
        let kd = KeyInfo { collations: vec![], desc: vec![true] };
        assert_eq!(compare_records(&enc(&[Integer(1)]), &enc(&[Integer(2)]), &kd).unwrap(), Ordering::Greater);
        assert_eq!(compare_records(&enc(&[Integer(1)]), &enc(&[Integer(1), Null]), &kd).unwrap(), Ordering::Less);
        assert_eq!(last_field_int(&a).unwrap(), 5);
    }
}
