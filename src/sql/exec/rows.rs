//! Row loading for the executor: decoding table records (only the fields a
//! statement reads), NULL rows, rowid probes and bounds, index probe
//! conversion, and grouping keys.
//!
//! Field decoding follows the record layout of `storage::record`: a header
//! (its size as a varint, then one serial type per field), then the bodies.

use crate::error::{Error, Result};
use crate::schema::Table;
use crate::sql::expr::Slot;
use crate::sql::types::{self, Affinity};
use crate::storage::record::{get_varint, serial_type_size};
use crate::storage::{Collation, Value};

/// Loads a table row into its slot (the rowid alias column reads the rowid).
/// Every field is decoded, in place (text and blob buffers are reused).
pub fn load_row(t: &Table, rec: &[u8], rowid: i64, slot: &mut Slot) -> Result<()> {
    let out = &mut slot.vals;
    let mut h = Header::new(rec)?;
    let mut i = 0;
    while let Some((st, body)) = h.next_field(rec)? {
        match out.get_mut(i) {
            Some(dst) => set_field(dst, st, body),
            None => out.push(field_value(st, body)),
        }
        i += 1;
    }
    out.truncate(i);
    if out.len() < t.cols.len() {
        out.resize(t.cols.len(), Value::Null);
    }
    if let Some(i) = t.ipk {
        out[i] = Value::Integer(rowid);
    }
    slot.rowid = rowid;
    slot.null_row = false;
    Ok(())
}

/// Walks a record header (layout per storage::record): serial types and
/// the body slice of each field, bounds-checked (a bad record is Corrupt).
struct Header {
    hp: usize,
    hs: usize,
    bp: usize,
}

impl Header {
    #[inline]
    fn new(data: &[u8]) -> Result<Header> {
        let (hs, n) = match data.first() {
            Some(&b) if b < 0x80 => (u64::from(b), 1),
            _ => get_varint(data).ok_or_else(|| Error::corrupt("record header"))?,
        };
        let hs = usize::try_from(hs).map_err(|_| Error::corrupt("record header size"))?;
        if hs < n || hs > data.len() {
            return Err(Error::corrupt("record header size"));
        }
        Ok(Header { hp: n, hs, bp: hs })
    }

    #[inline(always)]
    fn next_field<'a>(&mut self, data: &'a [u8]) -> Result<Option<(u64, &'a [u8])>> {
        if self.hp >= self.hs {
            return Ok(None);
        }
        let (t, k) = match data[self.hp] {
            b if b < 0x80 => (u64::from(b), 1),
            _ => get_varint(&data[self.hp..self.hs]).ok_or_else(|| Error::corrupt("record serial type"))?,
        };
        self.hp += k;
        let sz = serial_type_size(t).ok_or_else(|| Error::corrupt("record serial type"))?;
        let end = self.bp.checked_add(sz).filter(|&e| e <= data.len()).ok_or_else(|| Error::corrupt("record body"))?;
        let body = &data[self.bp..end];
        self.bp = end;
        Ok(Some((t, body)))
    }
}

/// A big-endian two's-complement integer of 1-8 bytes.
#[inline(always)]
fn be_int(b: &[u8]) -> i64 {
    match *b {
        [a] => i64::from(a as i8),
        [a, b] => i64::from(i16::from_be_bytes([a, b])),
        [a, b, c, d] => i64::from(i32::from_be_bytes([a, b, c, d])),
        [a, b, c, d, e, f, g, h] => i64::from_be_bytes([a, b, c, d, e, f, g, h]),
        _ => {
            let mut v: i64 = if b.first().is_some_and(|&x| x & 0x80 != 0) { -1 } else { 0 };
            for &x in b {
                v = (v << 8) | i64::from(x);
            }
            v
        }
    }
}

