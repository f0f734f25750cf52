//! One window's functions over one partition, row after row.
//!
//! Each row's values are known when the walk reaches it: ranking functions
//! read the current peer group, ntile/percent_rank/cume_dist the row count,
//! lag/lead one other row, value functions their frame's ends, and
//! aggregates slide over the frame (each row added and removed once, min
//! and max through a monotonic queue of positions) except with EXCLUDE,
//! where each row's frame is scanned as SQLite does. Every position read
//! moves forward with the current row (see frame.rs), which is what lets a
//! spilled partition be read through a few cached blocks.
//!
//! Costs: O(1) per row for ranking, lag/lead and value functions; sliding
//! aggregates O(1) amortized; EXCLUDE O(frame) per row. Memory beyond the
//! rows: one accumulator per function, and for min/max with a moving frame
//! start the queue (at most the frame's rows; none when the start is
//! UNBOUNDED PRECEDING, where only the best so far is kept).

use super::agg::Acc;
use super::frame::{must_be_int, Framer, Offsets, Peers};
use super::part::Rows;
use super::{Bound, Exclude, Kind, Unit, WinDef, WinFunc};
use crate::error::{Error, Result};
use crate::sql::types::{self, ArithOp};
use crate::storage::record::compare_values;
use crate::storage::Value;
use std::cmp::Ordering;
use std::collections::VecDeque;

static NULL: Value = Value::Null;

/// Receives row i's values (in `def.funcs` order; it may take them).
pub type Done<'a, R> = dyn FnMut(&mut R, usize, &mut Vec<Value>) -> Result<()> + 'a;

/// Computes `def`'s functions for each row of the partition in order and
/// hands them to `done(rows, i, values)`.
pub fn walk<R: Rows>(rows: &mut R, def: &WinDef, offs: &Offsets, done: &mut Done<R>) -> Result<()> {
    let mut w = Walker::new(rows, def, offs)?;
    let mut vals = Vec::with_capacity(def.funcs.len());
    for i in 0..rows.len() {
        w.step(rows, i, &mut vals)?;
        done(rows, i, &mut vals)?;
        vals.clear();
    }
    Ok(())
}

/// What one function carries from row to row.
enum State {
    None,
    /// ntile's bucket count (the argument's value on the first row).
    Ntile(i64),
    /// A sliding aggregate: rows `[removed, added)` are in `acc`.
    Slide {
        acc: Acc,
        added: usize,
        removed: usize,
    },
    /// min/max: queued positions whose values get strictly better towards
    /// the back (the earliest of equal values is the answer, as a running
    /// min/max keeps it); `tail` is false when the frame start never
    /// moves, and then only the front is kept.
    Queue {
        q: VecDeque<usize>,
        added: usize,
        filtered: bool,
        tail: bool,
    },
}

struct Walker<'d> {
    def: &'d WinDef,
    /// Peer groups are followed only when a function or the frame reads them.
    track_peers: bool,
    peers: Peers,
    frame: Option<Framer<'d>>,
    states: Vec<State>,
}

