//! Binding values to parameters: bind_null/int/int64/double/text/text64/
//! blob/blob64/zeroblob, clear_bindings, bind_parameter_count/name/index.
//!
//! Destructor contract (SQLite's): for text and blobs the caller passes
//! SQLVIBE_STATIC (data outlives the binding), SQLVIBE_TRANSIENT (copy it
//! now) or a function. The value is always copied into the statement, but a
//! function destructor is still called exactly once with the data pointer:
//! - at once, when the bind fails (bad index, statement not reset, bad UTF-8);
//! - otherwise when the parameter is bound again, by sqlvibe_clear_bindings,
//!   or by sqlvibe_finalize.
//!
//! A NULL data pointer binds SQL NULL and its destructor is not called.

use super::codes::*;
use super::connection::sqlvibe_int64;
use super::connection::sqlvibe_uint64;
use super::statement::sqlvibe_stmt;
use crate::conn::Value;
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_uchar, c_void};
use std::ptr;

/// Destructor of bound text or blob data: SQLVIBE_STATIC (0),
/// SQLVIBE_TRANSIENT (-1) or a function called once with the data pointer.
pub type sqlvibe_destructor_type = Option<unsafe extern "C" fn(*mut c_void)>;

/// A function destructor still owed a call for one bound value.
pub(crate) struct BoundDestructor {
    func: unsafe extern "C" fn(*mut c_void),
    data: *mut c_void,
}

impl BoundDestructor {
    /// The destructor to remember for `data`, None for STATIC/TRANSIENT/NULL data.
    fn of(dtor: sqlvibe_destructor_type, data: *const c_void) -> Option<BoundDestructor> {
        let func = dtor?;
        // SQLVIBE_TRANSIENT is the all-ones pointer: a marker, never called.
        if func as usize == usize::MAX || data.is_null() {
            return None;
        }
        Some(BoundDestructor { func, data: data as *mut c_void })
    }

    pub(crate) fn run(self) {
        // SAFETY: the caller handed us this function for this pointer and
        // expects exactly one call (we consume `self`).
        unsafe { (self.func)(self.data) }
    }
}

