//! Spilling: a write transaction whose page buffers (dirty pages and
//! savepoint images) pass the pager's spill threshold writes them to the
//! WAL as uncommitted tail frames and drops them from memory, so a
//! transaction of any size runs in bounded memory (SQLite's cache spill).
//!
//! Why the WAL: tail frames sit after the last commit frame, where readers
//! never look (their snapshots end at a commit frame) and recovery never
//! applies them (it keeps only whole committed transactions), so a spilled
//! transaction is invisible until its commit frame is written and leaves
//! no trace after a rollback or crash. Its commit then writes only what is
//! still in memory. In the rollback journal modes the WAL is the journal
//! (folded after each commit), so the same holds there.
//!
//! Which buffers: every dirty page no cursor holds (a held page is the
//! path of a running cursor, the hot part of the tree; spilling it would
//! free nothing) and every savepoint image. A page read back after a spill
//! comes from the page cache, where the spill left it as a clean entry of
//! its tail frame (evictable), or is read back from that frame.

use super::txn::{Prior, WriteState};
use super::*;

/// Pages written per `append_tail` call while resolving the tail at commit.
const RESOLVE_BATCH: usize = 64;

impl Txn {
    /// Spills when `extra` more page buffers would take this transaction
    /// past the pager's spill threshold, or while the process is past its
    /// soft heap limit. In HARD mode this is SQLITE_NOMEM when the buffers
    /// stay past the threshold (cursors hold the rest), or when they and
    /// the clean pages nobody can evict pass the page budget; past the
    /// process's hard heap limit, when a spill did not bring it back. The
    /// statement fails and is undone, the transaction goes on.
    #[inline]
    pub(super) fn spill_if_needed(&mut self, extra: usize) -> Result<()> {
        let Some(w) = &self.write else { return Ok(()) };
        let limit = self.pager.spill_limit();
        let ps = self.state.page_size as usize;
        let mut held = (w.held_pages() + extra) * ps;
        self.pager.writer_bytes.store(held, Ordering::Relaxed);
        let heap = crate::memory::over_soft_limit(ps);
        let hard = self.pager.hard_limit.load(Ordering::Relaxed);
        // The backoff spares futile spills (cursors hold the rest); in HARD
        // mode the alternative is failing, so a spill is always tried.
        let spill = (held > limit || heap) && (hard || w.held_pages() + extra > w.spill_backoff);
        if spill {
            self.spill()?;
            held = (self.write.as_ref().map_or(0, |w| w.held_pages()) + extra) * ps;
        }
        // Clean pages make way for the writer's (in SOFT mode too: the
        // pages a spill left in the cache must not crowd the budget).
        let room = self.pager.writer_room(held);
        if (hard && (held > limit || !room)) || (spill && crate::memory::over_hard_limit(ps)) {
            // The page is not taken: what is held now is one page less.
            self.publish_held();
            return Err(Error::new(ErrorKind::NoMem, "out of memory"));
        }
        Ok(())
    }

    /// At a statement's start: a write transaction holding more than the
    /// spill threshold (the budget was lowered under it) spills first, so
    /// the statement starts inside the budget as far as a spill can get.
    pub fn fit_budget(&mut self) -> Result<()> {
        let Some(w) = &self.write else { return Ok(()) };
        let ps = self.state.page_size as usize;
        if w.held_pages() * ps > self.pager.spill_limit() {
            self.spill()?;
        }
        Ok(())
    }

