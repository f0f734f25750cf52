//! The window operator: runs the base plan to completion, then per window
//! (in processing order) stable-sorts the rows by PARTITION BY and ORDER BY,
//! computes each function partition by partition, and finally evaluates the
//! SELECT's result columns (and DISTINCT, ORDER BY) row by row with the
//! leaves and window results restored into the runtime.
//!
//! Costs: sorting is O(n log n) per window; ranking, lag/lead and value
//! functions are O(1) per row; aggregates slide over the frame (each row is
//! added and removed once, min/max through a monotonic queue) except with
//! EXCLUDE, where each row's frame is scanned as SQLite does.

use super::agg::Acc;
use super::frame::{bounds, cmp_key, must_be_int, Offsets, Peers};
use super::{Exclude, Kind, Leaf, WinDef, WinFunc, WindowPlan};
use crate::error::{Error, Result};
use crate::sql::exec::spill::{row_bytes, Budget, ExtSorter, RowStream, Term};
use crate::sql::exec::{Collector, SelectRun};
use crate::sql::expr::{Cx, Rt};
use crate::sql::select::SelectPlan;
use crate::sql::types::{self, ArithOp};
use crate::storage::record::compare_values;
use crate::storage::Value;
use std::cmp::Ordering;
use std::collections::VecDeque;

static NULL: Value = Value::Null;

/// Runs a SELECT with window functions; the rows in output order (before
/// OFFSET / LIMIT, which the caller applies).
///
/// The base rows stream through one stage per window: an external sort by
/// its PARTITION BY and ORDER BY (stable, so each stage keeps the previous
/// one's order among ties, as a chain of stable sorts does), then partition
/// by partition its functions, whose results are appended to each row. The
/// last stage feeds the SELECT's own DISTINCT and ORDER BY. Only one
/// partition is in memory at a time.
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
        let mut part = PartBuf { rows: Vec::new(), budget: Budget::new(cx) };
        loop {
            let e = rows.next_entry()?;
            let ends = match (&e, part.rows.last()) {
                (Some(e), Some(last)) => !same_partition(&e[nkeys..], last, def),
                (None, Some(_)) => true,
                _ => false,
            };
            if ends {
                cx.check_interrupt()?;
                part.compute(def, &offs)?;
                for r in part.rows.drain(..) {
                    match &mut sink {
                        Sink::Sort(s) => s.push(keyed(next, r))?,
                        Sink::Out => emit(w, &r, nfuncs, rt, cx, &mut out)?,
                    }
                }
                part.budget.release();
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

/// The rows of the partition being read, charged to the statement budget
/// (a partition cannot spill: in HARD mode one that does not fit fails).
struct PartBuf {
    rows: Vec<Vec<Value>>,
    budget: Budget,
}

impl PartBuf {
    fn push(&mut self, r: Vec<Value>) -> Result<()> {
        self.budget.charge(row_bytes(&r));
        self.rows.push(r);
        self.budget.check_hard()
    }

    /// Appends each function's value to each row.
    fn compute(&mut self, def: &WinDef, offs: &Offsets) -> Result<()> {
        let n = self.rows.len();
        let mut res: Vec<Vec<Value>> = (0..def.funcs.len()).map(|_| vec![Value::Null; n]).collect();
        let idx: Vec<usize> = (0..n).collect();
        partition(&self.rows, &idx, def, offs, &mut res)?;
        for f in res.iter_mut() {
            for (r, v) in self.rows.iter_mut().zip(f.drain(..)) {
                r.push(v);
            }
        }
        Ok(())
    }
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

/// The rows of one partition in window order.
struct Part<'a> {
    rows: &'a [Vec<Value>],
    idx: &'a [usize],
}

impl<'a> Part<'a> {
    fn val(&self, pos: usize, col: usize) -> &'a Value {
        &self.rows[self.idx[pos]][col]
    }
    /// The arguments of `f` at `pos`, into `args`.
    fn load(&self, pos: usize, f: &WinFunc, args: &mut Vec<&'a Value>) {
        args.clear();
        args.extend(f.args.iter().map(|&c| self.val(pos, c)));
    }
    fn arg(&self, pos: usize, f: &WinFunc, k: usize) -> &'a Value {
        f.args.get(k).map_or(&NULL, |&c| self.val(pos, c))
    }
    fn passes(&self, pos: usize, f: &WinFunc) -> bool {
        f.filter.is_none_or(|c| types::truthy(self.val(pos, c)) == Some(true))
    }
}

