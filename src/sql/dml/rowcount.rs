//! [`RowCounts`]: the row counts of the tables writing statements change,
//! kept in memory while a statement runs and written back to the schema
//! rows (`schema::quota`) before its savepoint is released, and the row
//! limits checked on every row a statement adds.
//!
//! A statement takes a table's stored count on its first touch of the
//! table, adjusts it per row written or deleted, and `flush` writes every
//! changed count back (an 8-byte patch in place). Because the write-back
//! happens inside the statement savepoint, whatever undoes the statement
//! (its own error, ROLLBACK TO, ROLLBACK, a crash) undoes the counts with
//! the rows: the schema rows stay the only truth.
//!
//! The connection keeps one `RowCounts` from statement to statement, so a
//! statement run in a loop does not read its table's schema row again. An
//! entry is reused only while the schema tree is exactly as the entry last
//! saw it (same transaction, same `Txn::tree_version` of the schema tree):
//! every change of that tree, and every rollback, moves the version, and
//! the entry is then read again. So the cache can be stale, never wrong.

use crate::error::{Error, ErrorKind, Result};
use crate::schema::quota::{self, CountKey, CountPlace, Stored, TableLimit};
use crate::schema::Table;
use crate::storage::{btree, Txn};

/// Entries kept between statements at most (a statement touching more
/// tables still gets one entry per table; the surplus is dropped after it).
const MAX_CACHED: usize = 64;

/// A state of the schema tree: its version in one transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    txn: u64,
    version: u64,
}

fn stamp(txn: &Txn) -> Stamp {
    Stamp { txn: txn.id(), version: txn.tree_version(txn.header().schema_root) }
}

/// One tracked table.
#[derive(Debug)]
struct Entry {
    key: CountKey,
    /// Rows now, the running statement's changes included (meaningful
    /// while `live`).
    rows: u64,
    /// What the schema row holds (None = no count stored yet).
    stored: Option<u64>,
    /// How a new count gets into the schema row; None = look it up again
    /// (a rewritten row may have moved the cells of its page).
    place: Option<CountPlace>,
    limit: TableLimit,
    /// The schema tree state `stored`, `place` and `limit` are true in.
    seen: Stamp,
    /// Checked (or loaded) for the running statement.
    live: bool,
}

impl Entry {
    /// Makes a cached entry live again if the schema tree has not changed
    /// since it was last seen; false when it must be read again.
    fn revive(&mut self, txn: &Txn, t: &Table) -> bool {
        let same = self.seen == stamp(txn) && self.key.schema_rowid == t.schema_rowid && self.key.name == t.name;
        match self.stored {
            Some(n) if same => {
                self.rows = n;
                self.live = true;
                true
            }
            _ => false,
        }
    }
}

/// A tracked table's entry in a [`RowCounts`] during one statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot(usize);

/// The row tally of the running statement (shared by the trigger programs
/// it fires), and the entries of earlier statements kept for reuse.
#[derive(Debug, Default)]
pub struct RowCounts {
    entries: Vec<Entry>,
    /// Index of the entry used last (rows of one table come in runs).
    last: usize,
    /// A row limit stopped the statement: it must be undone whole.
    limit_hit: bool,
}

impl RowCounts {
    /// True when a row limit refused a row since the last call.
    pub fn take_limit_hit(&mut self) -> bool {
        std::mem::take(&mut self.limit_hit)
    }

    /// The live entry of `t` (None for an untracked table), loaded from
    /// its schema row (or revived from the cache) on first use.
    fn entry(&mut self, txn: &Txn, t: &Table) -> Result<Option<&mut Entry>> {
        Ok(match self.slot(txn, t)? {
            Some(Slot(i)) => Some(&mut self.entries[i]),
            None => None,
        })
    }

    /// The slot of `t`'s live entry, for the calls one row makes (entries
    /// are only appended during a statement, so a slot stays valid until
    /// `flush`); None for an untracked table.
    pub fn slot(&mut self, txn: &Txn, t: &Table) -> Result<Option<Slot>> {
        if !quota::is_tracked(t) {
            return Ok(None);
        }
        let hit = |e: &Entry| e.key.root == t.root;
        let pos = match self.entries.get(self.last) {
            Some(e) if hit(e) => Some(self.last),
            _ => self.entries.iter().position(hit),
        };
        let pos = match pos {
            Some(p) => {
                let e = &mut self.entries[p];
                if !e.live && !e.revive(txn, t) {
                    *e = load(txn, t)?;
                }
                p
            }
            None => {
                self.entries.push(load(txn, t)?);
                self.entries.len() - 1
            }
        };
        self.last = pos;
        debug_assert!(self.entries[pos].live, "a slot of {} handed out dead", t.name);
        Ok(Some(Slot(pos)))
    }

    /// `t`'s rows now (None for an untracked table).
    pub fn rows(&mut self, txn: &Txn, t: &Table) -> Result<Option<u64>> {
        Ok(self.entry(txn, t)?.map(|e| e.rows))
    }

