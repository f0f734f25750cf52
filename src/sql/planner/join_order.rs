//! Join order: which FROM item each level of the nested loop reads, and at
//! which level each WHERE / ON term is checked.
//!
//! Inner joins (comma, JOIN, INNER JOIN) may run in any order. The right
//! side of a LEFT JOIN or a CROSS JOIN runs after every FROM item to its
//! left (CROSS JOIN is SQLite's "keep this order" hint); items to the right
//! of either may still move before it.
//!
//! Cost model (no statistics are kept): every table is assumed to hold
//! [`TABLE_ROWS`] rows, as SQLite assumes without ANALYZE data. A rowid or
//! unique-index equality yields one row, an equality on an index prefix
//! about ten, a range a quarter of the rows per bound, an automatic hash
//! index ten rows per probe after a build costing as much as sorting the
//! table, a scan all rows. A
//! term checked at a level without narrowing its access scales the level's
//! rows down (equality and IN by 4, anything else by 2). The cost of an
//! order is the sum over levels of (rows entering the level) x (cost of
//! one probe) + (one-time build cost). Up to [`DP_MAX`] levels every order
//! is considered (dynamic programming over sets of levels, left-deep);
//! beyond that, greedily the cheapest next level. Equal costs keep the
//! FROM order.
//!
//! A term is checked at the first level (in join order) where every table
//! it reads is bound; terms reading no table of this SELECT are checked
//! once per run (`pre`).

use super::{choose_one, order_from_access, set_access, Access, Avail};
use crate::error::{Error, Result};
use crate::sql::expr::{CExpr, CmpOp};
use crate::sql::select::{Level, SelectPlan, SortKey};

/// Rows assumed in every table.
const TABLE_ROWS: f64 = 1_048_576.0;
/// Cost of one B-tree descent (log2 of TABLE_ROWS).
const SEEK: f64 = 20.0;
/// Rows an equality on an index's first column is assumed to match.
const EQ_ROWS: f64 = 10.0;
/// Largest join whose every order is costed.
const DP_MAX: usize = 8;
/// SQLite's limit on tables in one join (the level sets are 64-bit masks).
const MAX_LEVELS: usize = 64;

/// Which levels (by FROM position, as bits) an expression reads.
struct Deps<'a> {
    /// Level slots in FROM order (ascending).
    slots: Vec<usize>,
    base: usize,
    subs: &'a [SelectPlan],
}

impl Deps<'_> {
    /// Bits of the levels whose slot is at most `s`.
    fn upto(&self, s: usize) -> u64 {
        let n = self.slots.iter().filter(|&&x| x <= s).count();
        if n >= 64 {
            u64::MAX
        } else {
            (1u64 << n) - 1
        }
    }

    fn of(&self, e: &CExpr) -> u64 {
        let mut m = 0u64;
        e.walk(&mut |x| match x {
            CExpr::Col { slot, .. } | CExpr::Rowid { slot } if *slot >= self.base => {
                m |= match self.slots.binary_search(slot) {
                    Ok(p) => 1u64 << p,
                    // A slot between levels (inside a FROM subquery): be conservative.
                    Err(_) => self.upto(*slot),
                };
            }
            // A correlated subquery may read any level up to its highest outer slot.
            CExpr::InSub { sub, .. } | CExpr::Exists { sub, .. } | CExpr::Scalar { sub } => {
                if let Some(s) = self.subs.get(*sub).and_then(|p| p.outer_max_slot) {
                    if s >= self.base {
                        m |= self.upto(s);
                    }
                }
            }
            _ => {}
        });
        m
    }
}

/// Estimated effect of reading one level once per incoming row.
#[derive(Clone, Copy, Debug)]
struct Step {
    /// Cost of one probe.
    probe: f64,
    /// Rows produced per probe.
    rows: f64,
    /// One-time cost (building an automatic hash index).
    build: f64,
}

/// Fraction of rows a term keeps when it does not narrow the access.
fn selectivity(f: &CExpr) -> f64 {
    match f {
        CExpr::Cmp(CmpOp::Eq, ..) | CExpr::Is(false, ..) | CExpr::InList { not: false, .. } => 0.25,
        _ => 0.5,
    }
}

/// Rows an equality on the first `k` columns of an index yields.
fn eq_rows(k: usize, ncols: usize, unique: bool) -> f64 {
    if unique && k >= ncols {
        1.0
    } else {
        (EQ_ROWS + 1.0 - k as f64).max(1.0)
    }
}

