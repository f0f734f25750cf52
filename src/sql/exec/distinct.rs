//! DISTINCT inside the statement memory budget.
//!
//! Rows' normalized keys go into a hash set while it fits in half the
//! budget. Past that the set is frozen: a row whose key it holds is still a
//! duplicate, and a row with a key it does not hold is deferred: the
//! caller hands it to `defer` as an entry starting with the row (whatever
//! follows rides along) and gets the deferred entries back at the end,
//! sorted by the row under the DISTINCT collations, one per key (the first
//! to arrive, the sort being stable). A DISTINCT without ORDER BY puts
//! them back in arrival order (`in_arrival_order`), after the rows it
//! returned before the set froze.

use super::keyhash::KeySet;
use super::rows::group_key;
use super::spill::{Budget, ExtSorter, RowStream, SortedRows, Term};
use crate::error::Result;
use crate::sql::expr::Cx;
use crate::storage::{Collation, Value};
use std::cmp::Ordering;

/// What `Distinct::check` says of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    New,
    Duplicate,
    Deferred,
}

/// A hash entry's cost beyond its key bytes.
const ENTRY_OVERHEAD: usize = 48;

pub(super) struct Distinct {
    seen: KeySet,
    budget: Budget,
    overflow: Option<ExtSorter>,
    kb: Vec<u8>,
    frozen: bool,
}

impl Distinct {
    pub(super) fn new(cx: &Cx) -> Distinct {
        Distinct { seen: KeySet::default(), budget: Budget::new(cx), overflow: None, kb: Vec::new(), frozen: false }
    }

    /// Empties the set for a rerun of the statement.
    pub(super) fn clear(&mut self) {
        self.seen.clear();
        self.budget.release();
        self.overflow = None;
        self.frozen = false;
    }

    pub(super) fn check(&mut self, row: &[Value], colls: &[Collation]) -> Verdict {
        group_key(row, colls, &mut self.kb);
        if self.seen.contains(&self.kb) {
            return Verdict::Duplicate;
        }
        if self.frozen || self.budget.held() >= self.budget.limit() / 2 {
            self.frozen = true;
            return Verdict::Deferred;
        }
        self.budget.charge(self.kb.len() + ENTRY_OVERHEAD);
        self.seen.insert(self.kb.clone());
        Verdict::New
    }

    /// Keeps a deferred entry (`row ++ anything`) for `finish`.
    pub(super) fn defer(&mut self, entry: Vec<Value>, ncols: usize, colls: &[Collation], cx: &Cx) -> Result<()> {
        let s = self.overflow.get_or_insert_with(|| ExtSorter::new(terms(ncols, colls), Budget::new(cx)));
        s.push(entry)
    }

    /// The deferred entries, one per distinct row; None if none was.
    pub(super) fn finish(&mut self, ncols: usize) -> Result<Option<Deduped>> {
        match self.overflow.take() {
            None => Ok(None),
            Some(s) => {
                let terms = s.terms().to_vec();
                Ok(Some(Deduped { rows: s.finish()?, terms, ncols, last: None }))
            }
        }
    }
}

fn terms(ncols: usize, colls: &[Collation]) -> Vec<Term> {
    (0..ncols).map(|i| Term::order_by(false, colls.get(i).copied().unwrap_or(Collation::Binary))).collect()
}

/// Sorted deferred entries with later duplicates skipped.
pub(super) struct Deduped {
    rows: SortedRows,
    terms: Vec<Term>,
    ncols: usize,
    last: Option<Vec<Value>>,
}

impl Deduped {
    pub(super) fn next_entry(&mut self) -> Result<Option<Vec<Value>>> {
        while let Some(e) = self.rows.next_entry()? {
            let dup = self
                .last
                .as_ref()
                .is_some_and(|l| super::spill::cmp_terms(&self.terms, l, &e[..self.ncols]) == Ordering::Equal);
            if !dup {
                self.last = Some(e[..self.ncols].to_vec());
                return Ok(Some(e));
            }
        }
        Ok(None)
    }
}

/// Deferred entries `row ++ [arrival number]`, one per distinct row, sorted
/// back into arrival order (the number dropped).
pub(super) fn in_arrival_order(mut rows: Deduped, cx: &Cx) -> Result<RowStream> {
    let mut s = ExtSorter::new(vec![Term::order_by(false, Collation::Binary)], Budget::new(cx));
    while let Some(mut e) = rows.next_entry()? {
        let seq = e.pop().unwrap_or(Value::Null);
        e.insert(0, seq);
        s.push(e)?;
    }
    Ok(RowStream::Sorted { rows: s.finish()?, skip: 1 })
}