    /// Writes every unheld dirty page and every savepoint image to the WAL
    /// tail and frees them. On an I/O error nothing changes in memory (the
    /// statement fails; the transaction can go on or roll back), except
    /// when a tail frame being overwritten may be torn: then the
    /// transaction can only roll back (its commit fails).
    pub fn spill(&mut self) -> Result<()> {
        let Some(w) = self.write.as_mut() else { return Ok(()) };
        w.pool.clear();
        let mut victims: Vec<(PageNo, PageRef, Option<usize>)> =
            w.dirty.iter().filter(|(_, r)| Arc::strong_count(r) == 1).map(|(&p, r)| (p, r.clone(), None)).collect();
        for (level, sp) in w.savepoints.iter().enumerate() {
            for (&p, prior) in &sp.pages {
                if let Prior::Mem(r) = prior {
                    victims.push((p, r.clone(), Some(level)));
                }
            }
        }
        if victims.is_empty() {
            w.spill_backoff = w.held_pages() + SPILL_BACKOFF;
            // The buffer pool went: say so.
            self.publish_held();
            return Ok(());
        }
        // Ascending pages: the checkpoint later writes the file in order.
        victims.sort_unstable_by_key(|&(p, _, level)| (p, level.map_or(0, |l| l + 1)));
        // A dirty page that already has a tail frame is written over it,
        // unless a savepoint is open (its images may live in tail frames).
        let in_place = w.savepoints.is_empty();
        let (over, fresh): (Vec<_>, Vec<_>) =
            victims.into_iter().partition(|(p, _, level)| in_place && level.is_none() && w.spilled.get(*p) != 0);
        let over: Vec<(u32, PageNo, PageRef)> = over.into_iter().map(|(p, r, _)| (w.spilled.get(p), p, r)).collect();
        let first = {
            let mut sh = self.pager.shared.lock();
            let refs: Vec<(u32, PageNo, &[u8])> = over.iter().map(|(f, p, r)| (*f, *p, r.as_slice())).collect();
            if let Err(e) = sh.wal.overwrite_tail(&refs) {
                // Frames the transaction may commit are torn: it must not
                // commit (the error is sticky until the tail is dropped).
                sh.io_error = Some(e.clone());
                return Err(e);
            }
            let refs: Vec<(PageNo, &[u8])> = fresh.iter().map(|(p, r, _)| (*p, r.as_slice())).collect();
            let vfs = self.pager.wal_vfs(&mut sh);
            sh.wal.append_tail(vfs, &refs)?
        };
        let ps = self.state.page_size as u64;
        let written = over.len() + fresh.len();
        self.pager.spills.fetch_add(1, Ordering::Relaxed);
        self.pager.spill_bytes.fetch_add(written as u64 * ps, Ordering::Relaxed);
        let w = self.write.as_mut().expect("checked above");
        let mut clean = Vec::with_capacity(written);
        for (f, p, page) in over {
            w.dirty.remove(&p);
            clean.push((p, f, page));
        }
        // In frame order: a page's savepoint image spilled after its dirty
        // version leaves the dirty version's frame not the newest.
        for (i, (p, page, level)) in fresh.into_iter().enumerate() {
            let f = first + i as u32;
            match level {
                None => {
                    w.dirty.remove(&p);
                    w.spilled.set(p, f);
                    w.restored.remove(&p);
                    clean.push((p, f, page));
                }
                Some(l) => {
                    w.savepoints[l].pages.insert(p, Prior::Spilled(f));
                    w.sp_images -= 1;
                    w.restored.insert(p, ());
                }
            }
        }
        // Whatever cursors still hold stays: try again only after that
        // much more has been added.
        w.spill_backoff = w.held_pages() + SPILL_BACKOFF;
        let held = w.held_pages() * ps as usize;
        self.pager.writer_bytes.store(held, Ordering::Relaxed);
        // What was written is clean now: it stays as cache entries of its
        // tail frames (evictable), so the pages the transaction goes on
        // using are not read back from the file (SQLite keeps a spilled
        // page in its cache the same way). The cache keeps room for the
        // writer to grow back to the spill threshold: clean and dirty
        // pages stay inside the budget together.
        let mut sh = self.pager.shared.lock();
        sh.cache.reserved = held.max(self.pager.spill_limit());
        for (p, f, page) in clean {
            sh.cache.insert(p, f, page);
        }
        Ok(())
    }

    /// Before the commit frames: every tail page whose newest tail frame is
    /// not its current version (a savepoint rollback moved it back) gets
    /// its current version appended to the tail, so the committed WAL's
    /// newest frame of each page is the committed one (recovery indexes
    /// every frame up to the commit frame, newest wins).
    pub(super) fn resolve_tail(&self, w: &mut WriteState) -> Result<()> {
        let pc = self.state.page_count;
        let stale: Vec<(PageNo, u32)> = w
            .restored
            .keys()
            .filter(|&&p| p <= pc && !w.dirty.contains_key(&p))
            .map(|&p| (p, w.spilled.get(p)))
            .collect();
        for batch in stale.chunks(RESOLVE_BATCH) {
            let mut images = Vec::with_capacity(batch.len());
            for &(p, cur) in batch {
                images.push(if cur != 0 { self.pager.read_tail(p, cur, false)? } else { self.snapshot_page(p)? });
            }
            let refs: Vec<(PageNo, &[u8])> = batch.iter().zip(&images).map(|(&(p, _), r)| (p, r.as_slice())).collect();
            let first = {
                let mut sh = self.pager.shared.lock();
                let vfs = self.pager.wal_vfs(&mut sh);
                sh.wal.append_tail(vfs, &refs)?
            };
            for (i, &(p, _)) in batch.iter().enumerate() {
                w.spilled.set(p, first + i as u32);
            }
        }
        w.restored.clear();
        Ok(())
    }
}

/// Page buffers added after a spill that could not free everything before
/// the next attempt.
const SPILL_BACKOFF: usize = 16;
