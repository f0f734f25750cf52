//! The pager: transactions and snapshots over pages held in the cache, backed
//! by the database file and its WAL (`wal.rs`), header in `header.rs`, page
//! images in `cache.rs`.
//!
//! State machine of one `Pager` (shared by every connection to the file):
//! - OPEN: the database file is open and OS-locked (flock, exclusive) from
//!   open until the last `Arc<Pager>` is dropped. The WAL was recovered.
//! - Readers: any number of `Txn`s, each pinned to a snapshot
//!   (WAL generation, last commit frame, header copy) registered in
//!   `Shared::readers`. A reader reads page p from the newest WAL frame
//!   `<= snapshot` holding p, else from the database file.
//! - WRITER: at most one `Txn` holds the write lock (`writer` flag +
//!   condvar). Its changed pages live in its private `dirty` map
//!   (copy-on-write `Arc`s), invisible to everyone else until commit.
//!   Commit appends every dirty page to the WAL, the last frame being the
//!   commit frame, syncs per `synchronous`, then publishes the new
//!   committed state; rollback just drops the dirty map.
//! - ERROR: a failed WAL/database write or sync sets `io_error`; while it is
//!   set no commit is accepted. The next `begin_write` first truncates the
//!   WAL's garbage tail; if that works the error is cleared. Committed data
//!   is never touched by the failure.
//! - CHECKPOINT: copies every committed frame into the database file and
//!   resets the WAL (new generation); live readers never hold it back (see
//!   below). A reader of an older generation reads pinned images or the
//!   database file.
//! - CLOSE (last Arc dropped): full checkpoint, database file synced, WAL
//!   deleted (unless in ERROR, read-only or a checkpoint failed: the WAL is
//!   then kept for recovery), OS lock released.
//!
//! Invariant: the database file is written only by checkpoints; a page's
//! file image is overwritten only after every live snapshot that still
//! reads it has it pinned.
//!
//! Checkpoints past live readers (bounded WAL under long readers):
//! every frame has a global position `frame_base + frame`, increasing
//! across WAL resets, and every snapshot records its global position `g`
//! and page count. Before a checkpoint overwrites page P in the database
//! file, for each live snapshot with `g` older than P's newest frame (and
//! P within its page count), the image that snapshot reads now is pinned
//! in the cache as `(until, image)`, `until` = global position of the next
//! version of P: the file's current image if the snapshot sees no frame of
//! P, else its newest visible frame of P (which the reset discards). A
//! snapshot that finds no WAL frame of P of its own generation reads the
//! first pinned entry with `until > g`, else the file. Pinned images count
//! in the cache's bytes, are never evicted, and are pruned as soon as no
//! live snapshot falls in their range (all freed when the last old reader
//! ends). So the WAL is bounded by the checkpoint policy alone
//! (`wal_autocheckpoint`, `journal_size_limit`) whatever readers do; the
//! memory cost is one image per page changed since the oldest reader's
//! snapshot (per distinct snapshot), the price SQLite pays in WAL bytes.

mod budget;
mod checkpoint;
mod freelist;
mod journal;
mod spill;
mod txn;

pub use budget::{MemoryLimits, MemoryStats, DEFAULT_CACHE_SIZE};
pub use journal::JournalMode;
pub use txn::Txn;

use crate::error::{Error, ErrorKind, Result};
use crate::storage::cache::{Cache, PageMap, PageRef};
use crate::storage::header::{self, DbState, DEFAULT_PAGE_SIZE, HEADER_SIZE};
use crate::storage::pagevec::PageVec;
use crate::storage::vfs::{MemVfs, OpenMode, OsVfs, Vfs, VfsFile};
use crate::storage::wal::Wal;
use parking_lot::{Condvar, Mutex};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// A page number; page 1 is the header page, 0 means "none".
pub type PageNo = u32;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    pub read_only: bool,
    pub create: bool,
}

