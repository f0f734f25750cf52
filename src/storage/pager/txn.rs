//! Transactions: a read snapshot, or the one write transaction with its
//! private copy-on-write dirty pages and statement savepoints.
//!
//! Invariants: `dirty` holds this transaction's version of every page it
//! changed (never visible to others before commit); each savepoint maps a
//! page to its image when the savepoint opened (None = not dirty then), so
//! `rollback_to` restores pages and the header state exactly; a read
//! transaction's view never changes (its snapshot is pinned in
//! `Shared::readers` until it ends).

use super::*;

/// Private state of the write transaction.
///
/// Where the transaction's version of page p lives, first match wins:
/// `dirty[p]` (in memory), else tail frame `spilled[p]` of the WAL (written
/// out by a spill, see `spill`), else the snapshot. (`spilled[p]` may be
/// stale while p is dirty: dirty wins.) The newest tail frame of a page
/// not dirty is its current version, except for the pages in `restored`:
/// a savepoint rollback moved them back to an older version, or a
/// savepoint image of theirs was spilled after it. The commit re-appends
/// their current version (`resolve_tail`), so in the committed WAL the
/// newest frame of every page is its committed version.
pub(super) struct WriteState {
    pub(super) dirty: PageMap<PageNo, PageRef>,
    pub(super) spilled: PageVec,
    pub(super) restored: PageMap<PageNo, ()>,
    pub(super) savepoints: Vec<Savepoint>,
    pub(super) orig: DbState,
    /// Page buffers freed by released savepoints, reused for copy-on-write
    /// (at most POOL_MAX), so a statement journal costs a memcpy, not an
    /// allocation, per page.
    pub(super) pool: Vec<Vec<u8>>,
    /// Emptied savepoint maps, reused so a statement does not allocate one.
    pub(super) map_pool: Vec<PageMap<PageNo, Prior>>,
    /// `Prior::Mem` images held by the savepoints (page buffers beyond
    /// `dirty`, counted against the spill threshold).
    pub(super) sp_images: usize,
    /// No spill is tried until `held_pages()` passes this (set after a
    /// spill that left buffers held by cursors, so a threshold nothing can
    /// get under does not rescan the dirty set at every page).
    pub(super) spill_backoff: usize,
}

pub(super) const POOL_MAX: usize = 64;

impl WriteState {
    fn new(dirty: PageMap<PageNo, PageRef>, orig: DbState) -> WriteState {
        WriteState {
            dirty,
            spilled: PageVec::default(),
            restored: PageMap::default(),
            savepoints: Vec::new(),
            orig,
            pool: Vec::new(),
            map_pool: Vec::new(),
            sp_images: 0,
            spill_backoff: 0,
        }
    }

    /// Page buffers this transaction holds (dirty pages, savepoint images
    /// and recycled buffers).
    pub(super) fn held_pages(&self) -> usize {
        self.dirty.len() + self.sp_images + self.pool.len()
    }

    /// What page p is now, for a savepoint to restore.
    fn prior(&self, pgno: PageNo) -> Prior {
        match self.dirty.get(&pgno) {
            Some(p) => Prior::Mem(p.clone()),
            None => match self.spilled.get(pgno) {
                0 => Prior::Clean,
                f => Prior::Spilled(f),
            },
        }
    }

    /// Records p's current version in the innermost savepoint, unless the
    /// savepoint already has it.
    fn journal(&mut self, pgno: PageNo) {
        let Some(sp) = self.savepoints.last() else { return };
        if sp.pages.contains_key(&pgno) {
            return;
        }
        let prior = self.prior(pgno);
        if matches!(prior, Prior::Mem(_)) {
            self.sp_images += 1;
        }
        self.savepoints.last_mut().expect("checked").pages.insert(pgno, prior);
    }

