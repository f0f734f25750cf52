//! Frame boundaries: peer groups of a sorted partition, the offsets of a
//! frame (checked as SQLite checks them), and each row's frame as a range
//! `[start, end)` of partition positions.
//!
//! Positions are 0-based within the partition, which is sorted by the
//! window's ORDER BY. Peers are rows whose ORDER BY values all compare
//! equal (NULLs are peers of NULLs); without ORDER BY every row is a peer.
//! For every frame SQLite accepts, start and end never decrease from one
//! row to the next (the operator's sliding aggregates rely on it).

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

/// Peer groups of a partition: for each position its group, and for each
/// group its `[start, end)`.
pub struct Peers {
    pub group_of: Vec<usize>,
    pub groups: Vec<(usize, usize)>,
}

impl Peers {
    /// `same(i)` tells whether position i is a peer of position i - 1.
    pub fn new(n: usize, same: impl Fn(usize) -> bool) -> Peers {
        let mut group_of = Vec::with_capacity(n);
        let mut groups: Vec<(usize, usize)> = Vec::new();
        for i in 0..n {
            if i == 0 || !same(i) {
                groups.push((i, i + 1));
            } else if let Some(g) = groups.last_mut() {
                g.1 = i + 1;
            }
            group_of.push(groups.len() - 1);
        }
        Peers { group_of, groups }
    }

    pub fn group(&self, i: usize) -> (usize, usize) {
        self.groups[self.group_of[i]]
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

/// Every position's frame `[start, end)` (empty frames have end == start).
/// `key` holds the single ORDER BY value of each position (RANGE with an
/// offset only).
pub fn bounds(f: &Frame, offs: &Offsets, peers: &Peers, key: Option<(&[&Value], &KeyOrder)>) -> Vec<(usize, usize)> {
    let n = peers.group_of.len();
    let ng = peers.groups.len();
    let (ks, ke) = (as_count(&offs.start), as_count(&offs.end));
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let g = peers.group_of[i];
        let range_at = |off: &Option<Value>, following: bool, is_end: bool| -> usize {
            let (Some((vals, k)), Some(off)) = (key, off) else { return if is_end { n } else { 0 } };
            let target = range_target(vals[i], off, following, k.desc);
            if is_end {
                vals.partition_point(|v| cmp_key(v, &target, k) != Ordering::Greater)
            } else {
                vals.partition_point(|v| cmp_key(v, &target, k) == Ordering::Less)
            }
        };
        let s = match (&f.start, f.unit) {
            (Bound::UnboundedPreceding, _) => 0,
            (Bound::CurrentRow, Unit::Rows) => i,
            (Bound::CurrentRow, _) => peers.groups[g].0,
            (Bound::Preceding(_), Unit::Rows) => i.saturating_sub(ks),
            (Bound::Following(_), Unit::Rows) => i.saturating_add(ks).min(n),
            (Bound::Preceding(_), Unit::Groups) => g.checked_sub(ks).map_or(0, |x| peers.groups[x].0),
            (Bound::Following(_), Unit::Groups) => {
                g.checked_add(ks).filter(|&x| x < ng).map_or(n, |x| peers.groups[x].0)
            }
            (Bound::Preceding(_), Unit::Range) => range_at(&offs.start, false, false),
            (Bound::Following(_), Unit::Range) => range_at(&offs.start, true, false),
            (Bound::UnboundedFollowing, _) => n,
        };
        let e = match (&f.end, f.unit) {
            (Bound::UnboundedFollowing, _) => n,
            (Bound::CurrentRow, Unit::Rows) => i + 1,
            (Bound::CurrentRow, _) => peers.groups[g].1,
            (Bound::Preceding(_), Unit::Rows) => (i + 1).saturating_sub(ke),
            (Bound::Following(_), Unit::Rows) => i.saturating_add(ke).saturating_add(1).min(n),
            (Bound::Preceding(_), Unit::Groups) => g.checked_sub(ke).map_or(0, |x| peers.groups[x].1),
            (Bound::Following(_), Unit::Groups) => {
                g.checked_add(ke).filter(|&x| x < ng).map_or(n, |x| peers.groups[x].1)
            }
            (Bound::Preceding(_), Unit::Range) => range_at(&offs.end, false, true),
            (Bound::Following(_), Unit::Range) => range_at(&offs.end, true, true),
            (Bound::UnboundedPreceding, _) => 0,
        };
        out.push((s, e.max(s)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::expr::CExpr;
    use crate::storage::Collation;

    fn frame(unit: Unit, start: Bound, end: Bound) -> Frame {
        Frame { unit, start, end, exclude: super::super::Exclude::Omitted }
    }

    #[test]
    fn rows_and_groups_bounds() {
        // Values 1 1 2 3 3 3: groups [0,2) [2,3) [3,6).
        let v = [1, 1, 2, 3, 3, 3];
        let peers = Peers::new(6, |i| v[i] == v[i - 1]);
        let one = || CExpr::lit_int(1);
        let offs = Offsets { start: Some(Value::Integer(1)), end: Some(Value::Integer(1)) };
        let r = bounds(&frame(Unit::Rows, Bound::Preceding(one()), Bound::Following(one())), &offs, &peers, None);
        assert_eq!(r, vec![(0, 2), (0, 3), (1, 4), (2, 5), (3, 6), (4, 6)]);
        let g = bounds(&frame(Unit::Groups, Bound::Preceding(one()), Bound::Following(one())), &offs, &peers, None);
        assert_eq!(g, vec![(0, 3), (0, 3), (0, 6), (2, 6), (2, 6), (2, 6)]);
    }

    #[test]
    fn range_offsets_skip_nulls_and_text() {
        let vals = [Value::Null, Value::Integer(1), Value::Integer(2), Value::Integer(4), Value::Text("a".into())];
        let refs: Vec<&Value> = vals.iter().collect();
        let k = KeyOrder { desc: false, nulls_first: true, coll: Collation::Binary };
        let peers = Peers::new(5, |i| cmp_key(&vals[i], &vals[i - 1], &k) == Ordering::Equal);
        let offs = Offsets { start: Some(Value::Integer(1)), end: Some(Value::Integer(1)) };
        let f = frame(Unit::Range, Bound::Preceding(CExpr::lit_int(1)), Bound::Following(CExpr::lit_int(1)));
        let r = bounds(&f, &offs, &peers, Some((&refs, &k)));
        assert_eq!(r, vec![(0, 1), (1, 3), (1, 3), (3, 4), (4, 5)]);
    }
}