/// Persistent header fields the layers above read and write (inside a write
/// transaction). Page size, page count and the freelist are the pager's own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Root page of the schema table (sqlite_schema); 0 until created.
    pub schema_root: PageNo,
    /// Bumped by every schema change; connections reload their catalog and
    /// re-prepare statements when it moves.
    pub schema_cookie: u32,
    /// `PRAGMA user_version`.
    pub user_version: u32,
    /// Settings of the layers above; zero = unset. [0], [1]: `PRAGMA
    /// max_rows` (schema/quota.rs); the others are free.
    pub settings: [u32; 8],
}

/// Result of a checkpoint, as SQLite's `PRAGMA wal_checkpoint` row:
/// `busy`, frames in the WAL (`log`) and frames copied back
/// (`checkpointed`); -1, -1 for a database without a WAL (`:memory:`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckpointInfo {
    pub busy: bool,
    pub log_frames: i64,
    pub checkpointed_frames: i64,
}

/// SQLite's checkpoint modes.
/// - PASSIVE: copy what no live snapshot forbids, never wait; busy = 0.
/// - FULL: wait (up to the busy timeout) for the write lock and for every
///   reader to be on the latest snapshot, then copy everything; busy = 1
///   if that wait timed out and not everything could be copied.
/// - RESTART: FULL; here a WAL whose frames are all copied is reset at
///   once (readers of the old generation read the database file), so the
///   next writer always starts the WAL from its beginning.
/// - TRUNCATE: RESTART, and the WAL file is truncated to zero bytes
///   (reported as 0, 0 like SQLite).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckpointMode {
    Passive,
    Full,
    Restart,
    Truncate,
}

/// `PRAGMA wal_status`: frames in the WAL, WAL file size in bytes, frames
/// already copied into the database file, live transactions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalStatus {
    pub frames: u32,
    pub bytes: u64,
    pub checkpointed_frames: u32,
    pub readers: u32,
}

/// `PRAGMA synchronous`: how far commits and checkpoints push their
/// writes to stable storage, SQLite's levels in their order (a higher
/// level syncs at least what a lower one does; see wal.rs and
/// pager/checkpoint.rs for what each one syncs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Synchronous {
    Off = 0,
    Normal = 1,
    Full = 2,
    Extra = 3,
}

impl Synchronous {
    pub const ALL: [Synchronous; 4] = [Synchronous::Off, Synchronous::Normal, Synchronous::Full, Synchronous::Extra];

    /// SQLite's reading of a number: its low two bits.
    pub fn from_bits(n: i64) -> Synchronous {
        Synchronous::ALL[(n & 3) as usize]
    }

    /// The number `PRAGMA synchronous` reports.
    pub fn level(self) -> u8 {
        self as u8
    }
}

pub const DEFAULT_AUTOCHECKPOINT: u32 = 1000;

/// The shared state locked for one operation at a `synchronous` level;
/// dropping it restores the default level.
struct LevelGuard<'a> {
    sh: parking_lot::MutexGuard<'a, Shared>,
}

impl std::ops::Deref for LevelGuard<'_> {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.sh
    }
}

impl std::ops::DerefMut for LevelGuard<'_> {
    fn deref_mut(&mut self) -> &mut Shared {
        &mut self.sh
    }
}

impl Drop for LevelGuard<'_> {
    fn drop(&mut self) {
        self.sh.sync_level = self.sh.default_sync;
    }
}

/// A reader's view: WAL generation and last visible frame, the same
/// position as a global WAL position (`frame_base + frame`), and the
/// database size in pages (pages past it are never read by the snapshot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Snap {
    generation: u64,
    frame: u32,
    global: u64,
    pages: u32,
}