fn access_cost(a: &Access) -> Step {
    let n = TABLE_ROWS;
    let range = |lo: bool, hi: bool, rows: f64| rows / if lo { 4.0 } else { 1.0 } / if hi { 4.0 } else { 1.0 };
    match a {
        Access::Scan { .. } | Access::Sub(_) => Step { probe: n, rows: n, build: 0.0 },
        Access::RowidEq(_) => Step { probe: SEEK, rows: 1.0, build: 0.0 },
        Access::RowidIn(list) => {
            let k = list.len() as f64;
            Step { probe: SEEK * k, rows: k, build: 0.0 }
        }
        Access::RowidRange { lo, hi, .. } => {
            let rows = range(lo.is_some(), hi.is_some(), n);
            Step { probe: SEEK + rows, rows, build: 0.0 }
        }
        Access::Index(acc) => {
            let ncols = acc.index.cols.len();
            let k = acc.eq.len();
            let (rows, seeks) = match &acc.in_list {
                Some(list) => {
                    let m = list.len() as f64;
                    (eq_rows(k + 1, ncols, acc.index.unique) * m, m)
                }
                None => {
                    let base = if k == 0 { n } else { eq_rows(k, ncols, acc.index.unique) };
                    (range(acc.lo.is_some(), acc.hi.is_some(), base), 1.0)
                }
            };
            // Each entry found costs a table lookup (covering is decided later).
            Step { probe: SEEK * seeks + rows * SEEK, rows, build: 0.0 }
        }
        // Building reads and copies every row (as costly as sorting them).
        Access::AutoHash { .. } => Step { probe: 1.0 + EQ_ROWS, rows: EQ_ROWS, build: n * SEEK },
    }
}

struct Planner<'a> {
    levels: &'a [Level],
    /// Every WHERE term and inner-join ON term with the levels it reads.
    terms: &'a [(CExpr, u64)],
    deps: &'a Deps<'a>,
    /// Levels that must run before each level.
    prereq: Vec<u64>,
}

impl Planner<'_> {
    /// Estimate for level `p` when the levels in `bound` run before it.
    fn step(&self, p: usize, bound: u64) -> Step {
        let l = &self.levels[p];
        let me = 1u64 << p;
        let placed: Vec<&CExpr> =
            self.terms.iter().filter(|(_, d)| d & me != 0 && d & !(bound | me) == 0).map(|(e, _)| e).collect();
        let access_filters: Vec<&CExpr> = if l.left { l.on_filters.iter().collect() } else { placed.clone() };
        let (access, used) = if matches!(l.access, Access::Sub(_)) {
            (Access::Scan { desc: false }, Vec::new())
        } else {
            let before = |e: &CExpr| self.deps.of(e) & !bound == 0;
            let joined = |e: &CExpr| self.deps.of(e) != 0;
            choose_one(&l.table, l.slot, &access_filters, &Avail { before: &before, joined: &joined })
        };
        let mut s = access_cost(&access);
        for (i, f) in access_filters.iter().enumerate() {
            if !used.contains(&i) {
                s.rows *= selectivity(f);
            }
        }
        if l.left {
            // An unmatched outer row still yields its NULL row.
            s.rows = s.rows.max(1.0);
            for f in &placed {
                s.rows *= selectivity(f);
            }
        }
        s
    }

    fn allowed(&self, p: usize, bound: u64) -> bool {
        bound & (1 << p) == 0 && self.prereq[p] & !bound == 0
    }

    /// Cheapest left-deep order over every subset of levels.
    fn dp(&self) -> Option<Vec<usize>> {
        let n = self.levels.len();
        let full = (1usize << n) - 1;
        // (cost, rows, previous set, last level)
        let mut best: Vec<Option<(f64, f64, usize, usize)>> = vec![None; full + 1];
        best[0] = Some((0.0, 1.0, 0, usize::MAX));
        for mask in 0..full {
            let Some((cost, rows, _, _)) = best[mask] else { continue };
            for p in 0..n {
                if !self.allowed(p, mask as u64) {
                    continue;
                }
                let s = self.step(p, mask as u64);
                let c = cost + rows * s.probe + s.build;
                let next = mask | (1 << p);
                if best[next].is_none_or(|(b, ..)| c < b * (1.0 - 1e-9)) {
                    best[next] = Some((c, rows * s.rows, mask, p));
                }
            }
        }
        let mut order = Vec::with_capacity(n);
        let mut mask = full;
        while mask != 0 {
            let (_, _, prev, last) = best[mask]?;
            order.push(last);
            mask = prev;
        }
        order.reverse();
        Some(order)
    }

    /// Repeatedly the level whose addition costs least (then yields fewest rows).
    fn greedy(&self) -> Option<Vec<usize>> {
        let n = self.levels.len();
        let mut bound = 0u64;
        let mut rows = 1.0;
        let mut order = Vec::with_capacity(n);
        for _ in 0..n {
            let mut pick: Option<(f64, f64, usize)> = None;
            for p in 0..n {
                if !self.allowed(p, bound) {
                    continue;
                }
                let s = self.step(p, bound);
                let c = rows * s.probe + s.build;
                let r = rows * s.rows;
                let better = match pick {
                    None => true,
                    Some((bc, br, _)) => c < bc * (1.0 - 1e-9) || (c <= bc * (1.0 + 1e-9) && r < br * (1.0 - 1e-9)),
                };
                if better {
                    pick = Some((c, r, p));
                }
            }
            let (_, r, p) = pick?;
            rows = r;
            bound |= 1 << p;
            order.push(p);
        }
        Some(order)
    }
}

