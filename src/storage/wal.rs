//! The write-ahead log `<db>-wal`: committed pages are appended here and
//! copied back into the database file by checkpoints.
//!
//! Byte layout (big-endian):
//! ```text
//! WAL header (WAL_HEADER_SIZE = 32 bytes)
//!   0  4  WAL_MAGIC 0x53564C57 ("SVLW")
//!   4  4  WAL_VERSION = 1
//!   8  4  page size
//!  12  4  checkpoint sequence (bumped at every reset)
//!  16  4  salt-1 (incremented at every reset)
//!  20  4  salt-2 (random at every reset)
//!  24  4  reserved, zero
//!  28  4  CRC32 of bytes 0..28
//! Frames, each FRAME_HEADER_SIZE (24) + page size bytes, frame N (1-based)
//! at WAL_HEADER_SIZE + (N-1) * (24 + page size):
//!   0  4  page number
//!   4  4  commit marker: database size in pages after this commit, or 0
//!   8  4  salt-1 (must equal the header's)
//!  12  4  salt-2 (must equal the header's)
//!  16  4  chained CRC32: crc32 seeded with the previous frame's CRC (the
//!         header CRC for frame 1) over frame-header bytes 0..16 + page data
//!  20  4  reserved, zero
//!  24  .. page data
//! ```
//!
//! State machine (all under the pager's shared mutex):
//! - EMPTY: `mx_frame == 0`; the file is absent, empty or holds stale data.
//!   The next commit writes a fresh header (new salts) and frames from 1.
//! - ACTIVE: frames `1..=mx_frame` are whole committed transactions, the
//!   last frame is a commit frame; `backfilled <= mx_frame` of them are
//!   copied into the database file. A commit appends frames after
//!   `mx_frame` and moves it to the new commit frame (only after the write,
//!   and the sync at FULL, succeeded).
//! - A checkpoint raises `backfilled`; when `backfilled == mx_frame` the
//!   WAL is reset to EMPTY (generation + 1, truncated to 0 bytes).
//!
//! - TAIL: the open write transaction spilled dirty pages as uncommitted
//!   frames `mx_frame+1 ..= mx_frame+tail` (commit marker 0, chained CRC
//!   continuing from frame `mx_frame`). Only that writer reads them; its
//!   commit appends the rest with the commit marker on the last frame, so
//!   tail and commit become one transaction; a rollback, or a commit
//!   left with nothing to write (savepoint rollbacks undid all it had
//!   spilled), drops the tail: no later commit frame may follow it.
//!   While a tail exists the WAL is never reset.
//!
//! Invariants: the index (`newest` and the `prev` chains) lists exactly
//! the frames `<= mx_frame` per page; tail frames enter it only when their
//! commit frame is written. Bytes after frame `mx_frame + tail` are garbage
//! (a torn or failed append, a dropped tail), never read, and truncated away
//! (`needs_truncate`) before the next append. The chained CRC and salts make stale frames of an older
//! generation or of a failed append fail validation at recovery.

use crate::error::{Error, Result};
use crate::storage::header::{get_u32, put_u32, valid_page_size};
use crate::storage::pager::PageNo;
use crate::storage::pagevec::PageVec;
use crate::storage::vfs::{OpenMode, Vfs, VfsFile};
use std::sync::Arc;

mod tail;

pub const WAL_MAGIC: u32 = 0x5356_4C57;
pub const WAL_VERSION: u32 = 1;
pub const WAL_HEADER_SIZE: usize = 32;
pub const FRAME_HEADER_SIZE: usize = 24;
/// Frames are written in chunks of at most this many bytes.
const WRITE_CHUNK: usize = 256 * 1024;
const WH_MAGIC: usize = 0;
const WH_VERSION: usize = 4;
const WH_PAGE_SIZE: usize = 8;
const WH_CKPT_SEQ: usize = 12;
const WH_SALT1: usize = 16;
const WH_SALT2: usize = 20;
const WH_CRC: usize = 28;
const FH_PGNO: usize = 0;
const FH_COMMIT: usize = 4;
const FH_SALT1: usize = 8;
const FH_SALT2: usize = 12;
const FH_CRC: usize = 16;

