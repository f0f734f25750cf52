//! `PRAGMA journal_mode`: WAL, and the rollback-journal modes built on it.
//!
//! sqlvibe always commits through its WAL (redo log); the modes differ in
//! what happens to the WAL at the end of each write transaction:
//! - WAL: frames stay until a checkpoint (`wal_autocheckpoint`, ...).
//! - DELETE, TRUNCATE, PERSIST: the commit's frames are written (and synced
//!   per `synchronous`) to `<db>-wal`, then folded at once — every frame
//!   copied into the database file (old images pinned for live readers),
//!   the database file synced (NORMAL and up) — and the WAL file is then
//!   deleted (EXTRA: and the directory synced), truncated to zero bytes, or
//!   kept with its header zeroed. After a commit returns, no sidecar file
//!   holds committed data.
//! - MEMORY, OFF: the commit's frames go to a WAL file held in memory and
//!   are folded into the database file the same way. Nothing but the
//!   database file is written. A crash or power loss in the middle of that
//!   copy can leave a half-written transaction, i.e. a corrupt database
//!   (SQLite's promise for these modes). Pages never reach the database
//!   file before commit, so ROLLBACK and statement rollback work in both
//!   (SQLite's OFF leaves ROLLBACK undefined).
//!
//! Persistence mirrors SQLite's bytes 18/19: the header records only WAL or
//! rollback (`DbState::rollback_journal`); a rollback-mode file reopens in
//! DELETE. Switching between WAL and a rollback mode needs no other live
//! transaction on the file and is an error inside BEGIN; inside a write
//! transaction any change is ignored (the current mode is reported).
//!
//! A recovered WAL in a rollback-mode file (a crash between the commit and
//! the fold) is folded when the file is opened.

use super::*;

/// SQLite's journal modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JournalMode {
    Delete,
    Truncate,
    Persist,
    Memory,
    Wal,
    Off,
}

impl JournalMode {
    /// The name `PRAGMA journal_mode` reports.
    pub fn name(self) -> &'static str {
        match self {
            JournalMode::Delete => "delete",
            JournalMode::Truncate => "truncate",
            JournalMode::Persist => "persist",
            JournalMode::Memory => "memory",
            JournalMode::Wal => "wal",
            JournalMode::Off => "off",
        }
    }
    /// Parses a mode name (any case); None for anything else.
    pub fn parse(s: &str) -> Option<JournalMode> {
        Some(match s.to_ascii_lowercase().as_str() {
            "delete" => JournalMode::Delete,
            "truncate" => JournalMode::Truncate,
            "persist" => JournalMode::Persist,
            "memory" => JournalMode::Memory,
            "wal" => JournalMode::Wal,
            "off" => JournalMode::Off,
            _ => return None,
        })
    }
    /// The WAL of this mode lives in memory, not beside the database.
    pub fn wal_in_memory(self) -> bool {
        matches!(self, JournalMode::Memory | JournalMode::Off)
    }
}

impl Pager {
    /// The current journal mode.
    pub fn journal_mode(&self) -> JournalMode {
        self.shared.lock().journal_mode
    }

