//! The statement handle `sqlvibe_stmt` and its life cycle: prepare_v2, step,
//! reset, finalize, plus sql, stmt_readonly, stmt_isexplain and data_count.
//!
//! States (SQLite's): READY (after prepare or reset: bindable) -> RUNNING
//! (after a step returned ROW) -> HALTED (a step returned DONE or an error).
//! Binding is allowed only in READY. A step in HALTED first resets (SQLite's
//! auto-reset). reset and finalize report the error of the most recent step.

use super::bind::BoundDestructor;
use super::codes::*;
use super::column::TextSlot;
use super::connection::{sqlvibe, to_c_string};
use crate::conn::{Statement, StepResult};
use crate::error::Error;
use std::ffi::CString;
use std::os::raw::{c_char, c_int};
use std::ptr;

/// A prepared statement (opaque). Created by sqlvibe_prepare_v2, destroyed
/// by sqlvibe_finalize; it keeps its connection alive until then.
pub struct sqlvibe_stmt {
    /// The connection: errors of this statement are recorded there.
    pub(crate) db: *const sqlvibe,
    pub(crate) stmt: Statement,
    /// The input text the statement was compiled from, for sqlvibe_sql.
    sql: CString,
    /// Error of the most recent step, reported again by reset/finalize.
    last_err: Option<Error>,
    /// A step happened since the last reset (READY is `!started`).
    pub(crate) started: bool,
    /// The last step returned DONE or an error.
    halted: bool,
    /// Bumped whenever the current row changes; a cached column text of an
    /// older generation is stale (see column.rs).
    pub(crate) row_gen: u64,
    pub(crate) text_cache: Vec<TextSlot>,
    pub(crate) col_names: Vec<Option<CString>>,
    pub(crate) col_decltypes: Vec<Option<CString>>,
    pub(crate) param_names: Vec<Option<CString>>,
    /// Destructors of bound text/blob values, by parameter index - 1; each
    /// runs exactly once: on rebind, clear_bindings or finalize.
    pub(crate) dtors: Vec<Option<BoundDestructor>>,
}

impl sqlvibe_stmt {
    /// `text` is the part of the caller's SQL the statement consumed.
    fn new(db: *const sqlvibe, stmt: Statement, text: &str) -> sqlvibe_stmt {
        let ncols = stmt.column_count();
        let nparams = stmt.parameter_count();
        let col_names = (0..ncols).map(|i| stmt.column_name(i).map(to_c_string)).collect();
        let col_decltypes = (0..ncols).map(|i| stmt.column_decltype(i).map(to_c_string)).collect();
        let param_names = (1..=nparams).map(|i| stmt.parameter_name(i).map(to_c_string)).collect();
        sqlvibe_stmt {
            db,
            sql: to_c_string(text),
            stmt,
            last_err: None,
            started: false,
            halted: false,
            row_gen: 0,
            text_cache: (0..ncols).map(|_| TextSlot::default()).collect(),
            col_names,
            col_decltypes,
            param_names,
            dtors: (0..nparams).map(|_| None).collect(),
        }
    }

    /// The connection this statement belongs to.
    pub(crate) fn db(&self) -> &sqlvibe {
        // SAFETY: the connection outlives its statements (close refuses while
        // statements exist; close_v2 defers the free to the last finalize).
        unsafe { &*self.db }
    }

    /// A step returned ROW and the row is still current.
    pub(crate) fn has_row(&self) -> bool {
        self.started && !self.halted
    }

    /// Back to READY; returns the pending error of the last step, if any.
    fn rewind(&mut self) -> Option<Error> {
        self.stmt.reset();
        self.started = false;
        self.halted = false;
        self.row_gen = self.row_gen.wrapping_add(1);
        self.last_err.take()
    }

    /// Records the outcome of reset/finalize on the connection.
    fn report_rewind(&self, err: Option<Error>) -> c_int {
        match err {
            Some(e) => self.db().set_error(&e),
            None => {
                self.db().set_code(SQLVIBE_OK);
                SQLVIBE_OK
            }
        }
    }
}

