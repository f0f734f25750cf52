//! Reading the current row: column_count/name/decltype/type/int/int64/
//! double/text/blob/bytes.
//!
//! Pointer lifetimes (SQLite's): text and blob pointers stay valid until the
//! next step, reset or finalize of the statement. Text is served from a
//! per-column NUL-terminated buffer (`TextSlot`) that is reused across rows,
//! so reading text allocates nothing once the buffers have grown. A column
//! index outside the current row records SQLVIBE_RANGE on the connection and
//! reads as NULL.

use super::codes::*;
use super::connection::sqlvibe_int64;
use super::statement::sqlvibe_stmt;
use crate::conn::value_type_code;
use crate::conn::{value_to_f64, value_to_i64, value_to_text, Value};
use std::io::Write;
use std::os::raw::{c_char, c_int, c_uchar, c_void};
use std::ptr;

/// A column's text as handed to C: `buf` holds the bytes plus a NUL and is
/// current while `gen` equals the statement's `row_gen`.
#[derive(Default)]
pub(crate) struct TextSlot {
    gen: u64,
    filled: bool,
    buf: Vec<u8>,
}

impl TextSlot {
    fn is_current(&self, gen: u64) -> bool {
        self.filled && self.gen == gen
    }
    fn fill(&mut self, gen: u64, bytes: &[u8]) {
        self.buf.clear();
        self.buf.extend_from_slice(bytes);
        self.buf.push(0);
        self.gen = gen;
        self.filled = true;
    }
    fn ptr(&self) -> *const c_uchar {
        self.buf.as_ptr()
    }
    /// Byte length without the NUL.
    fn len(&self) -> usize {
        self.buf.len() - 1
    }
}

/// Column `i` of the current row, or None (SQLVIBE_RANGE recorded) when
/// there is no row or no such column.
fn current(st: &sqlvibe_stmt, i: c_int) -> Option<usize> {
    if st.has_row() && i >= 0 && (i as usize) < st.text_cache.len() {
        Some(i as usize)
    } else {
        st.db().set_code(SQLVIBE_RANGE);
        None
    }
}

/// Makes the text slot of column `i` current; None when the value is NULL.
fn text_slot(st: &mut sqlvibe_stmt, i: usize) -> Option<&TextSlot> {
    let gen = st.row_gen;
    if !st.text_cache[i].is_current(gen) {
        let v = st.stmt.column_value(i);
        let slot = &mut st.text_cache[i];
        match v {
            Value::Null => return None,
            Value::Text(s) => slot.fill(gen, s.as_bytes()),
            Value::Blob(b) => slot.fill(gen, b),
            Value::Integer(n) => {
                // Formatted straight into the reused buffer: no allocation.
                slot.buf.clear();
                let _ = write!(slot.buf, "{n}");
                slot.buf.push(0);
                slot.gen = gen;
                slot.filled = true;
            }
            Value::Real(_) => match value_to_text(v) {
                Some(t) => slot.fill(gen, t.as_bytes()),
                None => return None,
            },
        }
    }
    Some(&st.text_cache[i])
}

/// Number of columns the statement returns (0 for statements that return
/// no data, and for NULL).
#[no_mangle]
pub extern "C" fn sqlvibe_column_count(pStmt: *mut sqlvibe_stmt) -> c_int {
    with_stmt!(pStmt, 0, 0, { pStmt.text_cache.len() as c_int })
}

/// Name of result column `i` (the AS alias, else the column or expression
/// text). Owned by the statement, valid until it is finalized; NULL for a
/// bad index or NULL statement.
#[no_mangle]
pub extern "C" fn sqlvibe_column_name(pStmt: *mut sqlvibe_stmt, i: c_int) -> *const c_char {
    with_stmt!(pStmt, ptr::null(), ptr::null(), {
        match usize::try_from(i).ok().and_then(|i| pStmt.col_names.get(i)) {
            Some(Some(name)) => name.as_ptr(),
            _ => ptr::null(),
        }
    })
}

/// Declared type of result column `i` when it is a table column (e.g.
/// "INTEGER"), else NULL. Owned by the statement, valid until finalize.
#[no_mangle]
pub extern "C" fn sqlvibe_column_decltype(pStmt: *mut sqlvibe_stmt, i: c_int) -> *const c_char {
    with_stmt!(pStmt, ptr::null(), ptr::null(), {
        match usize::try_from(i).ok().and_then(|i| pStmt.col_decltypes.get(i)) {
            Some(Some(decl)) => decl.as_ptr(),
            _ => ptr::null(),
        }
    })
}

