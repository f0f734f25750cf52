//! A priority queue of rows inside a budget: rows leave in key order, rows
//! of equal keys in arrival order (each row carries its arrival number,
//! which breaks ties, so the order is total).
//!
//! New rows go to a binary min-heap in memory. When the budget says spill,
//! the heap is sorted and written as a run to its own temporary file, and
//! memory given back. The smallest row is the least of the heap's top and
//! each run's head (runs are few: past `fan_in` they are merged into one).
//! A run read to its end is dropped with its file.
//!
//! Record of a spilled row: the row's values, then its arrival number.

use super::runs::{Run, RunFile, RunReader};
use super::sorter::fan_in;
use super::{row_bytes, Budget};
use crate::error::{Error, Result};
use crate::storage::record::{compare_values, decode_record};
use crate::storage::{Collation, Value};
use std::cmp::Ordering;
use std::fs::File;

/// One key column of the queue order.
#[derive(Clone, Copy, Debug)]
pub struct QueueKey {
    pub col: usize,
    pub desc: bool,
    pub coll: Collation,
}

/// Compares two rows by `order` alone.
pub fn cmp_rows(order: &[QueueKey], a: &[Value], b: &[Value]) -> Ordering {
    for k in order {
        let (x, y) = (a.get(k.col).unwrap_or(&Value::Null), b.get(k.col).unwrap_or(&Value::Null));
        let o = compare_values(x, y, k.coll);
        let o = if k.desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// A queued row and its arrival number.
type Entry = (u64, Vec<Value>);

fn cmp_entries(order: &[QueueKey], a: &Entry, b: &Entry) -> Ordering {
    cmp_rows(order, &a.1, &b.1).then(a.0.cmp(&b.0))
}

/// A spilled run being read: its head entry decoded.
struct HeapRun {
    file: File,
    reader: RunReader,
    head: Entry,
}

impl HeapRun {
    /// Reads the next entry into `head`; false at the run's end.
    fn advance(&mut self) -> Result<bool> {
        let Some(rec) = self.reader.next(&self.file)? else { return Ok(false) };
        let row = &mut self.head.1;
        decode_record(rec, row)?;
        match row.pop() {
            Some(Value::Integer(n)) => self.head.0 = n as u64,
            _ => return Err(Error::corrupt("queued row without its arrival number")),
        }
        Ok(true)
    }

    /// A sealed run's reader, primed; None if the run is empty.
    fn open(file: File, run: Run) -> Result<Option<HeapRun>> {
        let mut r = HeapRun { file, reader: RunReader::new(run), head: (0, Vec::new()) };
        Ok(if r.advance()? { Some(r) } else { None })
    }
}

pub struct SpillHeap {
    order: Vec<QueueKey>,
    /// Binary min-heap under `cmp_entries`.
    heap: Vec<Entry>,
    arrivals: u64,
    runs: Vec<HeapRun>,
    budget: Budget,
    rec: Vec<u8>,
}

impl SpillHeap {
    pub fn new(order: Vec<QueueKey>, budget: Budget) -> SpillHeap {
        SpillHeap { order, heap: Vec::new(), arrivals: 0, runs: Vec::new(), budget, rec: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<Value>) -> Result<()> {
        self.budget.charge(row_bytes(&row) + 8);
        self.heap.push((self.arrivals, row));
        self.arrivals += 1;
        self.sift_up(self.heap.len() - 1);
        if self.budget.must_spill() {
            self.spill()?;
            if self.runs.len() > fan_in(self.budget.limit()) {
                self.merge_runs()?;
            }
            self.budget.check_hard()?;
        }
        Ok(())
    }

    /// The least row; None when the queue is empty.
    pub fn pop(&mut self) -> Result<Option<Vec<Value>>> {
        let order = &self.order;
        let best_run = (0..self.runs.len()).min_by(|&a, &b| cmp_entries(order, &self.runs[a].head, &self.runs[b].head));
        let from_heap = match (self.heap.first(), best_run) {
            (None, None) => return Ok(None),
            (Some(top), Some(r)) => cmp_entries(order, top, &self.runs[r].head) == Ordering::Less,
            (top, _) => top.is_some(),
        };
        if from_heap {
            let (_, row) = self.pop_heap();
            self.budget.credit(row_bytes(&row) + 8);
            return Ok(Some(row));
        }
        let r = best_run.expect("a run when the heap's top is not least");
        Ok(Some(self.take_head(r)?.1))
    }

    /// Run `r`'s head, the run advanced (and dropped at its end).
    fn take_head(&mut self, r: usize) -> Result<Entry> {
        let run = &mut self.runs[r];
        let head = (run.head.0, std::mem::take(&mut run.head.1));
        if !run.advance()? {
            self.runs.swap_remove(r);
        }
        Ok(head)
    }

    fn write(rec: &mut Vec<u8>, out: &mut RunFile, e: Entry) -> Result<()> {
        let (n, mut row) = e;
        row.push(Value::Integer(n as i64));
        out.push_row(&row, rec)
    }

    /// Writes the heap, sorted, as one run and frees it.
    fn spill(&mut self) -> Result<()> {
        let order = &self.order;
        let mut batch = std::mem::take(&mut self.heap);
        batch.sort_unstable_by(|a, b| cmp_entries(order, a, b));
        let mut out = RunFile::new()?;
        for e in batch {
            Self::write(&mut self.rec, &mut out, e)?;
        }
        self.budget.release();
        let (file, run) = out.seal()?;
        self.runs.extend(HeapRun::open(file, run)?);
        Ok(())
    }

    /// Merges every run into one (the runs' readers hold a buffer each).
    fn merge_runs(&mut self) -> Result<()> {
        let mut out = RunFile::new()?;
        while !self.runs.is_empty() {
            let order = &self.order;
            let r = (0..self.runs.len())
                .min_by(|&a, &b| cmp_entries(order, &self.runs[a].head, &self.runs[b].head))
                .expect("a run");
            let e = self.take_head(r)?;
            Self::write(&mut self.rec, &mut out, e)?;
        }
        let (file, run) = out.seal()?;
        self.runs.extend(HeapRun::open(file, run)?);
        Ok(())
    }

    fn pop_heap(&mut self) -> Entry {
        let last = self.heap.len() - 1;
        self.heap.swap(0, last);
        let top = self.heap.pop().expect("a heap entry");
        if !self.heap.is_empty() {
            self.sift_down(0);
        }
        top
    }

    fn less(&self, a: usize, b: usize) -> bool {
        cmp_entries(&self.order, &self.heap[a], &self.heap[b]) == Ordering::Less
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let p = (i - 1) / 2;
            if !self.less(i, p) {
                break;
            }
            self.heap.swap(i, p);
            i = p;
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap.len();
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let c = if l + 1 < n && self.less(l + 1, l) { l + 1 } else { l };
            if !self.less(c, i) {
                break;
            }
            self.heap.swap(i, c);
            i = c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::exec::spill::WorkMem;

    /// Pushes rows with many equal keys, popping one per three pushes,
    /// then drains; returns the popped rows. Column 1 is the arrival
    /// number, so the order wanted is (column 0, column 1).
    fn walk(limit: usize) -> Vec<Vec<Value>> {
        let work = WorkMem::default();
        let order = vec![QueueKey { col: 0, desc: false, coll: Collation::Binary }];
        let mut q = SpillHeap::new(order, Budget::with_limit(work.clone(), limit, false));
        let mut model: Vec<Vec<Value>> = Vec::new();
        let model_pop = |m: &mut Vec<Vec<Value>>| {
            let i = (0..m.len()).min_by(|&a, &b| {
                compare_values(&m[a][0], &m[b][0], Collation::Binary).then(compare_values(
                    &m[a][1],
                    &m[b][1],
                    Collation::Binary,
                ))
            });
            i.map(|i| m.remove(i))
        };
        let mut out = Vec::new();
        let mut x: u64 = 7;
        for i in 0..12_000i64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let row = vec![Value::Integer(((x >> 40) % 300) as i64), Value::Integer(i)];
            model.push(row.clone());
            q.push(row).unwrap();
            if i % 3 == 0 {
                out.push(q.pop().unwrap().unwrap());
                assert_eq!(Some(out.last().unwrap().clone()), model_pop(&mut model));
            }
        }
        while let Some(r) = q.pop().unwrap() {
            assert_eq!(Some(r.clone()), model_pop(&mut model));
            out.push(r);
        }
        assert!(model.is_empty());
        drop(q);
        assert_eq!(work.used(), 0);
        out
    }

    #[test]
    fn spilled_queue_pops_as_the_memory_queue() {
        let mem = walk(usize::MAX / 2);
        assert_eq!(mem.len(), 12_000);
        assert_eq!(mem, walk(64 << 10));
    }
}