/// Orders `levels` (given in FROM order, LEFT JOIN ON terms already in
/// their `on_filters`), places `terms` (WHERE and inner-join ON terms) on
/// the levels, and chooses every level's access path. `cross[i]` marks a
/// FROM item joined with CROSS JOIN. Returns the terms to check once per
/// run and whether `order` needs no sort.
#[allow(clippy::too_many_arguments)]
pub fn plan_joins(
    levels: &mut Vec<Level>,
    terms: Vec<CExpr>,
    cross: &[bool],
    order: &[SortKey],
    is_agg: bool,
    subs: &[SelectPlan],
    base_slot: usize,
) -> Result<(Vec<CExpr>, bool)> {
    let n = levels.len();
    if n > MAX_LEVELS {
        return Err(Error::sql(format!("at most {MAX_LEVELS} tables in a join")));
    }
    let deps = Deps { slots: levels.iter().map(|l| l.slot).collect(), base: base_slot, subs };
    let mut pre = Vec::new();
    let mut placed_terms = Vec::new();
    for t in terms {
        let d = deps.of(&t);
        if d == 0 {
            pre.push(t);
        } else {
            placed_terms.push((t, d));
        }
    }
    let prereq: Vec<u64> = levels
        .iter()
        .enumerate()
        .map(|(p, l)| {
            let mut m = 0u64;
            if l.left || cross.get(p).copied().unwrap_or(false) {
                m = (1u64 << p) - 1;
            }
            for f in &l.on_filters {
                m |= deps.of(f);
            }
            m & !(1u64 << p)
        })
        .collect();
    let join_order: Vec<usize> = if n <= 1 {
        (0..n).collect()
    } else {
        let planner = Planner { levels, terms: &placed_terms, deps: &deps, prereq };
        let found = if n <= DP_MAX { planner.dp() } else { planner.greedy() };
        found.filter(|o| o.len() == n).unwrap_or_else(|| (0..n).collect())
    };
    // Reorder the levels; `pos[p]` is where FROM item p now runs.
    let mut pos = vec![0usize; n];
    for (k, &p) in join_order.iter().enumerate() {
        pos[p] = k;
    }
    let mut slots: Vec<Option<Level>> = std::mem::take(levels).into_iter().map(Some).collect();
    for &p in &join_order {
        levels.push(slots[p].take().expect("each level once"));
    }
    // Each term goes to the first level where everything it reads is bound.
    for (t, d) in placed_terms {
        let k = (0..n).filter(|&p| d & (1 << p) != 0).map(|p| pos[p]).max().unwrap_or(0);
        levels[k].filters.push(t);
    }
    let mut bound = 0u64;
    for (k, l) in levels.iter_mut().enumerate() {
        let before = |e: &CExpr| deps.of(e) & !bound == 0;
        let joined = |e: &CExpr| deps.of(e) != 0;
        set_access(l, &Avail { before: &before, joined: &joined });
        bound |= 1 << join_order[k];
    }
    let sort_free = order_from_access(levels, order, is_agg);
    Ok((pre, sort_free))
}
