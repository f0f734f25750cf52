//! Sorting the rows of a SELECT: a full stable sort, or a bounded top-N
//! selection when a LIMIT caps what can be returned.
//!
//! Both give the same rows in the same order: rows are ordered by their
//! sort keys and then by arrival (a stable sort). The top-N selection keeps
//! the `cap` (LIMIT + OFFSET) smallest rows under that total order in a
//! binary max-heap whose root is the worst row kept; a new row enters only
//! when it is strictly better than the root (a tie with the root loses,
//! since it arrived later).

use crate::error::Result;
use crate::sql::expr::{eval, CExpr, Cx, Rt};
use crate::sql::select::SortKey;
use crate::storage::record::compare_values;
use crate::storage::Value;
use std::cmp::Ordering;

static NULL: Value = Value::Null;

/// Compares key vectors under the ORDER BY terms' directions and collations.
pub(super) fn cmp_keys(order: &[SortKey], a: &[Value], b: &[Value]) -> Ordering {
    for (k, (x, y)) in order.iter().zip(a.iter().zip(b.iter())) {
        let o = compare_values(x, y, k.coll);
        let o = if k.desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// A key read straight from a row slot is compared in place (no copy).
fn key_ref<'a>(e: &CExpr, rt: &'a Rt) -> Option<&'a Value> {
    match e {
        CExpr::Col { slot, col } => Some(rt.slots[*slot].vals.get(*col).unwrap_or(&NULL)),
        _ => None,
    }
}

/// Rows collected for ORDER BY.
pub(super) enum Sorter {
    /// Every row: keys flat (`order.len()` per row), rows in arrival order.
    Full { keys: Vec<Value>, rows: Vec<Vec<Value>> },
    /// At most `cap` rows: a max-heap of (keys, arrival, row).
    Top { cap: usize, heap: Vec<(Vec<Value>, u64, Vec<Value>)>, seq: u64, scratch: Vec<Value> },
}

impl Sorter {
    /// `limit` < 0 means no limit; `offset` rows precede the returned ones.
    pub(super) fn new(limit: i64, offset: i64) -> Sorter {
        match usize::try_from(limit) {
            Ok(l) => {
                let cap = l.saturating_add(usize::try_from(offset).unwrap_or(0));
                Sorter::Top { cap, heap: Vec::new(), seq: 0, scratch: Vec::new() }
            }
            Err(_) => Sorter::Full { keys: Vec::new(), rows: Vec::new() },
        }
    }

    /// Adds `row` (taken: `row` is left empty or holding a recycled buffer)
    /// with the sort keys of the current row context.
    pub(super) fn push(&mut self, order: &[SortKey], row: &mut Vec<Value>, rt: &mut Rt, cx: &mut Cx) -> Result<()> {
        match self {
            Sorter::Full { keys, rows } => {
                for k in order {
                    keys.push(eval(&k.expr, rt, cx)?);
                }
                rows.push(std::mem::take(row));
            }
            Sorter::Top { cap, heap, seq, scratch } => {
                let s = *seq;
                *seq += 1;
                if heap.len() < *cap {
                    let mut keys = Vec::with_capacity(order.len());
                    for k in order {
                        keys.push(eval(&k.expr, rt, cx)?);
                    }
                    heap.push((keys, s, std::mem::take(row)));
                    sift_up(order, heap);
                    return Ok(());
                }
                if *cap == 0 {
                    return Ok(());
                }
                // Full: compare with the worst row kept, reading column keys
                // in place and evaluating the others into `scratch`.
                scratch.clear();
                for k in order {
                    if key_ref(&k.expr, rt).is_none() {
                        scratch.push(eval(&k.expr, rt, cx)?);
                    }
                }
                let root = &heap[0].0;
                let mut si = 0;
                let mut better = false;
                for (i, k) in order.iter().enumerate() {
                    let v = match key_ref(&k.expr, rt) {
                        Some(v) => v,
                        None => {
                            si += 1;
                            &scratch[si - 1]
                        }
                    };
                    let o = compare_values(v, &root[i], k.coll);
                    let o = if k.desc { o.reverse() } else { o };
                    if o != Ordering::Equal {
                        better = o == Ordering::Less;
                        break;
                    }
                }
                if !better {
                    return Ok(());
                }
                // Replace the root, reusing its buffers.
                let top = &mut heap[0];
                let mut si = scratch.drain(..);
                for (i, k) in order.iter().enumerate() {
                    top.0[i] = match key_ref(&k.expr, rt) {
                        Some(v) => v.clone(),
                        None => si.next().unwrap_or(Value::Null),
                    };
                }
                drop(si);
                top.1 = s;
                std::mem::swap(&mut top.2, row);
                row.clear();
                sift_down(order, heap, 0);
            }
        }
        Ok(())
    }

    /// The rows in ORDER BY order (ties in arrival order).
    pub(super) fn finish(self, order: &[SortKey]) -> Vec<Vec<Value>> {
        match self {
            Sorter::Full { keys, rows } => {
                let n = order.len();
                if n == 0 {
                    return rows;
                }
                let mut idx: Vec<usize> = (0..rows.len()).collect();
                // Stable: equal keys keep arrival order.
                idx.sort_by(|&a, &b| cmp_keys(order, &keys[a * n..a * n + n], &keys[b * n..b * n + n]));
                let mut slots: Vec<Option<Vec<Value>>> = rows.into_iter().map(Some).collect();
                idx.into_iter().map(|i| slots[i].take().unwrap_or_default()).collect()
            }
            Sorter::Top { mut heap, .. } => {
                heap.sort_by(|a, b| cmp_entry(order, a, b));
                heap.into_iter().map(|e| e.2).collect()
            }
        }
    }
}

fn cmp_entry(order: &[SortKey], a: &(Vec<Value>, u64, Vec<Value>), b: &(Vec<Value>, u64, Vec<Value>)) -> Ordering {
    cmp_keys(order, &a.0, &b.0).then(a.1.cmp(&b.1))
}

fn sift_up(order: &[SortKey], heap: &mut [(Vec<Value>, u64, Vec<Value>)]) {
    let mut i = heap.len() - 1;
    while i > 0 {
        let p = (i - 1) / 2;
        if cmp_entry(order, &heap[i], &heap[p]) != Ordering::Greater {
            break;
        }
        heap.swap(i, p);
        i = p;
    }
}

fn sift_down(order: &[SortKey], heap: &mut [(Vec<Value>, u64, Vec<Value>)], mut i: usize) {
    let n = heap.len();
    loop {
        let l = 2 * i + 1;
        if l >= n {
            break;
        }
        let r = l + 1;
        let c = if r < n && cmp_entry(order, &heap[r], &heap[l]) == Ordering::Greater { r } else { l };
        if cmp_entry(order, &heap[c], &heap[i]) != Ordering::Greater {
            break;
        }
        heap.swap(i, c);
        i = c;
    }
}