pub struct Wal {
    pub path: String,
    file: Option<Arc<dyn VfsFile>>,
    pub page_size: u32,
    salt1: u32,
    salt2: u32,
    ckpt_seq: u32,
    /// CRC of the header (seed of frame 1).
    header_crc: u32,
    /// Chained CRC of frame `mx_frame`.
    last_crc: u32,
    /// Bumped at every reset; reader snapshots name their generation.
    pub generation: u64,
    /// Last committed frame.
    pub mx_frame: u32,
    /// Frames of all earlier generations: frame f of this generation has
    /// the global position `frame_base + f`, increasing across resets.
    pub frame_base: u64,
    /// Frames copied into the database file.
    pub backfilled: u32,
    /// Page -> newest indexed frame holding it.
    newest: PageVec,
    /// `prev[f - 1]`: the indexed frame before `f` holding the same page
    /// (0 = none). Four bytes per frame, where a per-page list costs ~70.
    prev: Vec<u32>,
    /// Uncommitted frames of the open write transaction after `mx_frame`.
    pub tail: u32,
    /// Chained CRC of the last tail frame (valid while `tail > 0` and
    /// `rechain_from` is None).
    tail_crc: u32,
    /// Lowest tail frame rewritten in place since the chain was last whole
    /// (see wal/tail.rs).
    rechain_from: Option<u32>,
    /// Commit frames and the database size each one records, ascending.
    commits: Vec<(u32, u32)>,
    /// The file holds bytes after frame `mx_frame` (or a stale header)
    /// that must be cut before the next append (a failed append's frames).
    pub needs_truncate: bool,
    /// Bytes in the file (tracked; every write and truncate goes through
    /// this struct). May exceed the end of frame `mx_frame`: a reset that
    /// keeps the file leaves stale frames of the old generation behind.
    pub file_len: u64,
    /// EMPTY with this generation's header already on disk (written by a
    /// keeping reset): the next append starts at frame 1 after it.
    header_written: bool,
    /// Frames of the previous generation still in the file after a keeping
    /// reset (SQLite reports them as `log` until the next write).
    pub stale_frames: u32,
    /// Bytes were written since the file was last synced (a sync with
    /// nothing new to make durable is skipped).
    unsynced: bool,
}

fn seed_salt() -> u32 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let a = &t as *const _ as usize as u128;
    let mut x = (t ^ (a << 17) ^ u128::from(std::process::id())) as u64 | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x as u32
}

impl Wal {
    pub fn new(path: String, page_size: u32) -> Wal {
        Wal {
            path,
            file: None,
            page_size,
            salt1: seed_salt(),
            salt2: seed_salt().rotate_left(11),
            ckpt_seq: 0,
            header_crc: 0,
            last_crc: 0,
            generation: 1,
            mx_frame: 0,
            frame_base: 0,
            backfilled: 0,
            newest: PageVec::default(),
            prev: Vec::new(),
            tail: 0,
            tail_crc: 0,
            rechain_from: None,
            commits: Vec::new(),
            needs_truncate: false,
            file_len: 0,
            header_written: false,
            stale_frames: 0,
            unsynced: false,
        }
    }

    fn frame_size(&self) -> u64 {
        (FRAME_HEADER_SIZE + self.page_size as usize) as u64
    }
    fn frame_offset(&self, frame: u32) -> u64 {
        WAL_HEADER_SIZE as u64 + u64::from(frame - 1) * self.frame_size()
    }
    /// End of the last committed frame (or of the pre-written header).
    pub fn end_offset(&self) -> u64 {
        if self.mx_frame == 0 {
            if self.header_written {
                WAL_HEADER_SIZE as u64
            } else {
                0
            }
        } else {
            self.frame_offset(self.mx_frame + 1)
        }
    }

