//! The connection handle `sqlvibe` and the calls on it: open, open_v2,
//! close, close_v2, exec, busy_timeout, get_autocommit, interrupt, changes,
//! total_changes, last_insert_rowid.
//!
//! Lifecycle of a handle (SQLite's):
//! - `open*` always hands back a handle when it can allocate one, even when
//!   opening failed; such a "sick" handle has no connection, reports the
//!   failure through errcode/errmsg and must still be closed.
//! - `close` refuses (SQLVIBE_BUSY) while statements are unfinalized.
//! - `close_v2` with unfinalized statements turns the handle into a zombie:
//!   the caller may no longer use it, and the last `finalize` frees it.

use super::codes::*;
use super::errors::errstr_bytes;
use super::memory::malloc_c_string;
use crate::conn::Connection;
use crate::conn::{value_to_text, Value};
use crate::error::Error;
use parking_lot::Mutex;
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

/// 64-bit signed integer of the API (SQLite's `sqlite3_int64`).
pub type sqlvibe_int64 = i64;
/// 64-bit unsigned integer of the API (SQLite's `sqlite3_uint64`).
pub type sqlvibe_uint64 = u64;

/// Callback of sqlvibe_exec: (user pointer, column count, column texts with
/// NULL for SQL NULL, column names). Returning non-zero aborts the exec with
/// SQLVIBE_ABORT. The arrays and strings are valid only during the call.
pub type sqlvibe_callback =
    Option<unsafe extern "C" fn(*mut c_void, c_int, *mut *mut c_char, *mut *mut c_char) -> c_int>;

/// An open database connection (opaque). Created by sqlvibe_open or
/// sqlvibe_open_v2, destroyed by sqlvibe_close or sqlvibe_close_v2.
pub struct sqlvibe {
    /// None when opening failed (a "sick" handle that can only report and close).
    conn: Option<Connection>,
    state: Mutex<DbState>,
}

/// Outcome of the most recent call, plus statement bookkeeping.
struct DbState {
    /// Extended code of the most recent call (SQLVIBE_OK after a success).
    code: c_int,
    /// Message for `code`; None means the code's errstr text. The pointer
    /// handed out by errmsg stays valid until this field is replaced.
    msg: Option<CString>,
    /// Statements prepared on this handle and not yet finalized.
    open_stmts: usize,
    /// close_v2 was called while statements were open.
    zombie: bool,
}

/// A C string from Rust text: interior NULs (impossible in SQL messages,
/// possible in user data) cut the string there, as C would read it.
pub(crate) fn to_c_string(s: &str) -> CString {
    let bytes = s.as_bytes();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).unwrap_or_default()
}

impl sqlvibe {
    pub(crate) fn new(conn: Option<Connection>) -> sqlvibe {
        sqlvibe { conn, state: Mutex::new(DbState { code: SQLVIBE_OK, msg: None, open_stmts: 0, zombie: false }) }
    }

    /// Records a code whose message is its errstr text (OK, ROW, DONE, ...).
    pub(crate) fn set_code(&self, code: c_int) {
        let mut st = self.state.lock();
        st.code = code;
        st.msg = None;
    }

    /// Records an extended code with its own message; returns the primary code.
    pub(crate) fn set_message(&self, code: c_int, msg: &str) -> c_int {
        let mut st = self.state.lock();
        st.code = code;
        st.msg = Some(to_c_string(msg));
        primary(code)
    }

    /// Records an engine error; returns its primary code.
    pub(crate) fn set_error(&self, err: &Error) -> c_int {
        self.set_message(extended_code(err.kind), &err.message)
    }

    /// Records a caught panic as SQLVIBE_INTERNAL.
    pub(crate) fn set_panic(&self, msg: &str) {
        self.set_message(SQLVIBE_INTERNAL, msg);
    }

    pub(crate) fn last_code(&self) -> c_int {
        self.state.lock().code
    }

    pub(crate) fn last_message_ptr(&self) -> *const c_char {
        let st = self.state.lock();
        match &st.msg {
            Some(m) => m.as_ptr(),
            None => errstr_bytes(st.code).as_ptr() as *const c_char,
        }
    }

