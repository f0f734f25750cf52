//! The buffering half of the executor: compound SELECTs, aggregation
//! (groups keyed by normalized values, output in key order), and sorting.

use super::distinct::{Distinct, Verdict};
use super::sort::Sorter;
use super::spill::RowStream;
use super::{run_subquery, SelectRun};
use crate::error::Result;
use crate::sql::expr::{eval, Cx, Rt};
use crate::sql::select::{SelectPlan, SortKey};
use crate::storage::record::compare_values;
use crate::storage::{Collation, Value};
use std::cmp::Ordering;

impl SelectRun {
    /// Runs every SELECT of a compound and combines their rows. UNION,
    /// EXCEPT and INTERSECT yield distinct rows in sorted order (as SQLite's
    /// temporary index does); UNION ALL concatenates.
    pub(super) fn compute_compound(
        &mut self,
        plan: &SelectPlan,
        c: &crate::sql::select::Compound,
        rt: &mut Rt,
        cx: &mut Cx,
    ) -> Result<Vec<Vec<Value>>> {
        use crate::sql::select::SetOp;
        let cmp_rows = |a: &Vec<Value>, b: &Vec<Value>| -> Ordering {
            for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
                let o = compare_values(x, y, plan.colls.get(i).copied().unwrap_or(Collation::Binary));
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        };
        // Which of rows equal under the collations survives follows SQLite.
        // With a temporary index the last one: a re-inserted key replaces the
        // earlier one (SELECT 1 UNION SELECT 1.0 gives 1.0). When merging
        // sorted sides the first one of each side, and for UNION the right
        // side's over the left's.
        let merge = c.merge;
        let dedup = |mut v: Vec<Vec<Value>>, keep_last: bool| -> Vec<Vec<Value>> {
            v.sort_by(cmp_rows);
            let mut out: Vec<Vec<Value>> = Vec::with_capacity(v.len());
            for r in v {
                match out.last_mut() {
                    Some(l) if cmp_rows(l, &r) == Ordering::Equal => {
                        if keep_last {
                            *l = r;
                        }
                    }
                    _ => out.push(r),
                }
            }
            out
        };
        let sorted_set = |v: Vec<Vec<Value>>| dedup(v, !merge);
        let mut acc = run_subquery(&c.first, usize::MAX, rt, cx)?;
        for (op, p) in &c.rest {
            let rows = run_subquery(p, usize::MAX, rt, cx)?;
            acc = match op {
                SetOp::UnionAll => {
                    acc.extend(rows);
                    acc
                }
                SetOp::Union if merge => {
                    let mut both = sorted_set(acc);
                    both.extend(sorted_set(rows));
                    dedup(both, true)
                }
                SetOp::Union => {
                    acc.extend(rows);
                    sorted_set(acc)
                }
                SetOp::Except => {
                    let right = sorted_set(rows);
                    sorted_set(acc)
                        .into_iter()
                        .filter(|r| right.binary_search_by(|x| cmp_rows(x, r)).is_err())
                        .collect()
                }
                SetOp::Intersect => {
                    let right = sorted_set(rows);
                    sorted_set(acc).into_iter().filter(|r| right.binary_search_by(|x| cmp_rows(x, r)).is_ok()).collect()
                }
            };
        }
        if !plan.order.is_empty() {
            let keys: Vec<(usize, bool, Collation)> = plan
                .order
                .iter()
                .map(|k| match k.expr {
                    crate::sql::expr::CExpr::Lit(Value::Integer(i)) => (i as usize, k.desc, k.coll),
                    _ => (0, k.desc, k.coll),
                })
                .collect();
            acc.sort_by(|a, b| {
                for &(i, desc, coll) in &keys {
                    let o = compare_values(&a[i], &b[i], coll);
                    let o = if desc { o.reverse() } else { o };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
        }
        Ok(acc)
    }

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