/// The shared path of every bind call. `value` is computed only once the
/// statement and index are known to be bindable; an Err from it is a code
/// and message to record.
fn bind_impl(
    st: &mut sqlvibe_stmt,
    index: c_int,
    dtor: Option<BoundDestructor>,
    value: impl FnOnce() -> Result<Value, (c_int, &'static str)>,
) -> c_int {
    let fail = |st: &sqlvibe_stmt, dtor: Option<BoundDestructor>, code: c_int, msg: Option<&str>| {
        if let Some(d) = dtor {
            d.run();
        }
        match msg {
            Some(m) => st.db().set_message(code, m),
            None => {
                st.db().set_code(code);
                code
            }
        }
    };
    if st.started {
        return fail(st, dtor, SQLVIBE_MISUSE, None);
    }
    if index < 1 || index as usize > st.dtors.len() {
        return fail(st, dtor, SQLVIBE_RANGE, None);
    }
    let slot = index as usize - 1;
    // The old value goes first, whether or not the new one binds.
    if let Some(old) = st.dtors[slot].take() {
        old.run();
    }
    let value = match value() {
        Ok(v) => v,
        Err((code, msg)) => {
            // Leave the parameter NULL rather than holding a stale value.
            let _ = st.stmt.bind(index as usize, Value::Null);
            return fail(st, dtor, code, Some(msg));
        }
    };
    match st.stmt.bind(index as usize, value) {
        Ok(()) => {
            st.dtors[slot] = dtor;
            st.db().set_code(SQLVIBE_OK);
            SQLVIBE_OK
        }
        Err(e) => {
            if let Some(d) = dtor {
                d.run();
            }
            st.db().set_error(&e)
        }
    }
}

/// Copies `n` bytes at `p` (n < 0: up to the NUL) as UTF-8 text.
fn text_value(p: *const c_char, n: i64) -> Result<Value, (c_int, &'static str)> {
    let bytes: &[u8] = if n < 0 {
        // SAFETY: with a negative length the text is NUL-terminated (API contract).
        unsafe { CStr::from_ptr(p) }.to_bytes()
    } else {
        // SAFETY: the caller promises `n` readable bytes at `p`.
        unsafe { std::slice::from_raw_parts(p as *const u8, n as usize) }
    };
    let text = utf8_or_return!(bytes, Err((SQLVIBE_MISUSE, "bound text is not valid UTF-8")));
    Ok(Value::Text(text.to_owned()))
}

/// Copies `n` bytes at `p` as a blob.
fn blob_value(p: *const c_void, n: i64) -> Result<Value, (c_int, &'static str)> {
    if n < 0 {
        return Err((SQLVIBE_MISUSE, "negative blob length"));
    }
    if n == 0 {
        return Ok(Value::Blob(Vec::new()));
    }
    // SAFETY: the caller promises `n` readable bytes at `p` (non-NULL here).
    Ok(Value::Blob(unsafe { std::slice::from_raw_parts(p as *const u8, n as usize) }.to_vec()))
}

/// Binds SQL NULL to parameter `i` (1-based). SQLVIBE_RANGE for a bad index,
/// SQLVIBE_MISUSE after a step without a reset or for a NULL statement.
#[no_mangle]
pub extern "C" fn sqlvibe_bind_null(pStmt: *mut sqlvibe_stmt, i: c_int) -> c_int {
    with_stmt!(pStmt, SQLVIBE_MISUSE, SQLVIBE_INTERNAL, { bind_impl(pStmt, i, None, || Ok(Value::Null)) })
}

/// Binds a 32-bit integer to parameter `i`; errors as sqlvibe_bind_null.
#[no_mangle]
pub extern "C" fn sqlvibe_bind_int(pStmt: *mut sqlvibe_stmt, i: c_int, value: c_int) -> c_int {
    with_stmt!(pStmt, SQLVIBE_MISUSE, SQLVIBE_INTERNAL, {
        bind_impl(pStmt, i, None, || Ok(Value::Integer(value as i64)))
    })
}

/// Binds a 64-bit integer to parameter `i`; errors as sqlvibe_bind_null.
#[no_mangle]
pub extern "C" fn sqlvibe_bind_int64(pStmt: *mut sqlvibe_stmt, i: c_int, value: sqlvibe_int64) -> c_int {
    with_stmt!(pStmt, SQLVIBE_MISUSE, SQLVIBE_INTERNAL, { bind_impl(pStmt, i, None, || Ok(Value::Integer(value))) })
}

/// Binds a double to parameter `i` (NaN binds NULL, as SQLite); errors as
/// sqlvibe_bind_null.
#[no_mangle]
pub extern "C" fn sqlvibe_bind_double(pStmt: *mut sqlvibe_stmt, i: c_int, value: f64) -> c_int {
    with_stmt!(pStmt, SQLVIBE_MISUSE, SQLVIBE_INTERNAL, {
        bind_impl(pStmt, i, None, || Ok(if value.is_nan() { Value::Null } else { Value::Real(value) }))
    })
}

/// Binds UTF-8 text to parameter `i`: `n` < 0 reads up to the NUL, else
/// exactly `n` bytes. `text` NULL binds NULL. The text is always copied.
/// `destructor`: SQLVIBE_STATIC or SQLVIBE_TRANSIENT (nothing is called), or
/// a function called exactly once with `text`: at once if the bind fails,
/// else when the parameter is rebound, cleared or the statement finalized
/// (not for NULL `text`). Text that is not UTF-8: SQLVIBE_MISUSE.
#[no_mangle]
pub extern "C" fn sqlvibe_bind_text(
    pStmt: *mut sqlvibe_stmt,
    i: c_int,
    text: *const c_char,
    n: c_int,
    destructor: sqlvibe_destructor_type,
) -> c_int {
    bind_text_common(pStmt, i, text, n as i64, destructor)
}

/// sqlvibe_bind_text with a 64-bit length; `encoding` must be SQLVIBE_UTF8
/// (anything else: SQLVIBE_MISUSE, destructor called).
#[no_mangle]
pub extern "C" fn sqlvibe_bind_text64(
    pStmt: *mut sqlvibe_stmt,
    i: c_int,
    text: *const c_char,
    n: sqlvibe_uint64,
    destructor: sqlvibe_destructor_type,
    encoding: c_uchar,
) -> c_int {
    if encoding as c_int != SQLVIBE_UTF8 {
        let dtor = BoundDestructor::of(destructor, text as *const c_void);
        return with_stmt!(
            pStmt,
            {
                if let Some(d) = dtor {
                    d.run();
                }
                SQLVIBE_MISUSE
            },
            SQLVIBE_INTERNAL,
            { bind_impl(pStmt, i, dtor, || { Err((SQLVIBE_MISUSE, "only SQLVIBE_UTF8 text is supported")) }) }
        );
    }
    let len = if n > i64::MAX as u64 { -1 } else { n as i64 };
    if len < 0 {
        return bind_text_common(pStmt, i, text, i64::MIN, destructor);
    }
    bind_text_common(pStmt, i, text, len, destructor)
}

/// Shared by bind_text and bind_text64; `n == i64::MIN` marks a length too
/// large to be real.
fn bind_text_common(
    pStmt: *mut sqlvibe_stmt,
    i: c_int,
    text: *const c_char,
    n: i64,
    destructor: sqlvibe_destructor_type,
) -> c_int {
    let dtor = BoundDestructor::of(destructor, text as *const c_void);
    with_stmt!(
        pStmt,
        {
            if let Some(d) = dtor {
                d.run();
            }
            SQLVIBE_MISUSE
        },
        SQLVIBE_INTERNAL,
        {
            bind_impl(pStmt, i, dtor, || {
                if text.is_null() {
                    Ok(Value::Null)
                } else if n == i64::MIN {
                    Err((SQLVIBE_TOOBIG, "string or blob too big"))
                } else {
                    text_value(text, n)
                }
            })
        }
    )
}

/// Binds a blob of `n` bytes copied from `data` to parameter `i`. `data`
/// NULL binds NULL; `n` < 0 is SQLVIBE_MISUSE. `destructor` as for
/// sqlvibe_bind_text.
#[no_mangle]
pub extern "C" fn sqlvibe_bind_blob(
    pStmt: *mut sqlvibe_stmt,
    i: c_int,
    data: *const c_void,
    n: c_int,
    destructor: sqlvibe_destructor_type,
) -> c_int {
    bind_blob_common(pStmt, i, data, n as i64, destructor)
}

/// sqlvibe_bind_blob with a 64-bit length.
#[no_mangle]
pub extern "C" fn sqlvibe_bind_blob64(
    pStmt: *mut sqlvibe_stmt,
    i: c_int,
    data: *const c_void,
    n: sqlvibe_uint64,
    destructor: sqlvibe_destructor_type,
) -> c_int {
    let len = if n > i64::MAX as u64 { -1 } else { n as i64 };
    bind_blob_common(pStmt, i, data, len, destructor)
}

fn bind_blob_common(
    pStmt: *mut sqlvibe_stmt,
    i: c_int,
    data: *const c_void,
    n: i64,
    destructor: sqlvibe_destructor_type,
) -> c_int {
    let dtor = BoundDestructor::of(destructor, data);
    with_stmt!(
        pStmt,
        {
            if let Some(d) = dtor {
                d.run();
            }
            SQLVIBE_MISUSE
        },
        SQLVIBE_INTERNAL,
        { bind_impl(pStmt, i, dtor, || if data.is_null() { Ok(Value::Null) } else { blob_value(data, n) }) }
    )
}

/// Binds a blob of `n` zero bytes (n < 0 counts as 0) to parameter `i`.
#[no_mangle]
pub extern "C" fn sqlvibe_bind_zeroblob(pStmt: *mut sqlvibe_stmt, i: c_int, n: c_int) -> c_int {
    with_stmt!(pStmt, SQLVIBE_MISUSE, SQLVIBE_INTERNAL, {
        bind_impl(pStmt, i, None, || {
            // SQLite refuses blobs over its length limit with SQLITE_TOOBIG.
            if n.max(0) as usize > crate::conn::MAX_LENGTH {
                return Err((SQLVIBE_TOOBIG, "string or blob too big"));
            }
            Ok(Value::Blob(vec![0; n.max(0) as usize]))
        })
    })
}

/// Sets every parameter back to NULL, running the pending destructors.
/// SQLVIBE_OK (also for NULL).
#[no_mangle]
pub extern "C" fn sqlvibe_clear_bindings(pStmt: *mut sqlvibe_stmt) -> c_int {
    with_stmt!(pStmt, SQLVIBE_OK, SQLVIBE_INTERNAL, {
        for slot in pStmt.dtors.iter_mut() {
            if let Some(d) = slot.take() {
                d.run();
            }
        }
        pStmt.stmt.clear_bindings();
        SQLVIBE_OK
    })
}

/// The largest parameter index in the statement (`?NNN` counts as NNN); 0
/// for NULL.
#[no_mangle]
pub extern "C" fn sqlvibe_bind_parameter_count(pStmt: *mut sqlvibe_stmt) -> c_int {
    with_stmt!(pStmt, 0, 0, { pStmt.dtors.len() as c_int })
}

/// Index of the parameter named `zName` (with its prefix, e.g. ":a"), or 0
/// when there is none (also for NULL arguments).
#[no_mangle]
pub extern "C" fn sqlvibe_bind_parameter_index(pStmt: *mut sqlvibe_stmt, zName: *const c_char) -> c_int {
    with_stmt!(pStmt, 0, 0, {
        let name = c_str_arg!(zName, 0, 0);
        pStmt.stmt.parameter_index(name) as c_int
    })
}

/// The name of parameter `i` with its prefix (":a", "@a", "$a", "?5"), or
/// NULL for a nameless `?`, a bad index or a NULL statement. Owned by the
/// statement; valid until it is finalized.
#[no_mangle]
pub extern "C" fn sqlvibe_bind_parameter_name(pStmt: *mut sqlvibe_stmt, i: c_int) -> *const c_char {
    with_stmt!(pStmt, ptr::null(), ptr::null(), {
        if i < 1 {
            return ptr::null();
        }
        match pStmt.param_names.get(i as usize - 1) {
            Some(Some(name)) => name.as_ptr(),
            _ => ptr::null(),
        }
    })
}
