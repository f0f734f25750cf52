//! [`RowCounts`]: the row counts of the tables writing statements change,
//! kept in memory and written back to the schema rows (`schema::quota`),
//! and the row limits checked on every row a statement adds.
//!
//! A statement takes a table's count on its first touch of the table,
//! adjusts it per row written or deleted, and at its end keeps the new
//! counts or, undone, goes back to those it started from. When counts
//! reach the schema rows (an 8-byte patch in place) depends on the
//! transaction:
//! - autocommit: `flush` at the end of each statement, inside its
//!   savepoint, so whatever undoes the statement undoes the counts;
//! - explicit (BEGIN ... COMMIT): counts stay pending across statements
//!   and `write_pending` writes them back before anything that reads or
//!   rewrites schema rows or marks a savepoint: COMMIT, RELEASE,
//!   SAVEPOINT, and every statement but INSERT, UPDATE and DELETE (the
//!   stored count(*) of a SELECT, PRAGMAs, DDL). A transaction of many
//!   one-row INSERTs patches its schema rows once, not per statement.
//!
//! The connection keeps one `RowCounts` from statement to statement. An
//! entry is trusted only while the schema tree is exactly as the entry
//! last saw it (same transaction, same `Txn::tree_version` of the schema
//! tree); otherwise it is read again. Pending counts therefore live only
//! while that stamp holds still: the schema tree changes by a write-back
//! (which leaves nothing pending), by DDL (preceded by one), or by a
//! rollback. A statement's rollback puts the tree back as the statement
//! found it, so `restamp` keeps the entries; a savepoint's or the
//! transaction's rollback drops them (`discard`) with the changes they
//! counted.

use crate::error::{Error, ErrorKind, Result};
use crate::schema::quota::{self, CountKey, CountPlace, Stored, TableLimit};
use crate::schema::Table;
use crate::storage::{btree, Txn};

/// Entries kept between statements at most (a statement touching more
/// tables still gets one entry per table; the surplus is dropped after it).
const MAX_CACHED: usize = 64;

/// A state of the schema tree: its version in one transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
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
    /// Rows now: every change of the transaction so far, the running
    /// statement's included.
    rows: u64,
    /// What the schema row holds (None = no count stored yet).
    stored: Option<u64>,
    /// How a new count gets into the schema row; None = look it up again
    /// (a rewritten row may have moved the cells of its page).
    place: Option<CountPlace>,
    limit: TableLimit,
    /// The schema tree state `stored`, `place` and `limit` are true in.
    seen: Stamp,
    /// `rows` when the running statement first touched the table; None
    /// while no running statement has.
    at_start: Option<u64>,
}

impl Entry {
    /// The schema row lags behind `rows`.
    fn pending(&self) -> bool {
        self.stored != Some(self.rows)
    }

    /// Still true of `t` in the schema tree state `now`.
    fn holds(&self, now: Stamp, t: &Table) -> bool {
        self.seen == now && self.key.schema_rowid == t.schema_rowid && self.key.name == t.name
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

    /// The slot of `t`'s entry for the running statement, for the calls
    /// one row makes (entries are only appended while a statement runs,
    /// so a slot stays valid until its end); None for an untracked table.
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
                if e.at_start.is_none() {
                    if !e.holds(stamp(txn), t) {
                        debug_assert!(!e.pending(), "pending count of {} outlived its schema tree", t.name);
                        *e = load(txn, t)?;
                    }
                    e.at_start = Some(e.rows);
                }
                p
            }
            None => {
                let mut e = load(txn, t)?;
                e.at_start = Some(e.rows);
                self.entries.push(e);
                self.entries.len() - 1
            }
        };
        self.last = pos;
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

    /// Autocommit: ends the statement's tally by writing every count it
    /// changed back to its schema row (inside the statement savepoint).
    /// Entries stay cached for the next statement; on failure none does
    /// (the statement is then undone).
    pub fn flush(&mut self, txn: &mut Txn) -> Result<()> {
        let r = self.write_back(txn);
        match r {
            Ok(()) => self.end_statement(true),
            Err(_) => self.discard(),
        }
        r
    }

    /// Ends the running statement's tally without writing: its counts
    /// stay pending (`kept`), or go back to those it started from.
    pub fn end_statement(&mut self, kept: bool) {
        for e in self.entries.iter_mut() {
            if let Some(n) = e.at_start.take() {
                if !kept {
                    e.rows = n;
                }
            }
        }
        if self.entries.len() > MAX_CACHED {
            self.entries.retain(Entry::pending);
        }
    }

    /// After a statement's rollback (whose changes `end_statement(false)`
    /// took back): the schema tree is as the statement found it, so every
    /// entry true then is true again.
    pub fn restamp(&mut self, before: Stamp, txn: &Txn) {
        let now = stamp(txn);
        for e in self.entries.iter_mut().filter(|e| e.seen == before) {
            e.seen = now;
        }
    }

    /// The schema tree state entries are checked against now (taken
    /// before a statement runs, for `restamp`).
    pub fn stamp_of(txn: &Txn) -> Stamp {
        stamp(txn)
    }

    /// Forgets every entry (the changes they counted were rolled back).
    pub fn discard(&mut self) {
        self.entries.clear();
        self.last = 0;
    }

    /// Explicit transactions: writes every pending count back to its
    /// schema row, inside a savepoint of its own so that on failure the
    /// schema rows and the tally are both as they were.
    pub fn write_pending(&mut self, txn: &mut Txn) -> Result<()> {
        if !self.entries.iter().any(Entry::pending) {
            return Ok(());
        }
        debug_assert!(self.entries.iter().all(|e| e.at_start.is_none()), "write-back inside a statement");
        let before = stamp(txn);
        let saved: Vec<(Option<u64>, Option<CountPlace>)> = self.entries.iter().map(|e| (e.stored, e.place)).collect();
        let depth = txn.savepoint()?;
        let r = self.write_back(txn);
        if r.is_err() {
            let undone = txn.rollback_to(depth);
            txn.release(depth);
            undone?;
            for (e, (stored, place)) in self.entries.iter_mut().zip(saved) {
                e.stored = stored;
                e.place = place;
            }
            self.restamp(before, txn);
            return r;
        }
        txn.release(depth);
        Ok(())
    }

    /// Writes every pending count of an entry true now back to its schema
    /// row; the entries stay true (only count fields changed).
    fn write_back(&mut self, txn: &mut Txn) -> Result<()> {
        let before = stamp(txn);
        // Places found before a row was rewritten may have moved (cells
        // shift in their page); a patch moves nothing.
        let mut moved = false;
        for e in self.entries.iter_mut().filter(|e| e.pending()) {
            if e.seen != before {
                // Counted changes that were rolled back (autocommit: the
                // entry is read again on its next use).
                debug_assert!(e.at_start.is_none(), "schema tree changed under the tally of {}", e.key.name);
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
    Ok(Entry { key, rows, stored: s.rows, place: Some(place), limit: s.limit, seen, at_start: None })
}