    /// Folds a released savepoint level into the level below it (whose
    /// older images win); images nobody needs any more go back to the
    /// buffer pool, and the emptied map to the map pool.
    fn merge_released(&mut self, mut sp: Savepoint) {
        for (p, img) in sp.pages.drain() {
            match self.savepoints.last_mut() {
                Some(below) => match below.pages.entry(p) {
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(img);
                    }
                    std::collections::hash_map::Entry::Occupied(_) => self.recycle(img),
                },
                None => self.recycle(img),
            }
        }
        if self.map_pool.len() < 8 {
            self.map_pool.push(sp.pages);
        }
    }
    fn recycle(&mut self, img: Prior) {
        if let Prior::Mem(a) = img {
            self.sp_images -= 1;
            if self.pool.len() < POOL_MAX {
                if let Ok(v) = Arc::try_unwrap(a) {
                    self.pool.push(v);
                }
            }
        }
    }

    /// Puts p back to `prior` (a savepoint rollback).
    fn restore(&mut self, pgno: PageNo, prior: Prior) {
        match prior {
            Prior::Mem(i) => {
                self.sp_images -= 1;
                self.dirty.insert(pgno, i);
            }
            Prior::Spilled(f) => {
                self.dirty.remove(&pgno);
                if self.spilled.set(pgno, f) != f {
                    self.restored.insert(pgno, ());
                }
            }
            Prior::Clean => {
                self.dirty.remove(&pgno);
                if self.spilled.set(pgno, 0) != 0 {
                    self.restored.insert(pgno, ());
                }
            }
        }
    }
}

/// A page as it was when a savepoint opened.
pub(super) enum Prior {
    /// Neither dirty nor spilled: the snapshot's version.
    Clean,
    /// Dirty, with this image.
    Mem(PageRef),
    /// Spilled, in this tail frame.
    Spilled(u32),
}

/// A statement journal level: every page changed since the savepoint
/// opened, as it was then, and the state.
pub(super) struct Savepoint {
    pub(super) pages: PageMap<PageNo, Prior>,
    pub(super) state: DbState,
}

/// A transaction: a read snapshot, or (after `begin_write`) the one write
/// transaction of the database, which sees its own changes.
pub struct Txn {
    pub(super) pager: Arc<Pager>,
    pub(super) id: u64,
    pub(super) reader_id: u64,
    pub(super) snap: Snap,
    pub(super) version: u64,
    pub(super) state: DbState,
    pub(super) touched: AtomicBool,
    pub(super) write: Option<WriteState>,
    pub(super) modcount: u64,
    /// Every tree counts as changed at or after this modcount (rollbacks).
    pub(super) epoch: u64,
    /// Per tree root: modcount of its last change.
    pub(super) tree_mods: PageMap<PageNo, u64>,
    /// Direct-mapped memo of snapshot pages this transaction read (a
    /// snapshot page never changes, so entries never go stale); spares the
    /// shared lock on hot pages such as roots and interior pages. Weak: a
    /// memo entry never keeps a page from eviction (an open transaction
    /// would otherwise hold up to MEMO_SLOTS pages past the budget).
    pub(super) memo: RefCell<Vec<Option<(PageNo, WeakPage)>>>,
    /// Every snapshot page read (for `reads_still_valid`), up to
    /// READ_SET_MAX pages; beyond that `read_set_overflow` is set.
    pub(super) read_set: RefCell<PageMap<PageNo, ()>>,
    pub(super) read_set_overflow: AtomicBool,
    pub(super) ended: bool,
    /// Inside `commit_write`: its reads (page 1, pages the tail resolves
    /// against) pass HARD mode's bound, so a commit, which only frees what
    /// the transaction holds, never fails for want of memory.
    pub(super) committing: bool,
    /// The `synchronous` level this transaction commits at (None: the
    /// pager's default).
    pub(super) sync_level: Option<Synchronous>,
}

pub(super) const MEMO_SLOTS: usize = 64;

/// A page image a memo may lose (see `Txn::memo`).
pub(super) type WeakPage = Weak<Vec<u8>>;
pub(super) const READ_SET_MAX: usize = 4096;

