//! The page memory budget of one database and what it reports.
//!
//! Settings (`MemoryLimits`, set through the PRAGMAs of the same names):
//! - `cache_size`: SQLite's, N > 0 pages or N < 0 KiB (default -2000);
//! - `cache_memory`: bytes (0 = derived from cache_size);
//! - `max_memory`: bytes for everything a connection holds (0 = none); the
//!   pages get at most half of it, statements' working memory the rest;
//! - `hard`: `memory_limit_mode = HARD`.
//!
//! From them, the page budget B (`page_budget`): `cache_memory`, else
//! cache_size's bytes, capped at `max_memory / 2`, at least MIN_PAGES
//! pages. B bounds clean and dirty pages together:
//! - a write transaction's page buffers (dirty pages, savepoint images)
//!   spill to the WAL tail past B / 2 (`spill_limit`);
//! - the shared clean cache holds at most B minus what the writer holds
//!   now (`writer_bytes`), evicting unreferenced pages to stay there.
//! - in-memory files (a `:memory:` database and its journal, a MEMORY
//!   journal) keep at most max_memory / 4 in memory, then move to an
//!   anonymous temporary file (vfs/memory.rs).
//!
//! - statements' working memory (sorters, group tables, DISTINCT sets,
//!   hash indexes, window partitions) spills to temporary files past W
//!   (`work_budget`): max_memory / 4, or without max_memory the larger of
//!   DEFAULT_WORK_MEMORY and B, as SQLite's sorter spills past cache_size.
//!
//! So clean + dirty <= B, except for pages pinned by running cursors or
//! for live readers (`wal_pin_limit`), which SOFT mode lets through until
//! they are released. HARD mode lets nothing through: a read that would
//! take the cache past B - dirty when nothing more can be evicted, and a
//! write that would take dirty + clean past B when a spill and eviction
//! cannot make room, fail with SQLITE_NOMEM (the statement is undone);
//! a checkpoint pins old images only where they fit, else it stops at the
//! oldest live snapshot. Lowering the budget under what is held now is
//! the one way past B: nothing held is taken away, and every growth fails
//! until enough is released.
//!
//! In-memory files: a `:memory:` database has no limit without
//! max_memory (as SQLite's). A MEMORY / OFF journal (the WAL of a file
//! database, kept in memory) takes a big transaction's spilled pages, so
//! it keeps at most max_memory / 4, or B without max_memory, in memory.

use super::*;

/// The smallest page budget, in pages (a B-tree descent and a split must
/// fit, as SQLite's minimum cache_size of 10 does).
pub const MIN_PAGES: usize = 16;

/// SQLite's default `cache_size`: 2000 KiB.
pub const DEFAULT_CACHE_SIZE: i64 = -2000;

/// Statements' working memory without `max_memory`: enough that ordinary
/// sorts and groupings never touch disk, bounded so that big ones do.
pub const DEFAULT_WORK_MEMORY: usize = 32 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLimits {
    pub cache_size: i64,
    pub cache_memory: u64,
    pub max_memory: u64,
    pub hard: bool,
}

impl Default for MemoryLimits {
    fn default() -> Self {
        MemoryLimits { cache_size: DEFAULT_CACHE_SIZE, cache_memory: 0, max_memory: 0, hard: false }
    }
}

impl MemoryLimits {
    /// The page budget B in bytes for pages of `ps` bytes.
    pub fn page_budget(&self, ps: usize) -> usize {
        let from_size = if self.cache_size >= 0 {
            (self.cache_size as u64).saturating_mul(ps as u64)
        } else {
            self.cache_size.unsigned_abs().saturating_mul(1024)
        };
        let mut b = if self.cache_memory > 0 { self.cache_memory } else { from_size };
        if self.max_memory > 0 {
            b = b.min(self.max_memory / 2);
        }
        usize::try_from(b).unwrap_or(usize::MAX).max(MIN_PAGES * ps)
    }

    /// The working memory budget W of a connection's running statements.
    pub fn work_budget(&self, ps: usize) -> usize {
        if self.max_memory > 0 {
            usize::try_from(self.max_memory / 4).unwrap_or(usize::MAX)
        } else {
            DEFAULT_WORK_MEMORY.max(self.page_budget(ps))
        }
    }
}

