//! Checkpoints: copying committed WAL frames into the database file (old
//! images pinned first for live readers, within `wal_pin_limit`), resetting
//! the WAL, and the policy run after every commit (autocheckpoint,
//! `journal_size_limit`, the rollback journal modes' fold). The design is
//! described in pager.rs ("Checkpoints past live readers").

use super::*;

/// Pages a streaming checkpoint lists at once.
const COPY_BATCH: usize = 4096;

impl Pager {
    /// PASSIVE checkpoint: copies committed WAL frames into the database
    /// file (up to the oldest live reader's snapshot) and resets the WAL
    /// when all were copied.
    pub fn checkpoint(&self) -> Result<CheckpointInfo> {
        self.checkpoint_mode(CheckpointMode::Passive, 0)
    }

    /// `PRAGMA wal_checkpoint(mode)` with the connection's busy timeout.
    pub fn checkpoint_mode(&self, mode: CheckpointMode, busy_timeout_ms: u32) -> Result<CheckpointInfo> {
        self.checkpoint_at(mode, busy_timeout_ms, None)
    }

    /// `checkpoint_mode` syncing at `level` (a connection's `synchronous`;
    /// None: the pager's default).
    pub fn checkpoint_at(
        &self,
        mode: CheckpointMode,
        busy_timeout_ms: u32,
        level: Option<Synchronous>,
    ) -> Result<CheckpointInfo> {
        if self.memory {
            // The in-memory WAL is still folded back (it frees memory), but
            // like SQLite a database without a WAL file reports -1, -1.
            let mut sh = self.lock_at(level);
            self.checkpoint_locked(&mut sh, CheckpointMode::Passive)?;
            return Ok(CheckpointInfo { busy: false, log_frames: -1, checkpointed_frames: -1 });
        }
        if self.read_only {
            let sh = self.shared.lock();
            return Ok(Self::report(&sh));
        }
        {
            // Outside WAL mode there is no WAL between transactions (what a
            // failed fold left is folded now); SQLite reports -1, -1.
            let mut sh = self.lock_at(level);
            if sh.journal_mode != JournalMode::Wal {
                if sh.wal.mx_frame > 0 {
                    self.fold_journal(&mut sh)?;
                }
                return Ok(CheckpointInfo { busy: false, log_frames: -1, checkpointed_frames: -1 });
            }
            if mode == CheckpointMode::Passive {
                return self.checkpoint_locked(&mut sh, mode);
            }
        }
        // FULL and up: wait (busy timeout) for the write lock, so no
        // writer is mid-transaction; readers never hold a checkpoint back
        // (their old pages are pinned). Without the lock: PASSIVE, busy.
        let have_writer = self.acquire_writer(busy_timeout_ms).is_ok();
        let mut sh = self.lock_at(level);
        let r = self.checkpoint_locked(&mut sh, if have_writer { mode } else { CheckpointMode::Passive });
        drop(sh);
        if have_writer {
            self.release_writer();
        }
        let mut info = r?;
        info.busy = !have_writer || info.checkpointed_frames < info.log_frames;
        Ok(info)
    }

    /// What `PRAGMA wal_checkpoint` reports without copying anything.
    pub(super) fn report(sh: &Shared) -> CheckpointInfo {
        let (log, ckpt) = if sh.wal.mx_frame == 0 {
            (sh.wal.stale_frames, sh.wal.stale_frames)
        } else {
            (sh.wal.mx_frame, sh.wal.backfilled)
        };
        CheckpointInfo { busy: false, log_frames: i64::from(log), checkpointed_frames: i64::from(ckpt) }
    }

    pub(super) fn checkpoint_locked(&self, sh: &mut Shared, mode: CheckpointMode) -> Result<CheckpointInfo> {
        let r = self.checkpoint_inner(sh, mode);
        if let Err(e) = &r {
            sh.io_error = Some(e.clone());
        }
        r
    }

    pub(super) fn checkpoint_inner(&self, sh: &mut Shared, mode: CheckpointMode) -> Result<CheckpointInfo> {
        let mx = sh.wal.mx_frame;
        Self::backfill(sh)?;
        let mut info = Self::report(sh);
        // A writer's spilled tail lives after the committed frames: the WAL
        // is reset only once that transaction ends.
        if sh.wal.backfilled == mx && sh.wal.tail == 0 && (mx > 0 || mode == CheckpointMode::Truncate) {
            // An in-memory WAL is cut to nothing: its bytes are memory.
            let keep = if mode == CheckpointMode::Truncate
                || self.memory
                || (sh.wal_truncate && sh.wal.file_len > sh.wal_truncate_threshold)
            {
                0
            } else if sh.journal_size_limit >= 0 {
                sh.journal_size_limit as u64
            } else {
                u64::MAX
            };
            if mx > 0 || sh.wal.file_len > keep {
                // Not synced: if a power loss revives the old header (and a
                // prefix of the old frames), recovery sees the database
                // file's change counter past that prefix and ignores it
                // (`wal_is_stale`); the full old generation is what the
                // file already holds.
                sh.wal.reset(keep, false)?;
                sh.cache.retain(|_, v| v == 0);
            }
            if mode == CheckpointMode::Truncate {
                info.log_frames = 0;
                info.checkpointed_frames = 0;
            }
        }
        Ok(info)
    }