    /// The rows of the table in `slot` now.
    pub fn rows_at(&self, Slot(i): Slot) -> u64 {
        self.entries[i].rows
    }

    /// Fails with SQLITE_FULL when adding one row to the table in `slot`
    /// would take it past its limit; `before` is its count when the row
    /// was offered (a row that replaces one deleted meanwhile never grows
    /// the table, so it passes even at or above the limit). Call before
    /// the write.
    pub fn check_insert(&mut self, txn: &Txn, Slot(i): Slot, before: u64) -> Result<()> {
        let e = &self.entries[i];
        let after = e.rows + 1;
        match e.limit.effective(quota::db_max_rows(txn.header())) {
            Some(max) if after > max && after > before => {
                self.limit_hit = true;
                Err(Error::new(ErrorKind::Full, quota::limit_message(max, &e.key.name)))
            }
            _ => Ok(()),
        }
    }

    /// One row was added to the table in `slot` (after the B-tree write).
    pub fn inserted_at(&mut self, Slot(i): Slot) {
        self.entries[i].rows += 1;
    }

    /// One row was added to `t` (after the B-tree write).
    pub fn inserted(&mut self, txn: &Txn, t: &Table) -> Result<()> {
        if let Some(e) = self.entry(txn, t)? {
            e.rows += 1;
        }
        Ok(())
    }

    /// Records that one row of `t` is about to be deleted. Call before
    /// the B-tree delete: a count loaded now is the count with the row.
    /// A table counted empty that still has a row is a corrupt count.
    pub fn deleting(&mut self, txn: &Txn, t: &Table) -> Result<()> {
        if let Some(e) = self.entry(txn, t)? {
            e.rows = e.rows.checked_sub(1).ok_or_else(|| Error::corrupt(format!("row count of table {}", t.name)))?;
        }
        Ok(())
    }

    /// `t` was emptied wholesale.
    pub fn cleared(&mut self, txn: &Txn, t: &Table) -> Result<()> {
        if let Some(e) = self.entry(txn, t)? {
            e.rows = 0;
        }
        Ok(())
    }

    /// Ends the statement's tally: writes every count that changed back
    /// to its schema row. Entries stay cached for the next statement; on
    /// failure none does (the statement is then undone).
    pub fn flush(&mut self, txn: &mut Txn) -> Result<()> {
        let r = self.write_back(txn);
        for e in self.entries.iter_mut() {
            e.live = false;
        }
        if r.is_err() || self.entries.len() > MAX_CACHED {
            self.entries.clear();
        }
        r
    }

    fn write_back(&mut self, txn: &mut Txn) -> Result<()> {
        let before = stamp(txn);
        // Places found before a row was rewritten may have moved (cells
        // shift in their page); a patch moves nothing.
        let mut moved = false;
        for e in self.entries.iter_mut().filter(|e| e.live) {
            // Nothing but this tally writes the schema tree during a DML
            // statement, so what a live entry saw is still true.
            debug_assert_eq!(e.seen, before, "schema tree changed under the tally of {}", e.key.name);
            if e.stored == Some(e.rows) {
                continue;
            }
            debug_assert!(txn.is_write(), "counts of {} changed outside a write transaction", e.key.name);
            let place = match e.place.filter(|_| !moved) {
                Some(p) => p,
                None => quota::read_located(txn, &e.key)?.1,
            };
            match place {
                CountPlace::At(pgno, off) => {
                    quota::patch_rows(txn, (pgno, off), e.rows)?;
                    e.place = Some(place);
                }
                CountPlace::Rewrite => {
                    quota::write(txn, &e.key, Stored { rows: Some(e.rows), limit: e.limit })?;
                    // The count is 8 bytes now; where, the next flush finds.
                    e.place = None;
                    moved = true;
                }
            }
            e.stored = Some(e.rows);
        }
        // Every entry true before the write-back is true after it: only
        // count fields changed (a rewritten row keeps its other fields).
        let after = stamp(txn);
        for e in self.entries.iter_mut().filter(|e| e.seen == before) {
            e.seen = after;
            if moved {
                e.place = None;
            }
        }
        Ok(())
    }

    /// Moves the tally into a nested write context (a trigger step) and
    /// back: the statement and its triggers share one tally.
    pub fn take(&mut self) -> RowCounts {
        std::mem::take(self)
    }
}

/// The entry of tracked table `t` as its schema row (or its B-tree) says now.
fn load(txn: &Txn, t: &Table) -> Result<Entry> {
    let key = CountKey::of(t);
    let seen = stamp(txn);
    let (s, place) = quota::read_located(txn, &key)?;
    let rows = match s.rows {
        Some(n) => n,
        None => btree::count_entries(txn, t.root)?,
    };
    Ok(Entry { key, rows, stored: s.rows, place: Some(place), limit: s.limit, seen, live: true })
}
