//! The buffering end of a SELECT: runs the loop (through aggregation,
//! group.rs, when there is one) into a [`Collector`], which applies
//! DISTINCT and ORDER BY. Compound SELECTs are in compound.rs.

use super::distinct::{Distinct, Verdict};
use super::sort::Sorter;
use super::spill::RowStream;
use super::SelectRun;
use crate::error::Result;
use crate::sql::expr::{eval, Cx, Rt};
use crate::sql::select::{SelectPlan, SortKey};
use crate::storage::Value;

impl SelectRun {
    /// Runs the loop to the end, aggregating and/or sorting. With a LIMIT
    /// only the first LIMIT + OFFSET rows in sort order are kept.
    pub(super) fn compute_all(&mut self, plan: &SelectPlan, rt: &mut Rt, cx: &mut Cx) -> Result<RowStream> {
        let mut out = Collector::new(plan, self.limit, self.offset, cx);
        match &plan.agg {
            None => {
                while self.join_next(plan, rt, cx)? {
                    out.push(rt, cx)?;
                }
            }
            Some(agg) => {
                self.aggregate(plan, agg, rt, cx, &mut |rt, cx| out.push(rt, cx))?;
            }
        }
        out.finish(cx)
    }
}

/// The end of a buffering SELECT: evaluates the result columns of each
/// row the caller has set up in `rt`, applies DISTINCT, then ORDER BY (or,
/// without one, a queue that spills the same way).
pub struct Collector<'p> {
    plan: &'p SelectPlan,
    order: &'p [SortKey],
    sorter: Sorter,
    distinct: Option<Distinct>,
    row: Vec<Value>,
}

impl<'p> Collector<'p> {
    /// `limit` < 0: none; with one, only LIMIT + OFFSET rows are kept.
    pub fn new(plan: &'p SelectPlan, limit: i64, offset: i64, cx: &Cx) -> Collector<'p> {
        let order: &[SortKey] = if plan.sort { &plan.order } else { &[] };
        Collector {
            plan,
            order,
            sorter: Sorter::new(limit, offset, order, plan.distinct, cx),
            distinct: plan.distinct.then(|| Distinct::new(cx)),
            row: Vec::new(),
        }
    }

    #[inline(always)]
    pub fn push(&mut self, rt: &mut Rt, cx: &mut Cx) -> Result<()> {
        let plan = self.plan;
        self.row.clear();
        for e in &plan.result {
            self.row.push(eval(e, rt, cx)?);
        }
        if let Some(d) = &mut self.distinct {
            match d.check(&self.row, &plan.colls) {
                Verdict::New => {}
                Verdict::Duplicate => return Ok(()),
                Verdict::Deferred => {
                    // Kept with its sort keys and arrival number.
                    let seq = self.sorter.take_seq();
                    let mut e = std::mem::take(&mut self.row);
                    for k in self.order {
                        e.push(eval(&k.expr, rt, cx)?);
                    }
                    e.push(Value::Integer(seq as i64));
                    return d.defer(e, plan.result.len(), &plan.colls, cx);
                }
            }
        }
        self.sorter.push(self.order, &mut self.row, rt, cx)
    }

    /// The rows in output order (deferred DISTINCT rows in their places).
    pub fn finish(mut self, cx: &Cx) -> Result<RowStream> {
        let ncols = self.plan.result.len();
        if let Some(mut rows) = self.distinct.as_mut().map(|d| d.finish(ncols)).transpose()?.flatten() {
            while let Some(mut e) = rows.next_entry()? {
                let seq = match e.pop() {
                    Some(Value::Integer(s)) => s as u64,
                    _ => return Err(crate::error::Error::internal("deferred DISTINCT row lost its arrival number")),
                };
                let keys = e.split_off(ncols);
                self.sorter.push_keyed(self.order, keys, seq, e, cx)?;
            }
        }
        self.sorter.finish(self.order)
    }
}