    /// Reads an existing WAL and keeps its longest valid prefix of whole
    /// committed transactions. `db_page_size` is the database's page size
    /// when the database file has content (a WAL of another size is stale).
    pub fn recover(&mut self, vfs: &dyn Vfs, mode: OpenMode, db_page_size: Option<u32>) -> Result<()> {
        let file = vfs.open(&self.path, OpenMode { read_only: mode.read_only, create: false })?;
        let size = file.size()?;
        self.file = Some(file.clone());
        self.file_len = size;
        self.needs_truncate = size > 0;
        // Written by an earlier process: the OS may not have it on disk yet.
        self.unsynced = size > 0;
        if size < WAL_HEADER_SIZE as u64 {
            return Ok(());
        }
        let mut hdr = [0u8; WAL_HEADER_SIZE];
        file.read_at(0, &mut hdr)?;
        let ps = get_u32(&hdr, WH_PAGE_SIZE);
        if get_u32(&hdr, WH_MAGIC) != WAL_MAGIC
            || get_u32(&hdr, WH_VERSION) != WAL_VERSION
            || crc32fast::hash(&hdr[..WH_CRC]) != get_u32(&hdr, WH_CRC)
            || !valid_page_size(ps)
            || db_page_size.is_some_and(|d| d != ps)
        {
            return Ok(());
        }
        self.page_size = ps;
        self.salt1 = get_u32(&hdr, WH_SALT1);
        self.salt2 = get_u32(&hdr, WH_SALT2);
        self.ckpt_seq = get_u32(&hdr, WH_CKPT_SEQ);
        self.header_crc = get_u32(&hdr, WH_CRC);
        let fsz = self.frame_size();
        let nframes = (size - WAL_HEADER_SIZE as u64) / fsz;
        let mut buf = vec![0u8; fsz as usize];
        let mut crc = self.header_crc;
        let mut last_commit = 0u32;
        let mut last_commit_crc = crc;
        let mut frames: Vec<(PageNo, u32)> = Vec::new();
        for i in 1..=nframes.min(u64::from(u32::MAX - 1)) as u32 {
            file.read_at(self.frame_offset(i), &mut buf)?;
            let pgno = get_u32(&buf, FH_PGNO);
            let commit = get_u32(&buf, FH_COMMIT);
            if pgno == 0 || get_u32(&buf, FH_SALT1) != self.salt1 || get_u32(&buf, FH_SALT2) != self.salt2 {
                break;
            }
            let mut h = crc32fast::Hasher::new_with_initial(crc);
            h.update(&buf[..FH_CRC]);
            h.update(&buf[FRAME_HEADER_SIZE..]);
            let c = h.finalize();
            if c != get_u32(&buf, FH_CRC) {
                break;
            }
            crc = c;
            frames.push((pgno, commit));
            if commit != 0 {
                last_commit = i;
                last_commit_crc = c;
            }
        }
        for (i, &(pgno, commit)) in frames.iter().enumerate().take(last_commit as usize) {
            let f = i as u32 + 1;
            self.index_frame(pgno, f);
            if commit != 0 {
                self.commits.push((f, commit));
            }
        }
        self.mx_frame = last_commit;
        self.last_crc = last_commit_crc;
        self.needs_truncate = size != self.end_offset();
        Ok(())
    }

    fn index_frame(&mut self, pgno: PageNo, f: u32) {
        debug_assert_eq!(self.prev.len() + 1, f as usize, "frames are indexed in order");
        let before = self.newest.set(pgno, f);
        self.prev.push(before);
    }

    /// Newest frame `<= snap` holding `pgno`.
    #[inline]
    pub fn find(&self, pgno: PageNo, snap: u32) -> Option<u32> {
        if snap == 0 {
            return None;
        }
        let mut f = self.newest.get(pgno);
        while f > snap {
            f = self.prev[f as usize - 1];
        }
        (f != 0).then_some(f)
    }

    /// Indexed frames holding `pgno`, ascending.
    pub fn frames_of(&self, pgno: PageNo) -> Vec<u32> {
        let mut out = Vec::new();
        let mut f = self.newest.get(pgno);
        while f != 0 {
            out.push(f);
            f = self.prev[f as usize - 1];
        }
        out.reverse();
        out
    }