impl Txn {
    pub fn pager(&self) -> &Arc<Pager> {
        &self.pager
    }
    pub fn is_write(&self) -> bool {
        self.write.is_some()
    }
    /// Unique id of this transaction (cursors notice a new transaction).
    pub fn id(&self) -> u64 {
        self.id
    }
    /// Bumped by every change made through this transaction.
    #[inline]
    pub fn modcount(&self) -> u64 {
        self.modcount
    }
    /// Version of the tree rooted at `root` in this transaction: changes
    /// whenever the tree (or, after a rollback, any tree) may have changed.
    #[inline]
    pub fn tree_version(&self, root: PageNo) -> u64 {
        if self.tree_mods.is_empty() {
            return self.epoch;
        }
        self.tree_mods.get(&root).copied().unwrap_or(0).max(self.epoch)
    }
    /// Records that the tree rooted at `root` changed (cursors re-seek).
    #[inline]
    pub fn note_tree_change(&mut self, root: PageNo) {
        self.modcount += 1;
        self.tree_mods.insert(root, self.modcount);
    }
    fn bump_epoch(&mut self) {
        self.modcount += 1;
        self.epoch = self.modcount;
    }
    /// The WAL frame this snapshot reads up to (0 = database file only).
    pub fn snapshot_id(&self) -> u64 {
        (self.snap.generation << 32) | u64::from(self.snap.frame)
    }
    pub fn page_size(&self) -> u32 {
        self.state.page_size
    }

    /// Upgrades to the write transaction, waiting up to `busy_timeout_ms` for
    /// another writer. If another connection committed since this snapshot
    /// was taken and changed a page this transaction read (or the schema
    /// cookie), this is BUSY_SNAPSHOT; otherwise the transaction moves to
    /// the latest snapshot first.
    pub fn begin_write(&mut self, busy_timeout_ms: u32) -> Result<()> {
        if self.write.is_some() {
            return Ok(());
        }
        if self.pager.read_only {
            return Err(Error::new(ErrorKind::ReadOnly, "attempt to write a readonly database"));
        }
        self.pager.acquire_writer(busy_timeout_ms)?;
        let r = self.begin_write_locked();
        if r.is_err() {
            self.pager.release_writer();
        }
        r
    }

    fn begin_write_locked(&mut self) -> Result<()> {
        let mut sh = self.pager.shared.lock();
        // A tail lives only as long as its write transaction.
        debug_assert_eq!(sh.wal.tail, 0, "a WAL tail outlived its transaction");
        if sh.io_error.is_some() {
            // Recover from an earlier failed commit/checkpoint: drop the
            // WAL's garbage tail; committed frames are intact.
            sh.wal.needs_truncate = true;
            sh.wal.truncate_tail()?;
            sh.io_error = None;
            // A rollback mode's fold that failed is retried first.
            if sh.journal_mode != JournalMode::Wal && !self.pager.memory && sh.wal.mx_frame > 0 {
                self.pager.fold_journal(&mut sh)?;
            }
        }
        // An empty database has nothing a snapshot could have read: always
        // take the latest state (it may have a new page size).
        if sh.version != self.version || self.state.page_count == 0 {
            if self.touched.load(Ordering::Relaxed) && self.state.page_count != 0 && !self.reads_still_valid(&sh) {
                return Err(Error::new(ErrorKind::BusySnapshot, "database is locked"));
            }
            // Nothing this snapshot read has changed since: move it forward.
            let old = self.snap;
            self.snap = sh.snap_now();
            self.version = sh.version;
            self.state = sh.committed.clone();
            sh.readers.insert(self.reader_id, self.snap);
            sh.prune_pins(old);
        }
        drop(sh);
        let orig = self.state.clone();
        let mut dirty = PageMap::default();
        if self.state.page_count == 0 {
            // A new database: page 1 (the header and the empty schema
            // table, SQLite's layout) comes into existence.
            self.state.page_count = 1;
            self.state.header.schema_root = 1;
            let mut p1 = vec![0u8; self.state.page_size as usize];
            crate::storage::btree::init_schema_root(&mut p1);
            dirty.insert(1, Arc::new(p1));
        }
        self.write = Some(WriteState::new(dirty, orig));
        self.bump_epoch();
        Ok(())
    }

