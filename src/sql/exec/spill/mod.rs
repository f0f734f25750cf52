//! Statement working memory inside a budget, and what spills past it.
//!
//! Every operator that holds rows for the length of a statement (the
//! ORDER BY sorter, GROUP BY's group table, DISTINCT sets, automatic hash
//! indexes, window partitions) charges what it holds to a [`Budget`]. All
//! budgets of one connection add up in its [`WorkMem`], which is what
//! `PRAGMA memory_stats` reports as `statement_memory`. When the
//! connection's total passes the limit W (`MemoryLimits::work_budget`), the
//! operator that is growing moves its rows to a temporary file:
//! - [`ExtSorter`]: an external merge sort (sorted runs in a temporary file,
//!   merged k ways, several passes when there are more runs than fit);
//!   [`IndexKeys`] sorts index key records the same way (CREATE INDEX);
//! - [`RowStore`]: rows read again and again (an inner FROM subquery) or
//!   handed out later (RETURNING), in one run of a temporary file once past
//!   the budget;
//! - [`BlockRows`]: rows read by position (a window partition), in blocks
//!   of a temporary file read back through a small cache;
//! - operators that are not sorts fall back to one: GROUP BY and DISTINCT
//!   keep the keys they already hold and send rows with new keys through a
//!   sorter; a hash index too big for memory becomes a sorted run probed by
//!   binary search over its blocks;
//! - a recursive CTE's queue: [`SpillFifo`] (segments of temporary files
//!   read in order) or [`SpillHeap`] (a heap over sorted runs); its UNION
//!   set of rows seen, [`SeenSet`], moves to an on-disk hash table.
//!
//! The answers are the same as in memory: sorts are stable (ties keep
//! arrival order, the merge prefers the earlier run), so the row a
//! DISTINCT or a group keeps among equal keys is the first one, as in
//! memory.
//!
//! SOFT mode (the default) may pass W by what one operator holds below its
//! smallest run; HARD mode fails with SQLITE_NOMEM when spilling cannot
//! bring the connection back under W.

mod blocks;
mod diskset;
mod fifo;
mod keys;
mod pqueue;
pub(super) mod runs;
mod seen;
mod sorter;
mod store;

pub use blocks::BlockRows;
pub use fifo::SpillFifo;
pub use keys::IndexKeys;
pub use pqueue::{QueueKey, SpillHeap};
pub use seen::SeenSet;
pub use sorter::{cmp_terms, ExtSorter, SortKind, SortedRows, Term};
pub use store::{RowStore, StoreCursor};

pub use crate::memory::WorkMem;

use crate::error::{Error, ErrorKind, Result};
use crate::sql::expr::Cx;
use crate::storage::pager::Txn;
use crate::storage::Value;

/// One operator's share of its connection's working memory.
///
/// Invariant: `held` is exactly what this budget added to `work` and has
/// not yet taken back; dropping the budget takes it back.
#[derive(Debug)]
pub struct Budget {
    work: WorkMem,
    limit: usize,
    hard: bool,
    held: usize,
}

impl Budget {
    /// A budget under the connection's limit W for the statement's database.
    pub fn new(cx: &Cx) -> Budget {
        Budget::for_txn(&cx.vars.work, cx.txn)
    }

    /// A budget in `work` under the limit W of `txn`'s database (for
    /// statements that run without an expression context: DDL).
    pub fn for_txn(work: &WorkMem, txn: &Txn) -> Budget {
        let pager = txn.pager();
        let lim = pager.memory_limits();
        Budget::with_limit(work.clone(), lim.work_budget(pager.page_size() as usize), lim.hard)
    }

    /// A budget that never spills, for a holder that stays empty (the
    /// RETURNING store of a statement without RETURNING): it needs no
    /// limit, and reading one takes the pager's lock.
    pub fn unlimited(work: &WorkMem) -> Budget {
        Budget::with_limit(work.clone(), usize::MAX, false)
    }