struct Shared {
    db: Arc<dyn VfsFile>,
    wal: Wal,
    cache: Cache,
    committed: DbState,
    /// Number of commits so far (detects stale snapshots).
    version: u64,
    readers: HashMap<u64, Snap>,
    next_reader: u64,
    io_error: Option<Error>,
    /// The `synchronous` level of the operation holding the lock: the
    /// pager's default between operations, a connection's own level while
    /// its commit or checkpoint runs (see `lock_at`).
    sync_level: Synchronous,
    /// The default level (for operations no connection drives, such as the
    /// checkpoint at the last close).
    default_sync: Synchronous,
    autocheckpoint: u32,
    /// `wal_truncate`: after a checkpoint that copied every frame, cut the
    /// WAL file to zero bytes when it is larger than `wal_truncate_threshold`.
    wal_truncate: bool,
    wal_truncate_threshold: u64,
    /// `journal_size_limit` in bytes; negative = no limit.
    journal_size_limit: i64,
    /// `PRAGMA wal_pin_limit` in bytes; negative = the cache's capacity.
    pin_limit: i64,
    /// `PRAGMA journal_mode`; every mode but WAL folds the WAL into the
    /// database file at the end of each commit (see journal.rs).
    journal_mode: JournalMode,
    /// The WAL's open file (if any) is on the database's VFS, not in
    /// `Pager::mem_journal` (MEMORY / OFF).
    wal_on_disk: bool,
    /// cache_size, cache_memory, max_memory, memory_limit_mode (budget.rs).
    limits: MemoryLimits,
}

impl Shared {
    /// Forgets the writer's tail (rollback, or nothing left to commit) and
    /// the cached images of its frames: frame numbers past `mx_frame` will
    /// be written again with other pages.
    fn drop_tail(&mut self) {
        self.wal.drop_tail();
        let mx = self.wal.mx_frame;
        self.cache.retain(|_, v| v <= mx);
    }

    fn snap_now(&self) -> Snap {
        Snap {
            generation: self.wal.generation,
            frame: self.wal.mx_frame,
            global: self.wal.frame_base + u64::from(self.wal.mx_frame),
            pages: self.committed.page_count,
        }
    }

    /// Drops pinned images no live snapshot reads any more, after the
    /// snapshot `gone` ended or moved forward. A snapshot at or past every
    /// pin's range read none of them: then there is nothing to free.
    fn prune_pins(&mut self, gone: Snap) {
        if !self.cache.has_pins() || gone.global >= self.cache.max_pin_until {
            return;
        }
        let mut live: Vec<u64> = self.readers.values().map(|s| s.global).collect();
        live.sort_unstable();
        live.dedup();
        self.cache.prune_pins(&live);
    }
    /// `bytes` more of pinned images fit under `wal_pin_limit`, and in
    /// HARD mode beside what the cache cannot evict (cursors' pages, the
    /// writer's room, the images already pinned).
    fn room_for_pins(&self, bytes: usize) -> bool {
        if self.cache.pinned_bytes + bytes > self.pin_limit_bytes() {
            return false;
        }
        let cap = self.cache.capacity_bytes.saturating_sub(self.cache.reserved);
        !self.limits.hard || self.cache.unevictable_bytes() + bytes <= cap
    }
    /// The cached file image of `pgno` when it is the image of WAL frame
    /// `frame`: the frame was copied into the file and is the page's
    /// newest (the checkpoint moves a cached frame image to version 0).
    fn copied_image(&self, pgno: PageNo, frame: Option<u32>) -> Option<&PageRef> {
        let f = frame?;
        if f <= self.wal.backfilled && self.wal.find(pgno, self.wal.mx_frame) == Some(f) {
            self.cache.get(pgno, 0)
        } else {
            None
        }
    }
    /// The cap on pinned old page images, in bytes.
    fn pin_limit_bytes(&self) -> usize {
        if self.pin_limit < 0 {
            self.cache.capacity_bytes
        } else {
            usize::try_from(self.pin_limit).unwrap_or(usize::MAX)
        }
    }
    fn effective(&self, s: Snap) -> u32 {
        if s.generation == self.wal.generation {
            s.frame
        } else {
            0
        }
    }
}

