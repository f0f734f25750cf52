//! Access-path choice for each level of a nested-loop join; the order of
//! the levels is chosen in [`join_order`].
//!
//! For a level, the usable terms are its own filters of the form
//! `column op expr` (or `column IN (list)`) where `expr` can be evaluated
//! before the level is read (it references only levels earlier in the
//! join order, enclosing queries or constants). Preference: rowid
//! equality, rowid IN, the index with the longest equality prefix (plus a
//! range on the next column, or an IN list on its first column), a rowid
//! range, an index range, then a full scan. Access paths only narrow what
//! is visited: every filter is still checked on every row, so a key that
//! converts differently than the comparison would can only cost speed.
//!
//! ORDER BY on a single table is satisfied without sorting when the chosen
//! (or an alternative full) rowid/index order yields it.

use crate::schema::{Index, Table};
use crate::sql::expr::{CExpr, CmpOp};
use crate::sql::select::{max_slot_deep, Level, SelectPlan, SortKey};
use crate::sql::types::Affinity;
use std::sync::Arc;

pub mod explain;
mod join_order;
pub use join_order::plan_joins;

/// A bound of a range scan: the expression and whether it is inclusive.
pub type Bound = Option<(CExpr, bool)>;

#[derive(Debug)]
pub enum Access {
    Scan {
        desc: bool,
    },
    RowidEq(CExpr),
    RowidIn(Vec<CExpr>),
    RowidRange {
        lo: Bound,
        hi: Bound,
        desc: bool,
    },
    Index(IndexAccess),
    /// Rows of FROM subquery `n` (materialized once per run).
    Sub(usize),
    /// An automatic hash index: an inner join level without a usable
    /// index, equated on `col` with `rhs` (which reads earlier levels),
    /// hashes the table once per run and probes it per outer row.
    AutoHash {
        col: usize,
        rhs: CExpr,
        aff: Affinity,
        coll: crate::storage::Collation,
    },
}

#[derive(Debug)]
pub struct IndexAccess {
    pub index: Arc<Index>,
    /// Equality values for the leading key columns.
    pub eq: Vec<CExpr>,
    /// Affinity of each key column (applied to the probe values).
    pub affs: Vec<Affinity>,
    /// IN list for key column `eq.len()` (then no range).
    pub in_list: Option<Vec<CExpr>>,
    pub lo: Bound,
    pub hi: Bound,
    pub desc: bool,
    /// Every column the query reads is in the index: no table lookup.
    pub covering: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum KeyCol {
    Rowid,
    Col(usize),
}

struct Term<'e> {
    /// Position of the term in the level's filter list.
    fi: usize,
    col: KeyCol,
    op: CmpOp,
    rhs: &'e CExpr,
    /// Affinity of the other side and the comparison's collation.
    raff: Option<Affinity>,
    coll: crate::storage::Collation,
}

struct InTerm<'e> {
    col: KeyCol,
    list: &'e [CExpr],
    coll: crate::storage::Collation,
}

fn key_col(e: &CExpr, slot: usize, t: &Table) -> Option<KeyCol> {
    match e {
        CExpr::Rowid { slot: s } if *s == slot => Some(KeyCol::Rowid),
        CExpr::Col { slot: s, col } if *s == slot => {
            if Some(*col) == t.ipk {
                Some(KeyCol::Rowid)
            } else {
                Some(KeyCol::Col(*col))
            }
        }
        _ => None,
    }
}

/// What a level's access path may build on.
pub(crate) struct Avail<'a> {
    /// The expression can be evaluated before the level is read.
    pub before: &'a dyn Fn(&CExpr) -> bool,
    /// The expression reads a level of this SELECT bound earlier (an
    /// equality on it is worth an automatic hash index).
    pub joined: &'a dyn Fn(&CExpr) -> bool,
}