    /// Optimistic validation of a stale read snapshot: true when no page
    /// it read was changed by the commits since, and the schema cookie is
    /// the same (so anything compiled against the old schema still holds).
    /// Within its WAL generation a page changed iff it has a newer frame;
    /// across a reset every frame of the current WAL is newer, and a page
    /// changed and checkpointed since has an image pinned for this snapshot
    /// (pinned entries in its range live as long as it does).
    fn reads_still_valid(&self, sh: &Shared) -> bool {
        if sh.committed.header.schema_cookie != self.state.header.schema_cookie
            || self.read_set_overflow.load(Ordering::Relaxed)
        {
            return false;
        }
        let mx = sh.wal.mx_frame;
        let reads = self.read_set.borrow();
        if self.snap.generation == sh.wal.generation {
            let snap = self.snap.frame;
            reads.keys().all(|&p| sh.wal.find(p, mx).is_none_or(|f| f <= snap))
        } else {
            let g = self.snap.global;
            reads.keys().all(|&p| sh.wal.find(p, mx).is_none() && sh.cache.pinned(p, g).is_none())
        }
    }

    fn end(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        let mut sh = self.pager.shared.lock();
        sh.readers.remove(&self.reader_id);
        sh.prune_pins(self.snap);
        let rolled_back = self.write.take().is_some();
        if rolled_back {
            // Spilled pages of a transaction that never committed.
            sh.drop_tail();
            self.pager.writer_bytes.store(0, Ordering::Relaxed);
        }
        drop(sh);
        if rolled_back {
            self.pager.release_writer();
        }
    }

    /// Makes the changes durable (per `synchronous`) and visible; a read
    /// transaction just ends.
    pub fn commit(mut self) -> Result<()> {
        let Some(mut w) = self.write.take() else {
            self.end();
            return Ok(());
        };
        self.committing = true;
        let r = self.commit_write(&mut w);
        self.committing = false;
        if r.is_err() {
            self.pager.shared.lock().drop_tail();
        }
        self.pager.writer_bytes.store(0, Ordering::Relaxed);
        self.end();
        self.pager.release_writer();
        r
    }