/// One database (file or memory), shared by every connection to it in this
/// process.
pub struct Pager {
    vfs: Arc<dyn Vfs>,
    path: String,
    canonical: Option<String>,
    memory: bool,
    read_only: bool,
    shared: Mutex<Shared>,
    writer: Mutex<bool>,
    writer_cv: Condvar,
    /// Where the WAL lives in journal_mode MEMORY and OFF.
    mem_journal: MemVfs,
    /// Bytes of page buffers the write transaction holds now (the clean
    /// cache keeps that much room free for them).
    writer_bytes: AtomicUsize,
    /// `memory_limit_mode = HARD`.
    hard_limit: AtomicBool,
    /// The page budget B (budget.rs), and the clean cache's `used_bytes`
    /// (its mirror): a HARD-mode writer keeps clean + its own <= B. A
    /// write transaction spills its page buffers past B / 2
    /// (`spill_limit`, see spill.rs).
    page_budget: AtomicUsize,
    clean_bytes: Arc<AtomicUsize>,
    /// Spills since open, and the bytes they wrote.
    spills: AtomicU64,
    spill_bytes: AtomicU64,
}

static REGISTRY: Mutex<BTreeMap<String, Weak<Pager>>> = Mutex::new(BTreeMap::new());
static NEXT_MEM: AtomicU64 = AtomicU64::new(1);
static NEXT_TXN: AtomicU64 = AtomicU64::new(1);

fn busy() -> Error {
    Error::new(ErrorKind::Busy, "database is locked")
}

impl Pager {
    /// Opens the database at `path` on the OS file system, or joins the
    /// in-process object already open for the same canonical path. A file
    /// that is not a database is SQLITE_NOTADB "file is not a database"; a
    /// file locked by another process is SQLITE_BUSY "database is locked"
    /// (reported here, at open).
    pub fn open(path: &str, opts: OpenOptions) -> Result<Arc<Pager>> {
        Pager::open_with_vfs(Arc::new(OsVfs), path, opts)
    }

    /// As `open`, over the given VFS (tests use MemVfs / FaultVfs).
    pub fn open_with_vfs(vfs: Arc<dyn Vfs>, path: &str, opts: OpenOptions) -> Result<Arc<Pager>> {
        let canon = vfs.canonical(path)?;
        let mut reg = REGISTRY.lock();
        // A dead entry means the last connection is closing right now (its
        // drop still holds the file lock): wait for it to finish.
        let deadline = Instant::now() + Duration::from_secs(2);
        while let Some(w) = reg.get(&canon) {
            match w.upgrade() {
                Some(p) => return Ok(p),
                None if Instant::now() < deadline => {
                    drop(reg);
                    std::thread::sleep(Duration::from_millis(1));
                    reg = REGISTRY.lock();
                }
                None => break,
            }
        }
        let p = Arc::new(Pager::open_inner(vfs, path, Some(canon.clone()), opts, false)?);
        reg.insert(canon, Arc::downgrade(&p));
        Ok(p)
    }

    /// A private in-memory database (`:memory:`): same code, in-memory file.
    pub fn open_memory() -> Result<Arc<Pager>> {
        let n = NEXT_MEM.fetch_add(1, Ordering::Relaxed);
        let vfs: Arc<dyn Vfs> = Arc::new(MemVfs::new());
        let opts = OpenOptions { read_only: false, create: true };
        let p = Pager::open_inner(vfs, &format!(":memory:{n}"), None, opts, true)?;
        Ok(Arc::new(p))
    }