impl<'d> Walker<'d> {
    fn new(rows: &mut impl Rows, def: &'d WinDef, offs: &'d Offsets) -> Result<Walker<'d>> {
        let needs_frame = def
            .funcs
            .iter()
            .any(|f| f.kind.is_aggregate() || matches!(f.kind, Kind::FirstValue | Kind::LastValue | Kind::NthValue));
        let ranks = def
            .funcs
            .iter()
            .any(|f| matches!(f.kind, Kind::Rank | Kind::DenseRank | Kind::PercentRank | Kind::CumeDist));
        let peer_frame = def.frame.unit != Unit::Rows || matches!(def.frame.exclude, Exclude::Group | Exclude::Ties);
        let mut states = Vec::with_capacity(def.funcs.len());
        for f in &def.funcs {
            states.push(State::new(rows, def, f)?);
        }
        Ok(Walker {
            def,
            track_peers: ranks || (needs_frame && peer_frame),
            peers: Peers::default(),
            frame: needs_frame.then(|| Framer::new(&def.frame, offs, &def.order)),
            states,
        })
    }

    /// Row `i`'s value of every function, pushed onto `out`.
    fn step(&mut self, rows: &mut impl Rows, i: usize, out: &mut Vec<Value>) -> Result<()> {
        if self.track_peers {
            self.peers.advance(rows, &self.def.order, i)?;
        }
        let (s, e) = match &mut self.frame {
            Some(fr) => fr.at(rows, &self.peers, i)?,
            None => (0, 0),
        };
        let at = At { i, s, e, ex: self.def.frame.exclude, peers: &self.peers };
        for (f, st) in self.def.funcs.iter().zip(&mut self.states) {
            out.push(value(rows, f, st, &at)?);
        }
        Ok(())
    }
}

impl State {
    fn new(rows: &mut impl Rows, def: &WinDef, f: &WinFunc) -> Result<State> {
        let ex = def.frame.exclude;
        Ok(match f.kind {
            Kind::Ntile if !rows.is_empty() => {
                let buckets = types::value_to_i64(arg(rows.row(0)?, f, 0));
                if buckets <= 0 {
                    return Err(Error::sql("argument of ntile must be a positive integer"));
                }
                State::Ntile(buckets)
            }
            Kind::Min | Kind::Max if ex == Exclude::Omitted => {
                // SQLite keeps a sliding min/max in a temporary index that
                // FILTER does not reach: there the filter has no effect.
                let tail = !matches!(def.frame.start, Bound::UnboundedPreceding);
                State::Queue { q: VecDeque::new(), added: 0, filtered: !tail, tail }
            }
            k if k.is_aggregate() && ex == Exclude::Omitted => {
                State::Slide { acc: Acc::new(k, f.args.len()), added: 0, removed: 0 }
            }
            _ => State::None,
        })
    }
}

/// Where the walk is: row `i`, its frame `[s, e)`, its peer group.
struct At<'p> {
    i: usize,
    s: usize,
    e: usize,
    ex: Exclude,
    peers: &'p Peers,
}

impl At<'_> {
    fn excludes(&self, j: usize) -> bool {
        let peer = || j >= self.peers.start && j < self.peers.end;
        match self.ex {
            Exclude::Omitted | Exclude::NoOthers => false,
            Exclude::CurrentRow => j == self.i,
            Exclude::Group => peer(),
            Exclude::Ties => j != self.i && peer(),
        }
    }
}

fn arg<'r>(r: &'r [Value], f: &WinFunc, k: usize) -> &'r Value {
    f.args.get(k).map_or(&NULL, |&c| &r[c])
}

fn passes(r: &[Value], f: &WinFunc) -> bool {
    f.filter.is_none_or(|c| types::truthy(&r[c]) == Some(true))
}

/// One function's value at the walk's row.
fn value(rows: &mut impl Rows, f: &WinFunc, st: &mut State, at: &At) -> Result<Value> {
    let (i, n, p) = (at.i, rows.len(), at.peers);
    Ok(match (f.kind, st) {
        (Kind::RowNumber, _) => Value::Integer(i as i64 + 1),
        (Kind::Rank, _) => Value::Integer(p.start as i64 + 1),
        (Kind::DenseRank, _) => Value::Integer(p.index as i64 + 1),
        (Kind::PercentRank, _) => Value::Real(if n > 1 { p.start as f64 / (n - 1) as f64 } else { 0.0 }),
        (Kind::CumeDist, _) => Value::Real(p.end as f64 / n as f64),
        (Kind::Ntile, State::Ntile(b)) => Value::Integer(ntile(i as i64, n as i64, *b)),
        (Kind::Lag | Kind::Lead, _) => lag_lead(rows, f, i)?,
        (Kind::FirstValue | Kind::LastValue | Kind::NthValue, _) => nth_in_frame(rows, f, at)?,
        (_, State::Slide { acc, added, removed }) => slide(rows, f, acc, added, removed, at)?,
        (_, State::Queue { q, added, filtered, tail }) => queue(rows, f, q, added, *filtered, *tail, at)?,
        (Kind::Min | Kind::Max, _) => minmax_scan(rows, f, at)?,
        _ => aggregate_scan(rows, f, at)?,
    })
}

