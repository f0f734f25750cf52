//! Aggregation: groups keyed by normalized values, output in key order.
//!
//! Groups live in a hash table while it fits in half the statement memory
//! budget. Past that the table is frozen: rows of groups it holds still
//! step them, and rows of new groups go to an external sorter as entries
//! `group key ++ each call's arguments ++ bare-column snapshot`. At the end
//! the table's groups (sorted) and the sorter's (aggregated run by run of
//! equal keys) are merged in key order; the two key sets are disjoint, so
//! every group is emitted once, with the same accumulators as in memory.

use super::keyhash::KeyMap;
use super::rows::group_key;
use super::spill::{row_bytes, Budget, ExtSorter, Term};
use super::SelectRun;
use crate::error::Result;
use crate::sql::expr::{eval, eval_bool, CExpr, Cx, Rt};
use crate::sql::func;
use crate::sql::resolve::AggCall;
use crate::sql::select::{AggPlan, SelectPlan};
use crate::storage::record::compare_values;
use crate::storage::{Collation, Value};
use std::cmp::Ordering;

static NULL: Value = Value::Null;

struct Group {
    key: Vec<Value>,
    accs: Vec<Box<dyn func::Accumulator>>,
    /// The bare columns' values from the group's chosen row.
    bare: Vec<Value>,
    /// The best min()/max() argument so far (with `AggPlan::minmax`).
    best: Option<Value>,
}

/// Bytes a group costs beyond its key: each accumulator's box and state,
/// the hash entry and the bare snapshot's vector.
const GROUP_OVERHEAD: usize = 64;
const ACC_BYTES: usize = 64;

impl Group {
    fn new(agg: &AggPlan, key: Vec<Value>) -> Result<Group> {
        let mut accs = Vec::with_capacity(agg.calls.len());
        for c in &agg.calls {
            accs.push(func::new_accumulator_with_collation(&c.name, c.args.len(), c.distinct, c.coll)?);
        }
        Ok(Group { key, accs, bare: Vec::new(), best: None })
    }

    /// Whether `arg` beats the group's best min()/max() argument.
    fn improves(&self, arg: &Value, call: &AggCall, is_max: bool) -> bool {
        if matches!(arg, Value::Null) {
            return false;
        }
        match &self.best {
            None => true,
            Some(b) => {
                let o = compare_values(arg, b, call.coll);
                if is_max {
                    o == Ordering::Greater
                } else {
                    o == Ordering::Less
                }
            }
        }
    }

    /// Steps call `ci` with `args`; true when they are the group's new
    /// min()/max() row (whose bare columns the group then shows). Runs
    /// per row and call, so it is inlined into both loops; the rare
    /// min()/max()-with-bare-columns case stays out of line.
    #[inline(always)]
    fn step_call(&mut self, agg: &AggPlan, ci: usize, call: &AggCall, args: &[Value]) -> Result<bool> {
        let best = match agg.minmax {
            Some((mi, is_max)) if mi == ci && !agg.bare.is_empty() => self.take_best(&args[0], call, is_max),
            _ => false,
        };
        self.accs[ci].step(args)?;
        Ok(best)
    }

    /// Keeps `arg` as the group's min()/max() when it improves on it.
    #[cold]
    fn take_best(&mut self, arg: &Value, call: &AggCall, is_max: bool) -> bool {
        let better = self.improves(arg, call, is_max);
        if better {
            self.best = Some(arg.clone());
        }
        better
    }

    /// The group's first row gives it its bare columns.
    fn wants_first_snapshot(&self, agg: &AggPlan) -> bool {
        self.bare.is_empty() && !agg.bare.is_empty() && self.best.is_none()
    }

    /// Steps every call with arguments from a stored entry (`at` = where
    /// the arguments start); the snapshot follows them.
    fn step_stored(&mut self, agg: &AggPlan, entry: &[Value], mut at: usize) -> Result<()> {
        let mut take_snapshot = self.wants_first_snapshot(agg);
        for (ci, call) in agg.calls.iter().enumerate() {
            let args = &entry[at..at + call.args.len()];
            at += call.args.len();
            take_snapshot |= self.step_call(agg, ci, call, args)?;
        }
        if take_snapshot && !agg.bare.is_empty() {
            self.bare = entry[at..].to_vec();
        }
        Ok(())
    }
}

fn snapshot(agg: &AggPlan, rt: &Rt, out: &mut Vec<Value>) {
    out.extend(agg.bare.iter().map(|&(slot, col)| {
        let s = &rt.slots[slot];
        match col {
            _ if s.null_row => Value::Null,
            None => Value::Integer(s.rowid),
            Some(c) => s.vals.get(c).cloned().unwrap_or(Value::Null),
        }
    }));
}

