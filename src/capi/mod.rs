//! Every `extern "C"` item of the library, one file per API family:
//!
//! | file            | functions                                                    |
//! |-----------------|--------------------------------------------------------------|
//! | `codes.rs`      | result-code constants; the one map `ErrorKind` -> code       |
//! | `connection.rs` | open, open_v2, close, close_v2, exec, changes, ...           |
//! | `statement.rs`  | prepare_v2, step, reset, finalize, sql, stmt_readonly, ...   |
//! | `bind.rs`       | bind_*, clear_bindings, bind_parameter_*                     |
//! | `column.rs`     | column_*                                                     |
//! | `errors.rs`     | errcode, extended_errcode, errmsg, errstr                    |
//! | `memory.rs`     | malloc, free                                                 |
//! | `quota.rs`      | table_max_rows (row quotas)                                  |
//! | `status.rs`     | memory_used, memory_highwater, status64, db_status, heap limits |
//! | `version.rs`    | libversion, libversion_number                                |
//!
//! Invariants of every entry point (enforced by the macros below, so no
//! exported function repeats them):
//! - a NULL handle never dereferences: it returns the function's documented
//!   default (SQLITE_MISUSE, NULL or 0, as SQLite does);
//! - the body runs inside `catch_unwind`: a Rust panic becomes
//!   SQLITE_INTERNAL with the message `internal error: <panic text>` recorded
//!   on the connection where there is one, and never unwinds into C;
//! - C strings are checked for UTF-8 before they reach the engine.
//!
//! `unsafe` is confined to this module; each block says why it holds.

// The C names (`sqlvibe`, `sqlvibe_stmt`) are the API; they are not Rust style.
#![allow(non_camel_case_types)]
// Argument names follow SQLite's documentation (ppDb, nByte, zVfs).
#![allow(non_snake_case)]
// The entry points are called from C, which has no `unsafe`: the pointer
// contract is the C API's, written on each function; NULL is always checked.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

/// Runs `$body` with panics caught. On a panic, `$on_panic` (a closure taking
/// the panic message) is evaluated and its value returned.
macro_rules! ffi_guard {
    ($on_panic:expr, $body:block) => {{
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(v) => v,
            Err(payload) => {
                let msg = $crate::capi::errors::panic_message(&*payload);
                #[allow(clippy::redundant_closure_call)]
                ($on_panic)(msg)
            }
        }
    }};
}

/// Entry point taking a connection handle: `$db` (a `*mut sqlvibe`) is
/// rebound as `&sqlvibe` inside `$body`. A NULL handle returns `$on_null`
/// without touching anything; a panic records SQLITE_INTERNAL on the
/// connection and returns `$on_panic`.
macro_rules! with_db {
    ($db:ident, $on_null:expr, $on_panic:expr, $body:block) => {{
        if $db.is_null() {
            return $on_null;
        }
        // SAFETY: non-NULL handles passed to the API are ones this library
        // returned from sqlvibe_open* and that the caller has not closed
        // (SQLite's contract); the connection is never mutated through `&`
        // except behind its internal mutex.
        let $db: &$crate::capi::connection::sqlvibe = unsafe { &*$db };
        ffi_guard!(
            |msg: String| {
                $db.set_panic(&msg);
                $on_panic
            },
            $body
        )
    }};
}

/// Entry point taking a statement handle: `$st` (a `*mut sqlvibe_stmt`) is
/// rebound as `&mut sqlvibe_stmt`. NULL returns `$on_null`; a panic records
/// SQLITE_INTERNAL on the statement's connection and returns `$on_panic`.
macro_rules! with_stmt {
    ($st:ident, $on_null:expr, $on_panic:expr, $body:block) => {{
        if $st.is_null() {
            return $on_null;
        }
        let db_ptr = {
            // SAFETY: non-NULL statement handles are ones sqlvibe_prepare_v2
            // returned and the caller has not finalized; a statement is used
            // by one thread at a time (SQLite's contract).
            unsafe { (*$st).db }
        };
        // SAFETY: as above; the exclusive borrow lasts for this call only.
        let $st: &mut $crate::capi::statement::sqlvibe_stmt = unsafe { &mut *$st };
        ffi_guard!(
            |msg: String| {
                // SAFETY: a statement keeps its connection alive (close
                // refuses, close_v2 defers the free until the last finalize).
                unsafe { &*db_ptr }.set_panic(&msg);
                $on_panic
            },
            $body
        )
    }};
}