    /// The live connection, or SQLVIBE_MISUSE (recorded) for a handle whose
    /// open failed.
    pub(crate) fn live(&self) -> Result<&Connection, c_int> {
        match &self.conn {
            Some(c) => Ok(c),
            None => Err(self.set_message(SQLVIBE_MISUSE, "database connection is not open")),
        }
    }

    pub(crate) fn statement_opened(&self) {
        self.state.lock().open_stmts += 1;
    }

    /// Bookkeeping for a finalize. True when the handle is a zombie whose
    /// last statement this was: the caller must then free it.
    pub(crate) fn statement_closed(&self) -> bool {
        let mut st = self.state.lock();
        st.open_stmts = st.open_stmts.saturating_sub(1);
        st.zombie && st.open_stmts == 0
    }

    /// Frees a handle.
    ///
    /// # Safety
    /// `db` came from `Box::into_raw` in `open_impl` and is not used again.
    pub(crate) unsafe fn free(db: *mut sqlvibe) {
        // SAFETY: guaranteed by the caller (see above).
        drop(unsafe { Box::from_raw(db) });
    }
}

/// Shared body of open and open_v2.
fn open_impl(filename: *const c_char, pp_db: *mut *mut sqlvibe, flags: c_int, vfs: *const c_char) -> c_int {
    clear_out_ptr!(pp_db, SQLVIBE_MISUSE);
    let outcome: Result<Connection, (c_int, String)> = ffi_guard!(|msg: String| Err((SQLVIBE_INTERNAL, msg)), {
        // Exactly READONLY, READWRITE or READWRITE|CREATE, as SQLite demands;
        // like SQLite, a sick handle still reports the misuse.
        if (1 << (flags & 7)) & 0x46 == 0 {
            return Err((SQLVIBE_MISUSE, String::new()));
        }
        if !vfs.is_null() {
            // SAFETY: a non-NULL zVfs is a NUL-terminated string (API contract).
            let name = unsafe { std::ffi::CStr::from_ptr(vfs) }.to_string_lossy();
            if !name.is_empty() {
                return Err((SQLVIBE_ERROR, format!("no such vfs: {name}")));
            }
        }
        let path = if filename.is_null() {
            ""
        } else {
            // SAFETY: a non-NULL filename is NUL-terminated (API contract).
            let bytes = unsafe { std::ffi::CStr::from_ptr(filename) }.to_bytes();
            utf8_or_return!(bytes, Err((SQLVIBE_CANTOPEN, "file name is not valid UTF-8".into())))
        };
        Connection::open(path, flags & 7).map_err(|e| (extended_code(e.kind), e.message))
    });
    let (db, rc) = match outcome {
        Ok(conn) => (sqlvibe::new(Some(conn)), SQLVIBE_OK),
        Err((code, msg)) => {
            let db = sqlvibe::new(None);
            let rc = if msg.is_empty() {
                db.set_code(code);
                primary(code)
            } else {
                db.set_message(code, &msg)
            };
            (db, rc)
        }
    };
    // SAFETY: as above; ownership of the box passes to the caller.
    unsafe { *pp_db = Box::into_raw(Box::new(db)) };
    rc
}

/// Opens (creating if needed) the database file `filename` for reading and
/// writing; ":memory:" opens a private in-memory database, "" or NULL a
/// private temporary one. `*ppDb` always receives a handle the caller owns
/// and must release with sqlvibe_close, even when the result is an error
/// (then errmsg tells why); it is NULL only if `ppDb` is unusable.
/// Returns SQLVIBE_OK or an error code (SQLVIBE_CANTOPEN, SQLVIBE_NOTADB, ...).
#[no_mangle]
pub extern "C" fn sqlvibe_open(filename: *const c_char, ppDb: *mut *mut sqlvibe) -> c_int {
    open_impl(filename, ppDb, SQLVIBE_OPEN_READWRITE | SQLVIBE_OPEN_CREATE, ptr::null())
}