/// Stores field (serial type `t`, body) into `dst`, reusing its text or
/// blob buffer when it holds one.
#[inline(always)]
fn set_field(dst: &mut Value, t: u64, body: &[u8]) {
    match (t, &mut *dst) {
        (1..=6, _) => *dst = Value::Integer(be_int(body)),
        (0, _) => *dst = Value::Null,
        (8, _) => *dst = Value::Integer(0),
        (9, _) => *dst = Value::Integer(1),
        (n, Value::Text(s)) if n >= 13 && n % 2 == 1 => {
            s.clear();
            match std::str::from_utf8(body) {
                Ok(x) => s.push_str(x),
                Err(_) => s.push_str(&String::from_utf8_lossy(body)),
            }
        }
        (n, Value::Blob(b)) if n >= 12 && n % 2 == 0 => {
            b.clear();
            b.extend_from_slice(body);
        }
        _ => *dst = field_value(t, body),
    }
}

/// Decodes one field body of serial type `t` (layout per storage::record).
pub(super) fn field_value(t: u64, body: &[u8]) -> Value {
    match t {
        0 => Value::Null,
        8 => Value::Integer(0),
        9 => Value::Integer(1),
        1..=6 => Value::Integer(be_int(body)),
        7 => {
            let f = f64::from_be_bytes(body[..8].try_into().unwrap_or([0; 8]));
            if f.is_nan() {
                Value::Null
            } else {
                Value::Real(f)
            }
        }
        n if n % 2 == 0 => Value::Blob(body.to_vec()),
        _ => Value::Text(match std::str::from_utf8(body) {
            Ok(s) => s.to_string(),
            Err(_) => String::from_utf8_lossy(body).into_owned(),
        }),
    }
}

/// Decodes the fields flagged in `needed` into `out[i]` (sized to at least
/// `ncols`); the other entries keep whatever they held — nobody reads them
/// (a needed field missing from a short record reads NULL).
pub fn decode_needed(data: &[u8], needed: &[bool], ncols: usize, out: &mut Vec<Value>) -> Result<()> {
    let width = ncols.max(needed.len());
    if out.len() != width {
        out.clear();
        out.resize(width, Value::Null);
    }
    let mut h = Header::new(data)?;
    // Fields after the last needed one are not even walked.
    let Some(last) = needed.iter().rposition(|&x| x) else { return Ok(()) };
    let mut i = 0;
    while let Some((t, body)) = h.next_field(data)? {
        if needed[i] {
            set_field(&mut out[i], t, body);
        }
        if i == last {
            return Ok(());
        }
        i += 1;
    }
    // A short record (columns added later): the missing fields read NULL.
    for j in i..needed.len() {
        if needed[j] {
            out[j] = Value::Null;
        }
    }
    Ok(())
}

/// Loads a row decoding only the `needed` columns (all when empty).
pub(super) fn load_row_needed(t: &Table, rec: &[u8], rowid: i64, slot: &mut Slot, needed: &[bool]) -> Result<()> {
    if needed.is_empty() {
        return load_row(t, rec, rowid, slot);
    }
    decode_needed(rec, needed, t.cols.len(), &mut slot.vals)?;
    if let Some(i) = t.ipk {
        slot.vals[i] = Value::Integer(rowid);
    }
    slot.rowid = rowid;
    slot.null_row = false;
    Ok(())
}

pub(super) fn set_null_row(t: &Table, slot: &mut Slot) {
    slot.vals.clear();
    slot.vals.resize(t.cols.len(), Value::Null);
    slot.null_row = true;
}

/// The integer a REAL equals exactly under SQLite's comparison, if any
/// (whole and within [-2^63, 2^63)).
fn real_as_i64(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && (-9.223372036854776e18..9.223372036854776e18).contains(&f)).then_some(f as i64)
}

/// A rowid equal to `v` under SQLite's comparison, if one can exist.
pub fn value_to_rowid(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        Value::Real(f) => real_as_i64(*f),
        Value::Text(_) | Value::Blob(_) => match types::apply_affinity(v.clone(), Affinity::Numeric) {
            Value::Integer(i) => Some(i),
            Value::Real(f) => real_as_i64(f),
            _ => None,
        },
        Value::Null => None,
    }
}