    /// Database size in pages recorded by commit frame `frame`.
    pub fn commit_size(&self, frame: u32) -> Option<u32> {
        let i = self.commits.partition_point(|&(f, _)| f < frame);
        self.commits.get(i).filter(|&&(f, _)| f == frame).map(|&(_, s)| s)
    }

    /// Reads the page stored in `frame` into `buf`.
    pub fn read_frame(&self, frame: u32, buf: &mut [u8]) -> Result<()> {
        let file = self.file.as_ref().ok_or_else(|| Error::internal("WAL frame read without a WAL file"))?;
        file.read_at(self.frame_offset(frame) + FRAME_HEADER_SIZE as u64, buf)?;
        Ok(())
    }

    /// Every (page, newest frame `<= limit`) whose frame is after
    /// `backfilled`: what a checkpoint up to `limit` must copy.
    pub fn pages_to_copy(&self, limit: u32) -> Vec<(PageNo, u32)> {
        self.newest
            .iter()
            .filter_map(|(p, _)| self.find(p, limit).filter(|&f| f > self.backfilled).map(|f| (p, f)))
            .collect()
    }

    /// Up to `max` pages from page `lo` on (ascending) with their newest
    /// frame `<= limit` when it is not yet copied, and the page to go on
    /// from; None when no page is left.
    pub fn pages_to_copy_from(&self, limit: u32, lo: PageNo, max: usize) -> Option<(Vec<(PageNo, u32)>, PageNo)> {
        let mut out = Vec::new();
        let mut next = None;
        for (p, _) in self.newest.iter_from(lo) {
            if out.len() == max {
                next = Some(p);
                break;
            }
            if let Some(f) = self.find(p, limit).filter(|&f| f > self.backfilled) {
                out.push((p, f));
            }
        }
        match next {
            Some(n) => Some((out, n)),
            None if out.is_empty() => None,
            None => Some((out, PageNo::MAX)),
        }
    }