/// Like sqlvibe_open with explicit flags: SQLVIBE_OPEN_READONLY,
/// SQLVIBE_OPEN_READWRITE, or SQLVIBE_OPEN_READWRITE | SQLVIBE_OPEN_CREATE
/// (other combinations: SQLVIBE_MISUSE, with a handle to close as for any
/// failed open; higher flag bits are ignored). `zVfs` must be NULL (sqlvibe has no named VFSes).
/// Ownership of `*ppDb` as for sqlvibe_open.
#[no_mangle]
pub extern "C" fn sqlvibe_open_v2(
    filename: *const c_char,
    ppDb: *mut *mut sqlvibe,
    flags: c_int,
    zVfs: *const c_char,
) -> c_int {
    open_impl(filename, ppDb, flags, zVfs)
}

/// Closes `db` and frees it. NULL is a harmless no-op (SQLVIBE_OK). With
/// unfinalized statements it returns SQLVIBE_BUSY and the handle stays open.
#[no_mangle]
pub extern "C" fn sqlvibe_close(db: *mut sqlvibe) -> c_int {
    let raw = db;
    with_db!(db, SQLVIBE_OK, SQLVIBE_INTERNAL, {
        if db.state.lock().open_stmts > 0 {
            return db.set_message(SQLVIBE_BUSY, "unable to close due to unfinalized statements or unfinished backups");
        }
        // SAFETY: no statement refers to the handle any more and the caller
        // gives it up with this call.
        unsafe { sqlvibe::free(raw) };
        SQLVIBE_OK
    })
}

/// Closes `db` like sqlvibe_close, but with unfinalized statements the
/// handle becomes a zombie: the caller must not use it again, and it is
/// freed when its last statement is finalized. Always SQLVIBE_OK for a
/// valid or NULL handle.
#[no_mangle]
pub extern "C" fn sqlvibe_close_v2(db: *mut sqlvibe) -> c_int {
    let raw = db;
    with_db!(db, SQLVIBE_OK, SQLVIBE_INTERNAL, {
        {
            let mut st = db.state.lock();
            if st.open_stmts > 0 {
                st.zombie = true;
                return SQLVIBE_OK;
            }
        }
        // SAFETY: as in sqlvibe_close.
        unsafe { sqlvibe::free(raw) };
        SQLVIBE_OK
    })
}

/// Runs the zero or more `;`-separated statements of `sql`. For each result
/// row, calls `callback(arg, ncols, texts, names)` when `callback` is not
/// NULL; a non-zero return stops everything with SQLVIBE_ABORT ("query
/// aborted"). If `errmsg` is not NULL it receives NULL on success, or on
/// error a message allocated with sqlvibe_malloc that the caller frees with
/// sqlvibe_free. A NULL `sql` is treated as "".
#[no_mangle]
pub extern "C" fn sqlvibe_exec(
    db: *mut sqlvibe,
    sql: *const c_char,
    callback: sqlvibe_callback,
    arg: *mut c_void,
    errmsg: *mut *mut c_char,
) -> c_int {
    if !errmsg.is_null() {
        // SAFETY: non-NULL errmsg points to writable storage (API contract).
        unsafe { *errmsg = ptr::null_mut() };
    }
    let report = |db: &sqlvibe, rc: c_int| -> c_int {
        if rc != SQLVIBE_OK && !errmsg.is_null() {
            // SAFETY: last_message_ptr is a valid NUL-terminated string.
            let text = unsafe { std::ffi::CStr::from_ptr(db.last_message_ptr()) };
            // SAFETY: as above for errmsg.
            unsafe { *errmsg = malloc_c_string(text.to_bytes()) };
        }
        rc
    };
    with_db!(db, SQLVIBE_MISUSE, report(db, SQLVIBE_INTERNAL), {
        let conn = match db.live() {
            Ok(c) => c,
            Err(rc) => return report(db, rc),
        };
        let text: &str = if sql.is_null() {
            ""
        } else {
            c_str_arg!(sql, SQLVIBE_MISUSE, report(db, db.set_message(SQLVIBE_MISUSE, "SQL text is not valid UTF-8")))
        };
        let mut aborted = false;
        let mut on_row = |values: &[Value], names: &[String]| -> bool {
            let Some(cb) = callback else { return true };
            let texts: Vec<Option<CString>> =
                values.iter().map(|v| value_to_text(v).map(|t| to_c_string(&t))).collect();
            let mut text_ptrs: Vec<*mut c_char> =
                texts.iter().map(|t| t.as_ref().map_or(ptr::null_mut(), |c| c.as_ptr() as *mut c_char)).collect();
            let cnames: Vec<CString> = names.iter().map(|n| to_c_string(n)).collect();
            let mut name_ptrs: Vec<*mut c_char> = cnames.iter().map(|c| c.as_ptr() as *mut c_char).collect();
            // SAFETY: the callback is a valid C function (API contract); the
            // arrays and strings it receives live until it returns.
            let rc = unsafe { cb(arg, values.len() as c_int, text_ptrs.as_mut_ptr(), name_ptrs.as_mut_ptr()) };
            if rc != 0 {
                aborted = true;
            }
            rc == 0
        };
        let rc = match conn.exec(text, &mut on_row) {
            Ok(()) if !aborted => {
                db.set_code(SQLVIBE_OK);
                SQLVIBE_OK
            }
            Ok(()) => db.set_message(SQLVIBE_ABORT, "query aborted"),
            Err(_) if aborted => db.set_message(SQLVIBE_ABORT, "query aborted"),
            Err(e) => db.set_error(&e),
        };
        report(db, rc)
    })
}

