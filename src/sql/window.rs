//! Window functions, compile side: `f(...) [FILTER (WHERE ...)] OVER (...)`
//! calls, named windows (`WINDOW w AS (...)`, `OVER w`, `OVER (w ...)`), and
//! frame specifications, turned into a [`WindowPlan`].
//!
//! A SELECT with window functions runs in two stages, as SQLite's rewrite
//! into a subquery does: the *base* plan (FROM, WHERE, GROUP BY, HAVING)
//! produces one row per input row holding the "leaves" (every column, rowid
//! and aggregate result the outer expressions read) followed by the window
//! inputs (partition and order keys, arguments, FILTER terms). The operator
//! in [`exec`] sorts those rows per window, computes every window function,
//! restores the leaves into the runtime and evaluates the SELECT's own
//! result columns and ORDER BY keys. A window function's result is read by
//! the outer expressions as `CExpr::Agg(id)`, written per row by the operator.
//!
//! Windows are processed as SQLite does: the distinct window definitions in
//! order of first use (result columns, then ORDER BY), the last one first,
//! each stable-sorting the previous one's output. The output order without
//! an ORDER BY is the first window's.

mod agg;
mod exec;
mod frame;
mod part;
mod walk;

pub use exec::compute;

use crate::error::{Error, Result};
use crate::sql::expr::CExpr;
use crate::sql::resolve::{Ce, Compiler, ROWID_REF};
use crate::sql::select::SelectPlan;
use crate::storage::{Collation, Value};
use crate::syntax::name_str;
use sqlite3_parser::ast::{self, Expr, FrameBound, FrameExclude, FrameMode, Literal, Over};
use std::collections::HashSet;

/// The frame unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Rows,
    Range,
    Groups,
}

/// One frame boundary; offsets are constant expressions (non-constant ones
/// were replaced by NULL, as SQLite does, and fail when evaluated).
#[derive(Clone, Debug)]
pub enum Bound {
    UnboundedPreceding,
    Preceding(CExpr),
    CurrentRow,
    Following(CExpr),
    UnboundedFollowing,
}

/// EXCLUDE; `Omitted` differs from an explicit `NoOthers` only in how
/// SQLite computes it (each row's frame scanned from scratch), which
/// shows in min/max with FILTER and in REAL sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exclude {
    Omitted,
    NoOthers,
    CurrentRow,
    Group,
    Ties,
}

#[derive(Clone, Debug)]
pub struct Frame {
    pub unit: Unit,
    pub start: Bound,
    pub end: Bound,
    pub exclude: Exclude,
}

impl Frame {
    /// The default frame: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW.
    fn default_frame() -> Frame {
        Frame { unit: Unit::Range, start: Bound::UnboundedPreceding, end: Bound::CurrentRow, exclude: Exclude::Omitted }
    }
    fn has_offset(&self) -> bool {
        let off = |b: &Bound| matches!(b, Bound::Preceding(_) | Bound::Following(_));
        off(&self.start) || off(&self.end)
    }
}

/// How a window ORDER BY term sorts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyOrder {
    pub desc: bool,
    pub nulls_first: bool,
    pub coll: Collation,
}

/// The built-in window functions and the aggregates usable with OVER.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    Ntile,
    Lag,
    Lead,
    FirstValue,
    LastValue,
    NthValue,
    Count,
    Sum,
    Total,
    Avg,
    Min,
    Max,
    GroupConcat,
}

impl Kind {
    /// The function `name` with `nargs` arguments: Ok(None) when there is
    /// no window function of that name, Err(()) for a wrong argument count.
    fn lookup(name: &str, nargs: usize) -> Option<std::result::Result<Kind, ()>> {
        let (k, ok) = match name.to_ascii_lowercase().as_str() {
            "row_number" => (Kind::RowNumber, nargs == 0),
            "rank" => (Kind::Rank, nargs == 0),
            "dense_rank" => (Kind::DenseRank, nargs == 0),
            "percent_rank" => (Kind::PercentRank, nargs == 0),
            "cume_dist" => (Kind::CumeDist, nargs == 0),
            "ntile" => (Kind::Ntile, nargs == 1),
            "lag" => (Kind::Lag, (1..=3).contains(&nargs)),
            "lead" => (Kind::Lead, (1..=3).contains(&nargs)),
            "first_value" => (Kind::FirstValue, nargs == 1),
            "last_value" => (Kind::LastValue, nargs == 1),
            "nth_value" => (Kind::NthValue, nargs == 2),
            "count" => (Kind::Count, nargs <= 1),
            "sum" => (Kind::Sum, nargs == 1),
            "total" => (Kind::Total, nargs == 1),
            "avg" => (Kind::Avg, nargs == 1),
            // min/max with 2+ arguments are scalar functions.
            "min" if nargs == 1 => (Kind::Min, true),
            "max" if nargs == 1 => (Kind::Max, true),
            "group_concat" => (Kind::GroupConcat, nargs == 1 || nargs == 2),
            _ => return None,
        };
        Some(if ok { Ok(k) } else { Err(()) })
    }