/// Storage class of column `i` of the current row: SQLVIBE_INTEGER,
/// SQLVIBE_FLOAT, SQLVIBE_TEXT, SQLVIBE_BLOB or SQLVIBE_NULL (also for a bad
/// index, which records SQLVIBE_RANGE, and for a NULL statement).
#[no_mangle]
pub extern "C" fn sqlvibe_column_type(pStmt: *mut sqlvibe_stmt, i: c_int) -> c_int {
    with_stmt!(pStmt, SQLVIBE_NULL, SQLVIBE_NULL, {
        match current(pStmt, i) {
            Some(i) => value_type_code(pStmt.stmt.column_value(i)),
            None => SQLVIBE_NULL,
        }
    })
}

/// Column `i` as a 64-bit integer (text by its numeric prefix, REAL
/// truncated, NULL -> 0).
#[no_mangle]
pub extern "C" fn sqlvibe_column_int64(pStmt: *mut sqlvibe_stmt, i: c_int) -> sqlvibe_int64 {
    with_stmt!(pStmt, 0, 0, {
        match current(pStmt, i).map(|i| pStmt.stmt.column_value(i)) {
            Some(Value::Integer(n)) => *n,
            Some(v) => value_to_i64(v),
            None => 0,
        }
    })
}

/// Column `i` as an int: the low 32 bits of sqlvibe_column_int64, as SQLite.
#[no_mangle]
pub extern "C" fn sqlvibe_column_int(pStmt: *mut sqlvibe_stmt, i: c_int) -> c_int {
    sqlvibe_column_int64(pStmt, i) as c_int
}

/// Column `i` as a double (text by its numeric prefix, NULL -> 0.0).
#[no_mangle]
pub extern "C" fn sqlvibe_column_double(pStmt: *mut sqlvibe_stmt, i: c_int) -> f64 {
    with_stmt!(pStmt, 0.0, 0.0, {
        match current(pStmt, i).map(|i| pStmt.stmt.column_value(i)) {
            Some(Value::Real(f)) => *f,
            Some(Value::Integer(n)) => *n as f64,
            Some(v) => value_to_f64(v),
            None => 0.0,
        }
    })
}

/// Column `i` as NUL-terminated UTF-8 text (numbers rendered as SQLite
/// renders them), or NULL for SQL NULL. Owned by the statement: valid until
/// the next step, reset or finalize. sqlvibe_column_bytes then gives its
/// length.
#[no_mangle]
pub extern "C" fn sqlvibe_column_text(pStmt: *mut sqlvibe_stmt, i: c_int) -> *const c_uchar {
    with_stmt!(pStmt, ptr::null(), ptr::null(), {
        match current(pStmt, i) {
            Some(i) => text_slot(pStmt, i).map_or(ptr::null(), |s| s.ptr()),
            None => ptr::null(),
        }
    })
}

/// Column `i` as bytes: a blob's own bytes, text's UTF-8 bytes, a number's
/// text. NULL for SQL NULL and for zero-length values (as SQLite). Owned by
/// the statement: valid until the next step, reset or finalize.
#[no_mangle]
pub extern "C" fn sqlvibe_column_blob(pStmt: *mut sqlvibe_stmt, i: c_int) -> *const c_void {
    with_stmt!(pStmt, ptr::null(), ptr::null(), {
        let Some(i) = current(pStmt, i) else {
            return ptr::null();
        };
        match pStmt.stmt.column_value(i) {
            Value::Null => ptr::null(),
            Value::Blob(b) if b.is_empty() => ptr::null(),
            Value::Text(s) if s.is_empty() => ptr::null(),
            // The row's own bytes live until the next step/reset/finalize.
            Value::Blob(b) => b.as_ptr() as *const c_void,
            Value::Text(s) => s.as_ptr() as *const c_void,
            Value::Integer(_) | Value::Real(_) => text_slot(pStmt, i).map_or(ptr::null(), |s| s.ptr() as *const c_void),
        }
    })
}

/// Length in bytes of column `i` as returned by sqlvibe_column_text or
/// sqlvibe_column_blob (without a NUL); 0 for NULL.
#[no_mangle]
pub extern "C" fn sqlvibe_column_bytes(pStmt: *mut sqlvibe_stmt, i: c_int) -> c_int {
    with_stmt!(pStmt, 0, 0, {
        let Some(i) = current(pStmt, i) else { return 0 };
        match pStmt.stmt.column_value(i) {
            Value::Null => 0,
            Value::Blob(b) => b.len() as c_int,
            Value::Text(s) => s.len() as c_int,
            Value::Integer(_) | Value::Real(_) => text_slot(pStmt, i).map_or(0, |s| s.len() as c_int),
        }
    })
}