    /// Copies every committed frame not yet copied into the database file
    /// (pinning first what live snapshots still read), syncing per level:
    /// the WAL before (NORMAL and up; skipped when already synced), the
    /// database file after.
    ///
    /// Pin cap: when the old images live snapshots would need pinned take
    /// `pinned_bytes` past `wal_pin_limit` (in HARD mode also: take what
    /// the cache cannot evict past its bound), nothing is pinned and the copy
    /// stops at the oldest live snapshot instead (SQLite's checkpoint):
    /// frames after it stay in the WAL, which then grows until that reader
    /// ends. Every reader of the current generation reads any copied page
    /// from a WAL frame at or below its snapshot, so it needs no pin; a
    /// reader of an older generation stops the copy entirely.
    pub(super) fn backfill(sh: &mut Shared) -> Result<()> {
        let mut limit = sh.wal.mx_frame;
        let level = sh.sync_level;
        if limit <= sh.wal.backfilled {
            return Ok(());
        }
        let ps = sh.committed.page_size as usize;
        let newest = sh.wal.frame_base + u64::from(sh.wal.mx_frame);
        if !sh.readers.values().any(|s| s.global < newest) {
            // No snapshot needs an old image: copy page range by page
            // range, so the list never grows with the WAL.
            if level >= Synchronous::Normal {
                sh.wal.sync()?;
            }
            let mut lo = 0;
            while let Some((copies, next)) = sh.wal.pages_to_copy_from(limit, lo, COPY_BATCH) {
                Self::copy_frames(sh, &copies)?;
                lo = next;
            }
            if level >= Synchronous::Normal {
                sh.db.sync()?;
            }
            sh.wal.backfilled = limit;
            return Ok(());
        }
        let mut copies = sh.wal.pages_to_copy(limit);
        let mut pins = Self::plan_pins(sh, &copies);
        if !pins.is_empty() && !sh.room_for_pins(pins.len() * ps) {
            limit = limit.min(Self::oldest_snapshot_frame(sh));
            pins.clear();
            copies = if limit > sh.wal.backfilled { sh.wal.pages_to_copy(limit) } else { Vec::new() };
            if copies.is_empty() {
                return Ok(());
            }
        }
        if level >= Synchronous::Normal {
            sh.wal.sync()?;
        }
        Self::apply_pins(sh, &pins)?;
        sh.cache.shrink();
        Self::copy_frames(sh, &copies)?;
        // The database file is durable before the WAL can be reset or
        // truncated below (never the other order).
        if level >= Synchronous::Normal {
            sh.db.sync()?;
        }
        sh.wal.backfilled = limit;
        Ok(())
    }

    /// Writes the frames `copies` (page, frame) into the database file.
    fn copy_frames(sh: &mut Shared, copies: &[(PageNo, u32)]) -> Result<()> {
        let ps = sh.committed.page_size as usize;
        let mut buf = vec![0u8; ps];
        for &(pgno, frame) in copies {
            // A cached image becomes the cached file image (readers that
            // need the old file image have it pinned; readers of the frame
            // find it there, see `Pager::read_page`): moved, not shared by
            // two entries, which would keep it from eviction. An uncached
            // one is copied through one buffer, so the copy never holds
            // more than a page however many frames it moves.
            match sh.cache.get(pgno, frame) {
                Some(p) => {
                    let page = p.clone();
                    sh.db.write_at(u64::from(pgno - 1) * ps as u64, &page)?;
                    sh.cache.remove(pgno, frame);
                    sh.cache.insert(pgno, 0, page);
                }
                None => {
                    sh.wal.read_frame(frame, &mut buf)?;
                    sh.db.write_at(u64::from(pgno - 1) * ps as u64, &buf)?;
                    sh.cache.remove(pgno, 0);
                }
            }
        }
        Ok(())
    }

    /// The WAL frame of the oldest live snapshot older than the newest
    /// commit (0 if one is of an older generation): how far a checkpoint
    /// that pins nothing may copy.
    pub(super) fn oldest_snapshot_frame(sh: &Shared) -> u32 {
        let newest = sh.wal.frame_base + u64::from(sh.wal.mx_frame);
        sh.readers
            .values()
            .filter(|s| s.global < newest)
            .map(|s| if s.generation == sh.wal.generation { s.frame } else { 0 })
            .min()
            .unwrap_or(sh.wal.mx_frame)
    }

