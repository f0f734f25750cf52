//! The window operator: runs the base plan to completion, then per window
//! (in processing order) stable-sorts the rows by PARTITION BY and ORDER BY,
//! computes each function partition by partition, and finally evaluates the
//! SELECT's result columns (and DISTINCT, ORDER BY) row by row with the
//! leaves and window results restored into the runtime.
//!
//! Costs: sorting is O(n log n) per window; the functions over a
//! partition are computed row after row (walk.rs), O(1) per row but for
//! EXCLUDE frames. Memory: one partition at a time, and one that outgrows
//! its budget moves to a temporary file (part.rs).

use super::frame::Offsets;
use super::part::PartBuf;
use super::{Leaf, WinDef, WindowPlan};
use crate::error::Result;
use crate::sql::exec::spill::{Budget, ExtSorter, RowStream, Term};
use crate::sql::exec::{Collector, SelectRun};
use crate::sql::expr::{Cx, Rt};
use crate::sql::select::SelectPlan;
use crate::storage::record::compare_values;
use crate::storage::Value;
use std::cmp::Ordering;

/// Rows handed on between two checks for an interrupt.
const CHECK_EVERY: usize = 4096;

/// Runs a SELECT with window functions; the rows in output order (before
/// OFFSET / LIMIT, which the caller applies).
///
/// The base rows stream through one stage per window: an external sort by
/// its PARTITION BY and ORDER BY (stable, so each stage keeps the previous
/// one's order among ties, as a chain of stable sorts does), then partition
/// by partition its functions, whose results are appended to each row. The
/// last stage feeds the SELECT's own DISTINCT and ORDER BY. Only one
/// partition is held at a time, in memory or (past the budget) on disk.
pub fn compute(plan: &SelectPlan, w: &WindowPlan, rt: &mut Rt, cx: &mut Cx) -> Result<RowStream> {
    let mut base = SelectRun::new(&w.base);
    let mut first = ExtSorter::new(sort_terms(w.windows.first()), Budget::new(cx));
    let mut row = Vec::new();
    while base.next(&w.base, rt, cx, &mut row)? {
        first.push(keyed(w.windows.first(), std::mem::take(&mut row)))?;
    }
    let nfuncs: usize = w.windows.iter().map(|d| d.funcs.len()).sum();
    let mut rows = first.finish()?;
    let mut out = Collector::new(plan, -1, 0, cx);
    for (k, def) in w.windows.iter().enumerate() {
        let offs = Offsets::eval(&def.frame, rt, cx)?;
        let next = w.windows.get(k + 1);
        let mut sink = match next {
            Some(_) => Sink::Sort(ExtSorter::new(sort_terms(next), Budget::new(cx))),
            None => Sink::Out,
        };
        let nkeys = sort_terms(Some(def)).len();
        let mut part = PartBuf::new(Budget::new(cx));
        let mut handed = 0usize;
        loop {
            let e = rows.next_entry()?;
            let ends = match (&e, part.last()) {
                (Some(e), Some(last)) => !same_partition(&e[nkeys..], last, def),
                (None, Some(_)) => true,
                _ => false,
            };
            if ends {
                cx.check_interrupt()?;
                part.flush(def, &offs, &mut |r| {
                    handed += 1;
                    if handed.is_multiple_of(CHECK_EVERY) {
                        cx.check_interrupt()?;
                    }
                    match &mut sink {
                        Sink::Sort(s) => s.push(keyed(next, r)),
                        Sink::Out => emit(w, &r, nfuncs, rt, cx, &mut out),
                    }
                })?;
            }
            let Some(mut e) = e else { break };
            e.drain(..nkeys);
            part.push(e)?;
        }
        if let Sink::Sort(s) = sink {
            rows = s.finish()?;
        }
    }
    if w.windows.is_empty() {
        while let Some(r) = rows.next_entry()? {
            emit(w, &r, nfuncs, rt, cx, &mut out)?;
        }
    }
    out.finish(cx)
}

enum Sink {
    Sort(ExtSorter),
    Out,
}

/// How a window's stage sorts: PARTITION BY terms, then ORDER BY terms.
fn sort_terms(def: Option<&WinDef>) -> Vec<Term> {
    let Some(def) = def else { return Vec::new() };
    let part = def.partition.iter().map(|&(_, coll)| Term::order_by(false, coll));
    let order = def.order.iter().map(|(_, k)| Term { desc: k.desc, nulls_first: k.nulls_first, coll: k.coll });
    part.chain(order).collect()
}

/// A row as an entry of `def`'s sorter: its sort key values, then the row.
fn keyed(def: Option<&WinDef>, row: Vec<Value>) -> Vec<Value> {
    let Some(def) = def else { return row };
    let mut e: Vec<Value> = def.partition.iter().map(|&(c, _)| row[c].clone()).collect();
    e.extend(def.order.iter().map(|(c, _)| row[*c].clone()));
    e.extend(row);
    e
}

/// Restores a finished row (base values, then every function's result)
/// into the runtime and hands it to the SELECT's collector.
fn emit(w: &WindowPlan, r: &[Value], nfuncs: usize, rt: &mut Rt, cx: &mut Cx, out: &mut Collector) -> Result<()> {
    restore(&w.leaves, r, rt);
    let results = &r[r.len() - nfuncs..];
    let mut fi = 0;
    for def in &w.windows {
        for f in &def.funcs {
            rt.aggs[f.id] = results[fi].clone();
            fi += 1;
        }
    }
    out.push(rt, cx)
}

/// Writes a base row's leaves back into the runtime.
fn restore(leaves: &[Leaf], row: &[Value], rt: &mut Rt) {
    for (l, v) in leaves.iter().zip(row) {
        match *l {
            Leaf::Rowid(slot) => {
                let s = &mut rt.slots[slot];
                match v {
                    Value::Integer(i) => {
                        s.rowid = *i;
                        s.null_row = false;
                    }
                    _ => s.null_row = true,
                }
            }
            Leaf::Col(slot, col) => {
                let s = &mut rt.slots[slot];
                if s.vals.len() <= col {
                    s.vals.resize(col + 1, Value::Null);
                }
                s.vals[col] = v.clone();
            }
            Leaf::Agg(id) => rt.aggs[id] = v.clone(),
        }
    }
}

fn same_partition(a: &[Value], b: &[Value], def: &WinDef) -> bool {
    def.partition.iter().all(|&(i, coll)| compare_values(&a[i], &b[i], coll) == Ordering::Equal)
}
