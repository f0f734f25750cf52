//! A materialized row set read from the start again and again (a FROM
//! subquery on the inner side of a join, or a recursive CTE there, whose
//! rows are produced as the scans ask for them) or once, later (the rows
//! of RETURNING): in memory while the budget allows, then every row in a
//! temporary file, read back through a cursor's CHUNK-byte buffer.
//!
//! Rows may be pushed after a seal (a lazily produced set grows between
//! scans): runs lie back to back in the file, so the sealed run always
//! spans from the first row to the last one sealed.

use super::runs::{Run, RunFile, RunReader};
use super::{row_bytes, Budget};
use crate::error::Result;
use crate::storage::record::decode_record;
use crate::storage::Value;

pub struct RowStore {
    mem: Vec<Vec<Value>>,
    /// Once spilled: the file, and the run once sealed.
    disk: Option<(RunFile, Option<Run>)>,
    budget: Budget,
    rec: Vec<u8>,
}

/// A reading position in a [`RowStore`].
#[derive(Default)]
pub struct StoreCursor {
    at: usize,
    reader: Option<RunReader>,
}

impl RowStore {
    pub fn new(budget: Budget) -> RowStore {
        RowStore { mem: Vec::new(), disk: None, budget, rec: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<Value>) -> Result<()> {
        if let Some((file, _)) = &mut self.disk {
            return file.push_row(&row, &mut self.rec);
        }
        self.budget.charge(row_bytes(&row));
        self.mem.push(row);
        if self.budget.must_spill() {
            let mut file = RunFile::new()?;
            for r in self.mem.drain(..) {
                file.push_row(&r, &mut self.rec)?;
            }
            self.mem = Vec::new();
            self.budget.release();
            self.disk = Some((file, None));
            self.budget.check_hard()?;
        }
        Ok(())
    }

    /// True when no row was pushed.
    pub fn is_empty(&self) -> bool {
        self.mem.is_empty() && self.disk.is_none()
    }

    /// Every row pushed so far can be read (from the next `rewind`).
    pub fn seal(&mut self) -> Result<()> {
        if let Some((file, run)) = &mut self.disk {
            let last = file.end_run()?;
            *run = Some(Run { start: run.map_or(last.start, |r| r.start), end: last.end });
        }
        Ok(())
    }

    /// Pushes a row the reader at `c` has already handed out (produced on
    /// demand at the end of the set): the cursor stays past it.
    pub fn push_past(&mut self, c: &mut StoreCursor, row: Vec<Value>) -> Result<()> {
        debug_assert!(self.disk.is_some() || c.at == self.mem.len(), "a row is produced only at the end");
        self.push(row)?;
        c.at = self.mem.len();
        Ok(())
    }

    /// Back to the first row.
    pub fn rewind(&self, c: &mut StoreCursor) {
        debug_assert!(!matches!(self.disk, Some((_, None))), "a spilled store is read only once sealed");
        c.at = 0;
        c.reader = match &self.disk {
            Some((_, Some(run))) => Some(RunReader::new(*run)),
            _ => None,
        };
    }

    /// The next row into `out` for a reader that passes once: a row in
    /// memory is moved out (and its bytes given back), not copied.
    pub fn take_next(&mut self, c: &mut StoreCursor, out: &mut Vec<Value>) -> Result<bool> {
        if self.disk.is_some() {
            return self.next(c, out);
        }
        match self.mem.get_mut(c.at) {
            Some(r) => {
                c.at += 1;
                *out = std::mem::take(r);
                self.budget.credit(row_bytes(out));
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The next row into `out`; false after the last.
    pub fn next(&self, c: &mut StoreCursor, out: &mut Vec<Value>) -> Result<bool> {
        match (&self.disk, &mut c.reader) {
            (Some((file, _)), Some(rd)) => match rd.next(file.file())? {
                Some(rec) => {
                    decode_record(rec, out)?;
                    Ok(true)
                }
                None => Ok(false),
            },
            _ => match self.mem.get(c.at) {
                Some(r) => {
                    c.at += 1;
                    out.clear();
                    out.extend_from_slice(r);
                    Ok(true)
                }
                None => Ok(false),
            },
        }
    }
}
