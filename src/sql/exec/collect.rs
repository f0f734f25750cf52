//! The buffering half of the executor: compound SELECTs, aggregation
//! (groups keyed by normalized values, output in key order), and sorting.

use super::keyhash::{KeyMap, KeySet};
use super::rows::group_key;
use super::sort::Sorter;
use super::{run_subquery, SelectRun};
use crate::error::Result;
use crate::sql::expr::{eval, eval_bool, CExpr, Cx, Rt};
use crate::sql::func;
use crate::sql::select::{AggPlan, SelectPlan};
use crate::storage::record::compare_values;
use crate::storage::{Collation, Value};
use std::cmp::Ordering;

static NULL: Value = Value::Null;

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
    pub(super) fn compute_all(&mut self, plan: &SelectPlan, rt: &mut Rt, cx: &mut Cx) -> Result<Vec<Vec<Value>>> {
        let mut out: Vec<Vec<Value>> = Vec::new();
        let mut sorter = plan.sort.then(|| Sorter::new(self.limit, self.offset));
        let mut seen = KeySet::default();
        let mut kb = Vec::new();
        let mut row: Vec<Value> = Vec::new();
        let mut push = |rt: &mut Rt, cx: &mut Cx| -> Result<()> {
            row.clear();
            for e in &plan.result {
                row.push(eval(e, rt, cx)?);
            }
            if plan.distinct {
                group_key(&row, &plan.colls, &mut kb);
                if !super::keyhash::first_seen(&mut seen, &kb) {
                    return Ok(());
                }
            }
            match &mut sorter {
                Some(s) => s.push(&plan.order, &mut row, rt, cx),
                None => {
                    out.push(std::mem::take(&mut row));
                    Ok(())
                }
            }
        };
        match &plan.agg {
            None => {
                while self.join_next(plan, rt, cx)? {
                    push(rt, cx)?;
                }
            }
            Some(agg) => {
                self.aggregate(plan, agg, rt, cx, &mut push)?;
            }
        }
        Ok(match sorter {
            Some(s) => s.finish(&plan.order),
            None => out,
        })
    }

    fn aggregate(
        &mut self,
        plan: &SelectPlan,
        agg: &AggPlan,
        rt: &mut Rt,
        cx: &mut Cx,
        emit: &mut dyn FnMut(&mut Rt, &mut Cx) -> Result<()>,
    ) -> Result<()> {
        struct Group {
            key: Vec<Value>,
            accs: Vec<Box<dyn func::Accumulator>>,
            bare: Vec<Value>,
            best: Option<Value>,
        }
        let new_group = |key: Vec<Value>| -> Result<Group> {
            let mut accs = Vec::with_capacity(agg.calls.len());
            for c in &agg.calls {
                accs.push(func::new_accumulator_with_collation(&c.name, c.args.len(), c.distinct, c.coll)?);
            }
            Ok(Group { key, accs, bare: Vec::new(), best: None })
        };
        let snapshot = |rt: &Rt| -> Vec<Value> {
            agg.bare
                .iter()
                .map(|&(slot, col)| {
                    let s = &rt.slots[slot];
                    match col {
                        _ if s.null_row => Value::Null,
                        None => Value::Integer(s.rowid),
                        Some(c) => s.vals.get(c).cloned().unwrap_or(Value::Null),
                    }
                })
                .collect()
        };
        let mut groups: Vec<Group> = Vec::new();
        let mut index: KeyMap<usize> = KeyMap::default();
        let mut kb = Vec::new();
        let mut keyvals = Vec::with_capacity(agg.group_by.len());
        let mut argbuf: Vec<Value> = Vec::new();
        if agg.group_by.is_empty() {
            groups.push(new_group(Vec::new())?);
        }
        while self.join_next(plan, rt, cx)? {
            let gi = if agg.group_by.is_empty() {
                0
            } else {
                keyvals.clear();
                for e in &agg.group_by {
                    keyvals.push(eval(e, rt, cx)?);
                }
                group_key(&keyvals, &agg.group_colls, &mut kb);
                match index.get(&kb) {
                    Some(&g) => g,
                    None => {
                        groups.push(new_group(keyvals.clone())?);
                        index.insert(kb.clone(), groups.len() - 1);
                        groups.len() - 1
                    }
                }
            };
            let g = &mut groups[gi];
            let first_row = g.bare.is_empty() && !agg.bare.is_empty() && g.best.is_none();
            let mut take_snapshot = first_row;
            for (ci, call) in agg.calls.iter().enumerate() {
                // A lone column argument is read in place, not copied.
                let args: &[Value] = match call.args.as_slice() {
                    [CExpr::Col { slot, col }] => std::slice::from_ref(rt.slots[*slot].vals.get(*col).unwrap_or(&NULL)),
                    _ => {
                        argbuf.clear();
                        for a in &call.args {
                            argbuf.push(eval(a, rt, cx)?);
                        }
                        &argbuf
                    }
                };
                if let Some((mi, is_max)) = agg.minmax {
                    if mi == ci && !agg.bare.is_empty() && !matches!(args[0], Value::Null) {
                        let better = match &g.best {
                            None => true,
                            Some(b) => {
                                let o = compare_values(&args[0], b, call.coll);
                                if is_max {
                                    o == Ordering::Greater
                                } else {
                                    o == Ordering::Less
                                }
                            }
                        };
                        if better {
                            g.best = Some(args[0].clone());
                            take_snapshot = true;
                        }
                    }
                }
                g.accs[ci].step(args)?;
            }
            if take_snapshot && !agg.bare.is_empty() {
                g.bare = snapshot(rt);
            }
        }
        if !agg.group_by.is_empty() {
            let colls = &agg.group_colls;
            groups.sort_by(|a, b| {
                for (i, c) in colls.iter().enumerate() {
                    let o = compare_values(&a.key[i], &b.key[i], *c);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
        }
        for mut g in groups {
            for (k, &(slot, col)) in agg.bare.iter().enumerate() {
                let v = g.bare.get(k).cloned().unwrap_or(Value::Null);
                let s = &mut rt.slots[slot];
                match col {
                    // A NULL rowid is a LEFT JOIN's null row: it reads NULL.
                    None => match v {
                        Value::Integer(i) => {
                            s.rowid = i;
                            s.null_row = false;
                        }
                        _ => s.null_row = true,
                    },
                    Some(c) => {
                        if s.vals.len() <= c {
                            s.vals.resize(c + 1, Value::Null);
                        }
                        s.vals[c] = v;
                    }
                }
            }
            for (ci, call) in agg.calls.iter().enumerate() {
                rt.aggs[call.id] = g.accs[ci].finalize()?;
            }
            if let Some(h) = &agg.having {
                if !eval_bool(h, rt, cx)? {
                    continue;
                }
            }
            emit(rt, cx)?;
        }
        Ok(())
    }
}