fn cmp_keys(colls: &[Collation], a: &[Value], b: &[Value]) -> Ordering {
    for (i, c) in colls.iter().enumerate() {
        let o = compare_values(&a[i], &b[i], *c);
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

impl SelectRun {
    /// Runs the loop to the end, aggregating; `emit` is called with each
    /// group's values (bare columns and aggregates) set in `rt`, in group
    /// key order, HAVING applied.
    pub(super) fn aggregate(
        &mut self,
        plan: &SelectPlan,
        agg: &AggPlan,
        rt: &mut Rt,
        cx: &mut Cx,
        emit: &mut dyn FnMut(&mut Rt, &mut Cx) -> Result<()>,
    ) -> Result<()> {
        let mut groups: Vec<Group> = Vec::new();
        let mut index: KeyMap<usize> = KeyMap::default();
        let mut budget = Budget::new(cx);
        let mut overflow: Option<ExtSorter> = None;
        let mut kb = Vec::new();
        let mut keyvals = Vec::with_capacity(agg.group_by.len());
        let mut argbuf: Vec<Value> = Vec::new();
        let mut snap = Vec::new();
        if agg.group_by.is_empty() {
            groups.push(Group::new(agg, Vec::new())?);
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
                    None if overflow.is_none() && budget.held() < budget.limit() / 2 => {
                        budget.charge(row_bytes(&keyvals) + kb.len() + GROUP_OVERHEAD + ACC_BYTES * agg.calls.len());
                        groups.push(Group::new(agg, keyvals.clone())?);
                        index.insert(kb.clone(), groups.len() - 1);
                        groups.len() - 1
                    }
                    None => {
                        let s = overflow.get_or_insert_with(|| {
                            let terms = agg.group_colls.iter().map(|&c| Term::order_by(false, c)).collect();
                            ExtSorter::new(terms, Budget::new(cx))
                        });
                        s.push(overflow_entry(agg, &keyvals, rt, cx, &mut snap)?)?;
                        continue;
                    }
                }
            };
            step_live(&mut groups[gi], agg, rt, cx, &mut argbuf, &mut snap)?;
        }
        if !agg.group_by.is_empty() {
            groups.sort_by(|a, b| cmp_keys(&agg.group_colls, &a.key, &b.key));
        }
        drop(index);
        let mut mem = groups.into_iter().peekable();
        if let Some(s) = overflow {
            let n = agg.group_by.len();
            let mut rows = s.finish()?;
            let mut cur: Option<Group> = None;
            loop {
                let e = rows.next_entry()?;
                let same = matches!((&cur, &e), (Some(g), Some(e)) if cmp_keys(&agg.group_colls, &g.key, e) == Ordering::Equal);
                if !same {
                    if let Some(g) = cur.take() {
                        // The table's groups that sort first go out first.
                        while let Some(m) =
                            mem.next_if(|m| cmp_keys(&agg.group_colls, &m.key, &g.key) == Ordering::Less)
                        {
                            emit_group(m, agg, rt, cx, emit)?;
                        }
                        emit_group(g, agg, rt, cx, emit)?;
                    }
                }
                let Some(e) = e else { break };
                cx.check_interrupt()?;
                let g = match &mut cur {
                    Some(g) => g,
                    None => cur.insert(Group::new(agg, e[..n].to_vec())?),
                };
                g.step_stored(agg, &e, n)?;
            }
        }
        for g in mem {
            emit_group(g, agg, rt, cx, emit)?;
        }
        Ok(())
    }
}

/// A row of a group the frozen table does not hold: key, every call's
/// arguments, and the bare columns when the query has them.
fn overflow_entry(agg: &AggPlan, key: &[Value], rt: &mut Rt, cx: &mut Cx, snap: &mut Vec<Value>) -> Result<Vec<Value>> {
    let mut e = key.to_vec();
    for call in &agg.calls {
        for a in &call.args {
            e.push(eval(a, rt, cx)?);
        }
    }
    if !agg.bare.is_empty() {
        snap.clear();
        snapshot(agg, rt, snap);
        e.append(snap);
    }
    Ok(e)
}

/// Steps every call of group `g` with the current row.
#[inline]
fn step_live(
    g: &mut Group,
    agg: &AggPlan,
    rt: &mut Rt,
    cx: &mut Cx,
    argbuf: &mut Vec<Value>,
    snap: &mut Vec<Value>,
) -> Result<()> {
    let mut take_snapshot = g.wants_first_snapshot(agg);
    for (ci, call) in agg.calls.iter().enumerate() {
        // A lone column argument is read in place, not copied.
        let args: &[Value] = match call.args.as_slice() {
            [CExpr::Col { slot, col }] => std::slice::from_ref(rt.slots[*slot].vals.get(*col).unwrap_or(&NULL)),
            _ => {
                argbuf.clear();
                for a in &call.args {
                    argbuf.push(eval(a, rt, cx)?);
                }
                argbuf
            }
        };
        take_snapshot |= g.step_call(agg, ci, call, args)?;
    }
    if take_snapshot && !agg.bare.is_empty() {
        snap.clear();
        snapshot(agg, rt, snap);
        g.bare.clone_from(snap);
    }
    Ok(())
}

/// Restores a group's bare columns and aggregate results into `rt` and
/// emits it unless HAVING rejects it.
fn emit_group(
    mut g: Group,
    agg: &AggPlan,
    rt: &mut Rt,
    cx: &mut Cx,
    emit: &mut dyn FnMut(&mut Rt, &mut Cx) -> Result<()>,
) -> Result<()> {
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
            return Ok(());
        }
    }
    emit(rt, cx)
}