/// Compiles the first SQL statement in `zSql`. `nByte` < 0: read up to the
/// NUL; `nByte` >= 0: at most that many bytes (stopping at a NUL before).
/// On success `*ppStmt` is a new statement the caller owns and must release
/// with sqlvibe_finalize, or NULL when the input held no statement (only
/// whitespace or comments). If `pzTail` is not NULL it receives a pointer
/// into the caller's `zSql` just past the compiled statement. On error
/// `*ppStmt` is NULL and errcode/errmsg on `db` tell why. SQL that is not
/// valid UTF-8 is SQLVIBE_MISUSE.
#[no_mangle]
pub extern "C" fn sqlvibe_prepare_v2(
    db: *mut sqlvibe,
    zSql: *const c_char,
    nByte: c_int,
    ppStmt: *mut *mut sqlvibe_stmt,
    pzTail: *mut *const c_char,
) -> c_int {
    clear_out_ptr!(ppStmt, SQLVIBE_MISUSE);
    let db_raw = db as *const sqlvibe;
    with_db!(db, SQLVIBE_MISUSE, SQLVIBE_INTERNAL, {
        if zSql.is_null() {
            return db.set_message(SQLVIBE_MISUSE, "SQL text is NULL");
        }
        let conn = match db.live() {
            Ok(c) => c,
            Err(rc) => return rc,
        };
        let len = if nByte < 0 {
            // SAFETY: zSql is NUL-terminated when nByte < 0 (API contract).
            unsafe { libc::strlen(zSql) }
        } else {
            // SAFETY: the caller promises nByte readable bytes or a NUL first.
            unsafe { libc::strnlen(zSql, nByte as usize) }
        };
        // SAFETY: `len` bytes at zSql are readable (just measured).
        let bytes = unsafe { std::slice::from_raw_parts(zSql as *const u8, len) };
        let set_tail = |consumed: usize| {
            if !pzTail.is_null() {
                // SAFETY: pzTail is writable; zSql+consumed stays inside the
                // caller's buffer (consumed <= len).
                unsafe { *pzTail = zSql.add(consumed.min(len)) };
            }
        };
        set_tail(len);
        let sql = utf8_or_return!(bytes, db.set_message(SQLVIBE_MISUSE, "SQL text is not valid UTF-8"));
        match conn.prepare(sql) {
            Ok((stmt, consumed)) => {
                set_tail(consumed);
                if let Some(stmt) = stmt {
                    // As SQLite: sqlvibe_sql gives exactly the consumed
                    // input, leading whitespace and comments included.
                    let text = sql.get(..consumed).unwrap_or(sql);
                    let boxed = Box::new(sqlvibe_stmt::new(db_raw, stmt, text));
                    db.statement_opened();
                    // SAFETY: as above; the caller now owns the statement.
                    unsafe { *ppStmt = Box::into_raw(boxed) };
                }
                db.set_code(SQLVIBE_OK);
                SQLVIBE_OK
            }
            Err(e) => db.set_error(&e),
        }
    })
}

/// Runs the statement to its next result row: SQLVIBE_ROW (a row is readable
/// with the column_* calls), SQLVIBE_DONE (finished), or an error code (the
/// primary code; extended code and message on the connection). Stepping
/// again after DONE or an error starts over (SQLite's auto-reset).
/// NULL -> SQLVIBE_MISUSE.
#[no_mangle]
pub extern "C" fn sqlvibe_step(pStmt: *mut sqlvibe_stmt) -> c_int {
    with_stmt!(pStmt, SQLVIBE_MISUSE, SQLVIBE_INTERNAL, {
        let st = pStmt;
        if st.halted {
            st.rewind();
        }
        st.started = true;
        st.row_gen = st.row_gen.wrapping_add(1);
        // Until the engine answers, a panic leaves the statement halted.
        st.halted = true;
        match st.stmt.step() {
            Ok(StepResult::Row) => {
                st.halted = false;
                st.db().set_code(SQLVIBE_ROW);
                SQLVIBE_ROW
            }
            Ok(StepResult::Done) => {
                st.db().set_code(SQLVIBE_DONE);
                SQLVIBE_DONE
            }
            Err(e) => {
                let rc = st.db().set_error(&e);
                st.last_err = Some(e);
                rc
            }
        }
    })
}