    fn open_inner(
        vfs: Arc<dyn Vfs>,
        path: &str,
        canonical: Option<String>,
        opts: OpenOptions,
        memory: bool,
    ) -> Result<Pager> {
        let mode = OpenMode { read_only: opts.read_only, create: opts.create && !opts.read_only };
        let db = vfs.open(path, mode)?;
        db.lock_exclusive()?;
        let result = Pager::load(&vfs, path, db.clone(), mode);
        let (committed, wal) = match result {
            Ok(x) => x,
            Err(e) => {
                let _ = db.unlock();
                return Err(e);
            }
        };
        let limits = MemoryLimits::default();
        let budget = limits.page_budget(committed.page_size as usize);
        let cache = Cache::new(budget);
        let clean_bytes = cache.used_mirror();
        let journal_mode = if memory {
            JournalMode::Memory
        } else if committed.rollback_journal {
            JournalMode::Delete
        } else {
            JournalMode::Wal
        };
        let p = Pager {
            vfs,
            path: path.to_owned(),
            canonical,
            memory,
            read_only: opts.read_only,
            shared: Mutex::new(Shared {
                db,
                wal,
                cache,
                committed,
                version: 0,
                readers: HashMap::new(),
                next_reader: 1,
                io_error: None,
                sync_level: Synchronous::Full,
                default_sync: Synchronous::Full,
                autocheckpoint: DEFAULT_AUTOCHECKPOINT,
                wal_truncate: false,
                wal_truncate_threshold: 0,
                journal_size_limit: -1,
                pin_limit: -1,
                journal_mode,
                wal_on_disk: true,
                limits,
            }),
            writer: Mutex::new(false),
            writer_cv: Condvar::new(),
            mem_journal: MemVfs::new(),
            writer_bytes: AtomicUsize::new(0),
            hard_limit: AtomicBool::new(false),
            page_budget: AtomicUsize::new(budget),
            clean_bytes,
            spills: AtomicU64::new(0),
            spill_bytes: AtomicU64::new(0),
        };
        if journal_mode != JournalMode::Wal && !memory && !opts.read_only {
            // A rollback-mode database keeps no committed data in its WAL
            // between transactions: fold what a crash left behind.
            let mut sh = p.shared.lock();
            if sh.wal.mx_frame > 0 {
                let _ = p.fold_journal(&mut sh);
            }
        }
        Ok(p)
    }

    /// Reads the header from the database file and recovers the WAL.
    fn load(vfs: &Arc<dyn Vfs>, path: &str, db: Arc<dyn VfsFile>, mode: OpenMode) -> Result<(DbState, Wal)> {
        let size = db.size()?;
        let mut st = DbState { page_size: DEFAULT_PAGE_SIZE, ..Default::default() };
        // A database header that does not parse is fatal unless the WAL
        // holds a committed page 1 (a checkpoint into a new file was torn).
        let mut header_err = None;
        if size > 0 {
            let mut hdr = [0u8; HEADER_SIZE];
            db.read_at(0, &mut hdr)?;
            match header::decode(&hdr) {
                Ok(h) if size >= HEADER_SIZE as u64 => st = h,
                Ok(_) | Err(_) => header_err = Some(Error::new(ErrorKind::NotADb, "file is not a database")),
            }
        }
        let mut wal = Wal::new(format!("{path}-wal"), st.page_size);
        if vfs.exists(&wal.path)? {
            let db_ps = (size > 0 && header_err.is_none()).then_some(st.page_size);
            wal.recover(vfs.as_ref(), mode, db_ps)?;
            if wal.mx_frame > 0 {
                let mut p1 = vec![0u8; wal.page_size as usize];
                match wal.find(1, wal.mx_frame) {
                    Some(f) => wal.read_frame(f, &mut p1)?,
                    None => {
                        db.read_at(0, &mut p1)?;
                    }
                }
                let wal_st = header::decode(&p1).map_err(|_| Error::corrupt("bad header page in WAL"))?;
                if header_err.is_none() && size > 0 && Self::wal_is_stale(&wal, st.change_counter)? {
                    wal.discard();
                } else {
                    st = wal_st;
                    header_err = None;
                }
            }
        }
        if let Some(e) = header_err {
            return Err(e);
        }
        Ok((st, wal))
    }