/// A bound of a rowid range (`upper`: `rowid <(=) v`, else `rowid >(=) v`)
/// as the integer the scan starts or stops at: Err(()) when no rowid can
/// satisfy it, Ok(None) when it does not constrain. Text and blobs are
/// converted as a numeric column would; a text that stays text is larger
/// than every number.
pub(super) fn rowid_bound(v: &Value, incl: bool, upper: bool) -> std::result::Result<Option<i64>, ()> {
    let converted;
    let v = match v {
        Value::Text(_) | Value::Blob(_) => {
            converted = types::apply_affinity(v.clone(), Affinity::Numeric);
            &converted
        }
        other => other,
    };
    // One step inward from an exclusive bound.
    let step = |i: i64| if upper { i.checked_sub(1) } else { i.checked_add(1) };
    match *v {
        Value::Null => Err(()),
        Value::Integer(i) => {
            if incl {
                Ok(Some(i))
            } else {
                step(i).map(Some).ok_or(())
            }
        }
        Value::Real(f) => {
            if f.is_nan() {
                return Err(());
            }
            let c = if upper { f.floor() } else { f.ceil() };
            // Past the far end of the rowid domain nothing qualifies; past
            // the near end the bound does not constrain.
            let (beyond_max, beyond_min) = (c >= 9.223372036854776e18, c < -9.223372036854776e18);
            if (upper && beyond_min) || (!upper && beyond_max) {
                return Err(());
            }
            if beyond_min || beyond_max {
                return Ok(None);
            }
            let c = c as i64;
            if c as f64 == f && !incl {
                step(c).map(Some).ok_or(())
            } else {
                Ok(Some(c))
            }
        }
        _ if upper => Ok(None),
        _ => Err(()),
    }
}

pub(super) fn probe_value(v: Value, aff: Affinity) -> Value {
    match aff {
        Affinity::Blob => v,
        a => types::apply_affinity(v, a),
    }
}

/// Writes a key for hashing/grouping into `out` (cleared first): values
/// equal under `colls` get equal bytes (integral reals as integers, NOCASE
/// folded, RTRIM trimmed), unequal ones different bytes. Each value is a
/// tag byte and a self-delimiting body; nothing is allocated besides `out`.
pub fn group_key(vals: &[Value], colls: &[Collation], out: &mut Vec<u8>) {
    out.clear();
    for (i, v) in vals.iter().enumerate() {
        match v {
            Value::Null => out.push(0),
            Value::Integer(n) => {
                out.push(1);
                out.extend_from_slice(&n.to_be_bytes());
            }
            // A REAL equal to an integer keys as that integer.
            Value::Real(f) => match real_as_i64(*f) {
                Some(n) => {
                    out.push(1);
                    out.extend_from_slice(&n.to_be_bytes());
                }
                None => {
                    out.push(2);
                    out.extend_from_slice(&f.to_bits().to_be_bytes());
                }
            },
            Value::Text(s) => {
                out.push(3);
                let at = out.len();
                out.extend_from_slice(&[0; 8]);
                match colls.get(i).copied().unwrap_or(Collation::Binary) {
                    Collation::Binary => out.extend_from_slice(s.as_bytes()),
                    // NOCASE equality (see `compare_text`): same length and
                    // equal folded bytes up to and including the first NUL.
                    // The key is that prefix, then the length (no NUL-free
                    // text has a NUL, so the two forms never collide).
                    Collation::NoCase => match s.find('\0') {
                        None => out.extend(s.bytes().map(|b| b.to_ascii_lowercase())),
                        Some(p) => {
                            out.extend(s[..=p].bytes().map(|b| b.to_ascii_lowercase()));
                            out.extend_from_slice(s.len().to_string().as_bytes());
                        }
                    },
                    Collation::RTrim => out.extend_from_slice(s.trim_end_matches(' ').as_bytes()),
                }
                let len = (out.len() - at - 8) as u64;
                out[at..at + 8].copy_from_slice(&len.to_be_bytes());
            }
            Value::Blob(b) => {
                out.push(4);
                out.extend_from_slice(&(b.len() as u64).to_be_bytes());
                out.extend_from_slice(b);
            }
        }
    }
}
