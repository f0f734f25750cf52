//! The partition being read by a window stage: in memory while its budget
//! allows, then in blocks of a temporary file ([`BlockRows`]).
//!
//! Functions read a partition by position through [`Rows`], so one
//! computation ([`super::walk`]) serves both: over memory it indexes a
//! slice; over a file it reads through a cache of a few decoded blocks,
//! which suffices because every position the computation reads moves
//! forward with the current row (frame start and end, peer group ends,
//! lag/lead targets at a fixed distance). Whole-partition figures (ntile,
//! percent_rank, cume_dist, UNBOUNDED FOLLOWING) need only the row count.
//!
//! A partition in memory gets its results once all are computed (rows
//! move out, nothing is copied); a spilled one hands out each row as soon
//! as its results are known, decoded again from the file.

use super::frame::Offsets;
use super::walk::walk;
use super::WinDef;
use crate::error::Result;
use crate::sql::exec::spill::{row_bytes, BlockRows, Budget};
use crate::storage::Value;

/// Random access to one partition's rows by position (0-based, in window
/// order). A borrowed row lives until the next call.
pub trait Rows {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn row(&mut self, pos: usize) -> Result<&[Value]>;
    fn pair(&mut self, a: usize, b: usize) -> Result<(&[Value], &[Value])>;
}

/// A partition held in memory.
pub struct MemRows<'a>(pub &'a [Vec<Value>]);

impl Rows for MemRows<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    fn row(&mut self, pos: usize) -> Result<&[Value]> {
        Ok(&self.0[pos])
    }
    #[inline]
    fn pair(&mut self, a: usize, b: usize) -> Result<(&[Value], &[Value])> {
        Ok((&self.0[a], &self.0[b]))
    }
}

impl Rows for BlockRows {
    fn len(&self) -> usize {
        BlockRows::len(self)
    }
    fn row(&mut self, pos: usize) -> Result<&[Value]> {
        BlockRows::row(self, pos)
    }
    fn pair(&mut self, a: usize, b: usize) -> Result<(&[Value], &[Value])> {
        BlockRows::pair(self, a, b)
    }
}

/// The rows of the partition being read.
///
/// Invariant: `disk` is None while `rows` (charged to `budget`) holds the
/// partition; once past the budget `rows` is empty, `disk` holds every row
/// and `last` a copy of the last one (to tell where the partition ends).
pub struct PartBuf {
    rows: Vec<Vec<Value>>,
    disk: Option<BlockRows>,
    last: Vec<Value>,
    budget: Budget,
}

impl PartBuf {
    pub fn new(budget: Budget) -> PartBuf {
        PartBuf { rows: Vec::new(), disk: None, last: Vec::new(), budget }
    }

    /// The last row pushed, None while the partition is empty.
    pub fn last(&self) -> Option<&[Value]> {
        match &self.disk {
            Some(_) => Some(&self.last),
            None => self.rows.last().map(|r| &r[..]),
        }
    }

    pub fn push(&mut self, r: Vec<Value>) -> Result<()> {
        if let Some(d) = &mut self.disk {
            d.push(&r)?;
            self.last = r;
            return Ok(());
        }
        self.budget.charge(row_bytes(&r));
        self.rows.push(r);
        if self.budget.must_spill() {
            self.spill()?;
        }
        Ok(())
    }

    /// Moves the rows to a temporary file; in HARD mode what the file
    /// keeps in memory (its write buffer and block index) must fit in W.
    fn spill(&mut self) -> Result<()> {
        let mut d = BlockRows::new(self.budget.sibling())?;
        for r in self.rows.drain(..) {
            d.push(&r)?;
            self.last = r;
        }
        self.rows = Vec::new();
        self.budget.release();
        self.disk = Some(d);
        Ok(())
    }