    pub fn with_limit(work: WorkMem, limit: usize, hard: bool) -> Budget {
        Budget { work, limit: limit.max(MIN_RUN), hard, held: 0 }
    }

    /// A new, empty budget under the same connection and limit.
    pub fn sibling(&self) -> Budget {
        Budget::with_limit(self.work.clone(), self.limit, self.hard)
    }

    pub fn limit(&self) -> usize {
        self.limit
    }
    pub fn held(&self) -> usize {
        self.held
    }

    pub fn charge(&mut self, n: usize) {
        self.held += n;
        self.work.add(n);
    }

    /// One held thing of `old` bytes became `new` bytes (a row replaced
    /// in place): the shared counter moves only when the size does.
    pub fn resize(&mut self, old: usize, new: usize) {
        match new.cmp(&old) {
            std::cmp::Ordering::Greater => self.charge(new - old),
            std::cmp::Ordering::Less => self.credit(old - new),
            std::cmp::Ordering::Equal => {}
        }
    }

    /// Gives back `n` of what this budget holds.
    pub fn credit(&mut self, n: usize) {
        let n = n.min(self.held);
        self.held -= n;
        self.work.sub(n);
    }

    pub fn release(&mut self) {
        self.credit(self.held);
    }

    /// True when the connection is past W and this operator holds enough
    /// to make spilling it worth a run.
    pub fn must_spill(&self) -> bool {
        self.held >= self.smallest_run() && self.work.used() > self.limit
    }

    /// Smallest run worth writing: an eighth of W, so that one operator's
    /// spills stay few even while others hold most of W.
    fn smallest_run(&self) -> usize {
        (self.limit / 8).max(MIN_RUN)
    }

    /// After a spill: in HARD mode the connection must be back under W.
    pub fn check_hard(&self) -> Result<()> {
        if self.hard && self.work.used() > self.limit {
            return Err(Error::new(ErrorKind::NoMem, "out of memory"));
        }
        Ok(())
    }

    /// For an operator that keeps only a working set that cannot spill
    /// (a spilled window partition's cached blocks): in HARD mode that
    /// set alone must fit in W. What others hold (a merge's read buffers)
    /// is theirs to answer for, so the connection's total is not checked.
    pub fn check_own_hard(&self) -> Result<()> {
        if self.hard && self.held > self.limit {
            return Err(Error::new(ErrorKind::NoMem, "out of memory"));
        }
        Ok(())
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        // Most budgets end empty: no atomic operation for them.
        if self.held > 0 {
            self.release();
        }
    }
}

/// Below this an operator never spills (a run of a few rows buys nothing).
const MIN_RUN: usize = 64 << 10;

/// The heap bytes a row of values holds: its vector, each value, and the
/// bytes of texts and blobs.
pub fn row_bytes(row: &[Value]) -> usize {
    std::mem::size_of::<Vec<Value>>() + row.iter().map(value_bytes).sum::<usize>()
}

pub fn value_bytes(v: &Value) -> usize {
    std::mem::size_of::<Value>()
        + match v {
            Value::Text(s) => s.capacity(),
            Value::Blob(b) => b.capacity(),
            _ => 0,
        }
}

/// Rows pulled one at a time from something that owns them.
pub trait RowSource {
    fn next_row(&mut self) -> Result<Option<Vec<Value>>>;
}

/// The rows a buffering operator hands out: from memory, merged from a
/// sorter (each entry then starts with `skip` sort-key values, dropped),
/// or from a chain of such sources (compound SELECTs).
pub enum RowStream {
    Mem(std::vec::IntoIter<Vec<Value>>),
    Sorted { rows: SortedRows, skip: usize },
    Source(Box<dyn RowSource>),
}

impl RowStream {
    pub fn next_row(&mut self) -> Result<Option<Vec<Value>>> {
        match self {
            RowStream::Mem(it) => Ok(it.next()),
            RowStream::Sorted { rows, skip } => Ok(rows.next_entry()?.map(|mut e| {
                e.drain(..*skip);
                e
            })),
            RowStream::Source(s) => s.next_row(),
        }
    }
}
