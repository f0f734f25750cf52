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
use crate::storage::record::{decode_record, encode_record};
use crate::storage::{Collation, Value};

/// Loads a table row into its slot (the rowid alias column reads the rowid).
pub fn load_row(t: &Table, rec: &[u8], rowid: i64, slot: &mut Slot) -> Result<()> {
    decode_record(rec, &mut slot.vals)?;
    if slot.vals.len() < t.cols.len() {
        slot.vals.resize(t.cols.len(), Value::Null);
    }
    if let Some(i) = t.ipk {
        slot.vals[i] = Value::Integer(rowid);
    }
    slot.rowid = rowid;
    slot.null_row = false;
    Ok(())
}

/// Decodes one field body of serial type `t` (layout per storage::record).
pub(super) fn field_value(t: u64, body: &[u8]) -> Value {
    match t {
        0 => Value::Null,
        8 => Value::Integer(0),
        9 => Value::Integer(1),
        1..=6 => {
            let mut v: i64 = if body[0] & 0x80 != 0 { -1 } else { 0 };
            for &x in body {
                v = (v << 8) | i64::from(x);
            }
            Value::Integer(v)
        }
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
    use crate::storage::record::{get_varint, serial_type_size};
    let width = ncols.max(needed.len());
    if out.len() != width {
        out.clear();
        out.resize(width, Value::Null);
    }
    let (hs, n) = get_varint(data).ok_or_else(|| Error::corrupt("record header"))?;
    let hs = usize::try_from(hs).map_err(|_| Error::corrupt("record header size"))?;
    if hs < n || hs > data.len() {
        return Err(Error::corrupt("record header size"));
    }
    let mut hp = n;
    let mut bp = hs;
    let mut i = 0;
    // Fields after the last needed one are not even walked.
    let last = needed.iter().rposition(|&x| x).unwrap_or(0);
    while hp < hs {
        let (t, k) = get_varint(&data[hp..hs]).ok_or_else(|| Error::corrupt("record serial type"))?;
        hp += k;
        let sz = serial_type_size(t).ok_or_else(|| Error::corrupt("record serial type"))?;
        let end = bp.checked_add(sz).filter(|&e| e <= data.len()).ok_or_else(|| Error::corrupt("record body"))?;
        if needed.get(i).copied().unwrap_or(false) {
            out[i] = field_value(t, &data[bp..end]);
        }
        bp = end;
        i += 1;
        if i > last {
            break;
        }
    }
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

/// A rowid equal to `v` under SQLite's comparison, if one can exist.
pub fn value_to_rowid(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        Value::Real(f) => {
            if f.fract() == 0.0 && *f >= -9.223372036854776e18 && *f < 9.223372036854776e18 {
                Some(*f as i64)
            } else {
                None
            }
        }
        Value::Text(_) | Value::Blob(_) => match types::apply_affinity(v.clone(), Affinity::Numeric) {
            Value::Integer(i) => Some(i),
            Value::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(f as i64),
            _ => None,
        },
        Value::Null => None,
    }
}

/// Lower bound of a rowid range: Err(()) when no rowid can satisfy it,
/// Ok(None) when it does not constrain.
pub(super) fn rowid_lo(v: &Value, incl: bool) -> std::result::Result<Option<i64>, ()> {
    let v = match v {
        Value::Text(_) | Value::Blob(_) => types::apply_affinity(v.clone(), Affinity::Numeric),
        other => other.clone(),
    };
    match v {
        Value::Null => Err(()),
        Value::Integer(i) => {
            if incl {
                Ok(Some(i))
            } else {
                i.checked_add(1).map(Some).ok_or(())
            }
        }
        Value::Real(f) => {
            if f.is_nan() {
                return Err(());
            }
            let c = f.ceil();
            if c >= 9.223372036854776e18 {
                return Err(());
            }
            if c < -9.223372036854776e18 {
                return Ok(None);
            }
            let c = c as i64;
            if c as f64 == f && !incl {
                c.checked_add(1).map(Some).ok_or(())
            } else {
                Ok(Some(c))
            }
        }
        // Text > every number: `rowid > 'x'` holds for no row.
        _ => Err(()),
    }
}

pub(super) fn rowid_hi(v: &Value, incl: bool) -> std::result::Result<Option<i64>, ()> {
    let v = match v {
        Value::Text(_) | Value::Blob(_) => types::apply_affinity(v.clone(), Affinity::Numeric),
        other => other.clone(),
    };
    match v {
        Value::Null => Err(()),
        Value::Integer(i) => {
            if incl {
                Ok(Some(i))
            } else {
                i.checked_sub(1).map(Some).ok_or(())
            }
        }
        Value::Real(f) => {
            if f.is_nan() {
                return Err(());
            }
            let c = f.floor();
            if c < -9.223372036854776e18 {
                return Err(());
            }
            if c >= 9.223372036854776e18 {
                return Ok(None);
            }
            let c = c as i64;
            if c as f64 == f && !incl {
                c.checked_sub(1).map(Some).ok_or(())
            } else {
                Ok(Some(c))
            }
        }
        _ => Ok(None),
    }
}

pub(super) fn probe_value(v: Value, aff: Affinity) -> Value {
    match aff {
        Affinity::Blob => v,
        a => types::apply_affinity(v, a),
    }
}

/// Appends a key for hashing/grouping: values equal under `colls` get
/// equal bytes (integral reals as integers, NOCASE folded, RTRIM trimmed).
pub fn group_key(vals: &[Value], colls: &[Collation], out: &mut Vec<u8>) {
    out.clear();
    let norm: Vec<Value> = vals
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Value::Integer(*f as i64),
            Value::Text(s) => match colls.get(i).copied().unwrap_or(Collation::Binary) {
                Collation::Binary => v.clone(),
                // NOCASE equality (see `compare_text`): same length and equal
                // folded bytes up to and including the first NUL. The key is
                // that prefix, then the length (no NUL-free text has a NUL,
                // so the two forms never collide).
                Collation::NoCase => match s.find('\0') {
                    None => Value::Text(s.to_ascii_lowercase()),
                    Some(p) => Value::Text(format!("{}{}", s[..=p].to_ascii_lowercase(), s.len())),
                },
                Collation::RTrim => Value::Text(s.trim_end_matches(' ').to_string()),
            },
            other => other.clone(),
        })
        .collect();
    encode_record(&norm, out);
}
