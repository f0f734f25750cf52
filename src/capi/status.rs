//! Memory statistics and limits, with SQLite's op numbers and contracts:
//! sqlvibe_memory_used, sqlvibe_memory_highwater, sqlvibe_status,
//! sqlvibe_status64, sqlvibe_db_status, sqlvibe_soft_heap_limit64,
//! sqlvibe_hard_heap_limit64, sqlvibe_db_release_memory.
//!
//! The process figures come from the counting allocator (src/memory.rs):
//! every byte the library holds, exactly. The per-connection figures come
//! from the connection's database (its page cache, spills, hit counters).

use super::codes::{SQLVIBE_MISUSE, SQLVIBE_OK};
use super::connection::sqlvibe;
use crate::memory;
use std::os::raw::c_int;

/// sqlvibe_status op: bytes allocated now (current) and at most (highwater).
pub const SQLVIBE_STATUS_MEMORY_USED: c_int = 0;
/// sqlvibe_status op: page-cache memory from a fixed pool (none: always 0).
pub const SQLVIBE_STATUS_PAGECACHE_USED: c_int = 1;
/// sqlvibe_status op: page-cache memory that overflowed a fixed pool (none: 0).
pub const SQLVIBE_STATUS_PAGECACHE_OVERFLOW: c_int = 2;
/// sqlvibe_status op: largest single allocation request (highwater only).
pub const SQLVIBE_STATUS_MALLOC_SIZE: c_int = 5;
/// sqlvibe_status op: parser stack depth (the parser's stack is not
/// instrumented: always 0).
pub const SQLVIBE_STATUS_PARSER_STACK: c_int = 6;
/// sqlvibe_status op: largest fixed-pool page-cache request (none: 0).
pub const SQLVIBE_STATUS_PAGECACHE_SIZE: c_int = 7;
/// sqlvibe_status op: live allocations now and at most.
pub const SQLVIBE_STATUS_MALLOC_COUNT: c_int = 9;

/// sqlvibe_db_status op: lookaside slots in use (no lookaside: 0).
pub const SQLVIBE_DBSTATUS_LOOKASIDE_USED: c_int = 0;
/// sqlvibe_db_status op: bytes of the database's page cache (clean pages
/// plus the open write transaction's page buffers).
pub const SQLVIBE_DBSTATUS_CACHE_USED: c_int = 1;
/// sqlvibe_db_status op: page lookups served by the cache (highwater 0).
pub const SQLVIBE_DBSTATUS_CACHE_HIT: c_int = 7;
/// sqlvibe_db_status op: page lookups that read the file (highwater 0).
pub const SQLVIBE_DBSTATUS_CACHE_MISS: c_int = 8;
/// sqlvibe_db_status op: as CACHE_USED; the cache is shared by the
/// connections to one file in a process, this reports it whole.
pub const SQLVIBE_DBSTATUS_CACHE_USED_SHARED: c_int = 11;
/// sqlvibe_db_status op: dirty pages written to the WAL in the middle of a
/// transaction (spilled) since open (highwater 0).
pub const SQLVIBE_DBSTATUS_CACHE_SPILL: c_int = 12;

fn clamp(v: u64) -> i64 {
    v.min(i64::MAX as u64) as i64
}

/// Bytes of memory the library holds now (every allocation, exactly).
#[no_mangle]
pub extern "C" fn sqlvibe_memory_used() -> i64 {
    ffi_guard!(|_| 0, { memory::used() as i64 })
}

/// Most bytes held at once since the last reset; a non-zero `resetFlag`
/// starts a new period at the current use.
#[no_mangle]
pub extern "C" fn sqlvibe_memory_highwater(resetFlag: c_int) -> i64 {
    ffi_guard!(|_| 0, { memory::highwater(resetFlag != 0) as i64 })
}

/// Process-wide status counter `op` (SQLVIBE_STATUS_*): writes the current
/// value to `*pCurrent` and the high-water mark to `*pHighwater`, then
/// resets the mark to the current value when `resetFlag` is non-zero.
/// SQLVIBE_MISUSE for an unknown op or a NULL pointer.
#[no_mangle]
pub extern "C" fn sqlvibe_status64(op: c_int, pCurrent: *mut i64, pHighwater: *mut i64, resetFlag: c_int) -> c_int {
    if pCurrent.is_null() || pHighwater.is_null() {
        return SQLVIBE_MISUSE;
    }
    ffi_guard!(|_| super::codes::SQLVIBE_INTERNAL, {
        let reset = resetFlag != 0;
        let (cur, hi) = match op {
            SQLVIBE_STATUS_MEMORY_USED => {
                let cur = memory::used();
                (cur, memory::highwater(reset))
            }
            SQLVIBE_STATUS_MALLOC_SIZE => (0, memory::largest_request(reset)),
            SQLVIBE_STATUS_MALLOC_COUNT => memory::malloc_count(reset),
            SQLVIBE_STATUS_PAGECACHE_USED
            | SQLVIBE_STATUS_PAGECACHE_OVERFLOW
            | SQLVIBE_STATUS_PARSER_STACK
            | SQLVIBE_STATUS_PAGECACHE_SIZE => (0, 0),
            _ => return SQLVIBE_MISUSE,
        };
        // SAFETY: both pointers were checked non-NULL; the caller passes
        // pointers to writable i64s (the C contract).
        unsafe {
            *pCurrent = cur as i64;
            *pHighwater = hi as i64;
        }
        SQLVIBE_OK
    })
}

