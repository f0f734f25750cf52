//! Memory accounting: the counting global allocator every byte of the
//! library goes through, SQLite's process-wide heap limits
//! (`sqlvibe_soft_heap_limit64`, `sqlvibe_hard_heap_limit64`), and a
//! connection's statement working memory ([`WorkMem`]). A leaf: any layer
//! may use it.
//!
//! Invariant: `used()` == bytes currently allocated through the Rust
//! allocator in this process (requested sizes, as SQLite's
//! `SQLITE_STATUS_MEMORY_USED` counts them), and `highwater() >= used()`
//! since the last reset. The counters are updated before memory is
//! returned and after it is freed, so they never lag behind a live block.
//!
//! The heap limits are not enforced inside the allocator: a Rust allocation
//! that fails aborts the process, which the C contract forbids. Instead
//! the places where memory grows with the work (the page cache, a write
//! transaction's dirty pages, statement working memory) ask
//! [`over_soft_limit`] / [`over_hard_limit`] before they grow: past the
//! soft limit they shed (evict, spill); past the hard limit, when nothing
//! can be shed, the statement fails with SQLITE_NOMEM.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;

/// The allocator: the system allocator plus two counters.
pub struct CountingAlloc;

static USED: AtomicUsize = AtomicUsize::new(0);
static HIGHWATER: AtomicUsize = AtomicUsize::new(0);
/// Largest single request since the last reset (SQLITE_STATUS_MALLOC_SIZE).
static LARGEST: AtomicUsize = AtomicUsize::new(0);
/// Live allocations (SQLITE_STATUS_MALLOC_COUNT).
static COUNT: AtomicUsize = AtomicUsize::new(0);
static COUNT_HIGHWATER: AtomicUsize = AtomicUsize::new(0);

#[inline]
fn grew(size: usize) {
    let now = USED.fetch_add(size, Ordering::Relaxed) + size;
    if now > HIGHWATER.load(Ordering::Relaxed) {
        HIGHWATER.fetch_max(now, Ordering::Relaxed);
    }
}

