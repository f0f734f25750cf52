//! An external merge sort of entries: by default rows of values whose
//! first `terms.len()` values are the sort key; any [`SortKind`] (index key
//! records, `keys.rs`) sorts the same way.
//!
//! Entries collect in memory, charged to a [`Budget`]. When the budget says
//! spill, the batch is stably sorted and written as a run to a temporary
//! file. At the end, with no run written, the batch is sorted in memory;
//! otherwise the rest becomes a last run and the runs are merged, FAN_IN
//! at a time (each input reads through a buffer of `chunk_for(W)` bytes,
//! so a merge takes at most a quarter of W), pass after pass into a
//! second file until one merge can yield them all.
//!
//! Stability: runs hold consecutive stretches of arrival order, each
//! sorted stably, and a merge takes from the earliest run on ties; so equal
//! keys come out in arrival order, as from the in-memory sort.

use super::runs::{chunk_for, Run, RunFile, RunReader};
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

/// What an external sort sorts: its entries, how they compare, and how
/// each becomes one record of a run and back.
pub trait SortKind {
    type Entry: Default;
    /// The heap bytes an entry holds (what the budget is charged).
    fn bytes(e: &Self::Entry) -> usize;
    /// The entry as a run record (`scratch` may hold the bytes).
    fn encode<'a>(e: &'a Self::Entry, scratch: &'a mut Vec<u8>) -> &'a [u8];
    fn decode(rec: &[u8], out: &mut Self::Entry) -> Result<()>;
    fn cmp(&self, a: &Self::Entry, b: &Self::Entry) -> Ordering;
    /// Sorts one batch in memory; entries comparing equal keep their order
    /// (a kind whose entries are never equal may sort unstably).
    fn sort(&self, batch: &mut [Self::Entry]) -> Result<()>;
    /// The first error a comparison met, if any (`cmp` cannot return it).
    fn take_error(&self) -> Result<()> {
        Ok(())
    }
}

/// Rows of values ordered by their first `terms.len()` values (no terms:
/// a queue in arrival order).
impl SortKind for Vec<Term> {
    type Entry = Vec<Value>;
    fn bytes(e: &Vec<Value>) -> usize {
        row_bytes(e)
    }
    fn encode<'a>(e: &'a Vec<Value>, scratch: &'a mut Vec<u8>) -> &'a [u8] {
        scratch.clear();
        encode_record(e, scratch);
        scratch
    }
    fn decode(rec: &[u8], out: &mut Vec<Value>) -> Result<()> {
        decode_record(rec, out)
    }
    fn cmp(&self, a: &Vec<Value>, b: &Vec<Value>) -> Ordering {
        cmp_terms(self, a, b)
    }
    fn sort(&self, batch: &mut [Vec<Value>]) -> Result<()> {
        if !self.is_empty() {
            batch.sort_by(|a, b| cmp_terms(self, a, b));
        }
        Ok(())
    }
}

/// Most runs one merge reads at once.
pub(super) fn fan_in(limit: usize) -> usize {
    (limit / 4 / chunk_for(limit)).clamp(4, 64)
}

/// Sorts entries of kind `K` within a budget (see the module comment).
pub struct ExtSorter<K: SortKind = Vec<Term>> {
    kind: K,
    batch: Vec<K::Entry>,
    budget: Budget,
    spilled: Option<(RunFile, Vec<Run>)>,
    rec: Vec<u8>,
}

impl ExtSorter<Vec<Term>> {
    pub fn terms(&self) -> &[Term] {
        &self.kind
    }
}

impl<K: SortKind> ExtSorter<K> {
    pub fn new(kind: K, budget: Budget) -> ExtSorter<K> {
        ExtSorter { kind, batch: Vec::new(), budget, spilled: None, rec: Vec::new() }
    }

    /// True once a run went to disk.
    pub fn has_spilled(&self) -> bool {
        self.spilled.is_some()
    }

    pub fn push(&mut self, entry: K::Entry) -> Result<()> {
        self.budget.charge(K::bytes(&entry));
        self.batch.push(entry);
        if self.budget.must_spill() {
            self.spill()?;
            self.budget.check_hard()?;
        }
        Ok(())
    }

    /// Writes the batch as one sorted run and frees it.
    fn spill(&mut self) -> Result<()> {
        self.kind.sort(&mut self.batch)?;
        let (file, runs) = match &mut self.spilled {
            Some(s) => s,
            None => self.spilled.insert((RunFile::new()?, Vec::new())),
        };
        for e in self.batch.drain(..) {
            file.push(K::encode(&e, &mut self.rec))?;
        }
        runs.push(file.end_run()?);
        self.batch = Vec::new();
        self.budget.release();
        Ok(())
    }