/// As sqlvibe_status64 with `int` outputs (values past INT_MAX are cut to
/// INT_MAX).
#[no_mangle]
pub extern "C" fn sqlvibe_status(op: c_int, pCurrent: *mut c_int, pHighwater: *mut c_int, resetFlag: c_int) -> c_int {
    if pCurrent.is_null() || pHighwater.is_null() {
        return SQLVIBE_MISUSE;
    }
    let (mut cur, mut hi) = (0i64, 0i64);
    let rc = sqlvibe_status64(op, &mut cur, &mut hi, resetFlag);
    if rc == SQLVIBE_OK {
        // SAFETY: both pointers were checked non-NULL (C contract: writable).
        unsafe {
            *pCurrent = cur.min(i64::from(c_int::MAX)) as c_int;
            *pHighwater = hi.min(i64::from(c_int::MAX)) as c_int;
        }
    }
    rc
}

/// Connection status counter `op` (SQLVIBE_DBSTATUS_*) into `*pCur` and
/// `*pHiwtr`; `resetFlag` resets the counters that have a reset (hits,
/// misses). SQLVIBE_MISUSE for a NULL handle or pointer, or an unknown op.
#[no_mangle]
pub extern "C" fn sqlvibe_db_status(
    db: *mut sqlvibe,
    op: c_int,
    pCur: *mut c_int,
    pHiwtr: *mut c_int,
    resetFlag: c_int,
) -> c_int {
    if pCur.is_null() || pHiwtr.is_null() {
        return SQLVIBE_MISUSE;
    }
    with_db!(db, SQLVIBE_MISUSE, super::codes::SQLVIBE_INTERNAL, {
        let conn = match db.live() {
            Ok(c) => c,
            Err(rc) => return rc,
        };
        let s = conn.memory_stats();
        let cur = match op {
            SQLVIBE_DBSTATUS_LOOKASIDE_USED => 0,
            SQLVIBE_DBSTATUS_CACHE_USED | SQLVIBE_DBSTATUS_CACHE_USED_SHARED => clamp(s.page_cache_used),
            SQLVIBE_DBSTATUS_CACHE_HIT => clamp(s.cache_hits),
            SQLVIBE_DBSTATUS_CACHE_MISS => clamp(s.cache_misses),
            SQLVIBE_DBSTATUS_CACHE_SPILL => clamp(s.spill_pages),
            _ => return SQLVIBE_MISUSE,
        };
        if resetFlag != 0 && matches!(op, SQLVIBE_DBSTATUS_CACHE_HIT | SQLVIBE_DBSTATUS_CACHE_MISS) {
            conn.reset_cache_counters();
        }
        // SAFETY: both pointers were checked non-NULL (C contract: writable).
        unsafe {
            *pCur = cur.min(i64::from(c_int::MAX)) as c_int;
            *pHiwtr = 0;
        }
        SQLVIBE_OK
    })
}

/// SQLite's soft heap limit, process-wide, in bytes: past it the library
/// evicts cached pages and spills dirty ones to stay under. `n < 0` only
/// reads; 0 removes it; a non-zero hard limit caps it. Returns the limit
/// before the call.
#[no_mangle]
pub extern "C" fn sqlvibe_soft_heap_limit64(n: i64) -> i64 {
    ffi_guard!(|_| -1, { memory::soft_heap_limit(n) })
}

/// SQLite's hard heap limit, process-wide, in bytes: past it, work that
/// needs more page memory than can be freed fails with SQLVIBE_NOMEM
/// (the statement is undone). `n < 0` only reads; 0 removes it; setting
/// it lowers a larger (or unset) soft limit to it. Returns the limit
/// before the call.
#[no_mangle]
pub extern "C" fn sqlvibe_hard_heap_limit64(n: i64) -> i64 {
    ffi_guard!(|_| -1, { memory::hard_heap_limit(n) })
}

/// Frees every cached page of the connection's database that nobody
/// holds. SQLVIBE_OK, or SQLVIBE_MISUSE for a NULL or failed handle.
#[no_mangle]
pub extern "C" fn sqlvibe_db_release_memory(db: *mut sqlvibe) -> c_int {
    with_db!(db, SQLVIBE_MISUSE, super::codes::SQLVIBE_INTERNAL, {
        match db.live() {
            Ok(conn) => {
                conn.release_memory();
                SQLVIBE_OK
            }
            Err(rc) => rc,
        }
    })
}