    fn commit_write(&mut self, w: &mut WriteState) -> Result<()> {
        // A page spilled to the tail is a change as much as a dirty one: a
        // transaction can end with every change in the tail and none in
        // memory (a statement that spilled them and was rolled back).
        let pc = self.state.page_count;
        let changed = !w.dirty.is_empty() || self.state != w.orig || w.spilled.iter().any(|(p, _)| p <= pc);
        if !changed {
            // Nothing to commit, but the tail may hold frames whose changes
            // savepoint rollbacks undid: they go now, before a later commit
            // frame could make them part of a committed transaction
            // (recovery applies every frame up to a commit frame).
            self.pager.shared.lock().drop_tail();
            return Ok(());
        }
        self.state.change_counter = self.state.change_counter.wrapping_add(1);
        let ps = self.state.page_size as usize;
        // Page 1 starts with the header; the rest is the schema table root.
        self.resolve_tail(w)?;
        let mut p1 = match w.dirty.get(&1) {
            Some(p) => (**p).clone(),
            None => (*self.page_in(w, 1)?).clone(),
        };
        if p1.len() != ps {
            return Err(Error::corrupt("page 1 has the wrong size"));
        }
        header::encode(&self.state, &mut p1);
        w.dirty.insert(1, Arc::new(p1));
        let mut pages: Vec<(PageNo, PageRef)> = w.dirty.drain().filter(|(p, _)| *p <= pc && *p > 0).collect();
        pages.sort_unstable_by_key(|(p, _)| *p);
        let mut sh = self.pager.lock_at(self.sync_level);
        if let Some(e) = &sh.io_error {
            return Err(e.clone());
        }
        let level = sh.sync_level;
        if sh.committed.page_count == 0 && sh.wal.mx_frame == 0 && sh.wal.page_size != self.state.page_size {
            // First commit of a new database whose page size was changed
            // inside this transaction.
            sh.wal.page_size = self.state.page_size;
            sh.cache.retain(|_, _| false);
        }
        let refs: Vec<(PageNo, &[u8])> = pages.iter().map(|(p, d)| (*p, d.as_slice())).collect();
        let in_memory = sh.journal_mode.wal_in_memory() && !self.pager.memory;
        let vfs = self.pager.wal_vfs(&mut sh);
        // The commit is durable once its frames are: at FULL always; in the
        // rollback modes (which fold right after) at NORMAL too, so a failed
        // fold never leaves an acknowledged commit in an unsynced WAL.
        let folds = sh.journal_mode != JournalMode::Wal && !in_memory;
        let sync_wal = level >= Synchronous::Full || (folds && level >= Synchronous::Normal);
        // Every tail page not rewritten now is committed by its tail frame
        // (resolve_tail made that frame its newest).
        let tail_finals =
            w.spilled.iter().filter(|&(p, _)| p <= pc && pages.binary_search_by_key(&p, |(q, _)| *q).is_err());
        let frames = match sh.wal.append_commit(vfs, &refs, tail_finals, pc, sync_wal, level >= Synchronous::Extra) {
            Ok(f) => f,
            Err(e) => {
                sh.io_error = Some(e.clone());
                return Err(e);
            }
        };
        for ((pgno, page), frame) in pages.into_iter().zip(frames) {
            sh.cache.insert(pgno, frame, page);
        }
        // The writer holds nothing now; what the commit read past the
        // bound (page 1, images the tail resolved against) goes.
        sh.cache.reserved = 0;
        sh.cache.shrink();
        sh.committed = self.state.clone();
        sh.version += 1;
        sh.readers.remove(&self.reader_id);
        self.pager.after_commit(&mut sh)
    }

    /// Commits (and runs the checkpoints the commit triggers) at this
    /// `synchronous` level instead of the pager's default.
    pub fn set_synchronous(&mut self, level: Synchronous) {
        self.sync_level = Some(level);
    }

    /// Drops every change and ends the transaction.
    pub fn rollback(mut self) {
        self.end();
    }

    /// Header fields as of this snapshot (or as written by this transaction).
    pub fn header(&self) -> &Header {
        &self.state.header
    }
    /// Mutable header; write transactions only (else SQLITE_MISUSE).
    pub fn header_mut(&mut self) -> Result<&mut Header> {
        if self.write.is_none() {
            return Err(Error::misuse("header_mut outside a write transaction"));
        }
        Ok(&mut self.state.header)
    }
    /// Number of pages in the database as seen by this transaction.
    pub fn page_count(&self) -> u32 {
        self.state.page_count
    }
    /// Freelist head page and count as seen by this transaction.
    pub fn freelist(&self) -> (PageNo, u32) {
        (self.state.freelist_head, self.state.freelist_count)
    }

    /// Changes the page size from inside a write transaction that has not
    /// written anything to a still-empty database (SQLite allows
    /// `BEGIN; PRAGMA page_size=N; CREATE ...`). Returns whether it took
    /// effect.
    pub fn set_page_size(&mut self, size: u32) -> bool {
        let Some(w) = self.write.as_mut() else { return false };
        let pristine = w.orig.page_count == 0
            && self.state.page_count == 1
            && w.dirty.len() == 1
            && w.savepoints.is_empty()
            && w.dirty.get(&1).is_some_and(|p| crate::storage::btree::schema_root_is_empty(p));
        if !pristine || !header::valid_page_size(size) {
            return false;
        }
        self.state.page_size = size;
        let mut p1 = vec![0u8; size as usize];
        crate::storage::btree::init_schema_root(&mut p1);
        w.dirty.insert(1, Arc::new(p1));
        true
    }