    pub fn is_aggregate(self) -> bool {
        matches!(self, Kind::Count | Kind::Sum | Kind::Total | Kind::Avg | Kind::Min | Kind::Max | Kind::GroupConcat)
    }

    /// Functions whose frame is fixed by the function itself (SQLite
    /// replaces the written one): (unit, start, end).
    fn fixed_frame(self) -> Option<Frame> {
        let f = |unit, start, end| Some(Frame { unit, start, end, exclude: Exclude::Omitted });
        use Bound::*;
        match self {
            Kind::RowNumber => f(Unit::Rows, UnboundedPreceding, CurrentRow),
            Kind::Rank | Kind::DenseRank => f(Unit::Range, UnboundedPreceding, CurrentRow),
            Kind::PercentRank => f(Unit::Groups, CurrentRow, UnboundedFollowing),
            Kind::CumeDist => f(Unit::Groups, Following(CExpr::lit_int(1)), UnboundedFollowing),
            Kind::Ntile => f(Unit::Rows, CurrentRow, UnboundedFollowing),
            Kind::Lead => f(Unit::Rows, UnboundedPreceding, UnboundedFollowing),
            Kind::Lag => f(Unit::Rows, UnboundedPreceding, CurrentRow),
            _ => None,
        }
    }
}

/// The error for a window-only function (row_number, lag, ...) called
/// without OVER: misuse, or a wrong argument count. None for other names.
pub fn without_over(name: &str, nargs: usize) -> Option<Error> {
    match Kind::lookup(name, nargs) {
        Some(Ok(k)) if !k.is_aggregate() => Some(Error::sql(format!("misuse of window function {name}()"))),
        Some(Err(())) if Kind::lookup(name, usize::MAX).is_some_and(|k| k.is_err()) && !is_agg_name(name) => {
            Some(Error::sql(format!("wrong number of arguments to function {name}()")))
        }
        _ => None,
    }
}

fn is_agg_name(name: &str) -> bool {
    ["count", "sum", "total", "avg", "min", "max", "group_concat"].iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// One function of a window, over input columns of the base row.
#[derive(Clone, Debug)]
pub struct WinFunc {
    /// Index in `Rt::aggs` receiving the result.
    pub id: usize,
    pub kind: Kind,
    pub args: Vec<usize>,
    pub filter: Option<usize>,
    /// Collation of min/max (the argument's).
    pub coll: Collation,
}

/// One distinct window definition and the functions computed over it.
#[derive(Clone, Debug)]
pub struct WinDef {
    pub partition: Vec<(usize, Collation)>,
    pub order: Vec<(usize, KeyOrder)>,
    pub frame: Frame,
    pub funcs: Vec<WinFunc>,
}

/// What a leading column of a base row restores before the outer
/// expressions are evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaf {
    /// The rowid of a slot; NULL marks a LEFT JOIN's null row.
    Rowid(usize),
    Col(usize, usize),
    Agg(usize),
}

#[derive(Debug)]
pub struct WindowPlan {
    /// FROM / WHERE / GROUP BY / HAVING; its result is `leaves` then inputs.
    pub base: SelectPlan,
    pub leaves: Vec<Leaf>,
    /// In processing order (the last-used definition first).
    pub windows: Vec<WinDef>,
}

/// A window as written in an OVER clause, compiled in the current scope.
struct Written {
    base: Option<String>,
    partition: Vec<(CExpr, Collation)>,
    order: Vec<(CExpr, KeyOrder)>,
    /// None = no frame clause (the default frame).
    frame: Option<Frame>,
}

enum Spec {
    Named(String),
    Inline(Written),
}

struct PendingCall {
    id: usize,
    kind: Kind,
    args: Vec<CExpr>,
    filter: Option<CExpr>,
    coll: Collation,
    spec: Spec,
}

/// Window calls collected while compiling one SELECT core's result
/// columns and ORDER BY (None in `Compiler::windows` elsewhere: a window
/// function there is misused).
#[derive(Default)]
pub struct WinCollect {
    calls: Vec<PendingCall>,
}