/// Sets how long (milliseconds) a statement waits for a lock held by another
/// connection before failing with SQLVIBE_BUSY; <= 0 turns waiting off.
#[no_mangle]
pub extern "C" fn sqlvibe_busy_timeout(db: *mut sqlvibe, ms: c_int) -> c_int {
    with_db!(db, SQLVIBE_MISUSE, SQLVIBE_INTERNAL, {
        match db.live() {
            Ok(conn) => {
                conn.set_busy_timeout(ms.max(0));
                db.set_code(SQLVIBE_OK);
                SQLVIBE_OK
            }
            Err(rc) => rc,
        }
    })
}

/// 1 outside an explicit transaction (BEGIN ... COMMIT/ROLLBACK), else 0;
/// 0 for a NULL handle.
#[no_mangle]
pub extern "C" fn sqlvibe_get_autocommit(db: *mut sqlvibe) -> c_int {
    with_db!(db, 0, 0, {
        match &db.conn {
            Some(conn) => conn.is_autocommit() as c_int,
            None => 1,
        }
    })
}

/// Makes statements running on `db` stop soon with SQLVIBE_INTERRUPT. Safe to
/// call from another thread while `db` is in use. NULL is a no-op.
#[no_mangle]
#[allow(clippy::unused_unit)] // `()` is this function's NULL/panic default
pub extern "C" fn sqlvibe_interrupt(db: *mut sqlvibe) {
    with_db!(db, (), (), {
        if let Some(conn) = &db.conn {
            conn.interrupt();
        }
    })
}

/// Rows changed by the most recent INSERT, UPDATE or DELETE on `db`; 0 for NULL.
#[no_mangle]
pub extern "C" fn sqlvibe_changes(db: *mut sqlvibe) -> c_int {
    with_db!(db, 0, 0, { db.conn.as_ref().map_or(0, |c| c.changes() as c_int) })
}

/// Rows changed by INSERT, UPDATE and DELETE since `db` was opened; 0 for NULL.
#[no_mangle]
pub extern "C" fn sqlvibe_total_changes(db: *mut sqlvibe) -> c_int {
    with_db!(db, 0, 0, { db.conn.as_ref().map_or(0, |c| c.total_changes() as c_int) })
}

/// Rowid of the most recent successful INSERT on `db`; 0 if none or NULL.
#[no_mangle]
pub extern "C" fn sqlvibe_last_insert_rowid(db: *mut sqlvibe) -> sqlvibe_int64 {
    with_db!(db, 0, 0, { db.conn.as_ref().map_or(0, |c| c.last_insert_rowid()) })
}
