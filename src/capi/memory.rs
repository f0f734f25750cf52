//! sqlvibe_malloc / sqlvibe_free: the allocator behind every buffer the
//! library hands to the caller to free (e.g. sqlvibe_exec's `*errmsg`).
//! It is the C heap, so the library and the caller agree on it.

use std::os::raw::{c_char, c_int, c_void};

/// Allocates `n` bytes the caller frees with sqlvibe_free. Returns NULL when
/// `n <= 0` or memory is exhausted.
#[no_mangle]
pub extern "C" fn sqlvibe_malloc(n: c_int) -> *mut c_void {
    if n <= 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: malloc with a positive size has no preconditions.
    unsafe { libc::malloc(n as usize) }
}

/// Frees memory obtained from sqlvibe_malloc or returned by the library for
/// the caller to free. NULL is a no-op.
#[no_mangle]
pub extern "C" fn sqlvibe_free(p: *mut c_void) {
    if !p.is_null() {
        // SAFETY: p came from sqlvibe_malloc (libc malloc), per the contract.
        unsafe { libc::free(p) }
    }
}

/// Copies `bytes` into a NUL-terminated buffer from sqlvibe_malloc (NULL if
/// allocation fails). The caller of the API owns the result.
pub(crate) fn malloc_c_string(bytes: &[u8]) -> *mut c_char {
    // SAFETY: allocating len+1 bytes, a positive size.
    let p = unsafe { libc::malloc(bytes.len() + 1) } as *mut u8;
    if p.is_null() {
        return p as *mut c_char;
    }
    // SAFETY: p has room for len+1 bytes and does not overlap `bytes`.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
        *p.add(bytes.len()) = 0;
    }
    p as *mut c_char
}