    /// Computes `def`'s functions over the partition, hands each row with
    /// its results appended to `emit` in partition order, and empties the
    /// buffer for the next partition.
    pub fn flush(
        &mut self,
        def: &WinDef,
        offs: &Offsets,
        emit: &mut dyn FnMut(Vec<Value>) -> Result<()>,
    ) -> Result<()> {
        let Some(mut d) = self.disk.take() else { return self.flush_mem(def, offs, emit) };
        self.last = Vec::new();
        d.seal()?;
        walk(&mut d, def, offs, &mut |d, i, vals| {
            let mut r = d.row(i)?.to_vec();
            r.append(vals);
            emit(r)
        })
    }

    fn flush_mem(
        &mut self,
        def: &WinDef,
        offs: &Offsets,
        emit: &mut dyn FnMut(Vec<Value>) -> Result<()>,
    ) -> Result<()> {
        let nf = def.funcs.len();
        let mut res = Vec::with_capacity(self.rows.len() * nf);
        walk(&mut MemRows(&self.rows), def, offs, &mut |_, _, vals| {
            res.append(vals);
            Ok(())
        })?;
        let mut res = res.into_iter();
        for mut r in self.rows.drain(..) {
            r.extend(res.by_ref().take(nf));
            emit(r)?;
        }
        self.budget.release();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Bound, Exclude, Frame, KeyOrder, Kind, Unit, WinFunc};
    use super::*;
    use crate::sql::exec::spill::WorkMem;
    use crate::sql::expr::CExpr;
    use crate::storage::Collation;

    fn func(kind: Kind, args: Vec<usize>) -> WinFunc {
        WinFunc { id: 0, kind, args, filter: None, coll: Collation::Binary }
    }

    /// Every row of one partition with its results, under `limit`.
    fn run(def: &WinDef, offs: &Offsets, limit: usize) -> (Vec<Vec<Value>>, bool, usize) {
        let work = WorkMem::default();
        let mut part = PartBuf::new(Budget::with_limit(work.clone(), limit, true));
        for i in 0..30_000i64 {
            let text = Value::Text(format!("row {}", i * 7919 % 1000));
            part.push(vec![Value::Integer(i / 3), Value::Integer(i * 7 % 1000), Value::Integer(4), text]).unwrap();
        }
        let spilled = part.disk.is_some();
        let mut out = Vec::new();
        part.flush(def, offs, &mut |r| {
            out.push(r);
            Ok(())
        })
        .unwrap();
        drop(part);
        (out, spilled, work.used())
    }

    #[test]
    fn a_spilled_partition_gives_the_rows_it_gives_in_memory() {
        let key = KeyOrder { desc: false, nulls_first: true, coll: Collation::Binary };
        let frame = Frame {
            unit: Unit::Rows,
            start: Bound::Preceding(CExpr::lit_int(20)),
            end: Bound::Following(CExpr::lit_int(3)),
            exclude: Exclude::Omitted,
        };
        let funcs = vec![
            func(Kind::Sum, vec![1]),
            func(Kind::Max, vec![3]),
            func(Kind::Lag, vec![3, 2]),
            func(Kind::Lead, vec![1, 2]),
            func(Kind::Rank, vec![]),
            func(Kind::CumeDist, vec![]),
            func(Kind::Ntile, vec![2]),
            func(Kind::LastValue, vec![3]),
        ];
        let def = WinDef { partition: Vec::new(), order: vec![(0, key)], frame, funcs };
        let offs = Offsets { start: Some(Value::Integer(20)), end: Some(Value::Integer(3)) };
        let (mem, spilled, _) = run(&def, &offs, usize::MAX / 2);
        assert!(!spilled);
        let (disk, spilled, left) = run(&def, &offs, 64 << 10);
        assert!(spilled);
        assert_eq!(left, 0, "every byte charged is given back");
        assert_eq!(mem.len(), 30_000);
        assert!(mem == disk, "spilled results differ");
        // Row 10: sum of i * 7 over rows 0..=13, and rank 10 (key 3 starts at row 9).
        assert_eq!((&mem[10][4], &mem[10][8]), (&Value::Integer(637), &Value::Integer(10)));
    }
}