    /// A recovered WAL whose commits are all older than the database file
    /// (the file's change counter is past the WAL's last commit) is stale:
    /// an old generation revived by a lost truncate, unlink or header
    /// write. Its frames are already in the file or superseded there;
    /// applying them would roll pages back, so they are ignored.
    fn wal_is_stale(wal: &Wal, db_counter: u32) -> Result<bool> {
        let first = wal.first_commit_counter(|p| header::decode(p).ok().map(|h| h.change_counter))?;
        let Some(first) = first else { return Ok(false) };
        let base = first.wrapping_sub(1);
        let ahead = db_counter.wrapping_sub(base) as i32;
        Ok(ahead > wal.commit_count() as i32)
    }

    pub fn is_memory(&self) -> bool {
        self.memory
    }
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }
    pub fn path(&self) -> &str {
        &self.path
    }
    pub fn page_size(&self) -> u32 {
        self.shared.lock().committed.page_size
    }

    /// Sets the page size while the database has no content yet; returns
    /// whether it took effect (SQLite ignores it silently otherwise).
    pub fn set_page_size(&self, size: u32) -> Result<bool> {
        if !header::valid_page_size(size) || self.read_only {
            return Ok(false);
        }
        let w = self.writer.lock();
        if *w {
            return Ok(false);
        }
        let mut sh = self.shared.lock();
        // Readers of an empty database hold nothing page-size dependent;
        // a writer refreshes its state from `committed` (see begin_write).
        if sh.committed.page_count != 0 || sh.wal.mx_frame != 0 {
            return Ok(false);
        }
        sh.committed.page_size = size;
        sh.wal.page_size = size;
        sh.cache.retain(|_, _| false);
        self.apply_budget(&mut sh);
        Ok(true)
    }

    /// The default `synchronous` level
    /// of operations that do not bring their own: a connection's `PRAGMA
    /// synchronous` applies to its own commits and checkpoints only
    /// (`Txn::set_synchronous`, `checkpoint_at`), as in SQLite.
    pub fn set_synchronous(&self, level: Synchronous) {
        let mut sh = self.shared.lock();
        sh.default_sync = level;
        sh.sync_level = sh.default_sync;
    }
    pub fn synchronous(&self) -> Synchronous {
        self.shared.lock().default_sync
    }

    /// Locks the shared state for an operation at `level` (None: the
    /// default); the level holds until the guard drops.
    fn lock_at(&self, level: Option<Synchronous>) -> LevelGuard<'_> {
        let mut sh = self.shared.lock();
        sh.sync_level = level.unwrap_or(sh.default_sync);
        LevelGuard { sh }
    }
    /// Checkpoint automatically after a commit leaving >= `frames` frames
    /// in the WAL (0 = never).
    pub fn set_wal_autocheckpoint(&self, frames: u32) {
        self.shared.lock().autocheckpoint = frames;
    }
    pub fn wal_autocheckpoint(&self) -> u32 {
        self.shared.lock().autocheckpoint
    }
    /// Committed frames currently in the WAL.
    pub fn wal_frame_count(&self) -> u32 {
        self.shared.lock().wal.mx_frame
    }
    /// `PRAGMA wal_truncate` (default off).
    pub fn set_wal_truncate(&self, on: bool) {
        self.shared.lock().wal_truncate = on;
    }
    pub fn wal_truncate(&self) -> bool {
        self.shared.lock().wal_truncate
    }
    /// `PRAGMA wal_truncate_threshold` in bytes (default 0).
    pub fn set_wal_truncate_threshold(&self, bytes: u64) {
        self.shared.lock().wal_truncate_threshold = bytes;
    }
    pub fn wal_truncate_threshold(&self) -> u64 {
        self.shared.lock().wal_truncate_threshold
    }
    /// `PRAGMA journal_size_limit` in bytes; any negative value means no
    /// limit and reads back as -1 (SQLite's default). Returns the new value.
    pub fn set_journal_size_limit(&self, bytes: i64) -> i64 {
        let v = bytes.max(-1);
        self.shared.lock().journal_size_limit = v;
        v
    }
    pub fn journal_size_limit(&self) -> i64 {
        self.shared.lock().journal_size_limit
    }
    /// `PRAGMA wal_pin_limit`: cap in bytes on old page images pinned for
    /// live readers by checkpoints; negative = the page cache's capacity
    /// (the default). Returns the cap now in force, in bytes.
    pub fn set_wal_pin_limit(&self, bytes: i64) -> i64 {
        let mut sh = self.shared.lock();
        sh.pin_limit = bytes.max(-1);
        sh.pin_limit_bytes().min(i64::MAX as usize) as i64
    }
    pub fn wal_pin_limit(&self) -> i64 {
        self.shared.lock().pin_limit_bytes().min(i64::MAX as usize) as i64
    }

    /// `PRAGMA wal_status`.
    pub fn wal_status(&self) -> WalStatus {
        let sh = self.shared.lock();
        WalStatus {
            frames: sh.wal.mx_frame,
            bytes: sh.wal.file_len,
            checkpointed_frames: sh.wal.backfilled,
            readers: sh.readers.len() as u32,
        }
    }
    /// Bytes held by the shared page cache (pinned old images included).
    pub fn cache_used_bytes(&self) -> usize {
        self.shared.lock().cache.used_bytes()
    }
    /// Bytes of old page images pinned for live snapshots older than the
    /// last checkpoint (part of `cache_used_bytes`).
    pub fn pinned_bytes(&self) -> usize {
        self.shared.lock().cache.pinned_bytes
    }
    /// Page count and header of the latest committed state.
    pub fn committed_page_count(&self) -> u32 {
        self.shared.lock().committed.page_count
    }

    /// Starts a read transaction pinned to the latest committed snapshot.
    pub fn begin_read(self: &Arc<Self>) -> Result<Txn> {
        let mut sh = self.shared.lock();
        let id = sh.next_reader;
        sh.next_reader += 1;
        let snap = sh.snap_now();
        sh.readers.insert(id, snap);
        Ok(Txn {
            pager: self.clone(),
            id: NEXT_TXN.fetch_add(1, Ordering::Relaxed),
            reader_id: id,
            snap,
            version: sh.version,
            state: sh.committed.clone(),
            touched: AtomicBool::new(false),
            write: None,
            modcount: 0,
            epoch: 0,
            tree_mods: PageMap::default(),
            memo: RefCell::new(Vec::new()),
            read_set: RefCell::new(PageMap::default()),
            read_set_overflow: AtomicBool::new(false),
            ended: false,
            sync_level: None,
            committing: false,
        })
    }

    /// Reads a committed page image as of `snap`.
    /// `bounded`: HARD mode's bound applies (see `check_read_room`).
    fn read_page(&self, pgno: PageNo, snap: Snap, bounded: bool) -> Result<PageRef> {
        let mut sh = self.shared.lock();
        let eff = sh.effective(snap);
        let frame = sh.wal.find(pgno, eff);
        if frame.is_none() && sh.cache.has_pins() {
            if let Some(p) = sh.cache.pinned(pgno, snap.global) {
                return Ok(p.clone());
            }
        }
        let version = frame.unwrap_or(0);
        if let Some(p) = sh.cache.get(pgno, version).or_else(|| sh.copied_image(pgno, frame)) {
            let p = p.clone();
            sh.cache.hits += 1;
            return Ok(p);
        }
        sh.cache.misses += 1;
        let ps = sh.committed.page_size as usize;
        let mut buf = vec![0u8; ps];
        match frame {
            Some(f) => sh.wal.read_frame(f, &mut buf)?,
            None => {
                sh.db.read_at(u64::from(pgno - 1) * ps as u64, &mut buf)?;
            }
        }
        self.cache_read(&mut sh, pgno, version, buf, bounded)
    }

    /// Caches the image of `(pgno, version)` just read from a file,
    /// keeping room for the writer's pages; `bounded`: HARD mode's bound
    /// applies (see `check_read_room`).
    fn cache_read(&self, sh: &mut Shared, pgno: PageNo, version: u32, buf: Vec<u8>, bounded: bool) -> Result<PageRef> {
        let page = Arc::new(buf);
        sh.cache.reserved = self.writer_bytes.load(Ordering::Relaxed);
        sh.cache.insert(pgno, version, page.clone());
        if bounded {
            self.check_read_room(sh, pgno, version)?;
        }
        Ok(page)
    }

    /// The file system the WAL is (or will be) opened on: MEMORY / OFF
    /// keep it in `mem_journal` (folded right after each commit), every
    /// other mode on the database's VFS. Only consulted to open the file.
    fn wal_vfs(&self, sh: &mut Shared) -> &dyn Vfs {
        let in_memory = sh.journal_mode.wal_in_memory() && !self.memory;
        if sh.wal.has_file() || !in_memory {
            if !sh.wal.has_file() {
                sh.wal_on_disk = true;
            }
            self.vfs.as_ref()
        } else {
            sh.wal_on_disk = false;
            &self.mem_journal
        }
    }

    /// A page the write transaction spilled, from WAL tail frame `frame`.
    /// Page `pgno`'s image in tail frame `frame`: from the cache, where a
    /// spill leaves what it wrote, else read back (and cached again).
    /// `bounded`: HARD mode's bound applies (see `check_read_room`).
    fn read_tail(&self, pgno: PageNo, frame: u32, bounded: bool) -> Result<PageRef> {
        let mut sh = self.shared.lock();
        debug_assert!(frame > sh.wal.mx_frame && frame <= sh.wal.mx_frame + sh.wal.tail);
        if let Some(p) = sh.cache.get(pgno, frame) {
            let p = p.clone();
            sh.cache.hits += 1;
            return Ok(p);
        }
        sh.cache.misses += 1;
        let mut buf = vec![0u8; sh.wal.page_size as usize];
        sh.wal.read_frame(frame, &mut buf)?;
        self.cache_read(&mut sh, pgno, frame, buf, bounded)
    }

    fn acquire_writer(&self, timeout_ms: u32) -> Result<()> {
        let mut w = self.writer.lock();
        if *w {
            let deadline = Instant::now() + Duration::from_millis(u64::from(timeout_ms));
            while *w {
                if self.writer_cv.wait_until(&mut w, deadline).timed_out() && *w {
                    return Err(busy());
                }
            }
        }
        *w = true;
        Ok(())
    }

    fn release_writer(&self) {
        *self.writer.lock() = false;
        self.writer_cv.notify_one();
    }
}

