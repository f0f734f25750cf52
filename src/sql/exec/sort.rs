//! Sorting the rows of a SELECT: a full stable sort (external past the
//! statement memory budget, spill/sorter.rs), or a bounded top-N selection
//! when a LIMIT caps what can be returned. Without ORDER BY terms the full
//! sorter is a queue that spills the same way (rows of an aggregate).
//!
//! Both give the same rows in the same order: rows are ordered by their
//! sort keys and then by arrival (a stable sort). The top-N selection keeps
//! the `cap` (LIMIT + OFFSET) smallest rows under that total order in a
//! binary max-heap whose root is the worst row kept; a new row enters only
//! when it is strictly better than the root (a tie with the root loses,
//! since it arrived later).

use super::spill::{row_bytes, Budget, ExtSorter, RowStream, Term};
use crate::error::Result;
use crate::sql::expr::{eval, CExpr, Cx, Rt};
use crate::sql::select::SortKey;
use crate::storage::record::compare_values;
use crate::storage::{Collation, Value};
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
    /// Every row, as an entry `keys ++ row`, or `keys ++ [arrival] ++ row`
    /// when rows may arrive out of order (`push_keyed`): then the arrival
    /// number breaks ties.
    Full { s: ExtSorter, seq: u64, keyed_seq: bool },
    /// At most `cap` rows: a max-heap of (keys, arrival, row). Past the
    /// memory budget it turns into a `Full` sorter (LIMIT still applies
    /// to what that yields).
    Top { cap: usize, heap: Vec<(Vec<Value>, u64, Vec<Value>)>, seq: u64, scratch: Vec<Value>, budget: Budget },
}

impl Sorter {
    /// `limit` < 0 means no limit; `offset` rows precede the returned ones.
    /// `keyed_seq`: rows will also come through `push_keyed`.
    pub(super) fn new(limit: i64, offset: i64, order: &[SortKey], keyed_seq: bool, cx: &Cx) -> Sorter {
        match usize::try_from(limit) {
            Ok(l) if !order.is_empty() => {
                let cap = l.saturating_add(usize::try_from(offset).unwrap_or(0));
                Sorter::Top { cap, heap: Vec::new(), seq: 0, scratch: Vec::new(), budget: Budget::new(cx) }
            }
            _ => Sorter::Full { s: ExtSorter::new(terms(order, keyed_seq), Budget::new(cx)), seq: 0, keyed_seq },
        }
    }

    /// Takes the next arrival number (for a row `push_keyed` adds later).
    pub(super) fn take_seq(&mut self) -> u64 {
        let (Sorter::Full { seq, .. } | Sorter::Top { seq, .. }) = self;
        *seq += 1;
        *seq - 1
    }

    /// Adds `row` with sort keys already evaluated and its arrival number.
    pub(super) fn push_keyed(
        &mut self,
        order: &[SortKey],
        mut keys: Vec<Value>,
        seq: u64,
        mut row: Vec<Value>,
        cx: &Cx,
    ) -> Result<()> {
        match self {
            Sorter::Full { s, keyed_seq, .. } => {
                debug_assert!(*keyed_seq, "out-of-order rows need the arrival key");
                keys.push(Value::Integer(seq as i64));
                keys.append(&mut row);
                s.push(keys)
            }
            Sorter::Top { cap, heap, budget, seq: next, .. } => {
                if heap.len() < *cap {
                    budget.charge(entry_bytes(&keys, &row));
                    heap.push((keys, seq, row));
                    sift_up(order, heap);
                    if budget.must_spill() {
                        let (heap, next) = (std::mem::take(heap), *next);
                        *self = to_full(order, heap, next, cx)?;
                    }
                } else if *cap > 0 && cmp_keys(order, &keys, &heap[0].0).then(seq.cmp(&heap[0].1)) == Ordering::Less {
                    budget.resize(entry_bytes(&heap[0].0, &heap[0].2), entry_bytes(&keys, &row));
                    heap[0] = (keys, seq, row);
                    sift_down(order, heap, 0);
                }
                Ok(())
            }
        }
    }

    /// Adds `row` (taken: `row` is left empty or holding a recycled buffer)
    /// with the sort keys of the current row context.
    pub(super) fn push(&mut self, order: &[SortKey], row: &mut Vec<Value>, rt: &mut Rt, cx: &mut Cx) -> Result<()> {
        match self {
            Sorter::Full { s, seq, keyed_seq } => {
                let mut e = Vec::with_capacity(order.len() + 1 + row.len());
                for k in order {
                    e.push(eval(&k.expr, rt, cx)?);
                }
                if *keyed_seq {
                    e.push(Value::Integer(*seq as i64));
                }
                *seq += 1;
                e.append(row);
                s.push(e)?;
            }
            Sorter::Top { cap, heap, seq, scratch, budget } => {
                let s = *seq;
                *seq += 1;
                if heap.len() < *cap {
                    let mut keys = Vec::with_capacity(order.len());
                    for k in order {
                        keys.push(eval(&k.expr, rt, cx)?);
                    }
                    budget.charge(entry_bytes(&keys, row));
                    heap.push((keys, s, std::mem::take(row)));
                    sift_up(order, heap);
                    if budget.must_spill() {
                        let (heap, next) = (std::mem::take(heap), *seq);
                        *self = to_full(order, heap, next, cx)?;
                    }
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
                let old = entry_bytes(&top.0, &top.2);
                let mut si = scratch.drain(..);
                for (i, k) in order.iter().enumerate() {
                    match key_ref(&k.expr, rt) {
                        Some(v) => top.0[i].clone_from(v),
                        None => top.0[i] = si.next().unwrap_or(Value::Null),
                    }
                }
                drop(si);
                top.1 = s;
                std::mem::swap(&mut top.2, row);
                budget.resize(old, entry_bytes(&top.0, &top.2));
                row.clear();
                sift_down(order, heap, 0);
            }
        }
        Ok(())
    }

    /// The rows in ORDER BY order (ties in arrival order).
    pub(super) fn finish(self, order: &[SortKey]) -> Result<RowStream> {
        Ok(match self {
            Sorter::Full { s, keyed_seq, .. } => {
                RowStream::Sorted { rows: s.finish()?, skip: order.len() + usize::from(keyed_seq) }
            }
            Sorter::Top { mut heap, .. } => {
                heap.sort_by(|a, b| cmp_entry(order, a, b));
                RowStream::Mem(heap.into_iter().map(|e| e.2).collect::<Vec<_>>().into_iter())
            }
        })
    }
}

fn entry_bytes(keys: &[Value], row: &[Value]) -> usize {
    row_bytes(keys) + row_bytes(row) + std::mem::size_of::<u64>()
}

fn terms(order: &[SortKey], keyed_seq: bool) -> Vec<Term> {
    let mut t: Vec<Term> = order.iter().map(|k| Term::order_by(k.desc, k.coll)).collect();
    if keyed_seq {
        t.push(Term::order_by(false, Collation::Binary));
    }
    t
}

/// A top-N heap that outgrew the budget, as a full sorter keyed by
/// arrival too (so ties keep it).
fn to_full(order: &[SortKey], heap: Vec<(Vec<Value>, u64, Vec<Value>)>, next: u64, cx: &Cx) -> Result<Sorter> {
    let mut s = ExtSorter::new(terms(order, true), Budget::new(cx));
    for (mut keys, seq, mut row) in heap {
        keys.push(Value::Integer(seq as i64));
        keys.append(&mut row);
        s.push(keys)?;
    }
    Ok(Sorter::Full { s, seq: next, keyed_seq: true })
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