    /// Makes every byte written so far durable; a no-op when nothing was
    /// written since the last sync.
    pub fn sync(&mut self) -> Result<()> {
        match &self.file {
            Some(f) if self.unsynced => {
                f.sync()?;
                self.unsynced = false;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// End of the last frame written (committed or tail).
    fn tail_end_offset(&self) -> u64 {
        if self.tail == 0 {
            self.end_offset()
        } else {
            self.frame_offset(self.mx_frame + self.tail + 1)
        }
    }

    /// Spills pages of the open write transaction: appends them as
    /// uncommitted frames after the tail. Returns the first new frame
    /// (the pages get consecutive frames). On error the tail is unchanged
    /// and the bytes written past it are marked for truncation.
    pub fn append_tail(&mut self, vfs: &dyn Vfs, pages: &[(PageNo, &[u8])]) -> Result<u32> {
        let first = self.mx_frame + self.tail + 1;
        if pages.is_empty() {
            return Ok(first);
        }
        let crc = self.write_frames(vfs, pages, None, false)?;
        self.tail += pages.len() as u32;
        self.tail_crc = crc;
        Ok(first)
    }

    /// Appends the rest of a transaction after its tail: `pages` in order,
    /// the last frame carrying the commit marker `db_size`, and makes the
    /// whole transaction (tail included) committed. `tail_finals` names the
    /// tail frames that hold the committed version of a page not in `pages`
    /// (older tail frames of a page are superseded and stay unindexed).
    /// Returns the frame number of each page of `pages`. On error nothing
    /// in memory changes (the tail stays; the bytes past it are marked for
    /// truncation).
    pub fn append_commit(
        &mut self,
        vfs: &dyn Vfs,
        pages: &[(PageNo, &[u8])],
        tail_finals: impl Iterator<Item = (PageNo, u32)>,
        db_size: u32,
        sync: bool,
        sync_dir: bool,
    ) -> Result<Vec<u32>> {
        if pages.is_empty() {
            debug_assert!(self.tail == 0, "a tail is committed by a frame after it");
            return Ok(Vec::new());
        }
        let created = self.file.is_none();
        self.rechain_tail()?;
        let crc = self.write_frames(vfs, pages, Some(db_size), sync)?;
        if created && sync_dir {
            if let Err(e) = vfs.sync_dir(&self.path) {
                self.needs_truncate = true;
                return Err(e);
            }
        }
        let first = self.mx_frame + self.tail + 1;
        let end = first + pages.len() as u32 - 1;
        self.prev.reserve_exact((end as usize).saturating_sub(self.prev.len()));
        self.prev.resize(end as usize, 0);
        // Each page has one final frame here and its older frames are all
        // <= mx_frame, so the chains can be linked in any order.
        for (p, f) in tail_finals {
            debug_assert!(f > self.mx_frame && f < first);
            self.prev[f as usize - 1] = self.newest.set(p, f);
        }
        let mut frames = Vec::with_capacity(pages.len());
        for (i, (pgno, _)) in pages.iter().enumerate() {
            let f = first + i as u32;
            frames.push(f);
            self.prev[f as usize - 1] = self.newest.set(*pgno, f);
        }
        self.mx_frame = end;
        self.tail = 0;
        self.commits.push((end, db_size));
        self.last_crc = crc;
        Ok(frames)
    }

    /// Forgets the tail (the write transaction rolled back) and cuts its
    /// frames from the file (best effort: a failed cut is retried before
    /// the next append; the frames have no commit frame, so recovery
    /// ignores them anyway).
    pub fn drop_tail(&mut self) {
        if self.tail == 0 {
            return;
        }
        self.tail = 0;
        self.rechain_from = None;
        self.needs_truncate = true;
        let _ = self.truncate_tail();
    }

    /// Writes `pages` as frames after the tail, the last one carrying
    /// `commit` (None: all uncommitted), in chunks of at most
    /// WRITE_CHUNK bytes so the copy never grows with the transaction.
    /// Returns the chained CRC of the last frame.
    fn write_frames(
        &mut self,
        vfs: &dyn Vfs,
        pages: &[(PageNo, &[u8])],
        commit: Option<u32>,
        sync: bool,
    ) -> Result<u32> {
        if self.file.is_none() {
            let f = vfs.open(&self.path, OpenMode { read_only: false, create: true })?;
            self.file = Some(f);
        }
        let file = self.file.clone().ok_or_else(|| Error::internal("no WAL file"))?;
        let fresh = self.mx_frame == 0 && self.tail == 0 && !self.header_written;
        let (salt1, salt2, header_crc, start_off, mut crc);
        let per_chunk = (WRITE_CHUNK / self.frame_size() as usize).max(1);
        let mut buf = Vec::with_capacity(WAL_HEADER_SIZE + per_chunk.min(pages.len()) * self.frame_size() as usize);
        if fresh {
            salt1 = self.salt1.wrapping_add(1);
            salt2 = seed_salt() ^ self.salt2.rotate_left(7);
            let mut hdr = [0u8; WAL_HEADER_SIZE];
            put_u32(&mut hdr, WH_MAGIC, WAL_MAGIC);
            put_u32(&mut hdr, WH_VERSION, WAL_VERSION);
            put_u32(&mut hdr, WH_PAGE_SIZE, self.page_size);
            put_u32(&mut hdr, WH_CKPT_SEQ, self.ckpt_seq);
            put_u32(&mut hdr, WH_SALT1, salt1);
            put_u32(&mut hdr, WH_SALT2, salt2);
            header_crc = crc32fast::hash(&hdr[..WH_CRC]);
            put_u32(&mut hdr, WH_CRC, header_crc);
            buf.extend_from_slice(&hdr);
            start_off = 0u64;
            crc = header_crc;
        } else {
            salt1 = self.salt1;
            salt2 = self.salt2;
            header_crc = self.header_crc;
            start_off = self.tail_end_offset();
            crc = if self.tail > 0 { self.tail_crc } else { self.last_crc };
        }
        let result = (|| -> Result<()> {
            if self.needs_truncate {
                file.truncate(start_off)?;
                self.file_len = start_off;
                self.needs_truncate = false;
            }
            self.unsynced = true;
            let mut off = start_off;
            for (ci, chunk) in pages.chunks(per_chunk).enumerate() {
                for (i, (pgno, data)) in chunk.iter().enumerate() {
                    let last = ci * per_chunk + i + 1 == pages.len();
                    let mut fh = [0u8; FRAME_HEADER_SIZE];
                    put_u32(&mut fh, FH_PGNO, *pgno);
                    put_u32(&mut fh, FH_COMMIT, if last { commit.unwrap_or(0) } else { 0 });
                    put_u32(&mut fh, FH_SALT1, salt1);
                    put_u32(&mut fh, FH_SALT2, salt2);
                    let mut h = crc32fast::Hasher::new_with_initial(crc);
                    h.update(&fh[..FH_CRC]);
                    h.update(data);
                    crc = h.finalize();
                    put_u32(&mut fh, FH_CRC, crc);
                    buf.extend_from_slice(&fh);
                    buf.extend_from_slice(data);
                }
                file.write_at(off, &buf)?;
                off += buf.len() as u64;
                self.file_len = self.file_len.max(off);
                buf.clear();
            }
            if sync {
                file.sync()?;
                self.unsynced = false;
            }
            Ok(())
        })();
        if let Err(e) = result {
            self.needs_truncate = true;
            return Err(e);
        }
        self.header_written = false;
        self.stale_frames = 0;
        if fresh {
            self.salt1 = salt1;
            self.salt2 = salt2;
            self.header_crc = header_crc;
        }
        Ok(crc)
    }

    /// Truncates garbage after the last committed frame (after a failed
    /// append or a torn tail found by recovery).
    pub fn truncate_tail(&mut self) -> Result<()> {
        if self.needs_truncate {
            debug_assert_eq!(self.tail, 0, "the tail is cut only when dropped");
            if self.mx_frame == 0 {
                self.header_written = false;
            }
            if let Some(f) = &self.file {
                f.truncate(self.end_offset())?;
                self.file_len = self.end_offset();
            }
            self.needs_truncate = false;
        }
        Ok(())
    }

    /// Cuts stale bytes (old-generation frames) beyond `len`, never below
    /// the end of the committed frames (`journal_size_limit` after a commit).
    pub fn trim_to(&mut self, len: u64) -> Result<()> {
        let len = len.max(self.end_offset());
        if self.file_len > len {
            if let Some(f) = &self.file {
                f.truncate(len)?;
                self.file_len = len;
            }
        }
        Ok(())
    }

    /// Back to EMPTY after every frame was checkpointed (new generation).
    /// With `keep_bytes < WAL_HEADER_SIZE` the file is truncated to zero
    /// bytes; otherwise a header with new salts is written now (so every
    /// old frame fails validation) and the file is cut to `keep_bytes` if
    /// longer, its stale frames otherwise kept for reuse (SQLite's default).
    /// With `sync` the new state is made durable now. Checkpoints do not
    /// ask for it: a power loss that revives the old header with a valid
    /// old prefix (pages older than the database file) is caught at
    /// recovery by the change-counter check (`Pager::wal_is_stale`).
    pub fn reset(&mut self, keep_bytes: u64, sync: bool) -> Result<()> {
        let old_mx = self.reset_state();
        let Some(f) = self.file.clone() else {
            self.needs_truncate = false;
            return Ok(());
        };
        if keep_bytes < WAL_HEADER_SIZE as u64 || self.file_len <= WAL_HEADER_SIZE as u64 {
            f.truncate(0)?;
            self.file_len = 0;
        } else {
            let salt1 = self.salt1.wrapping_add(1);
            let salt2 = seed_salt() ^ self.salt2.rotate_left(7);
            let mut hdr = [0u8; WAL_HEADER_SIZE];
            put_u32(&mut hdr, WH_MAGIC, WAL_MAGIC);
            put_u32(&mut hdr, WH_VERSION, WAL_VERSION);
            put_u32(&mut hdr, WH_PAGE_SIZE, self.page_size);
            put_u32(&mut hdr, WH_CKPT_SEQ, self.ckpt_seq);
            put_u32(&mut hdr, WH_SALT1, salt1);
            put_u32(&mut hdr, WH_SALT2, salt2);
            let header_crc = crc32fast::hash(&hdr[..WH_CRC]);
            put_u32(&mut hdr, WH_CRC, header_crc);
            f.write_at(0, &hdr)?;
            if self.file_len > keep_bytes {
                f.truncate(keep_bytes)?;
                self.file_len = keep_bytes;
            }
            self.salt1 = salt1;
            self.salt2 = salt2;
            self.header_crc = header_crc;
            self.last_crc = header_crc;
            self.header_written = true;
            self.stale_frames = old_mx;
        }
        self.unsynced = true;
        if sync {
            f.sync()?;
            self.unsynced = false;
        }
        self.needs_truncate = false;
        Ok(())
    }

    /// The in-memory half of a reset: a new, EMPTY generation. Returns the
    /// old `mx_frame`. The caller deals with the file.
    fn reset_state(&mut self) -> u32 {
        let old_mx = self.mx_frame;
        self.frame_base += u64::from(old_mx);
        self.mx_frame = 0;
        self.backfilled = 0;
        self.newest.clear();
        self.prev = Vec::new();
        debug_assert_eq!(self.tail, 0, "a WAL with a live tail is never reset");
        self.commits.clear();
        self.generation += 1;
        self.ckpt_seq = self.ckpt_seq.wrapping_add(1);
        self.needs_truncate = true;
        self.header_written = false;
        self.stale_frames = 0;
        old_mx
    }

    /// Reset for `journal_mode = PERSIST`: the file keeps its length but
    /// its header is overwritten with zeros, so it holds no valid frame.
    /// The next append writes a fresh header (new salts) over it; stale
    /// frames after the new ones fail the salt check.
    pub fn reset_zero_header(&mut self) -> Result<()> {
        self.reset_state();
        if let Some(f) = self.file.clone() {
            if self.file_len > 0 {
                self.unsynced = true;
                f.write_at(0, &[0u8; WAL_HEADER_SIZE])?;
            }
        }
        self.needs_truncate = false;
        Ok(())
    }

    /// Reset that closes and deletes the file (`journal_mode = DELETE`, and
    /// MEMORY/OFF, whose WAL lives in a memory file of `vfs`).
    pub fn reset_delete(&mut self, vfs: &dyn Vfs) -> Result<()> {
        self.reset_state();
        self.needs_truncate = false;
        self.delete(vfs)
    }

    /// Closes and deletes the file (clean close after a full checkpoint).
    pub fn delete(&mut self, vfs: &dyn Vfs) -> Result<()> {
        self.file = None;
        self.file_len = 0;
        self.header_written = false;
        self.unsynced = false;
        if vfs.exists(&self.path)? {
            vfs.delete(&self.path)?;
        }
        Ok(())
    }

    pub fn has_file(&self) -> bool {
        self.file.is_some()
    }

    /// Change counter (database header) recorded in the first commit's
    /// page 1, when the WAL holds a commit. Every commit writes page 1 and
    /// bumps the counter by one, so commit k of this generation carries
    /// `first + k - 1`, and the database state the generation started
    /// from carries `first - 1`.
    pub fn first_commit_counter(&self, counter_of: impl Fn(&[u8]) -> Option<u32>) -> Result<Option<u32>> {
        let Some(&(first, _)) = self.commits.first() else { return Ok(None) };
        let Some(f) = self.find(1, first) else { return Ok(None) };
        let mut buf = vec![0u8; self.page_size as usize];
        self.read_frame(f, &mut buf)?;
        Ok(counter_of(&buf))
    }

    /// Commits in the WAL.
    pub fn commit_count(&self) -> usize {
        self.commits.len()
    }

    /// Forgets every frame (recovery found a stale WAL); the file's bytes
    /// are cut before the next append.
    pub fn discard(&mut self) {
        self.reset_state();
    }

    /// Drops the file handle of an EMPTY WAL, so the next append opens the
    /// file afresh (through the VFS the journal mode now uses).
    pub fn detach(&mut self) {
        debug_assert_eq!(self.mx_frame, 0);
        self.file = None;
        self.file_len = 0;
        self.header_written = false;
        self.needs_truncate = false;
        self.unsynced = false;
    }
}