/// ntile: row `row` (0-based) of `total` in `buckets` buckets, the first
/// `total % buckets` of them one row larger.
fn ntile(row: i64, total: i64, buckets: i64) -> i64 {
    let size = total / buckets;
    if size == 0 {
        return row + 1;
    }
    let large = total - buckets * size;
    let small_rows = large * (size + 1);
    if row < small_rows {
        1 + row / (size + 1)
    } else {
        1 + large + (row - small_rows) / size
    }
}

/// lag/lead: the value `offset` rows away (SQLite adds the offset to the
/// row's number; a non-integral result finds no row), else the default.
fn lag_lead(rows: &mut impl Rows, f: &WinFunc, i: usize) -> Result<Value> {
    let n = rows.len();
    let t = {
        let r = rows.row(i)?;
        match lag_target(r, f, i, n) {
            Some(t) => t,
            None => return Ok(arg(r, f, 2).clone()),
        }
    };
    Ok(arg(rows.row(t)?, f, 0).clone())
}

fn lag_target(r: &[Value], f: &WinFunc, i: usize, n: usize) -> Option<usize> {
    let t = match f.args.get(1) {
        None => Value::Integer(if f.kind == Kind::Lead { i as i64 + 1 } else { i as i64 - 1 }),
        Some(_) => {
            let op = if f.kind == Kind::Lead { ArithOp::Add } else { ArithOp::Sub };
            types::arith(op, &Value::Integer(i as i64), arg(r, f, 1))
        }
    };
    let t = match t {
        Value::Integer(t) => t,
        Value::Real(r) => crate::sql::types::numeric::real_as_exact_int(r)?,
        _ => return None,
    };
    usize::try_from(t).ok().filter(|&t| t < n)
}

/// first_value / last_value / nth_value over the row's frame.
fn nth_in_frame(rows: &mut impl Rows, f: &WinFunc, at: &At) -> Result<Value> {
    let bad_n = || Error::sql("second argument to nth_value must be a positive integer");
    let (s, e) = (at.s, at.e);
    let pos = if at.ex == Exclude::Omitted {
        match f.kind {
            Kind::FirstValue => Some(s).filter(|&s| s < e),
            Kind::LastValue => e.checked_sub(1).filter(|&x| x >= s && e > s),
            _ => {
                let k = must_be_int(arg(rows.row(at.i)?, f, 1)).filter(|&k| k > 0).ok_or_else(bad_n)?;
                usize::try_from(k - 1).ok().and_then(|k| s.checked_add(k)).filter(|&x| x < e)
            }
        }
    } else {
        let mut live = (s..e).filter(|&j| !at.excludes(j));
        match f.kind {
            Kind::FirstValue => live.next(),
            Kind::LastValue => live.next_back(),
            _ => {
                let mut live = live.peekable();
                if live.peek().is_none() {
                    return Ok(Value::Null);
                }
                let k = must_be_int(arg(rows.row(at.i)?, f, 1)).filter(|&k| k > 0).ok_or_else(bad_n)?;
                live.nth(usize::try_from(k - 1).unwrap_or(usize::MAX))
            }
        }
    };
    Ok(match pos {
        Some(x) => arg(rows.row(x)?, f, 0).clone(),
        None => Value::Null,
    })
}