impl WinCollect {
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }
    pub fn len(&self) -> usize {
        self.calls.len()
    }
}

/// One use of a window call: in the result columns or ORDER BY.
struct Occ {
    call: usize,
    /// An ORDER BY reference (alias, ordinal) to a result column's call.
    copy: bool,
}

/// A resolved definition: partition, order, frame (None = implicit).
#[derive(Clone)]
struct Resolved {
    partition: Vec<(CExpr, Collation)>,
    order: Vec<(CExpr, KeyOrder)>,
    frame: Option<Frame>,
}

/// The windows of one SELECT core, compiled, before the base plan exists.
pub struct WinCompiled {
    /// Window inputs, in base-row order after the leaves.
    pub inputs: Vec<CExpr>,
    windows: Vec<WinDef>,
}

/// True when SQLite's parser treats `e` as a constant frame offset:
/// literals, parameters and operators over them.
fn is_constant_offset(e: &Expr) -> bool {
    match e {
        Expr::Literal(l) => !matches!(l, Literal::CurrentDate | Literal::CurrentTime | Literal::CurrentTimestamp),
        Expr::Variable(_) => true,
        Expr::Parenthesized(v) => v.iter().all(is_constant_offset),
        Expr::Unary(_, a) => is_constant_offset(a),
        Expr::Binary(a, _, b) => is_constant_offset(a) && is_constant_offset(b),
        Expr::Cast { expr, .. } => is_constant_offset(expr),
        Expr::Collate(x, _) => is_constant_offset(x),
        Expr::Between { lhs, start, end, .. } => {
            is_constant_offset(lhs) && is_constant_offset(start) && is_constant_offset(end)
        }
        Expr::Case { base, when_then_pairs, else_expr } => {
            base.is_none_or(is_constant_offset)
                && when_then_pairs.iter().all(|(w, t)| is_constant_offset(w) && is_constant_offset(t))
                && else_expr.is_none_or(is_constant_offset)
        }
        Expr::IsNull(a) | Expr::NotNull(a) => is_constant_offset(a),
        _ => false,
    }
}

