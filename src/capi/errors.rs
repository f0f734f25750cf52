//! The error-reporting calls: errcode, extended_errcode, errmsg, errstr.
//!
//! A connection records the outcome of the most recent API call made on it
//! or on one of its statements (see `sqlvibe::set_*` in connection.rs).
//! Ownership: every string returned here is owned by the library.

use super::codes::*;
use super::connection::sqlvibe;
use std::any::Any;
use std::os::raw::{c_char, c_int};

/// SQLite's English text for a result code, NUL-terminated, static.
pub(crate) fn errstr_bytes(code: c_int) -> &'static [u8] {
    if code == SQLVIBE_ABORT_ROLLBACK {
        return b"abort due to ROLLBACK\0";
    }
    match code {
        SQLVIBE_ROW => return b"another row available\0",
        SQLVIBE_DONE => return b"no more rows available\0",
        _ => {}
    }
    match primary(code) {
        SQLVIBE_OK => b"not an error\0",
        SQLVIBE_ERROR => b"SQL logic error\0",
        SQLVIBE_PERM => b"access permission denied\0",
        SQLVIBE_ABORT => b"query aborted\0",
        SQLVIBE_BUSY => b"database is locked\0",
        SQLVIBE_LOCKED => b"database table is locked\0",
        SQLVIBE_NOMEM => b"out of memory\0",
        SQLVIBE_READONLY => b"attempt to write a readonly database\0",
        SQLVIBE_INTERRUPT => b"interrupted\0",
        SQLVIBE_IOERR => b"disk I/O error\0",
        SQLVIBE_CORRUPT => b"database disk image is malformed\0",
        SQLVIBE_NOTFOUND => b"unknown operation\0",
        SQLVIBE_FULL => b"database or disk is full\0",
        SQLVIBE_CANTOPEN => b"unable to open database file\0",
        SQLVIBE_PROTOCOL => b"locking protocol\0",
        SQLVIBE_SCHEMA => b"database schema has changed\0",
        SQLVIBE_TOOBIG => b"string or blob too big\0",
        SQLVIBE_CONSTRAINT => b"constraint failed\0",
        SQLVIBE_MISMATCH => b"datatype mismatch\0",
        SQLVIBE_MISUSE => b"bad parameter or other API misuse\0",
        SQLVIBE_AUTH => b"authorization denied\0",
        SQLVIBE_RANGE => b"column index out of range\0",
        SQLVIBE_NOTADB => b"file is not a database\0",
        SQLVIBE_NOTICE => b"notification message\0",
        SQLVIBE_WARNING => b"warning message\0",
        _ => b"unknown error\0",
    }
}

/// The text of a caught panic payload (`panic!("...")` carries a `&str` or a `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    let text = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    };
    format!("internal error: {text}")
}

/// Primary result code of the most recent call on `db` (or on one of its
/// statements). SQLVIBE_NOMEM for a NULL handle, as SQLite.
#[no_mangle]
pub extern "C" fn sqlvibe_errcode(db: *mut sqlvibe) -> c_int {
    with_db!(db, SQLVIBE_NOMEM, SQLVIBE_INTERNAL, { primary(db.last_code()) })
}

/// Extended result code of the most recent call on `db` (e.g.
/// SQLVIBE_CONSTRAINT_UNIQUE = 2067). SQLVIBE_NOMEM for a NULL handle.
#[no_mangle]
pub extern "C" fn sqlvibe_extended_errcode(db: *mut sqlvibe) -> c_int {
    with_db!(db, SQLVIBE_NOMEM, SQLVIBE_INTERNAL, { db.last_code() })
}

/// English message for the most recent call on `db` ("not an error" after a
/// success). The string is owned by the connection and stays valid until the
/// next call on `db` or one of its statements; do not free it. A NULL handle
/// gives "out of memory", as SQLite.
#[no_mangle]
pub extern "C" fn sqlvibe_errmsg(db: *mut sqlvibe) -> *const c_char {
    let oom = errstr_bytes(SQLVIBE_NOMEM).as_ptr() as *const c_char;
    with_db!(db, oom, oom, { db.last_message_ptr() })
}

/// English text for result code `code` ("unknown error" for codes without
/// one). Static storage: never free it.
#[no_mangle]
pub extern "C" fn sqlvibe_errstr(code: c_int) -> *const c_char {
    errstr_bytes(code).as_ptr() as *const c_char
}