fn collect_terms<'e>(filters: &[&'e CExpr], slot: usize, t: &Table, avail: &Avail) -> (Vec<Term<'e>>, Vec<InTerm<'e>>) {
    let independent = |e: &CExpr| (avail.before)(e);
    let mut terms = Vec::new();
    let mut ins = Vec::new();
    for (fi, &f) in filters.iter().enumerate() {
        match f {
            CExpr::Cmp(op, a, b, info) if *op != CmpOp::Ne => {
                if let Some(col) = key_col(a, slot, t) {
                    if independent(b) {
                        terms.push(Term { fi, col, op: *op, rhs: b, raff: info.raff, coll: info.coll });
                        continue;
                    }
                }
                if let Some(col) = key_col(b, slot, t) {
                    if independent(a) {
                        terms.push(Term { fi, col, op: op.flip(), rhs: a, raff: info.laff, coll: info.coll });
                    }
                }
            }
            CExpr::InList { e, list, not: false, cmp } => {
                if let Some(col) = key_col(e, slot, t) {
                    if list.iter().all(independent) {
                        ins.push(InTerm { col, list, coll: cmp.coll });
                    }
                }
            }
            _ => {}
        }
    }
    (terms, ins)
}

fn numeric(a: Affinity) -> bool {
    matches!(a, Affinity::Integer | Affinity::Real | Affinity::Numeric)
}

/// Can an index on a column of affinity `col_aff` serve a comparison whose
/// other side has affinity `other`? The comparison must not convert the
/// column's stored values, and the probe (converted to the column's
/// affinity) must compare as the other side itself would: a TEXT column
/// against an operand of BLOB affinity compares without any conversion, so
/// the probe must not become text.
fn affinity_ok(col_aff: Affinity, other: Option<Affinity>) -> bool {
    match (col_aff, other) {
        (_, None) => true,
        (c, _) if numeric(c) => true,
        (Affinity::Text, Some(o)) => o == Affinity::Text,
        (_, Some(o)) => o == Affinity::Blob,
    }
}

fn range_bounds(terms: &[&Term]) -> (Bound, Bound) {
    let mut lo: Bound = None;
    let mut hi: Bound = None;
    for t in terms {
        match t.op {
            CmpOp::Gt | CmpOp::Ge if lo.is_none() => lo = Some((t.rhs.clone(), t.op == CmpOp::Ge)),
            CmpOp::Lt | CmpOp::Le if hi.is_none() => hi = Some((t.rhs.clone(), t.op == CmpOp::Le)),
            _ => {}
        }
    }
    (lo, hi)
}

fn index_candidate(
    idx: &Arc<Index>,
    t: &Table,
    terms: &[Term],
    ins: &[InTerm],
) -> Option<(usize, IndexAccess, Vec<usize>)> {
    let mut eq = Vec::new();
    let mut used = Vec::new();
    let mut affs = Vec::new();
    for (k, &ci) in idx.cols.iter().enumerate() {
        let coll = idx.ki.collations.get(k).copied().unwrap_or_default_coll();
        let aff = t.cols[ci].affinity;
        affs.push(aff);
        let usable = |tm: &&Term| tm.col == KeyCol::Col(ci) && tm.coll == coll && affinity_ok(aff, tm.raff);
        if let Some(tm) = terms.iter().find(|tm| tm.op == CmpOp::Eq && usable(tm)) {
            eq.push(tm.rhs.clone());
            used.push(tm.fi);
            continue;
        }
        // Not an equality: maybe IN on the first column, or a range.
        if eq.is_empty() {
            if let Some(it) = ins.iter().find(|it| it.col == KeyCol::Col(ci) && it.coll == coll) {
                let access = IndexAccess {
                    index: idx.clone(),
                    eq,
                    affs,
                    in_list: Some(it.list.to_vec()),
                    lo: None,
                    hi: None,
                    desc: false,
                    covering: false,
                };
                return Some((3, access, used));
            }
        }
        let rterms: Vec<&Term> = terms.iter().filter(|tm| tm.op != CmpOp::Eq && usable(tm)).collect();
        let (lo, hi) = range_bounds(&rterms);
        if eq.is_empty() && lo.is_none() && hi.is_none() {
            return None;
        }
        let score = eq.len() * 4 + if lo.is_some() || hi.is_some() { 2 } else { 0 };
        affs.truncate(eq.len() + 1);
        return Some((
            score,
            IndexAccess { index: idx.clone(), eq, affs, in_list: None, lo, hi, desc: false, covering: false },
            used,
        ));
    }
    // Every key column has an equality.
    let full = eq.len();
    let score = full * 4 + if idx.unique { 100 } else { 1 };
    Some((
        score,
        IndexAccess { index: idx.clone(), eq, affs, in_list: None, lo: None, hi: None, desc: false, covering: false },
        used,
    ))
}