/// `$bytes` (a `&[u8]`) as `&str`; bytes that are not UTF-8 make the
/// enclosing function return `$on_bad` (evaluated lazily).
macro_rules! utf8_or_return {
    ($bytes:expr, $on_bad:expr) => {{
        match ::std::str::from_utf8($bytes) {
            Ok(s) => s,
            Err(_) => return $on_bad,
        }
    }};
}

/// Borrows a NUL-terminated C string argument as `&str`. NULL makes the
/// enclosing function return `$on_null`; bytes that are not UTF-8 make it
/// return `$on_bad` (both evaluated lazily).
macro_rules! c_str_arg {
    ($ptr:expr, $on_null:expr, $on_bad:expr) => {{
        let p: *const ::std::os::raw::c_char = $ptr;
        if p.is_null() {
            return $on_null;
        }
        // SAFETY: the caller passes a NUL-terminated string (C API contract);
        // it outlives this call.
        let bytes = unsafe { ::std::ffi::CStr::from_ptr(p) }.to_bytes();
        utf8_or_return!(bytes, $on_bad)
    }};
}

/// An out-parameter (`T**` in C): NULL makes the enclosing function return
/// `$on_null`; otherwise `*$out` is set to NULL first, so the caller never
/// reads a stale pointer after a failure (SQLite's rule).
macro_rules! clear_out_ptr {
    ($out:expr, $on_null:expr) => {{
        let out = $out;
        if out.is_null() {
            return $on_null;
        }
        // SAFETY: a non-NULL out-parameter points to writable storage for
        // one pointer (C API contract).
        unsafe { *out = ::std::ptr::null_mut() };
    }};
}

// Declaration order is the order of the generated header.
pub mod bind;
pub mod codes;
pub mod column;
pub mod connection;
pub mod errors;
pub mod memory;
pub mod quota;
pub mod statement;
pub mod status;
pub mod version;
pub mod wal;

pub use codes::*;
pub use connection::sqlvibe;
pub use statement::sqlvibe_stmt;

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use std::os::raw::c_int;

    /// An entry point whose body panics, to exercise the boundary.
    fn panicking_entry(db: *mut sqlvibe) -> c_int {
        with_db!(db, SQLVIBE_MISUSE, SQLVIBE_INTERNAL, {
            let _ = db;
            panic!("boom {}", 42)
        })
    }

    #[test]
    fn panic_becomes_internal_error_recorded_on_the_connection() {
        let db = Box::into_raw(Box::new(sqlvibe::new(None)));
        assert_eq!(panicking_entry(db), SQLVIBE_INTERNAL);
        assert_eq!(errors::sqlvibe_errcode(db), SQLVIBE_INTERNAL);
        // SAFETY: errmsg returns a NUL-terminated string owned by db.
        let msg = unsafe { CStr::from_ptr(errors::sqlvibe_errmsg(db)) };
        assert_eq!(msg.to_str().unwrap(), "internal error: boom 42");
        assert_eq!(connection::sqlvibe_close(db), SQLVIBE_OK);
    }

    #[test]
    fn null_handle_returns_the_default_without_running_the_body() {
        assert_eq!(panicking_entry(std::ptr::null_mut()), SQLVIBE_MISUSE);
    }

    #[test]
    fn sick_handle_reports_misuse_for_work_and_closes() {
        let db = Box::into_raw(Box::new(sqlvibe::new(None)));
        let mut st = std::ptr::null_mut();
        let rc = statement::sqlvibe_prepare_v2(db, c"SELECT 1".as_ptr(), -1, &mut st, std::ptr::null_mut());
        assert_eq!(rc, SQLVIBE_MISUSE);
        assert!(st.is_null());
        assert_eq!(connection::sqlvibe_close(db), SQLVIBE_OK);
    }
}
