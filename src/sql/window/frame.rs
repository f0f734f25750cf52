//! Frame boundaries: peer groups of a sorted partition, the offsets of a
//! frame (checked as SQLite checks them), and each row's frame as a range
//! `[start, end)` of partition positions.
//!
//! Positions are 0-based within the partition, which is sorted by the
//! window's ORDER BY. Peers are rows whose ORDER BY values all compare
//! equal (NULLs are peers of NULLs); without ORDER BY every row is a peer.
//! For every frame SQLite accepts, start and end never decrease from one
//! row to the next (the operator's sliding aggregates rely on it, and so do
//! the cursors here, which read a partition only forward: peers by reading
//! ahead to the end of the current group, GROUPS bounds group by group,
//! RANGE bounds value by value; no per-row table is built, so a partition
//! on disk is read through a few cached blocks).

use super::part::Rows;
use super::{Bound, Frame, KeyOrder, Unit};
use crate::error::{Error, Result};
use crate::sql::expr::{eval, Cx, Rt};
use crate::sql::types::numeric::real_as_exact_int;
use crate::sql::types::{self, Affinity, ArithOp};
use crate::storage::record::compare_values;
use crate::storage::Value;
use std::cmp::Ordering;

/// Compares two ORDER BY values in the window's sort order.
pub fn cmp_key(a: &Value, b: &Value, k: &KeyOrder) -> Ordering {
    match (matches!(a, Value::Null), matches!(b, Value::Null)) {
        (true, true) => Ordering::Equal,
        (true, false) => {
            if k.nulls_first {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (false, true) => {
            if k.nulls_first {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        _ => {
            let o = compare_values(a, b, k.coll);
            if k.desc {
                o.reverse()
            } else {
                o
            }
        }
    }
}

/// The checked offsets of a frame's `N PRECEDING` / `N FOLLOWING` bounds:
/// non-negative integers for ROWS and GROUPS, non-negative numbers for RANGE.
#[derive(Debug, Default)]
pub struct Offsets {
    pub start: Option<Value>,
    pub end: Option<Value>,
}

/// SQLite's `OP_MustBeInt`: integers, and reals and text that are exactly one.
pub fn must_be_int(v: &Value) -> Option<i64> {
    match types::apply_affinity(v.clone(), Affinity::Numeric) {
        Value::Integer(i) => Some(i),
        Value::Real(r) => real_as_exact_int(r),
        _ => None,
    }
}

fn check_offset(v: Value, unit: Unit, which: &str) -> Result<Value> {
    let ok = match unit {
        Unit::Rows | Unit::Groups => must_be_int(&v).filter(|&i| i >= 0).map(Value::Integer),
        Unit::Range => match types::apply_affinity(v, Affinity::Numeric) {
            Value::Integer(i) if i >= 0 => Some(Value::Integer(i)),
            Value::Real(r) if r >= 0.0 => Some(Value::Real(r)),
            _ => None,
        },
    };
    ok.ok_or_else(|| {
        let kind = if unit == Unit::Range { "number" } else { "integer" };
        Error::sql(format!("frame {which} offset must be a non-negative {kind}"))
    })
}

impl Offsets {
    /// Evaluates and checks the offsets (the starting one first).
    pub fn eval(f: &Frame, rt: &mut Rt, cx: &mut Cx) -> Result<Offsets> {
        let mut o = Offsets::default();
        if let Bound::Preceding(e) | Bound::Following(e) = &f.start {
            o.start = Some(check_offset(eval(e, rt, cx)?, f.unit, "starting")?);
        }
        if let Bound::Preceding(e) | Bound::Following(e) = &f.end {
            o.end = Some(check_offset(eval(e, rt, cx)?, f.unit, "ending")?);
        }
        Ok(o)
    }
}

/// Whether position `i` (> 0) is a peer of position `i - 1`.
fn is_peer(rows: &mut impl Rows, order: &[(usize, KeyOrder)], i: usize) -> Result<bool> {
    let (a, b) = rows.pair(i, i - 1)?;
    Ok(order.iter().all(|(c, k)| cmp_key(&a[*c], &b[*c], k) == Ordering::Equal))
}

/// The end of the peer group that starts at `start` (< len).
fn group_end(rows: &mut impl Rows, order: &[(usize, KeyOrder)], start: usize) -> Result<usize> {
    let n = rows.len();
    if order.is_empty() {
        return Ok(n);
    }
    let mut j = start + 1;
    while j < n && is_peer(rows, order, j)? {
        j += 1;
    }
    Ok(j)
}

/// The peer group of the current row `[start, end)` and its number
/// (0-based), moved forward row by row: each group's end is found by
/// reading ahead to the first row that is not a peer.
#[derive(Debug, Default)]
pub struct Peers {
    pub start: usize,
    pub end: usize,
    pub index: usize,
}

impl Peers {
    /// Moves to the group of row `i`; rows are visited in order.
    pub fn advance(&mut self, rows: &mut impl Rows, order: &[(usize, KeyOrder)], i: usize) -> Result<()> {
        while i >= self.end {
            if self.end > 0 {
                self.index += 1;
            }
            self.start = self.end;
            self.end = group_end(rows, order, self.start)?;
        }
        Ok(())
    }
}

/// A GROUPS bound: the start of some peer group ahead of or behind the
/// current one, found by walking group by group (targets never decrease).
#[derive(Debug, Default)]
struct GroupCursor {
    index: usize,
    pos: usize,
}

impl GroupCursor {
    /// The start of group `target`, or len when there is no such group.
    fn seek(&mut self, rows: &mut impl Rows, order: &[(usize, KeyOrder)], target: usize) -> Result<usize> {
        while self.index < target && self.pos < rows.len() {
            self.pos = group_end(rows, order, self.pos)?;
            self.index += 1;
        }
        Ok(self.pos)
    }
}

/// A RANGE bound with an offset: the first position whose ORDER BY value
/// fails `pred` (true for a prefix of the sorted partition). Targets move
/// forward with the current row, so the cursor walks forward; should one
/// move back, a binary search over the positions before it finds it.
#[derive(Debug, Default)]
struct RangeCursor {
    at: usize,
}

impl RangeCursor {
    fn seek(&mut self, rows: &mut impl Rows, col: usize, pred: impl Fn(&Value) -> bool) -> Result<usize> {
        if self.at > 0 && !pred(&rows.row(self.at - 1)?[col]) {
            let (mut lo, mut hi) = (0, self.at - 1);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if pred(&rows.row(mid)?[col]) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            self.at = lo;
        } else {
            while self.at < rows.len() && pred(&rows.row(self.at)?[col]) {
                self.at += 1;
            }
        }
        Ok(self.at)
    }
}

fn as_count(v: &Option<Value>) -> usize {
    match v {
        Some(Value::Integer(i)) => usize::try_from(*i).unwrap_or(usize::MAX),
        _ => 0,
    }
}

/// The value a RANGE bound `N PRECEDING/FOLLOWING` compares against: the
/// current value moved by N in sort order; a non-number stays as it is.
fn range_target(v: &Value, off: &Value, following: bool, desc: bool) -> Value {
    match v {
        Value::Integer(_) | Value::Real(_) => {
            let op = if following != desc { ArithOp::Add } else { ArithOp::Sub };
            types::arith(op, v, off)
        }
        other => other.clone(),
    }
}

/// Each row's frame `[start, end)` (empty frames have end == start), row
/// after row. For every frame SQLite accepts both ends never decrease, so
/// each bound keeps a cursor that only walks forward.
pub struct Framer<'d> {
    f: &'d Frame,
    offs: &'d Offsets,
    /// The ORDER BY term a RANGE offset applies to (the only one).
    key: Option<&'d (usize, KeyOrder)>,
    order: &'d [(usize, KeyOrder)],
    groups: [GroupCursor; 2],
    ranges: [RangeCursor; 2],
}

impl<'d> Framer<'d> {
    pub fn new(f: &'d Frame, offs: &'d Offsets, order: &'d [(usize, KeyOrder)]) -> Framer<'d> {
        Framer { f, offs, key: order.first(), order, groups: Default::default(), ranges: Default::default() }
    }

    /// The frame of row `i`; `peers` is at row i's group.
    pub fn at(&mut self, rows: &mut impl Rows, peers: &Peers, i: usize) -> Result<(usize, usize)> {
        let s = self.bound(rows, peers, i, false)?;
        let e = self.bound(rows, peers, i, true)?;
        Ok((s, e.max(s)))
    }

    fn bound(&mut self, rows: &mut impl Rows, peers: &Peers, i: usize, is_end: bool) -> Result<usize> {
        let n = rows.len();
        let (b, off) = if is_end { (&self.f.end, &self.offs.end) } else { (&self.f.start, &self.offs.start) };
        let k = as_count(off);
        let e = is_end as usize;
        Ok(match (b, self.f.unit) {
            (Bound::UnboundedPreceding, _) => 0,
            (Bound::UnboundedFollowing, _) => n,
            (Bound::CurrentRow, Unit::Rows) => i + e,
            (Bound::CurrentRow, _) => [peers.start, peers.end][e],
            (Bound::Preceding(_), Unit::Rows) => (i + e).saturating_sub(k),
            (Bound::Following(_), Unit::Rows) => i.saturating_add(k).saturating_add(e).min(n),
            (Bound::Preceding(_), Unit::Groups) => match peers.index.checked_sub(k) {
                Some(g) => self.groups[e].seek(rows, self.order, g + e)?,
                None => 0,
            },
            (Bound::Following(_), Unit::Groups) => {
                self.groups[e].seek(rows, self.order, peers.index.saturating_add(k).saturating_add(e))?
            }
            (Bound::Preceding(_), Unit::Range) => self.range(rows, i, off, false, is_end)?,
            (Bound::Following(_), Unit::Range) => self.range(rows, i, off, true, is_end)?,
        })
    }

    /// A RANGE bound `off PRECEDING/FOLLOWING`: the start (end) of the rows
    /// whose value is not before (not after) the current value moved by off.
    fn range(
        &mut self,
        rows: &mut impl Rows,
        i: usize,
        off: &Option<Value>,
        following: bool,
        is_end: bool,
    ) -> Result<usize> {
        let (Some(&(col, ref k)), Some(off)) = (self.key, off) else { return Ok(if is_end { rows.len() } else { 0 }) };
        let target = range_target(&rows.row(i)?[col], off, following, k.desc);
        if is_end {
            self.ranges[1].seek(rows, col, |v| cmp_key(v, &target, k) != Ordering::Greater)
        } else {
            self.ranges[0].seek(rows, col, |v| cmp_key(v, &target, k) == Ordering::Less)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::part::MemRows;
    use super::*;
    use crate::sql::expr::CExpr;
    use crate::storage::Collation;

    fn frame(unit: Unit, start: Bound, end: Bound) -> Frame {
        Frame { unit, start, end, exclude: super::super::Exclude::Omitted }
    }

    /// Every row's frame over single-column rows sorted by `k`.
    fn frames(f: &Frame, offs: &Offsets, vals: &[Value], k: KeyOrder) -> Vec<(usize, usize)> {
        let rows: Vec<Vec<Value>> = vals.iter().map(|v| vec![v.clone()]).collect();
        let order = [(0, k)];
        let mut m = MemRows(&rows);
        let mut fr = Framer::new(f, offs, &order);
        let mut peers = Peers::default();
        (0..rows.len())
            .map(|i| {
                peers.advance(&mut m, &order, i).unwrap();
                fr.at(&mut m, &peers, i).unwrap()
            })
            .collect()
    }

    const ASC: KeyOrder = KeyOrder { desc: false, nulls_first: true, coll: Collation::Binary };

    #[test]
    fn rows_and_groups_bounds() {
        // Values 1 1 2 3 3 3: groups [0,2) [2,3) [3,6).
        let v: Vec<Value> = [1, 1, 2, 3, 3, 3].into_iter().map(Value::Integer).collect();
        let one = || CExpr::lit_int(1);
        let offs = Offsets { start: Some(Value::Integer(1)), end: Some(Value::Integer(1)) };
        let r = frames(&frame(Unit::Rows, Bound::Preceding(one()), Bound::Following(one())), &offs, &v, ASC);
        assert_eq!(r, vec![(0, 2), (0, 3), (1, 4), (2, 5), (3, 6), (4, 6)]);
        let g = frames(&frame(Unit::Groups, Bound::Preceding(one()), Bound::Following(one())), &offs, &v, ASC);
        assert_eq!(g, vec![(0, 3), (0, 3), (0, 6), (2, 6), (2, 6), (2, 6)]);
        let f = frame(Unit::Groups, Bound::Following(one()), Bound::Following(CExpr::lit_int(2)));
        let offs2 = Offsets { start: Some(Value::Integer(1)), end: Some(Value::Integer(2)) };
        assert_eq!(frames(&f, &offs2, &v, ASC), vec![(2, 6), (2, 6), (3, 6), (6, 6), (6, 6), (6, 6)]);
    }

    #[test]
    fn range_offsets_skip_nulls_and_text() {
        let vals = [Value::Null, Value::Integer(1), Value::Integer(2), Value::Integer(4), Value::Text("a".into())];
        let offs = Offsets { start: Some(Value::Integer(1)), end: Some(Value::Integer(1)) };
        let f = frame(Unit::Range, Bound::Preceding(CExpr::lit_int(1)), Bound::Following(CExpr::lit_int(1)));
        assert_eq!(frames(&f, &offs, &vals, ASC), vec![(0, 1), (1, 3), (1, 3), (3, 4), (4, 5)]);
    }
}