trait CollDefault {
    fn unwrap_or_default_coll(self) -> crate::storage::Collation;
}
impl CollDefault for Option<crate::storage::Collation> {
    fn unwrap_or_default_coll(self) -> crate::storage::Collation {
        self.unwrap_or(crate::storage::Collation::Binary)
    }
}

/// The access path of one level and the filters (by position) it makes
/// redundant: equality terms answered exactly by a rowid or index probe
/// (same affinity conversion and collation as the comparison).
pub(crate) fn choose_one(t: &Table, slot: usize, filters: &[&CExpr], avail: &Avail) -> (Access, Vec<usize>) {
    let (terms, ins) = collect_terms(filters, slot, t, avail);
    if let Some(tm) = terms.iter().find(|tm| tm.col == KeyCol::Rowid && tm.op == CmpOp::Eq) {
        return (Access::RowidEq(tm.rhs.clone()), vec![tm.fi]);
    }
    if let Some(it) = ins.iter().find(|it| it.col == KeyCol::Rowid) {
        return (Access::RowidIn(it.list.to_vec()), Vec::new());
    }
    let mut best: Option<(usize, IndexAccess, Vec<usize>)> = None;
    for idx in &t.indexes {
        if let Some((score, acc, used)) = index_candidate(idx, t, &terms, &ins) {
            if best.as_ref().is_none_or(|(b, _, _)| score > *b) {
                best = Some((score, acc, used));
            }
        }
    }
    if let Some((score, acc, _)) = &best {
        if *score >= 4 || acc.in_list.is_some() {
            let (_, acc, used) = best.expect("best");
            return (Access::Index(acc), used);
        }
    }
    let rterms: Vec<&Term> = terms.iter().filter(|tm| tm.col == KeyCol::Rowid).collect();
    let (lo, hi) = range_bounds(&rterms);
    if lo.is_some() || hi.is_some() {
        return (Access::RowidRange { lo, hi, desc: false }, Vec::new());
    }
    if let Some((_, acc, used)) = best {
        return (Access::Index(acc), used);
    }
    // A join equality on a column with no index: hash the table once.
    if let Some(tm) = terms.iter().find(|tm| {
        matches!(tm.col, KeyCol::Col(c) if affinity_ok(t.cols[c].affinity, tm.raff))
            && tm.op == CmpOp::Eq
            && (avail.joined)(tm.rhs)
    }) {
        if let KeyCol::Col(col) = tm.col {
            let access = Access::AutoHash { col, rhs: tm.rhs.clone(), aff: t.cols[col].affinity, coll: tm.coll };
            return (access, Vec::new());
        }
    }
    (Access::Scan { desc: false }, Vec::new())
}