    /// Opens a nested savepoint (statement journal); returns its depth
    /// (0 for the outermost), the argument of `release` / `rollback_to`.
    pub fn savepoint(&mut self) -> Result<usize> {
        let state = self.state.clone();
        let w = self.write.as_mut().ok_or_else(|| Error::misuse("savepoint outside a write transaction"))?;
        let pages = w.map_pool.pop().unwrap_or_default();
        w.savepoints.push(Savepoint { pages, state });
        Ok(w.savepoints.len() - 1)
    }
    /// Forgets savepoint `depth` and every one above it, keeping the changes.
    pub fn release(&mut self, depth: usize) {
        let Some(w) = self.write.as_mut() else { return };
        if depth >= w.savepoints.len() {
            return;
        }
        // Oldest image wins: merge from the lowest released level up. The
        // usual case, one statement level, comes straight off the stack.
        if depth + 1 == w.savepoints.len() {
            let sp = w.savepoints.pop().expect("len checked");
            w.merge_released(sp);
        } else {
            let released: Vec<Savepoint> = w.savepoints.drain(depth..).collect();
            for sp in released {
                w.merge_released(sp);
            }
        }
        self.publish_held();
    }

    /// Tells the pager what the write transaction's page buffers take now
    /// (`writer_bytes`), after they shrank.
    pub(super) fn publish_held(&self) {
        let held = self.write.as_ref().map_or(0, |w| w.held_pages());
        self.pager.writer_bytes.store(held * self.state.page_size as usize, Ordering::Relaxed);
    }
    /// Undoes every change made since savepoint `depth` was opened; the
    /// savepoint stays open.
    pub fn rollback_to(&mut self, depth: usize) -> Result<()> {
        let w = self.write.as_mut().ok_or_else(|| Error::misuse("rollback_to outside a write transaction"))?;
        if depth >= w.savepoints.len() {
            return Err(Error::misuse("no such savepoint"));
        }
        // Newest level first, so the oldest images are applied last.
        while w.savepoints.len() > depth + 1 {
            let mut sp = w.savepoints.pop().expect("len checked");
            for (p, prior) in sp.pages.drain() {
                w.restore(p, prior);
            }
            if w.map_pool.len() < 8 {
                w.map_pool.push(sp.pages);
            }
        }
        let sp = w.savepoints.last_mut().expect("len checked");
        let pages = std::mem::take(&mut sp.pages);
        self.state = sp.state.clone();
        for (p, prior) in pages {
            w.restore(p, prior);
        }
        let pc = self.state.page_count;
        w.dirty.retain(|&p, _| p <= pc);
        self.bump_epoch();
        self.publish_held();
        Ok(())
    }

    // ---------------------------------------------------- page access

    /// The page as this transaction sees it (its own change, or the snapshot).
    #[inline]
    pub fn page(&self, pgno: PageNo) -> Result<PageRef> {
        match &self.write {
            Some(w) => self.page_in(w, pgno),
            None => self.snapshot_page(pgno),
        }
    }

    /// `page` of the write transaction whose state is `w`.
    #[inline]
    pub(super) fn page_in(&self, w: &WriteState, pgno: PageNo) -> Result<PageRef> {
        if let Some(p) = w.dirty.get(&pgno) {
            return Ok(p.clone());
        }
        match w.spilled.get(pgno) {
            // Spilled: cached (the spill left it there) or read back.
            f if f != 0 && pgno <= self.state.page_count => self.pager.read_tail(pgno, f, !self.committing),
            _ => self.snapshot_page(pgno),
        }
    }