impl Compiler<'_> {
    /// Compiles a function call carrying OVER; its value is `Agg(id)`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn window_call(
        &mut self,
        fname: &str,
        distinct: bool,
        args: &[Expr],
        star: bool,
        filter: Option<&Expr>,
        over: &Over,
    ) -> Result<Ce> {
        self.calls_function = true;
        let nargs = if star { 0 } else { args.len() };
        if distinct {
            return Err(Error::sql("DISTINCT is not supported for window functions"));
        }
        let kind = match Kind::lookup(fname, nargs) {
            Some(Ok(k)) if !star || k == Kind::Count => k,
            Some(_) => return Err(Error::sql(format!("wrong number of arguments to function {fname}()"))),
            None => {
                // A scalar function (or an unknown name) with OVER.
                crate::sql::func::lookup_scalar(fname, nargs)?;
                return Err(Error::sql(format!("{fname}() may not be used as a window function")));
            }
        };
        if self.in_agg || self.windows.is_none() || self.agg_forbidden.is_some() || self.aggs.is_none() {
            return Err(Error::sql(format!("misuse of window function {fname}()")));
        }
        if filter.is_some() && !kind.is_aggregate() {
            return Err(Error::sql("FILTER clause may only be used with aggregate window functions"));
        }
        // Arguments, FILTER and the window: plain aggregates are allowed
        // inside, window functions are not.
        let saved = self.windows.take();
        let r = (|| -> Result<(Vec<Ce>, Option<CExpr>, Spec)> {
            let cargs: Vec<Ce> =
                if star { Vec::new() } else { args.iter().map(|a| self.expr(a)).collect::<Result<_>>()? };
            let filt = match filter {
                Some(f) => Some(self.expr(f)?.e),
                None => None,
            };
            let spec = match over {
                Over::Name(n) => Spec::Named(name_str(n)),
                Over::Window(w) => Spec::Inline(self.written_window(w)?),
            };
            Ok((cargs, filt, spec))
        })();
        self.windows = saved;
        let (cargs, filt, spec) = r?;
        let coll = cargs.first().and_then(|c| c.coll).unwrap_or(Collation::Binary);
        let id = self.n_aggs;
        self.n_aggs += 1;
        let call = PendingCall { id, kind, args: cargs.into_iter().map(|c| c.e).collect(), filter: filt, coll, spec };
        self.windows.as_mut().expect("windows").calls.push(call);
        Ok(Ce::plain(CExpr::Agg(id)))
    }

    fn written_window(&mut self, w: &ast::Window) -> Result<Written> {
        let mut partition = Vec::new();
        for e in w.partition_by.unwrap_or(&[]) {
            let c = self.expr(e)?;
            partition.push((c.e, c.coll.unwrap_or(Collation::Binary)));
        }
        let mut order = Vec::new();
        for sc in w.order_by.unwrap_or(&[]) {
            let c = self.expr(&sc.expr)?;
            let desc = sc.order == Some(ast::SortOrder::Desc);
            let nulls_first = match sc.nulls {
                Some(ast::NullsOrder::First) => true,
                Some(ast::NullsOrder::Last) => false,
                None => !desc,
            };
            order.push((c.e, KeyOrder { desc, nulls_first, coll: c.coll.unwrap_or(Collation::Binary) }));
        }
        let frame = match &w.frame_clause {
            Some(fc) => Some(self.frame(fc)?),
            None => None,
        };
        Ok(Written { base: w.base.as_ref().map(name_str), partition, order, frame })
    }

    fn frame(&mut self, fc: &ast::FrameClause) -> Result<Frame> {
        let unit = match fc.mode {
            FrameMode::Rows => Unit::Rows,
            FrameMode::Range => Unit::Range,
            FrameMode::Groups => Unit::Groups,
        };
        let bound = |b: &FrameBound, c: &mut Self| -> Result<Bound> {
            let off = |e: &Expr, c: &mut Self| -> Result<CExpr> {
                if is_constant_offset(e) {
                    Ok(c.expr(e)?.e)
                } else {
                    Ok(CExpr::Lit(Value::Null))
                }
            };
            Ok(match b {
                FrameBound::UnboundedPreceding => Bound::UnboundedPreceding,
                FrameBound::Preceding(e) => Bound::Preceding(off(e, c)?),
                FrameBound::CurrentRow => Bound::CurrentRow,
                FrameBound::Following(e) => Bound::Following(off(e, c)?),
                FrameBound::UnboundedFollowing => Bound::UnboundedFollowing,
            })
        };
        let start = bound(&fc.start, self)?;
        let end = match &fc.end {
            Some(e) => bound(e, self)?,
            None => Bound::CurrentRow,
        };
        if matches!(start, Bound::UnboundedFollowing) {
            return Err(Error::sql("near \"following\": syntax error"));
        }
        if matches!(end, Bound::UnboundedPreceding) {
            return Err(Error::sql("near \"preceding\": syntax error"));
        }
        if matches!((&start, &end), (Bound::CurrentRow, Bound::Preceding(_)))
            || matches!((&start, &end), (Bound::Following(_), Bound::Preceding(_) | Bound::CurrentRow))
        {
            return Err(Error::sql("unsupported frame specification"));
        }
        let exclude = match fc.exclude {
            None => Exclude::Omitted,
            Some(FrameExclude::NoOthers) => Exclude::NoOthers,
            Some(FrameExclude::CurrentRow) => Exclude::CurrentRow,
            Some(FrameExclude::Group) => Exclude::Group,
            Some(FrameExclude::Ties) => Exclude::Ties,
        };
        Ok(Frame { unit, start, end, exclude })
    }

    /// Resolves named windows and builds the windows of one SELECT core.
    /// Runs while the core's aggregates are still being collected (a
    /// window definition may use them). `n_result` calls came from the
    /// result columns; `order_keys` are the compiled ORDER BY terms, whose
    /// references to those calls (by alias or ordinal) are copies.
    pub(crate) fn finish_windows(
        &mut self,
        wc: WinCollect,
        clause: Option<&[ast::WindowDef]>,
        n_result: usize,
        order_keys: &[&CExpr],
    ) -> Result<WinCompiled> {
        let defs = clause.unwrap_or(&[]);
        let mut memo: Vec<Option<Resolved>> = vec![None; defs.len()];
        let mut inputs: Vec<CExpr> = Vec::new();
        // Distinct definitions (partition, order, frame) and their keys.
        let mut distinct: Vec<WinDef> = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        // Per call: its definition and its function.
        let mut calls: Vec<(usize, WinFunc)> = Vec::new();
        // Named windows may hold aggregates but no window functions.
        let saved = self.windows.take();
        let r = (|| -> Result<()> {
            for call in wc.calls {
                let res = match call.spec {
                    Spec::Named(n) => {
                        let i = find_def(defs, defs.len(), &n)?;
                        self.resolve_def(defs, i, &mut memo)?
                    }
                    Spec::Inline(w) => match &w.base {
                        None => Resolved { partition: w.partition, order: w.order, frame: w.frame },
                        Some(b) => {
                            let b = b.clone();
                            let i = find_def(defs, defs.len(), &b)?;
                            let base = self.resolve_def(defs, i, &mut memo)?;
                            chain(&b, base, w)?
                        }
                    },
                };
                let mut frame = res.frame.clone().unwrap_or_else(Frame::default_frame);
                if frame.unit == Unit::Range && frame.has_offset() && res.order.len() != 1 {
                    return Err(Error::sql("RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY expression"));
                }
                if let Some(f) = call.kind.fixed_frame() {
                    frame = f;
                }
                let key = format!("{:?}|{:?}|{:?}", res.partition, res.order, frame);
                let di = match keys.iter().position(|k| *k == key) {
                    Some(di) => di,
                    None => {
                        let mut push = |e: CExpr| {
                            inputs.push(e);
                            inputs.len() - 1
                        };
                        let partition = res.partition.into_iter().map(|(e, c)| (push(e), c)).collect();
                        let order = res.order.into_iter().map(|(e, k)| (push(e), k)).collect();
                        distinct.push(WinDef { partition, order, frame, funcs: Vec::new() });
                        keys.push(key);
                        distinct.len() - 1
                    }
                };
                let mut push = |e: CExpr| {
                    inputs.push(e);
                    inputs.len() - 1
                };
                let args = call.args.into_iter().map(&mut push).collect();
                let filter = call.filter.map(&mut push);
                calls.push((di, WinFunc { id: call.id, kind: call.kind, args, filter, coll: call.coll }));
            }
            Ok(())
        })();
        self.windows = saved;
        r?;
        // Occurrences in SQLite's order: result columns, then ORDER BY
        // terms; a term's reference to a result column's call is a copy,
        // which SQLite computes (and displays) apart from the original.
        let mut occs: Vec<Occ> = (0..n_result.min(calls.len())).map(|c| Occ { call: c, copy: false }).collect();
        for e in order_keys {
            e.walk(&mut |x| {
                if let CExpr::Agg(id) = x {
                    if let Some(c) = calls.iter().position(|(_, f)| f.id == *id) {
                        occs.push(Occ { call: c, copy: c < n_result });
                    }
                }
            });
        }
        let provider = |c: usize, i: usize| -> bool {
            let first_copy = occs.iter().position(|o| o.call == c && o.copy);
            first_copy.map_or(!occs[i].copy, |f| f == i)
        };
        let mut windows = Vec::new();
        let mut placed = vec![false; calls.len()];
        let mut rest: Vec<usize> = (0..occs.len()).collect();
        let mut top = true;
        // Each level holds the occurrences sharing the first linkable one's
        // definition; the others nest inside and are processed before it.
        while !rest.is_empty() {
            let linkable = |i: usize| !top || !occs[i].copy;
            let head = rest.iter().copied().find(|&i| linkable(i)).unwrap_or(rest[0]);
            let d = calls[occs[head].call].0;
            let (level, others): (Vec<usize>, Vec<usize>) =
                rest.iter().partition(|&&i| (linkable(i) || i == head) && calls[occs[i].call].0 == d);
            let mut def = distinct[d].clone();
            for i in level {
                let c = occs[i].call;
                if provider(c, i) && !placed[c] {
                    placed[c] = true;
                    def.funcs.push(calls[c].1.clone());
                }
            }
            windows.push(def);
            rest = others;
            top = false;
        }
        windows.reverse();
        Ok(WinCompiled { inputs, windows })
    }

    /// The definition at `defs[i]`, chained to its base (an earlier
    /// definition) as SQLite's parser does; the first definition's base is
    /// never looked up.
    fn resolve_def(&mut self, defs: &[ast::WindowDef], i: usize, memo: &mut Vec<Option<Resolved>>) -> Result<Resolved> {
        if let Some(r) = &memo[i] {
            return Ok(r.clone());
        }
        let w = self.written_window(&defs[i].window)?;
        let r = match (&w.base, i) {
            (Some(b), 1..) => {
                let bi = find_def(defs, i, b)?;
                let base = self.resolve_def(defs, bi, memo)?;
                let b = b.clone();
                chain(&b, base, w)?
            }
            _ => Resolved { partition: w.partition, order: w.order, frame: w.frame },
        };
        memo[i] = Some(r.clone());
        Ok(r)
    }
}

