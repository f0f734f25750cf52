//! A first-in first-out queue of rows inside a budget: in memory until the
//! budget says spill, then every queued row moves to temporary files and
//! later rows follow them there, until the files run dry.
//!
//! On disk the queue is a chain of segments, each a run in its own
//! temporary file: the one being written (sealed at SEGMENT bytes, or
//! when the reader reaches it) and the sealed ones before it, read in
//! order. A segment read to its end is dropped with its file, so the disk
//! holds the rows still queued plus at most one segment.
//!
//! Invariant: while `disk` is Some, `mem` is empty (the rows on disk are
//! the oldest, and later rows must queue behind them).

use super::runs::{RunFile, RunReader, CHUNK};
use super::{row_bytes, Budget};
use crate::error::Result;
use crate::storage::record::decode_record;
use crate::storage::Value;
use std::collections::VecDeque;
use std::fs::File;

/// Bytes a segment grows to before the next one starts.
const SEGMENT: u64 = 32 * CHUNK as u64;

pub struct SpillFifo {
    mem: VecDeque<Vec<Value>>,
    disk: Option<Segments>,
    budget: Budget,
    rec: Vec<u8>,
}

#[derive(Default)]
struct Segments {
    /// Sealed segments, oldest first; the first is being read.
    sealed: VecDeque<(File, RunReader)>,
    /// The newest rows; None until one is pushed after the last seal.
    writer: Option<RunFile>,
}

impl Segments {
    fn push(&mut self, row: &[Value], rec: &mut Vec<u8>) -> Result<()> {
        let w = match &mut self.writer {
            Some(w) => w,
            None => self.writer.insert(RunFile::new()?),
        };
        w.push_row(row, rec)?;
        if w.position() >= SEGMENT {
            self.seal()?;
        }
        Ok(())
    }

    fn seal(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            let (file, run) = w.seal()?;
            self.sealed.push_back((file, RunReader::new(run)));
        }
        Ok(())
    }

    /// The oldest row into `out`; false when no segment holds one.
    fn pop(&mut self, out: &mut Vec<Value>) -> Result<bool> {
        loop {
            if let Some((file, rd)) = self.sealed.front_mut() {
                if let Some(rec) = rd.next(file)? {
                    decode_record(rec, out)?;
                    return Ok(true);
                }
                self.sealed.pop_front();
            } else if self.writer.is_some() {
                self.seal()?;
            } else {
                return Ok(false);
            }
        }
    }
}

impl SpillFifo {
    pub fn new(budget: Budget) -> SpillFifo {
        SpillFifo { mem: VecDeque::new(), disk: None, budget, rec: Vec::new() }
    }

    #[inline]
    pub fn push(&mut self, row: Vec<Value>) -> Result<()> {
        if let Some(d) = &mut self.disk {
            return d.push(&row, &mut self.rec);
        }
        self.budget.charge(row_bytes(&row));
        self.mem.push_back(row);
        if self.budget.must_spill() {
            self.spill()?;
        }
        Ok(())
    }

    /// Moves every queued row, in order, to the segments.
    fn spill(&mut self) -> Result<()> {
        let mut d = Segments::default();
        for row in self.mem.drain(..) {
            d.push(&row, &mut self.rec)?;
        }
        self.mem = VecDeque::new();
        self.budget.release();
        self.disk = Some(d);
        self.budget.check_hard()
    }

    /// The oldest row; None when the queue is empty.
    #[inline]
    pub fn pop(&mut self) -> Result<Option<Vec<Value>>> {
        if let Some(d) = &mut self.disk {
            let mut row = Vec::new();
            if d.pop(&mut row)? {
                return Ok(Some(row));
            }
            // Dry: later rows queue in memory again.
            self.disk = None;
        }
        Ok(self.mem.pop_front().inspect(|r| self.budget.credit(row_bytes(r))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::exec::spill::WorkMem;

    #[test]
    fn spilled_queue_keeps_arrival_order() {
        let work = WorkMem::default();
        let mut q = SpillFifo::new(Budget::with_limit(work.clone(), 64 << 10, false));
        let row = |i: i64| vec![Value::Integer(i), Value::Text(format!("row {i} {}", "x".repeat((i % 50) as usize)))];
        let (mut next_in, mut next_out) = (0i64, 0i64);
        // Grow to 40 000 rows (spilled), then pop two per push, then drain.
        for step in 0..120_000 {
            if step < 40_000 || step % 3 == 0 {
                q.push(row(next_in)).unwrap();
                next_in += 1;
            } else if let Some(r) = q.pop().unwrap() {
                assert_eq!(r, row(next_out));
                next_out += 1;
            }
        }
        assert!(q.disk.is_some() || next_out == next_in);
        while let Some(r) = q.pop().unwrap() {
            assert_eq!(r, row(next_out));
            next_out += 1;
        }
        assert_eq!(next_out, next_in);
        drop(q);
        assert_eq!(work.used(), 0);
    }
}