    /// Before a checkpoint overwrites the pages `copies` in the database
    /// file: the old images to pin, `(page, until, source frame)` (source 0
    /// = the file's image), for every live snapshot that will not see the
    /// newest version — the image it reads now (the file's, or its WAL
    /// frame's, which the reset will discard). See "Checkpoints past live
    /// readers". Already-pinned entries are left out; no duplicates.
    pub(super) fn plan_pins(sh: &Shared, copies: &[(PageNo, u32)]) -> Vec<(PageNo, u64, u32)> {
        let base = sh.wal.frame_base;
        let newest = base + u64::from(sh.wal.mx_frame);
        let mut snaps: Vec<(u64, u32)> =
            sh.readers.values().filter(|s| s.global < newest).map(|s| (s.global, s.pages)).collect();
        let mut out = Vec::new();
        if snaps.is_empty() {
            return out;
        }
        snaps.sort_unstable();
        snaps.dedup();
        let backfilled = sh.wal.backfilled;
        for &(pgno, _) in copies {
            let frames = sh.wal.frames_of(pgno);
            let Some(&last) = frames.last() else { continue };
            let mut prev_until = None;
            for &(g, pages) in &snaps {
                if pgno > pages {
                    continue;
                }
                let i = frames.partition_point(|&f| base + u64::from(f) <= g);
                if i == frames.len() {
                    continue; // sees the newest version, what the file will hold
                }
                debug_assert!(frames[i] <= last);
                let until = base + u64::from(frames[i]);
                if prev_until == Some(until) || sh.cache.has_pin(pgno, until) {
                    continue;
                }
                if i == 0 {
                    // Reads the file's image (or an older pinned one). If a
                    // frame was already copied, this image was pinned then.
                    if frames[0] <= backfilled || sh.cache.pinned(pgno, g).is_some() {
                        continue;
                    }
                    out.push((pgno, until, 0));
                } else {
                    out.push((pgno, until, frames[i - 1]));
                }
                prev_until = Some(until);
            }
        }
        out
    }

    /// Reads and pins the images `plan_pins` chose.
    pub(super) fn apply_pins(sh: &mut Shared, pins: &[(PageNo, u64, u32)]) -> Result<()> {
        let ps = sh.committed.page_size as usize;
        for &(pgno, until, src) in pins {
            let page = match sh.cache.get(pgno, src) {
                Some(p) => p.clone(),
                None => {
                    let mut buf = vec![0u8; ps];
                    if src == 0 {
                        sh.db.read_at(u64::from(pgno - 1) * ps as u64, &mut buf)?;
                    } else {
                        sh.wal.read_frame(src, &mut buf)?;
                    }
                    Arc::new(buf)
                }
            };
            sh.cache.pin(pgno, until, page);
        }
        Ok(())
    }

    /// Policy after every commit (shared lock held, committer no longer a
    /// reader): the automatic checkpoint, then `journal_size_limit` — a
    /// WAL past the limit is checkpointed at once when no snapshot needs
    /// its frames (which resets it and cuts it to the limit), and stale
    /// bytes past the limit are cut. Failures only set the sticky error:
    /// the commit itself is done and its frames are intact (durable per
    /// level). Except in MEMORY/OFF, whose WAL is in memory: there the
    /// commit is durable only once folded, so a failed fold is the
    /// commit's error (the transaction stays visible in this process and
    /// the fold is retried by the next write, checkpoint or close).
    pub(super) fn after_commit(&self, sh: &mut Shared) -> Result<()> {
        if sh.journal_mode != JournalMode::Wal && !self.memory {
            let r = self.fold_journal(sh);
            if sh.journal_mode.wal_in_memory() && !sh.wal_on_disk {
                return r;
            }
            return Ok(());
        }
        let auto = sh.autocheckpoint;
        // One checkpoint at most: a second right after the first (under the
        // same lock) would stop where the first stopped.
        let ran = auto > 0 && sh.wal.mx_frame >= auto;
        if ran {
            let _ = self.checkpoint_locked(sh, CheckpointMode::Passive);
        }
        if sh.journal_size_limit >= 0 && sh.io_error.is_none() {
            let limit = sh.journal_size_limit as u64;
            if !ran && sh.wal.end_offset() > limit {
                let _ = self.checkpoint_locked(sh, CheckpointMode::Passive);
            }
            if sh.wal.file_len > limit {
                // Best effort: stale bytes past the committed frames are
                // never read, a failed cut is retried after the next commit.
                let _ = sh.wal.trim_to(limit);
            }
        }
        Ok(())
    }
}