/// WHERE, GROUP BY and HAVING may not use a result column alias that
/// stands for a window function: "misuse of aliased window function X".
pub fn check_aliased<'e>(
    wc: Option<&WinCollect>,
    aliases: &[(String, Ce)],
    exprs: impl Iterator<Item = &'e CExpr>,
) -> Result<()> {
    let Some(wc) = wc else { return Ok(()) };
    let is_win = |id: usize| wc.calls.iter().any(|c| c.id == id);
    let mut found = None;
    for e in exprs {
        e.walk(&mut |x| {
            if let CExpr::Agg(id) = x {
                if found.is_none() && is_win(*id) {
                    found = Some(*id);
                }
            }
        });
    }
    let Some(id) = found else { return Ok(()) };
    let uses = |ce: &Ce| {
        let mut hit = false;
        ce.e.walk(&mut |x| hit |= matches!(x, CExpr::Agg(i) if *i == id));
        hit
    };
    let name = aliases.iter().find(|(_, ce)| uses(ce)).map_or_else(String::new, |(n, _)| n.clone());
    Err(Error::sql(format!("misuse of aliased window function {name}")))
}

/// The last definition named `name` among `defs[..upto]`.
fn find_def(defs: &[ast::WindowDef], upto: usize, name: &str) -> Result<usize> {
    defs[..upto]
        .iter()
        .rposition(|d| name_str(&d.name).eq_ignore_ascii_case(name))
        .ok_or_else(|| Error::sql(format!("no such window: {name}")))
}