/// `PRAGMA memory_stats` figures of one database (bytes unless named).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// Clean cached pages plus the write transaction's page buffers.
    pub page_cache_used: u64,
    /// The page budget B.
    pub page_cache_max: u64,
    /// Bytes of in-memory files: an in-memory database's pages (its file
    /// and journal), or a file database's MEMORY / OFF journal.
    pub row_store_used: u64,
    pub wal_size: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub evictions: u64,
    pub spills: u64,
    pub spill_bytes: u64,
    /// Pages those spills wrote.
    pub spill_pages: u64,
}

impl Pager {
    /// Applies new limits: cache capacity and spill threshold follow.
    pub fn set_memory_limits(&self, limits: MemoryLimits) {
        let mut sh = self.shared.lock();
        sh.limits = limits;
        self.apply_budget(&mut sh);
    }

    pub fn memory_limits(&self) -> MemoryLimits {
        self.shared.lock().limits
    }

    pub(super) fn apply_budget(&self, sh: &mut Shared) {
        let b = sh.limits.page_budget(sh.committed.page_size as usize);
        self.page_budget.store(b, Ordering::Relaxed);
        self.hard_limit.store(sh.limits.hard, Ordering::Relaxed);
        sh.cache.set_capacity(b);
        // In-memory files hold at most a quarter of max_memory, then move
        // to a temporary file; a MEMORY journal at most B without it.
        let row_store = sh.limits.max_memory / 4;
        if self.memory {
            self.vfs.set_memory_limit(row_store);
        }
        let journal = if row_store > 0 { row_store } else { b as u64 };
        self.mem_journal.set_memory_limit(journal);
    }

    /// After `read_page` cached `(pgno, version)`: in HARD mode (or past
    /// the process's hard heap limit), a cache still past its bound after
    /// evicting all it could gives the page back and fails the read.
    pub(super) fn check_read_room(&self, sh: &mut Shared, pgno: PageNo, version: u32) -> Result<()> {
        let hard = self.hard_limit.load(Ordering::Relaxed) && sh.cache.over_limit();
        if hard || crate::memory::over_hard_limit(0) {
            sh.cache.remove(pgno, version);
            return Err(Error::new(ErrorKind::NoMem, "out of memory"));
        }
        Ok(())
    }

    /// Bytes of page buffers a write transaction may hold before it spills
    /// them to the WAL tail: half the page budget.
    #[inline]
    pub(super) fn spill_limit(&self) -> usize {
        self.page_budget.load(Ordering::Relaxed) / 2
    }

    /// HARD mode: room for a writer holding `held` bytes of page buffers
    /// beside the clean cache, evicting clean pages nobody holds; false
    /// when held + what cannot be evicted passes B.
    pub(super) fn writer_room(&self, held: usize) -> bool {
        let b = self.page_budget.load(Ordering::Relaxed);
        if self.clean_bytes.load(Ordering::Relaxed) + held <= b {
            return true;
        }
        self.shared.lock().cache.make_room(held)
    }

    /// Frees every clean page nobody holds (`sqlvibe_db_release_memory`);
    /// returns the bytes freed.
    pub fn release_memory(&self) -> usize {
        let mut sh = self.shared.lock();
        let before = sh.cache.used_bytes();
        sh.cache.evict_all_unreferenced();
        before - sh.cache.used_bytes()
    }

    pub fn memory_stats(&self) -> MemoryStats {
        let sh = self.shared.lock();
        let writer = self.writer_bytes.load(Ordering::Relaxed) as u64;
        let row_store = if self.memory { self.vfs_bytes() } else { self.mem_journal.memory_bytes() };
        MemoryStats {
            page_cache_used: sh.cache.used_bytes() as u64 + writer,
            page_cache_max: sh.limits.page_budget(sh.committed.page_size as usize) as u64,
            row_store_used: row_store,
            wal_size: sh.wal.file_len,
            cache_hits: sh.cache.hits,
            cache_misses: sh.cache.misses,
            evictions: sh.cache.evictions,
            spills: self.spills.load(Ordering::Relaxed),
            spill_bytes: self.spill_bytes.load(Ordering::Relaxed),
            spill_pages: self.spill_bytes.load(Ordering::Relaxed) / sh.committed.page_size as u64,
        }
    }

    /// Resets the cache hit/miss counters (`sqlvibe_db_status` resetFlag).
    pub fn reset_cache_counters(&self) {
        let mut sh = self.shared.lock();
        sh.cache.hits = 0;
        sh.cache.misses = 0;
    }

    /// Bytes the in-memory files of this database hold in memory.
    fn vfs_bytes(&self) -> u64 {
        self.vfs.memory_bytes() + self.mem_journal.memory_bytes()
    }
}
