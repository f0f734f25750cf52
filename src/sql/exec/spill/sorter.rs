//! An external merge sort of entries (rows of values whose first
//! `terms.len()` values are the sort key).
//!
//! Entries collect in memory, charged to a [`Budget`]. When the budget says
//! spill, the batch is stably sorted and written as a run to a temporary
//! file. At the end, with no run written, the batch is sorted in memory;
//! otherwise the rest becomes a last run and the runs are merged, FAN_IN
//! at a time (each input needs a CHUNK-byte buffer), pass after pass into a
//! second file until one merge can yield them all.
//!
//! Stability: runs hold consecutive stretches of arrival order, each
//! sorted stably, and a merge takes from the earliest run on ties; so equal
//! keys come out in arrival order, as from the in-memory sort.

use super::runs::{Run, RunFile, RunReader, CHUNK};
use super::{row_bytes, Budget};
use crate::error::Result;
use crate::storage::record::{compare_values, decode_record, encode_record};
use crate::storage::{Collation, Value};
use std::cmp::Ordering;

/// How one key value sorts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term {
    pub desc: bool,
    pub nulls_first: bool,
    pub coll: Collation,
}

impl Term {
    /// SQLite's ORDER BY term: NULLs sort first ascending, last descending.
    pub fn order_by(desc: bool, coll: Collation) -> Term {
        Term { desc, nulls_first: !desc, coll }
    }
}