/// `(base ...)`: the base's partition and order, the written order and frame.
fn chain(name: &str, base: Resolved, w: Written) -> Result<Resolved> {
    let what = if !w.partition.is_empty() {
        Some("PARTITION clause")
    } else if !base.order.is_empty() && !w.order.is_empty() {
        Some("ORDER BY clause")
    } else if base.frame.is_some() {
        Some("frame specification")
    } else {
        None
    };
    if let Some(what) = what {
        return Err(Error::sql(format!("cannot override {what} of window: {name}")));
    }
    Ok(Resolved {
        partition: base.partition,
        order: if w.order.is_empty() { base.order } else { w.order },
        frame: w.frame,
    })
}

/// Splits a compiled window SELECT into base and window stages: the levels,
/// pre-filter and aggregation move into the base plan, whose rows carry the
/// leaves the outer expressions read and the window inputs.
pub fn attach(plan: &mut SelectPlan, wc: WinCompiled, col_refs: &HashSet<(usize, usize)>) {
    let mut leaves = Vec::new();
    for l in &plan.levels {
        leaves.push(Leaf::Rowid(l.slot));
        let mut cols: Vec<usize> =
            col_refs.iter().filter(|&&(s, c)| s == l.slot && c != ROWID_REF).map(|&(_, c)| c).collect();
        cols.sort_unstable();
        leaves.extend(cols.into_iter().map(|c| Leaf::Col(l.slot, c)));
    }
    if let Some(a) = &plan.agg {
        leaves.extend(a.calls.iter().map(|c| Leaf::Agg(c.id)));
    }
    let mut result: Vec<CExpr> = leaves
        .iter()
        .map(|l| match *l {
            Leaf::Rowid(slot) => CExpr::Rowid { slot },
            Leaf::Col(slot, col) => CExpr::Col { slot, col },
            Leaf::Agg(id) => CExpr::Agg(id),
        })
        .collect();
    let nl = leaves.len();
    result.extend(wc.inputs);
    let mut windows = wc.windows;
    for w in windows.iter_mut() {
        let shift = |i: &mut usize| *i += nl;
        w.partition.iter_mut().for_each(|(i, _)| shift(i));
        w.order.iter_mut().for_each(|(i, _)| shift(i));
        for f in w.funcs.iter_mut() {
            f.args.iter_mut().for_each(shift);
            if let Some(i) = &mut f.filter {
                shift(i);
            }
        }
    }
    let width = result.len();
    let base = SelectPlan {
        levels: std::mem::take(&mut plan.levels),
        pre_filter: std::mem::take(&mut plan.pre_filter),
        agg: plan.agg.take(),
        result,
        affinities: vec![None; width],
        colls: vec![Collation::Binary; width],
        names: vec![String::new(); width],
        decltypes: vec![None; width],
        ..Default::default()
    };
    plan.window = Some(Box::new(WindowPlan { base, leaves, windows }));
}