/// Rewinds the statement so it can be stepped again from the start; bound
/// values are kept. Returns SQLVIBE_OK, or the error code of the most recent
/// step if that step failed. NULL -> SQLVIBE_OK.
#[no_mangle]
pub extern "C" fn sqlvibe_reset(pStmt: *mut sqlvibe_stmt) -> c_int {
    with_stmt!(pStmt, SQLVIBE_OK, SQLVIBE_INTERNAL, {
        let err = pStmt.rewind();
        pStmt.report_rewind(err)
    })
}

/// Destroys the statement, running the destructors of its bound values.
/// Returns SQLVIBE_OK, or the error code of the most recent step if that
/// failed. The handle is invalid afterwards. NULL is a no-op (SQLVIBE_OK).
/// Finalizing the last statement of a connection closed with
/// sqlvibe_close_v2 frees that connection.
#[no_mangle]
pub extern "C" fn sqlvibe_finalize(pStmt: *mut sqlvibe_stmt) -> c_int {
    let raw = pStmt;
    with_stmt!(pStmt, SQLVIBE_OK, SQLVIBE_INTERNAL, {
        let st = pStmt;
        let err = st.last_err.take();
        let rc = st.report_rewind(err);
        for slot in st.dtors.iter_mut() {
            if let Some(d) = slot.take() {
                d.run();
            }
        }
        let db = st.db;
        // SAFETY: the handle came from Box::into_raw in prepare_v2 and the
        // caller gives it up with this call; `st` is not used after this.
        drop(unsafe { Box::from_raw(raw) });
        // SAFETY: the connection outlives its statements (see `db()`).
        let last_of_zombie = unsafe { &*db }.statement_closed();
        if last_of_zombie {
            // SAFETY: the zombie's last statement is gone; nothing refers to it.
            unsafe { sqlvibe::free(db as *mut sqlvibe) };
        }
        rc
    })
}

/// The SQL text the statement was prepared from (the part of the input that
/// sqlvibe_prepare_v2 consumed), owned by the statement and valid until it
/// is finalized. NULL for a NULL handle.
#[no_mangle]
pub extern "C" fn sqlvibe_sql(pStmt: *mut sqlvibe_stmt) -> *const c_char {
    with_stmt!(pStmt, ptr::null(), ptr::null(), { pStmt.sql.as_ptr() })
}

/// 1 if stepping the statement cannot change the database file, else 0.
/// 1 for a NULL handle, as SQLite.
#[no_mangle]
pub extern "C" fn sqlvibe_stmt_readonly(pStmt: *mut sqlvibe_stmt) -> c_int {
    with_stmt!(pStmt, 1, 0, { pStmt.stmt.readonly() as c_int })
}

/// 2 if the statement is an EXPLAIN QUERY PLAN, else 0 (also for NULL), as
/// `sqlite3_stmt_isexplain` (sqlvibe has no bytecode EXPLAIN, so never 1).
#[no_mangle]
pub extern "C" fn sqlvibe_stmt_isexplain(pStmt: *mut sqlvibe_stmt) -> c_int {
    with_stmt!(pStmt, 0, 0, { c_int::from(pStmt.stmt.isexplain()) })
}

/// Number of columns in the current row: column_count after a step returned
/// SQLVIBE_ROW, otherwise 0 (also for NULL).
#[no_mangle]
pub extern "C" fn sqlvibe_data_count(pStmt: *mut sqlvibe_stmt) -> c_int {
    with_stmt!(pStmt, 0, 0, {
        if pStmt.has_row() {
            pStmt.stmt.data_count() as c_int
        } else {
            0
        }
    })
}