    /// Every entry pushed, in key order (ties in arrival order).
    pub fn finish(mut self) -> Result<SortedRows<K>> {
        if self.spilled.is_none() {
            self.kind.sort(&mut self.batch)?;
            let batch = std::mem::take(&mut self.batch);
            let src = Src::Mem { batch, at: 0 };
            return Ok(SortedRows { src, kind: self.kind, budget: self.budget, lent: K::Entry::default() });
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
                let mut m = Merger::<K>::new(group, &mut self.budget);
                let mut e = K::Entry::default();
                while m.pop_into(&self.kind, &file, &mut e)? {
                    out.push(K::encode(&e, &mut self.rec))?;
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
        let src = Src::Merge { merger, file };
        Ok(SortedRows { src, kind: self.kind, budget: self.budget, lent: K::Entry::default() })
    }
}

/// The sorted entries, from memory or merged from runs.
pub struct SortedRows<K: SortKind = Vec<Term>> {
    src: Src<K>,
    kind: K,
    /// What the in-memory entries or the merge buffers hold.
    budget: Budget,
    /// The entry [`SortedRows::next_ref`] lent last, from a merge.
    lent: K::Entry,
}

enum Src<K: SortKind> {
    /// Entries before `at` are handed out.
    Mem {
        batch: Vec<K::Entry>,
        at: usize,
    },
    Merge {
        merger: Merger<K>,
        file: RunFile,
    },
}

impl<K: SortKind> SortedRows<K> {
    /// The next entry, moved out (its bytes given back to the budget).
    pub fn next_entry(&mut self) -> Result<Option<K::Entry>> {
        match &mut self.src {
            Src::Mem { batch, at } => Ok(batch.get_mut(*at).map(|e| {
                *at += 1;
                self.budget.credit(K::bytes(e));
                std::mem::take(e)
            })),
            Src::Merge { merger, file } => {
                let mut e = K::Entry::default();
                Ok(merger.pop_into(&self.kind, file, &mut e)?.then_some(e))
            }
        }
    }

    /// The next entry, lent: entries in memory are freed together at the
    /// end, and a merge decodes each run's next entry into the buffer of
    /// the one lent before, so a pass allocates and frees nothing per
    /// entry.
    pub fn next_ref(&mut self) -> Result<Option<&K::Entry>> {
        match &mut self.src {
            Src::Mem { batch, at } => Ok(batch.get(*at).inspect(|_| *at += 1)),
            Src::Merge { merger, file } => Ok(merger.pop_into(&self.kind, file, &mut self.lent)?.then_some(&self.lent)),
        }
    }
}

/// A k-way merge: each run's head entry decoded, and a binary min-heap of
/// run numbers ordered by (head key, run number).
struct Merger<K: SortKind> {
    readers: Vec<RunReader>,
    heads: Vec<K::Entry>,
    heap: Vec<usize>,
    primed: bool,
}

impl<K: SortKind> Merger<K> {
    fn new(runs: &[Run], budget: &mut Budget) -> Merger<K> {
        let chunk = chunk_for(budget.limit());
        budget.charge(runs.len() * chunk);
        Merger {
            readers: runs.iter().map(|&r| RunReader::with_chunk(r, chunk)).collect(),
            heads: runs.iter().map(|_| K::Entry::default()).collect(),
            heap: Vec::with_capacity(runs.len()),
            primed: false,
        }
    }

    /// Reads run `i`'s next entry into its head; false at the run's end.
    fn load(&mut self, i: usize, file: &RunFile) -> Result<bool> {
        match self.readers[i].next(file.file())? {
            Some(rec) => {
                K::decode(rec, &mut self.heads[i])?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Swaps the least head into `out` (whose old buffer becomes that
    /// run's next head); false when every run is read.
    fn pop_into(&mut self, kind: &K, file: &RunFile, out: &mut K::Entry) -> Result<bool> {
        if !self.primed {
            self.primed = true;
            for i in 0..self.readers.len() {
                if self.load(i, file)? {
                    self.heap.push(i);
                    let at = self.heap.len() - 1;
                    self.sift_up(kind, at);
                }
            }
        }
        let Some(&top) = self.heap.first() else { return Ok(false) };
        std::mem::swap(out, &mut self.heads[top]);
        if self.load(top, file)? {
            self.sift_down(kind, 0);
        } else {
            let last = self.heap.len() - 1;
            self.heap.swap(0, last);
            self.heap.pop();
            if !self.heap.is_empty() {
                self.sift_down(kind, 0);
            }
        }
        kind.take_error()?;
        Ok(true)
    }

    fn less(&self, kind: &K, a: usize, b: usize) -> bool {
        kind.cmp(&self.heads[a], &self.heads[b]).then(a.cmp(&b)) == Ordering::Less
    }

    fn sift_up(&mut self, kind: &K, mut i: usize) {
        while i > 0 {
            let p = (i - 1) / 2;
            if !self.less(kind, self.heap[i], self.heap[p]) {
                break;
            }
            self.heap.swap(i, p);
            i = p;
        }
    }

    fn sift_down(&mut self, kind: &K, mut i: usize) {
        let n = self.heap.len();
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && self.less(kind, self.heap[r], self.heap[l]) { r } else { l };
            if !self.less(kind, self.heap[c], self.heap[i]) {
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