/// Computes every function of `def` over one partition; `out[f][row]`.
fn partition(rows: &[Vec<Value>], idx: &[usize], def: &WinDef, offs: &Offsets, out: &mut [Vec<Value>]) -> Result<()> {
    let p = Part { rows, idx };
    let n = idx.len();
    let peers =
        Peers::new(n, |i| def.order.iter().all(|(c, k)| cmp_key(p.val(i, *c), p.val(i - 1, *c), k) == Ordering::Equal));
    let needs_frame = def
        .funcs
        .iter()
        .any(|f| f.kind.is_aggregate() || matches!(f.kind, Kind::FirstValue | Kind::LastValue | Kind::NthValue));
    let frames = if needs_frame {
        let key: Option<(Vec<&Value>, _)> = def.order.first().map(|(c, k)| ((0..n).map(|i| p.val(i, *c)).collect(), k));
        bounds(&def.frame, offs, &peers, key.as_ref().map(|(v, k)| (v.as_slice(), *k)))
    } else {
        Vec::new()
    };
    let ex = def.frame.exclude;
    for (f, out) in def.funcs.iter().zip(out.iter_mut()) {
        let mut put = |pos: usize, v: Value| out[idx[pos]] = v;
        match f.kind {
            Kind::RowNumber => (0..n).for_each(|i| put(i, Value::Integer(i as i64 + 1))),
            Kind::Rank => (0..n).for_each(|i| put(i, Value::Integer(peers.group(i).0 as i64 + 1))),
            Kind::DenseRank => (0..n).for_each(|i| put(i, Value::Integer(peers.group_of[i] as i64 + 1))),
            Kind::PercentRank => (0..n).for_each(|i| {
                let r = if n > 1 { peers.group(i).0 as f64 / (n - 1) as f64 } else { 0.0 };
                put(i, Value::Real(r))
            }),
            Kind::CumeDist => (0..n).for_each(|i| put(i, Value::Real(peers.group(i).1 as f64 / n as f64))),
            Kind::Ntile => {
                let buckets = types::value_to_i64(p.arg(0, f, 0));
                if buckets <= 0 {
                    return Err(Error::sql("argument of ntile must be a positive integer"));
                }
                let (total, buckets) = (n as i64, buckets);
                let size = total / buckets;
                for i in 0..n {
                    let row = i as i64;
                    let v = if size == 0 {
                        row + 1
                    } else {
                        let large = total - buckets * size;
                        let small_rows = large * (size + 1);
                        if row < small_rows {
                            1 + row / (size + 1)
                        } else {
                            1 + large + (row - small_rows) / size
                        }
                    };
                    put(i, Value::Integer(v));
                }
            }
            Kind::Lag | Kind::Lead => {
                for i in 0..n {
                    let v = match lag_target(&p, f, i) {
                        Some(t) => p.arg(t, f, 0).clone(),
                        None => p.arg(i, f, 2).clone(),
                    };
                    put(i, v);
                }
            }
            Kind::FirstValue | Kind::LastValue | Kind::NthValue => {
                for (i, &(s, e)) in frames.iter().enumerate() {
                    let v = nth_in_frame(&p, f, i, s, e, ex, &peers)?;
                    put(i, v);
                }
            }
            Kind::Min | Kind::Max => {
                // SQLite keeps a sliding min/max in a temporary index that
                // FILTER does not reach: there the filter has no effect.
                let sliding = ex == Exclude::Omitted && !matches!(def.frame.start, super::Bound::UnboundedPreceding);
                minmax(&p, f, &frames, ex, &peers, !sliding, &mut put)
            }
            _ => aggregate(&p, f, &frames, ex, &peers, &mut put)?,
        }
    }
    Ok(())
}

/// lag/lead: the partition position `offset` rows away (SQLite adds the
/// offset to the row's number; a non-integral result finds no row).
fn lag_target(p: &Part, f: &WinFunc, i: usize) -> Option<usize> {
    let pos = Value::Integer(i as i64);
    let t = match f.args.get(1) {
        None => Value::Integer(if f.kind == Kind::Lead { i as i64 + 1 } else { i as i64 - 1 }),
        Some(_) => {
            let op = if f.kind == Kind::Lead { ArithOp::Add } else { ArithOp::Sub };
            types::arith(op, &pos, p.arg(i, f, 1))
        }
    };
    let t = match t {
        Value::Integer(t) => t,
        Value::Real(r) => crate::sql::types::numeric::real_as_exact_int(r)?,
        _ => return None,
    };
    usize::try_from(t).ok().filter(|&t| t < p.idx.len())
}

fn is_excluded(ex: Exclude, i: usize, j: usize, peers: &Peers) -> bool {
    match ex {
        Exclude::Omitted | Exclude::NoOthers => false,
        Exclude::CurrentRow => i == j,
        Exclude::Group => peers.group_of[i] == peers.group_of[j],
        Exclude::Ties => i != j && peers.group_of[i] == peers.group_of[j],
    }
}