    /// The page as of this transaction's snapshot.
    pub(super) fn snapshot_page(&self, pgno: PageNo) -> Result<PageRef> {
        if pgno == 0 || pgno > self.state.page_count {
            return Err(Error::corrupt(format!("page {pgno} out of range (page count {})", self.state.page_count)));
        }
        let slot = pgno as usize % MEMO_SLOTS;
        if let Some(Some((p, r))) = self.memo.borrow().get(slot) {
            if *p == pgno {
                if let Some(r) = r.upgrade() {
                    return Ok(r);
                }
            }
        }
        self.touched.store(true, Ordering::Relaxed);
        if self.write.is_none() {
            let mut rs = self.read_set.borrow_mut();
            if rs.len() < READ_SET_MAX {
                rs.insert(pgno, ());
            } else {
                // Too many to track: an upgrade after another commit is
                // then refused (BUSY_SNAPSHOT) rather than validated.
                self.read_set_overflow.store(true, Ordering::Relaxed);
            }
        }
        let r = self.pager.read_page(pgno, self.snap, !self.committing)?;
        let mut memo = self.memo.borrow_mut();
        if memo.is_empty() {
            // Allocated on the first snapshot read, so transactions that
            // never read (or only write new pages) do not pay for it.
            memo.resize(MEMO_SLOTS, None);
        }
        memo[slot] = Some((pgno, Arc::downgrade(&r)));
        Ok(r)
    }

    /// A writable view of the page (copied on first write; journaled for
    /// the innermost savepoint).
    pub fn page_mut(&mut self, pgno: PageNo) -> Result<&mut [u8]> {
        // `grows`: this write adds a page buffer — the page's first dirty
        // copy, or (dirty already, new to the innermost savepoint) the
        // savepoint's image kept beside the copy on write below. Either
        // counts against the spill threshold before it is made, so a
        // statement rewriting pages that are already dirty spills (and in
        // HARD mode fails) as one dirtying new pages does.
        let (mut present, grows) = match &self.write {
            None => return Err(Error::misuse("write outside a write transaction")),
            Some(w) => {
                let present = w.dirty.contains_key(&pgno);
                (present, !present || w.savepoints.last().is_some_and(|sp| !sp.pages.contains_key(&pgno)))
            }
        };
        if pgno == 0 || pgno > self.state.page_count {
            return Err(Error::corrupt(format!("page {pgno} out of range (page count {})", self.state.page_count)));
        }
        if grows {
            self.spill_if_needed(1)?;
            // The spill may have written this very page to the tail.
            present = present && self.write.as_ref().is_some_and(|w| w.dirty.contains_key(&pgno));
        }
        if !present {
            // Not dirty (any more): start from the spilled or snapshot version.
            let w = self.write.as_ref().expect("checked above");
            let clean = self.page_in(w, pgno)?;
            let w = self.write.as_mut().expect("checked above");
            w.journal(pgno);
            w.dirty.insert(pgno, clean);
        }
        let w = self.write.as_mut().expect("checked above");
        w.journal(pgno);
        let entry = w.dirty.get_mut(&pgno).expect("dirty now");
        if Arc::strong_count(entry) > 1 {
            // Shared with the cache, a savepoint or a cursor: copy on write.
            let mut buf = w.pool.pop().unwrap_or_default();
            buf.clear();
            buf.extend_from_slice(entry);
            *entry = Arc::new(buf);
        }
        Ok(Arc::make_mut(entry).as_mut_slice())
    }

    /// A zeroed page image for `pgno` in the dirty set, without reading
    /// its old content (journaled for the innermost savepoint).
    pub(super) fn fresh_page(&mut self, pgno: PageNo) -> Result<()> {
        let ps = self.state.page_size as usize;
        if self.write.is_none() {
            return Err(Error::misuse("write outside a write transaction"));
        }
        self.spill_if_needed(1)?;
        let w = self.write.as_mut().expect("checked above");
        w.journal(pgno);
        let mut buf = w.pool.pop().unwrap_or_default();
        buf.clear();
        buf.resize(ps, 0);
        w.dirty.insert(pgno, Arc::new(buf));
        Ok(())
    }
}

// The SQL layer keeps these in connection objects shared across threads.
const _: () = {
    const fn send<T: Send>() {}
    const fn send_sync<T: Send + Sync>() {}
    send::<Txn>();
    send_sync::<Pager>();
};

impl Drop for Txn {
    fn drop(&mut self) {
        self.end();
    }
}