    /// `PRAGMA journal_mode = want` from a connection whose transaction is
    /// `own` (`explicit`: inside BEGIN). Returns the mode now in force,
    /// which is the old one where SQLite silently keeps it: a `:memory:`
    /// database asked for anything but MEMORY/OFF, a read-only database, or
    /// a connection inside a write transaction. Crossing between WAL and a
    /// rollback mode is SQLITE_ERROR inside BEGIN, and SQLITE_BUSY when
    /// another transaction stays open on the file past the busy timeout.
    pub fn set_journal_mode(
        self: &Arc<Self>,
        own: &Txn,
        want: JournalMode,
        explicit: bool,
        busy_timeout_ms: u32,
    ) -> Result<JournalMode> {
        let cur = self.journal_mode();
        if self.memory {
            if want.wal_in_memory() {
                self.shared.lock().journal_mode = want;
                return Ok(want);
            }
            return Ok(cur);
        }
        if self.read_only || own.is_write() || cur == want {
            return Ok(cur);
        }
        if (cur == JournalMode::Wal) == (want == JournalMode::Wal) {
            // Between rollback modes: nothing persistent changes, and the
            // WAL is empty between transactions (fold what a failed fold
            // left first). The file handle goes if the WAL moves between
            // memory and disk.
            let mut sh = self.shared.lock();
            if sh.wal.tail > 0 {
                // Another connection's write transaction has spilled pages
                // into the journal: it must not move under it.
                return Err(busy());
            }
            if sh.wal.mx_frame > 0 {
                self.fold_journal(&mut sh)?;
            }
            if cur.wal_in_memory() != want.wal_in_memory() {
                self.drop_wal_file(&mut sh)?;
            }
            sh.journal_mode = want;
            return Ok(want);
        }
        if explicit {
            let dir = if want == JournalMode::Wal { "into" } else { "out of" };
            return Err(Error::sql(format!("cannot change {dir} wal mode from within a transaction")));
        }
        // Crossing: the header records the new family, through a commit of
        // its own (with the write lock and no other live transaction).
        let mut t = self.begin_read()?;
        t.begin_write(busy_timeout_ms)?;
        let deadline = Instant::now() + Duration::from_millis(u64::from(busy_timeout_ms));
        loop {
            let sh = self.shared.lock();
            let others = sh.readers.keys().filter(|&&id| id != own.reader_id && id != t.reader_id).count();
            drop(sh);
            if others == 0 {
                break;
            }
            if Instant::now() >= deadline {
                t.rollback();
                return Err(busy());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let mut sh = self.shared.lock();
        if sh.wal.mx_frame == 0 && cur.wal_in_memory() {
            self.drop_wal_file(&mut sh)?;
        }
        sh.journal_mode = want;
        if sh.committed.page_count == 0 {
            // Nothing on disk yet: the first commit writes the header.
            sh.committed.rollback_journal = want != JournalMode::Wal;
            drop(sh);
            t.rollback();
            return Ok(want);
        }
        drop(sh);
        t.state.rollback_journal = want != JournalMode::Wal;
        if let Err(e) = t.commit() {
            self.shared.lock().journal_mode = cur;
            return Err(e);
        }
        Ok(want)
    }

    /// Forgets the (EMPTY) WAL's file: deleted where it lives (the memory
    /// journal, or the disk when leaving for MEMORY/OFF).
    fn drop_wal_file(&self, sh: &mut Shared) -> Result<()> {
        if sh.wal.has_file() {
            if sh.wal_on_disk {
                sh.wal.delete(self.vfs.as_ref())?;
            } else {
                sh.wal.delete(&self.mem_journal)?;
            }
        } else {
            sh.wal.detach();
        }
        Ok(())
    }

    /// End of a commit in a rollback mode (shared lock held): copy every
    /// frame into the database file, then delete / truncate / zero the WAL
    /// per mode. A failure is sticky (`io_error`); the commit itself stands
    /// in the WAL and is folded by the next commit, checkpoint or open.
    pub(super) fn fold_journal(&self, sh: &mut Shared) -> Result<()> {
        let r = self.fold_inner(sh);
        if let Err(e) = &r {
            sh.io_error = Some(e.clone());
        }
        r
    }

    fn fold_inner(&self, sh: &mut Shared) -> Result<()> {
        Self::backfill(sh)?;
        if sh.wal.backfilled < sh.wal.mx_frame || sh.wal.tail > 0 {
            // The pin cap stopped the copy at a live reader's snapshot: the
            // rest stays in the WAL until a later commit, checkpoint or
            // open folds it; so does a write transaction's spilled tail
            // (the fold after its own commit resets the WAL).
            return Ok(());
        }
        let level = sh.sync_level;
        let mode = sh.journal_mode;
        let on_disk = sh.wal_on_disk && sh.wal.has_file();
        match (mode, on_disk) {
            (JournalMode::Wal, _) => return Ok(()),
            (JournalMode::Truncate, true) => sh.wal.reset(0, false)?,
            (JournalMode::Persist, true) => {
                sh.wal.reset_zero_header()?;
                if sh.journal_size_limit >= 0 {
                    sh.wal.trim_to(sh.journal_size_limit as u64)?;
                }
            }
            // DELETE, and leaving WAL or a rollback mode for MEMORY/OFF:
            // the disk WAL goes away.
            (JournalMode::Delete | JournalMode::Memory | JournalMode::Off, true) => {
                sh.wal.reset_delete(self.vfs.as_ref())?;
                if level >= Synchronous::Extra {
                    self.vfs.sync_dir(&sh.wal.path)?;
                }
            }
            (JournalMode::Memory | JournalMode::Off, false) => sh.wal.reset(0, false)?,
            // A WAL left in memory by MEMORY/OFF (or none at all).
            (JournalMode::Delete | JournalMode::Truncate | JournalMode::Persist, false) => {
                sh.wal.reset_delete(&self.mem_journal)?
            }
        }
        sh.cache.retain(|_, v| v == 0);
        Ok(())
    }
}