impl Drop for Pager {
    fn drop(&mut self) {
        let sh = self.shared.get_mut();
        if !self.read_only && sh.io_error.is_none() {
            sh.readers.clear();
            let level = sh.sync_level;
            // Move everything into the database file, then drop the WAL
            // (no reader is left, so nothing is pinned and all is copied).
            let mx = sh.wal.mx_frame;
            let ok = Self::backfill(sh).map(|()| sh.wal.backfilled == mx);
            // TRUNCATE and PERSIST leave their (empty) journal file behind,
            // as SQLite does; MEMORY and OFF have none on disk.
            let keep_file = matches!(
                sh.journal_mode,
                JournalMode::Truncate | JournalMode::Persist | JournalMode::Memory | JournalMode::Off
            );
            if let (Ok(true), false) = (ok, keep_file) {
                if sh.wal.has_file() || self.vfs.exists(&sh.wal.path).unwrap_or(false) {
                    let deleted = sh.wal.delete(self.vfs.as_ref()).is_ok();
                    if deleted && level >= Synchronous::Extra {
                        let _ = self.vfs.sync_dir(&sh.wal.path);
                    }
                }
            }
        }
        let _ = sh.db.unlock();
        if let Some(c) = &self.canonical {
            let mut reg = REGISTRY.lock();
            if reg.get(c).is_some_and(|w| w.strong_count() == 0) {
                reg.remove(c);
            }
        }
    }
}

#[cfg(test)]
mod tests;