/// first_value / last_value / nth_value of row `i` with frame `[s, e)`.
fn nth_in_frame(p: &Part, f: &WinFunc, i: usize, s: usize, e: usize, ex: Exclude, peers: &Peers) -> Result<Value> {
    let bad_n = || Error::sql("second argument to nth_value must be a positive integer");
    if ex == Exclude::Omitted {
        let pos = match f.kind {
            Kind::FirstValue => Some(s).filter(|&s| s < e),
            Kind::LastValue => e.checked_sub(1).filter(|&x| x >= s && e > s),
            _ => {
                let k = must_be_int(p.arg(i, f, 1)).filter(|&k| k > 0).ok_or_else(bad_n)?;
                usize::try_from(k - 1).ok().and_then(|k| s.checked_add(k)).filter(|&x| x < e)
            }
        };
        return Ok(pos.map_or(Value::Null, |x| p.arg(x, f, 0).clone()));
    }
    let mut live = (s..e).filter(|&j| !is_excluded(ex, i, j, peers));
    let pos = match f.kind {
        Kind::FirstValue => live.next(),
        Kind::LastValue => live.next_back(),
        _ => {
            let mut live = live.peekable();
            if live.peek().is_none() {
                return Ok(Value::Null);
            }
            let k = must_be_int(p.arg(i, f, 1)).filter(|&k| k > 0).ok_or_else(bad_n)?;
            live.nth(usize::try_from(k - 1).unwrap_or(usize::MAX))
        }
    };
    Ok(pos.map_or(Value::Null, |x| p.arg(x, f, 0).clone()))
}

/// count / sum / total / avg / group_concat over each row's frame.
fn aggregate<'a>(
    p: &Part<'a>,
    f: &WinFunc,
    frames: &[(usize, usize)],
    ex: Exclude,
    peers: &Peers,
    put: &mut dyn FnMut(usize, Value),
) -> Result<()> {
    let mut args: Vec<&'a Value> = Vec::with_capacity(f.args.len());
    if ex != Exclude::Omitted {
        // Each row's frame from scratch, as SQLite's full scan does.
        for (i, &(s, e)) in frames.iter().enumerate() {
            let mut acc = Acc::new(f.kind, f.args.len());
            for j in (s..e).filter(|&j| !is_excluded(ex, i, j, peers) && p.passes(j, f)) {
                p.load(j, f, &mut args);
                acc.step(&args)?;
            }
            put(i, acc.value()?);
        }
        return Ok(());
    }
    // Sliding: before each row's value, rows leaving the frame are removed
    // (a row is always added before it is removed), then rows entering it
    // are added, as SQLite orders its step and inverse calls.
    let mut acc = Acc::new(f.kind, f.args.len());
    let (mut added, mut removed) = (0usize, 0usize);
    for (i, &(s, e)) in frames.iter().enumerate() {
        while removed < s {
            if removed >= added {
                if p.passes(removed, f) {
                    p.load(removed, f, &mut args);
                    acc.step(&args)?;
                }
                added = removed + 1;
            }
            if p.passes(removed, f) {
                p.load(removed, f, &mut args);
                acc.inverse(&args);
            }
            removed += 1;
        }
        while added < e {
            if p.passes(added, f) {
                p.load(added, f, &mut args);
                acc.step(&args)?;
            }
            added += 1;
        }
        put(i, acc.value()?);
    }
    Ok(())
}

/// min / max over each row's frame: a monotonic queue of positions whose
/// values get strictly better towards the back (the earliest of equal
/// values is the answer, as a running min/max keeps it).
fn minmax(
    p: &Part,
    f: &WinFunc,
    frames: &[(usize, usize)],
    ex: Exclude,
    peers: &Peers,
    filtered: bool,
    put: &mut dyn FnMut(usize, Value),
) {
    let is_max = f.kind == Kind::Max;
    let better = |a: &Value, b: &Value| {
        let o = compare_values(a, b, f.coll);
        if is_max {
            o == Ordering::Greater
        } else {
            o == Ordering::Less
        }
    };
    let usable = |j: usize| !matches!(p.arg(j, f, 0), Value::Null) && (!filtered || p.passes(j, f));
    if ex != Exclude::Omitted {
        for (i, &(s, e)) in frames.iter().enumerate() {
            let mut best: Option<&Value> = None;
            for j in (s..e).filter(|&j| !is_excluded(ex, i, j, peers) && usable(j)) {
                let v = p.arg(j, f, 0);
                if best.is_none_or(|b| better(v, b)) {
                    best = Some(v);
                }
            }
            put(i, best.cloned().unwrap_or(Value::Null));
        }
        return;
    }
    let mut q: VecDeque<usize> = VecDeque::new();
    let mut added = 0usize;
    for (i, &(s, e)) in frames.iter().enumerate() {
        added = added.max(s);
        while added < e {
            if usable(added) {
                let v = p.arg(added, f, 0);
                while q.back().is_some_and(|&b| better(v, p.arg(b, f, 0))) {
                    q.pop_back();
                }
                q.push_back(added);
            }
            added += 1;
        }
        while q.front().is_some_and(|&x| x < s) {
            q.pop_front();
        }
        put(i, q.front().map_or(Value::Null, |&x| p.arg(x, f, 0).clone()));
    }
}
