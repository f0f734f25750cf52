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

#[cfg(test)]
mod tests {
    use crate::conn::{Connection, StepResult, OPEN_CREATE, OPEN_READWRITE};
    use crate::storage::Value;

    fn rows(c: &Connection, sql: &str) -> Vec<Vec<Value>> {
        let (st, _) = c.prepare(sql).expect(sql);
        let mut st = st.expect("statement");
        let mut out = Vec::new();
        while let StepResult::Row = st.step().expect(sql) {
            out.push((0..st.data_count()).map(|i| st.column_value(i).clone()).collect());
        }
        out
    }

    fn reference(c: &rusqlite::Connection, sql: &str) -> Vec<Vec<Value>> {
        let mut st = c.prepare(sql).expect(sql);
        let n = st.column_count();
        let mut q = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = q.next().expect(sql) {
            out.push(
                (0..n)
                    .map(|i| match r.get_ref(i).expect("col") {
                        rusqlite::types::ValueRef::Null => Value::Null,
                        rusqlite::types::ValueRef::Integer(i) => Value::Integer(i),
                        rusqlite::types::ValueRef::Real(f) => Value::Real(f),
                        rusqlite::types::ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                        rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                    })
                    .collect(),
            );
        }
        out
    }

    /// ORDER BY ... LIMIT/OFFSET (the bounded top-N path) returns exactly
    /// the slice of the full stable sort, ties included, and SQLite's rows
    /// when the order is total.
    #[test]
    fn top_n_is_a_slice_of_the_full_sort() {
        let c = Connection::open(":memory:", OPEN_READWRITE | OPEN_CREATE).expect("open");
        let r = rusqlite::Connection::open_in_memory().expect("sqlite");
        let mut setup = vec!["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b TEXT, c REAL)".to_string()];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for id in 1..=300 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let a = match x % 7 {
                0 => "NULL".to_string(),
                1 => format!("'{}'", x % 3),
                2 => format!("{}.5", x % 4),
                _ => (x % 5).to_string(),
            };
            let b = ["'x'", "'X'", "'y'", "NULL", "'a b'", "'Y'"][(x >> 8) as usize % 6];
            setup.push(format!("INSERT INTO t VALUES({id}, {a}, {b}, {})", (x >> 16) % 9));
        }
        for s in &setup {
            rows(&c, s);
            r.execute_batch(s).expect(s);
        }
        let orders = ["a", "a DESC", "b COLLATE NOCASE, a DESC", "c, b", "a + c DESC", "length(b), b DESC", "b"];
        let cuts = [(0, 0), (1, 0), (5, 0), (10, 3), (7, 290), (50, 100), (400, 0), (3, 400)];
        for o in orders {
            for distinct in ["", "DISTINCT "] {
                let cols = if distinct.is_empty() { "id, a, b, c" } else { "a, b, c" };
                let full = rows(&c, &format!("SELECT {distinct}{cols} FROM t ORDER BY {o}"));
                for (lim, off) in cuts {
                    let sql = format!("SELECT {distinct}{cols} FROM t ORDER BY {o} LIMIT {lim} OFFSET {off}");
                    let want: Vec<_> = full.iter().skip(off).take(lim).cloned().collect();
                    assert_eq!(rows(&c, &sql), want, "{sql}");
                }
            }
            // A total order (id last) must match SQLite row for row.
            for (lim, off) in cuts {
                let sql = format!("SELECT id, a, b, c FROM t ORDER BY {o}, id DESC LIMIT {lim} OFFSET {off}");
                assert_eq!(rows(&c, &sql), reference(&r, &sql), "{sql}");
            }
        }
        let sql = "SELECT a, count(*), max(id) FROM t GROUP BY a ORDER BY count(*) DESC, a LIMIT 3 OFFSET 1";
        assert_eq!(rows(&c, sql), reference(&r, sql), "{sql}");
    }
}