/// Compares two entries' keys under `terms`.
pub fn cmp_terms(terms: &[Term], a: &[Value], b: &[Value]) -> Ordering {
    for (t, (x, y)) in terms.iter().zip(a.iter().zip(b)) {
        let o = match (matches!(x, Value::Null), matches!(y, Value::Null)) {
            (true, true) => Ordering::Equal,
            (true, false) => null_first(t),
            (false, true) => null_first(t).reverse(),
            _ => {
                let o = compare_values(x, y, t.coll);
                if t.desc {
                    o.reverse()
                } else {
                    o
                }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

fn null_first(t: &Term) -> Ordering {
    if t.nulls_first {
        Ordering::Less
    } else {
        Ordering::Greater
    }
}

/// Most runs one merge reads at once.
pub(super) fn fan_in(limit: usize) -> usize {
    (limit / 4 / CHUNK).clamp(4, 64)
}

pub struct ExtSorter {
    terms: Vec<Term>,
    batch: Vec<Vec<Value>>,
    budget: Budget,
    spilled: Option<(RunFile, Vec<Run>)>,
    rec: Vec<u8>,
}

impl ExtSorter {
    pub fn new(terms: Vec<Term>, budget: Budget) -> ExtSorter {
        ExtSorter { terms, batch: Vec::new(), budget, spilled: None, rec: Vec::new() }
    }

    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// True once a run went to disk.
    pub fn has_spilled(&self) -> bool {
        self.spilled.is_some()
    }

    pub fn push(&mut self, entry: Vec<Value>) -> Result<()> {
        debug_assert!(entry.len() >= self.terms.len(), "an entry starts with its key");
        self.budget.charge(row_bytes(&entry));
        self.batch.push(entry);
        if self.budget.must_spill() {
            self.spill()?;
            self.budget.check_hard()?;
        }
        Ok(())
    }

    fn sort_batch(&mut self) {
        if self.terms.is_empty() {
            return;
        }
        let terms = &self.terms;
        self.batch.sort_by(|a, b| cmp_terms(terms, a, b));
    }

    /// Writes the batch as one sorted run and frees it.
    fn spill(&mut self) -> Result<()> {
        self.sort_batch();
        let (file, runs) = match &mut self.spilled {
            Some(s) => s,
            None => self.spilled.insert((RunFile::new()?, Vec::new())),
        };
        for e in self.batch.drain(..) {
            self.rec.clear();
            encode_record(&e, &mut self.rec);
            file.push(&self.rec)?;
        }
        runs.push(file.end_run()?);
        self.batch = Vec::new();
        self.budget.release();
        Ok(())
    }

    /// Every entry pushed, in key order (ties in arrival order).
    pub fn finish(mut self) -> Result<SortedRows> {
        if self.spilled.is_none() {
            self.sort_batch();
            let batch = std::mem::take(&mut self.batch);
            return Ok(SortedRows { src: Src::Mem(batch.into_iter()), budget: self.budget });
        }
        if !self.batch.is_empty() {
            self.spill()?;
        }
        let Some((mut file, mut runs)) = self.spilled.take() else { unreachable!("spilled above") };
        let fan = fan_in(self.budget.limit());
        let mut other: Option<RunFile> = None;
        while runs.len() > fan {
            let mut out = match other.take() {
                Some(f) => f,
                None => RunFile::new()?,
            };
            let mut next = Vec::new();
            for group in runs.chunks(fan) {
                let mut m = Merger::new(group, &mut self.budget);
                while let Some(e) = m.next(&self.terms, &file)? {
                    self.rec.clear();
                    encode_record(&e, &mut self.rec);
                    out.push(&self.rec)?;
                }
                self.budget.release();
                next.push(out.end_run()?);
            }
            file.clear()?;
            other = Some(std::mem::replace(&mut file, out));
            runs = next;
        }
        drop(other);
        let merger = Merger::new(&runs, &mut self.budget);
        Ok(SortedRows { src: Src::Merge { merger, file, terms: self.terms }, budget: self.budget })
    }
}

/// The sorted entries, from memory or merged from runs.
pub struct SortedRows {
    src: Src,
    /// What the in-memory entries or the merge buffers hold.
    budget: Budget,
}

enum Src {
    Mem(std::vec::IntoIter<Vec<Value>>),
    Merge { merger: Merger, file: RunFile, terms: Vec<Term> },
}

impl SortedRows {
    pub fn next_entry(&mut self) -> Result<Option<Vec<Value>>> {
        match &mut self.src {
            Src::Mem(it) => Ok(it.next().inspect(|e| self.budget.credit(row_bytes(e)))),
            Src::Merge { merger, file, terms } => merger.next(terms, file),
        }
    }
}

/// A k-way merge: each run's head entry decoded, and a binary min-heap of
/// run numbers ordered by (head key, run number).
struct Merger {
    readers: Vec<RunReader>,
    heads: Vec<Vec<Value>>,
    heap: Vec<usize>,
    primed: bool,
}

impl Merger {
    fn new(runs: &[Run], budget: &mut Budget) -> Merger {
        budget.charge(runs.len() * CHUNK);
        Merger {
            readers: runs.iter().map(|&r| RunReader::new(r)).collect(),
            heads: vec![Vec::new(); runs.len()],
            heap: Vec::with_capacity(runs.len()),
            primed: false,
        }
    }

    /// Reads run `i`'s next entry into its head; false at the run's end.
    fn load(&mut self, i: usize, file: &RunFile) -> Result<bool> {
        match self.readers[i].next(file.file())? {
            Some(rec) => {
                decode_record(rec, &mut self.heads[i])?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn next(&mut self, terms: &[Term], file: &RunFile) -> Result<Option<Vec<Value>>> {
        if !self.primed {
            self.primed = true;
            for i in 0..self.readers.len() {
                if self.load(i, file)? {
                    self.heap.push(i);
                    let at = self.heap.len() - 1;
                    self.sift_up(terms, at);
                }
            }
        }
        let Some(&top) = self.heap.first() else { return Ok(None) };
        let out = std::mem::take(&mut self.heads[top]);
        if self.load(top, file)? {
            self.sift_down(terms, 0);
        } else {
            let last = self.heap.len() - 1;
            self.heap.swap(0, last);
            self.heap.pop();
            if !self.heap.is_empty() {
                self.sift_down(terms, 0);
            }
        }
        Ok(Some(out))
    }

    fn less(&self, terms: &[Term], a: usize, b: usize) -> bool {
        cmp_terms(terms, &self.heads[a], &self.heads[b]).then(a.cmp(&b)) == Ordering::Less
    }

    fn sift_up(&mut self, terms: &[Term], mut i: usize) {
        while i > 0 {
            let p = (i - 1) / 2;
            if !self.less(terms, self.heap[i], self.heap[p]) {
                break;
            }
            self.heap.swap(i, p);
            i = p;
        }
    }

    fn sift_down(&mut self, terms: &[Term], mut i: usize) {
        let n = self.heap.len();
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && self.less(terms, self.heap[r], self.heap[l]) { r } else { l };
            if !self.less(terms, self.heap[c], self.heap[i]) {
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

    fn sort_with_limit(n: i64, limit: usize) -> (Vec<Vec<Value>>, bool, usize) {
        let work = WorkMem::default();
        let budget = Budget::with_limit(work.clone(), limit, false);
        let mut s = ExtSorter::new(vec![Term::order_by(false, Collation::Binary)], budget);
        let mut x: u64 = 12345;
        for i in 0..n {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let key = Value::Integer(((x >> 33) % 1000) as i64);
            s.push(vec![key, Value::Integer(i), Value::Text(format!("row {i:08}"))]).unwrap();
        }
        let spilled = s.has_spilled();
        let mut rows = s.finish().unwrap();
        let mut out = Vec::new();
        while let Some(e) = rows.next_entry().unwrap() {
            out.push(e);
        }
        drop(rows);
        (out, spilled, work.used())
    }

    #[test]
    fn spilled_sort_equals_memory_sort_and_is_stable() {
        let (mem, spilled, _) = sort_with_limit(60_000, usize::MAX / 2);
        assert!(!spilled);
        // A 64 KiB limit writes hundreds of runs: several merge passes.
        let (disk, spilled, left) = sort_with_limit(60_000, 64 << 10);
        assert!(spilled);
        assert_eq!(left, 0, "every byte charged is given back");
        assert_eq!(mem.len(), 60_000);
        assert_eq!(mem, disk);
        for w in mem.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            let o = compare_values(&a[0], &b[0], Collation::Binary);
            assert!(
                o == Ordering::Less
                    || (o == Ordering::Equal && compare_values(&a[1], &b[1], Collation::Binary) == Ordering::Less)
            );
        }
    }
}