/// Is `keys` (all on `slot`) the order of index `idx` after its first
/// `skip` columns, all ascending or all descending relative to it?
/// Returns the scan direction (true = backward).
fn index_order(idx: &Index, t: &Table, skip: usize, keys: &[SortKey], slot: usize) -> Option<bool> {
    if keys.len() + skip > idx.cols.len() + 1 {
        return None;
    }
    let mut dir: Option<bool> = None;
    for (k, key) in keys.iter().enumerate() {
        let pos = skip + k;
        let kc = key_col(&key.expr, slot, t)?;
        let d = if pos < idx.cols.len() {
            if kc != KeyCol::Col(idx.cols[pos]) {
                return None;
            }
            let coll = idx.ki.collations.get(pos).copied().unwrap_or_default_coll();
            if coll != key.coll {
                return None;
            }
            key.desc != idx.ki.desc.get(pos).copied().unwrap_or(false)
        } else {
            // The rowid follows the key columns in an index (only unique
            // prefixes make it meaningful; accept it as the tie-break order).
            if kc != KeyCol::Rowid {
                return None;
            }
            key.desc
        };
        match dir {
            None => dir = Some(d),
            Some(x) if x != d => return None,
            _ => {}
        }
    }
    dir
}

/// Chooses the access path of level `l` given which expressions are
/// available before it, and drops the filters the access answers exactly.
pub(crate) fn set_access(l: &mut Level, avail: &Avail) {
    if matches!(l.access, Access::Sub(_)) {
        return;
    }
    let filters = if l.left { &l.on_filters } else { &l.filters };
    let refs: Vec<&CExpr> = filters.iter().collect();
    let (access, mut used) = choose_one(&l.table, l.slot, &refs, avail);
    l.access = access;
    used.sort_unstable();
    used.dedup();
    let filters = if l.left { &mut l.on_filters } else { &mut l.filters };
    for fi in used.into_iter().rev() {
        filters.remove(fi);
    }
}

/// Chooses the access path of every level of `levels`, which run in the
/// given order with slots ascending (a DML target scan, `x IN table`);
/// returns true when `order` is produced by the access path (no sort).
pub fn choose_access(levels: &mut [Level], order: &[SortKey], is_agg: bool, subs: &[SelectPlan]) -> bool {
    let base_slot = levels.first().map_or(0, |l| l.slot);
    for l in levels.iter_mut() {
        let slot = l.slot;
        let before = |e: &CExpr| max_slot_deep(e, subs).is_none_or(|m| m < slot);
        let joined = |e: &CExpr| e.max_slot().is_some_and(|s| s >= base_slot);
        set_access(l, &Avail { before: &before, joined: &joined });
    }
    order_from_access(levels, order, is_agg)
}

/// True when a single-level query's access path already yields `order`
/// (possibly after switching a full scan to an index or reversing it).
pub(crate) fn order_from_access(levels: &mut [Level], order: &[SortKey], is_agg: bool) -> bool {
    if levels.len() != 1 || order.is_empty() || is_agg {
        return false;
    }
    let level = &mut levels[0];
    let slot = level.slot;
    let t = level.table.clone();
    let rowid_order = |keys: &[SortKey]| -> Option<bool> {
        if keys.len() == 1 && key_col(&keys[0].expr, slot, &t) == Some(KeyCol::Rowid) {
            Some(keys[0].desc)
        } else {
            None
        }
    };
    match &mut level.access {
        Access::Scan { desc } | Access::RowidRange { desc, .. } => {
            if let Some(d) = rowid_order(order) {
                *desc = d;
                return true;
            }
            if matches!(level.access, Access::Scan { .. }) {
                for idx in &t.indexes {
                    if let Some(d) = index_order(idx, &t, 0, order, slot) {
                        level.access = Access::Index(IndexAccess {
                            index: idx.clone(),
                            eq: Vec::new(),
                            affs: Vec::new(),
                            in_list: None,
                            lo: None,
                            hi: None,
                            desc: d,
                            covering: false,
                        });
                        return true;
                    }
                }
            }
            false
        }
        Access::RowidEq(_) => true,
        Access::Sub(_) | Access::AutoHash { .. } => false,
        Access::Index(acc) if acc.in_list.is_none() => {
            if let Some(d) = index_order(&acc.index, &t, acc.eq.len(), order, slot) {
                acc.desc = d;
                return true;
            }
            false
        }
        _ => false,
    }
}