/// A sliding aggregate moved to the row's frame: rows leaving it are
/// removed first (a row is always added before it is removed), then rows
/// entering it added, as SQLite orders its step and inverse calls.
fn slide(
    rows: &mut impl Rows,
    f: &WinFunc,
    acc: &mut Acc,
    added: &mut usize,
    removed: &mut usize,
    at: &At,
) -> Result<Value> {
    while *removed < at.s {
        let j = *removed;
        let r = rows.row(j)?;
        if passes(r, f) {
            if j >= *added {
                acc.step(arg(r, f, 0), f.args.get(1).map(|&c| &r[c]))?;
            }
            acc.inverse(arg(r, f, 0));
        }
        *added = (*added).max(j + 1);
        *removed += 1;
    }
    while *added < at.e {
        let r = rows.row(*added)?;
        if passes(r, f) {
            acc.step(arg(r, f, 0), f.args.get(1).map(|&c| &r[c]))?;
        }
        *added += 1;
    }
    acc.value()
}

/// count / sum / total / avg / group_concat with EXCLUDE: the row's frame
/// from scratch, as SQLite's full scan does.
fn aggregate_scan(rows: &mut impl Rows, f: &WinFunc, at: &At) -> Result<Value> {
    let mut acc = Acc::new(f.kind, f.args.len());
    for j in (at.s..at.e).filter(|&j| !at.excludes(j)) {
        let r = rows.row(j)?;
        if passes(r, f) {
            acc.step(arg(r, f, 0), f.args.get(1).map(|&c| &r[c]))?;
        }
    }
    acc.value()
}

/// Whether `a` beats `b` for min (max).
fn better(f: &WinFunc, a: &Value, b: &Value) -> bool {
    let o = compare_values(a, b, f.coll);
    if f.kind == Kind::Max {
        o == Ordering::Greater
    } else {
        o == Ordering::Less
    }
}

fn usable(r: &[Value], f: &WinFunc, filtered: bool) -> bool {
    !matches!(arg(r, f, 0), Value::Null) && (!filtered || passes(r, f))
}

/// min / max over a sliding frame through the monotonic queue.
fn queue(
    rows: &mut impl Rows,
    f: &WinFunc,
    q: &mut VecDeque<usize>,
    added: &mut usize,
    filtered: bool,
    tail: bool,
    at: &At,
) -> Result<Value> {
    *added = (*added).max(at.s);
    while *added < at.e {
        let j = *added;
        *added += 1;
        if !usable(rows.row(j)?, f, filtered) {
            continue;
        }
        if !tail {
            if q.front().is_some() && !beats(rows, f, j, q[0])? {
                continue;
            }
            q.clear();
        }
        while let Some(&b) = q.back() {
            if !beats(rows, f, j, b)? {
                break;
            }
            q.pop_back();
        }
        q.push_back(j);
    }
    while q.front().is_some_and(|&x| x < at.s) {
        q.pop_front();
    }
    Ok(match q.front() {
        Some(&x) => arg(rows.row(x)?, f, 0).clone(),
        None => Value::Null,
    })
}

/// Whether row `j`'s argument beats row `b`'s.
fn beats(rows: &mut impl Rows, f: &WinFunc, j: usize, b: usize) -> Result<bool> {
    let (rj, rb) = rows.pair(j, b)?;
    Ok(better(f, arg(rj, f, 0), arg(rb, f, 0)))
}

/// min / max with EXCLUDE: the row's frame scanned (FILTER applies).
fn minmax_scan(rows: &mut impl Rows, f: &WinFunc, at: &At) -> Result<Value> {
    let mut best: Option<Value> = None;
    for j in (at.s..at.e).filter(|&j| !at.excludes(j)) {
        let r = rows.row(j)?;
        if usable(r, f, true) && best.as_ref().is_none_or(|b| better(f, arg(r, f, 0), b)) {
            best = Some(arg(r, f, 0).clone());
        }
    }
    Ok(best.unwrap_or(Value::Null))
}