#[inline]
fn counted(size: usize) {
    grew(size);
    let n = COUNT.fetch_add(1, Ordering::Relaxed) + 1;
    if n > COUNT_HIGHWATER.load(Ordering::Relaxed) {
        COUNT_HIGHWATER.fetch_max(n, Ordering::Relaxed);
    }
    if size > LARGEST.load(Ordering::Relaxed) {
        LARGEST.fetch_max(size, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's layout
// unchanged, so `System`'s guarantees are ours; the counters are plain
// atomics and never touch the memory.
unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract (non-zero size).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            counted(layout.size());
        }
        p
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            counted(layout.size());
        }
        p
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was returned by this allocator (hence `System`)
        // with `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) };
        USED.fetch_sub(layout.size(), Ordering::Relaxed);
        COUNT.fetch_sub(1, Ordering::Relaxed);
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `ptr`/`layout` came from us and
        // `new_size` is valid for `layout.align()`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                USED.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
            if new_size > LARGEST.load(Ordering::Relaxed) {
                LARGEST.fetch_max(new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Bytes allocated now (`sqlvibe_memory_used`).
pub fn used() -> usize {
    USED.load(Ordering::Relaxed)
}

/// Most bytes allocated at once since the last reset; `reset` starts a new
/// period at the current use (`sqlvibe_memory_highwater`).
pub fn highwater(reset: bool) -> usize {
    let h = HIGHWATER.load(Ordering::Relaxed).max(used());
    if reset {
        HIGHWATER.store(used(), Ordering::Relaxed);
    }
    h
}

/// Live allocations and their high-water mark.
pub fn malloc_count(reset: bool) -> (usize, usize) {
    let n = COUNT.load(Ordering::Relaxed);
    let h = COUNT_HIGHWATER.load(Ordering::Relaxed).max(n);
    if reset {
        COUNT_HIGHWATER.store(n, Ordering::Relaxed);
    }
    (n, h)
}

/// Largest single allocation request since the last reset.
pub fn largest_request(reset: bool) -> usize {
    let l = LARGEST.load(Ordering::Relaxed);
    if reset {
        LARGEST.store(0, Ordering::Relaxed);
    }
    l
}

/// Process-wide limits in bytes; 0 = none (SQLite's encoding).
static SOFT_LIMIT: AtomicI64 = AtomicI64::new(0);
static HARD_LIMIT: AtomicI64 = AtomicI64::new(0);

/// `sqlvibe_soft_heap_limit64(n)`: n < 0 only reads; otherwise sets the
/// soft limit (capped by a non-zero hard limit, as SQLite). Returns the
/// limit before the call.
pub fn soft_heap_limit(n: i64) -> i64 {
    let old = SOFT_LIMIT.load(Ordering::Relaxed);
    if n >= 0 {
        let hard = HARD_LIMIT.load(Ordering::Relaxed);
        let v = if hard > 0 && (n == 0 || n > hard) { hard } else { n };
        SOFT_LIMIT.store(v, Ordering::Relaxed);
    }
    old
}

/// `sqlvibe_hard_heap_limit64(n)`: n < 0 only reads; otherwise sets the
/// hard limit and lowers the soft limit to it when the soft one is larger
/// or unset (SQLite's contract). Returns the limit before the call.
pub fn hard_heap_limit(n: i64) -> i64 {
    let old = HARD_LIMIT.load(Ordering::Relaxed);
    if n >= 0 {
        HARD_LIMIT.store(n, Ordering::Relaxed);
        let soft = SOFT_LIMIT.load(Ordering::Relaxed);
        if n > 0 && (soft == 0 || soft > n) {
            SOFT_LIMIT.store(n, Ordering::Relaxed);
        }
    }
    old
}

fn over(limit: &AtomicI64, extra: usize) -> bool {
    let l = limit.load(Ordering::Relaxed);
    l > 0 && used().saturating_add(extra) > l as usize
}

/// Growing by `extra` bytes would pass the process-wide soft limit.
#[inline]
pub fn over_soft_limit(extra: usize) -> bool {
    over(&SOFT_LIMIT, extra)
}

/// Growing by `extra` bytes would pass the process-wide hard limit.
#[inline]
pub fn over_hard_limit(extra: usize) -> bool {
    over(&HARD_LIMIT, extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_is_held() {
        let before = used();
        let v: Vec<u8> = Vec::with_capacity(1 << 20);
        // Other test threads allocate too: the 1 MiB block dominates.
        assert!(used() >= before + (1 << 20) - (256 << 10));
        assert!(highwater(false) >= used());
        drop(v);
        assert!(used() < before + (512 << 10));
    }

    #[test]
    fn limits_follow_sqlite_contract() {
        // Reading does not change anything.
        let s0 = soft_heap_limit(-1);
        let h0 = hard_heap_limit(-1);
        assert_eq!(soft_heap_limit(-1), s0);
        assert_eq!(hard_heap_limit(-1), h0);
    }
}

/// What a connection's running statements hold now, and the most they
/// held (for `PRAGMA memory_stats`).
#[derive(Clone, Default, Debug)]
pub struct WorkMem(Arc<Counters>);

#[derive(Default, Debug)]
struct Counters {
    used: AtomicUsize,
    high: AtomicUsize,
}

impl WorkMem {
    pub fn used(&self) -> usize {
        self.0.used.load(Ordering::Relaxed)
    }
    pub fn highwater(&self) -> usize {
        self.0.high.load(Ordering::Relaxed)
    }
    /// Bytes taken (by a statement budget).
    pub(crate) fn add(&self, n: usize) {
        let now = self.0.used.fetch_add(n, Ordering::Relaxed) + n;
        if now > self.0.high.load(Ordering::Relaxed) {
            self.0.high.fetch_max(now, Ordering::Relaxed);
        }
    }
    /// Bytes given back.
    pub(crate) fn sub(&self, n: usize) {
        let before = self.0.used.fetch_sub(n, Ordering::Relaxed);
        debug_assert!(before >= n, "work memory released twice");
    }
}
