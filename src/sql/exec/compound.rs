//! Compound SELECTs inside the statement memory budget.
//!
//! Each side runs to its end into a spilling queue (an external sorter
//! without a key). UNION ALL chains queues; UNION, EXCEPT and INTERSECT
//! sort their inputs by every column under the compound's collations and
//! keep one row per key, then EXCEPT and INTERSECT walk both sorted sides
//! together. Their rows come out in sorted order, as from SQLite's
//! temporary index. Which of rows equal under the collations survives
//! follows SQLite: with a temporary index the last one (a re-inserted key
//! replaces the earlier one: SELECT 1 UNION SELECT 1.0 gives 1.0); when
//! merging sorted sides the first one of each side, and for UNION the
//! right side's over the left's.

use super::spill::{cmp_terms, Budget, ExtSorter, RowSource, RowStream, SortedRows, Term};
use super::{SelectRun, Value};
use crate::error::Result;
use crate::sql::expr::{CExpr, Cx, Rt};
use crate::sql::select::{Compound, SelectPlan, SetOp};
use std::cmp::Ordering;

type Rows = Box<dyn RowSource>;

impl RowSource for SortedRows {
    fn next_row(&mut self) -> Result<Option<Vec<Value>>> {
        self.next_entry()
    }
}

/// One side, run to its end into a queue.
fn side(plan: &SelectPlan, rt: &mut Rt, cx: &mut Cx) -> Result<Rows> {
    let mut run = SelectRun::new(plan);
    let mut queue = ExtSorter::new(Vec::new(), Budget::new(cx));
    let mut row = Vec::new();
    while run.next(plan, rt, cx, &mut row)? {
        queue.push(std::mem::take(&mut row))?;
    }
    Ok(Box::new(queue.finish()?))
}

struct Chain(Rows, Rows);

impl RowSource for Chain {
    fn next_row(&mut self) -> Result<Option<Vec<Value>>> {
        match self.0.next_row()? {
            Some(r) => Ok(Some(r)),
            None => self.1.next_row(),
        }
    }
}

/// Sorted rows, one per key: the first or the last of equal rows.
struct Set {
    rows: SortedRows,
    terms: Vec<Term>,
    keep_last: bool,
    ahead: Option<Vec<Value>>,
}

fn set_of(mut src: Rows, terms: &[Term], keep_last: bool, cx: &Cx) -> Result<Set> {
    let mut s = ExtSorter::new(terms.to_vec(), Budget::new(cx));
    while let Some(r) = src.next_row()? {
        cx.check_interrupt()?;
        s.push(r)?;
    }
    Ok(Set { rows: s.finish()?, terms: terms.to_vec(), keep_last, ahead: None })
}

impl RowSource for Set {
    fn next_row(&mut self) -> Result<Option<Vec<Value>>> {
        let Some(mut cur) = (match self.ahead.take() {
            Some(r) => Some(r),
            None => self.rows.next_entry()?,
        }) else {
            return Ok(None);
        };
        while let Some(next) = self.rows.next_entry()? {
            if cmp_terms(&self.terms, &cur, &next) != Ordering::Equal {
                self.ahead = Some(next);
                break;
            }
            if self.keep_last {
                cur = next;
            }
        }
        Ok(Some(cur))
    }
}

/// EXCEPT (`keep_common` false) or INTERSECT (true) of two sets.
struct Filter {
    left: Set,
    right: Set,
    right_head: Option<Vec<Value>>,
    keep_common: bool,
    terms: Vec<Term>,
}

impl RowSource for Filter {
    fn next_row(&mut self) -> Result<Option<Vec<Value>>> {
        while let Some(r) = self.left.next_row()? {
            loop {
                let o = match &self.right_head {
                    Some(h) => cmp_terms(&self.terms, h, &r),
                    None => Ordering::Greater,
                };
                if o != Ordering::Less {
                    if (o == Ordering::Equal) == self.keep_common {
                        return Ok(Some(r));
                    }
                    break;
                }
                self.right_head = self.right.next_row()?;
            }
        }
        Ok(None)
    }
}

/// Runs every SELECT of a compound and combines their rows (then its
/// ORDER BY, whose keys are result column ordinals).
pub(super) fn compute(plan: &SelectPlan, c: &Compound, rt: &mut Rt, cx: &mut Cx) -> Result<RowStream> {
    // One term per column: the compound's width (`colls` has one each).
    let terms: Vec<Term> = plan.colls.iter().map(|&c| Term::order_by(false, c)).collect();
    let merge = c.merge;
    let mut acc = side(&c.first, rt, cx)?;
    for (op, p) in &c.rest {
        let rows = side(p, rt, cx)?;
        acc = match op {
            SetOp::UnionAll => Box::new(Chain(acc, rows)),
            SetOp::Union if merge => {
                let both = Chain(Box::new(set_of(acc, &terms, false, cx)?), Box::new(set_of(rows, &terms, false, cx)?));
                Box::new(set_of(Box::new(both), &terms, true, cx)?)
            }
            SetOp::Union => Box::new(set_of(Box::new(Chain(acc, rows)), &terms, true, cx)?),
            SetOp::Except | SetOp::Intersect => {
                let mut right = set_of(rows, &terms, !merge, cx)?;
                let right_head = right.next_row()?;
                Box::new(Filter {
                    left: set_of(acc, &terms, !merge, cx)?,
                    right,
                    right_head,
                    keep_common: *op == SetOp::Intersect,
                    terms: terms.clone(),
                })
            }
        };
    }
    if plan.order.is_empty() {
        return Ok(RowStream::Source(acc));
    }
    let keys: Vec<usize> = plan
        .order
        .iter()
        .map(|k| match k.expr {
            CExpr::Lit(Value::Integer(i)) => i as usize,
            _ => 0,
        })
        .collect();
    let sort_terms = plan.order.iter().map(|k| Term::order_by(k.desc, k.coll)).collect();
    let mut s = ExtSorter::new(sort_terms, Budget::new(cx));
    while let Some(r) = acc.next_row()? {
        let mut e: Vec<Value> = keys.iter().map(|&i| r.get(i).cloned().unwrap_or(Value::Null)).collect();
        e.extend(r);
        s.push(e)?;
    }
    Ok(RowStream::Sorted { rows: s.finish()?, skip: keys.len() })
}
