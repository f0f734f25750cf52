//! Common table expressions: `WITH [RECURSIVE] name[(cols)] AS (select)`.
//!
//! A WITH clause pushes a frame of named CTEs on the compiler. Every CTE of
//! a frame is compiled once, where the clause stands (so it sees enclosing
//! queries and the other CTEs of its frame), into a subquery plan; a FROM
//! reference to its name then compiles exactly as a FROM subquery over that
//! plan (`Access::Sub`). The plan is shared by all references. A CTE whose
//! body refers to a later one of the same frame is compiled after it: the
//! reference reports the missing dependency, the attempt is undone, the
//! dependency compiled and the attempt repeated. A CTE that fails to compile
//! keeps its error until something references it (SQLite ignores unused
//! CTEs).
//!
//! A recursive CTE is a compound whose trailing SELECTs (joined by UNION or
//! UNION ALL) name the CTE in their FROM: the leading SELECTs are the
//! initial rows, the trailing ones the recursive steps. It runs as SQLite
//! describes: rows wait in a queue (FIFO, or ordered by the CTE's ORDER BY
//! with ties first-in first-out); one row at a time is taken out, returned,
//! and becomes the only row of the CTE for one run of every step, whose
//! rows join the queue (under UNION only rows never queued before). The
//! steps read the current row through a one-row VALUES plan over a slot
//! ([`RecursivePlan::queue_slot`]). Rows are produced on demand, so LIMIT —
//! of the CTE or of a query reading it — ends an unbounded recursion.
//! The queue and the UNION set are statement working memory: both spill
//! to temporary files past the budget (`exec::spill`: SpillFifo or
//! SpillHeap, SeenSet), with the same rows in the same order.

use crate::error::{Error, Result};
use crate::sql::compound::result_order;
use crate::sql::exec::spill::{Budget, QueueKey, SeenSet, SpillFifo, SpillHeap};
use crate::sql::exec::{group_key, SelectRun};
use crate::sql::expr::{CExpr, Cx, Rt};
use crate::sql::resolve::Compiler;
use crate::sql::select::{SelectPlan, SortKey};
use crate::storage::{Collation, Value};
use crate::syntax::lexer::{matching_paren, result_column_spans, tokenize, Tk, Tok};
use crate::syntax::name_str;
use sqlite3_parser::ast::{self, CompoundOperator, OneSelect, SelectTable};

/// What the compiler knows about WITH clauses and views being compiled.
#[derive(Debug, Default)]
pub struct WithState {
    /// Innermost frame last.
    pub frames: Vec<Frame>,
    /// Views whose SELECT is being compiled (to report circular ones).
    pub open_views: Vec<String>,
    /// A CTE referenced before it was compiled: (frame, index).
    need: Option<(usize, usize)>,
    /// Slot handed out by the next `alloc_slot` (a DML target after WITH).
    pub reserved_slot: Option<usize>,
    /// Slots of FROM items naming a CTE: unlike a view or a FROM subquery
    /// (whose rowid reads as NULL), a CTE has no rowid column at all.
    pub cte_slots: Vec<usize>,
    /// The next SELECT core handed `top_texts` names its columns as a
    /// view's (see `sql::colnames`).
    pub resolved_names: bool,
    /// The text nested SELECTs find their column texts in.
    pub source: crate::sql::colnames::SourceSpans,
}

#[derive(Debug)]
pub struct Frame {
    ctes: Vec<Cte>,
}

#[derive(Debug)]
struct Cte {
    name: String,
    state: CteState,
}

#[derive(Debug)]
enum CteState {
    Pending,
    Compiling,
    /// Its recursive SELECTs are being compiled: a reference reads the
    /// queue plan `queue`. A step names the CTE once, in its own FROM (at
    /// SELECT nesting `depth`); `direct` counts those references.
    Recursive {
        queue: usize,
        depth: usize,
        direct: usize,
    },
    Done(Result<usize>),
}

/// How a recursive CTE runs (the plan holding it has no levels).
#[derive(Debug)]
pub struct RecursivePlan {
    /// Subquery computing the initial rows.
    pub initial: usize,
    /// Subqueries of the recursive SELECTs.
    pub steps: Vec<usize>,
    /// UNION: a row is queued only if no equal row was queued before.
    pub distinct: bool,
    /// The slot holding the current row while the steps run.
    pub queue_slot: usize,
    /// Queue order (column ordinals); empty = first in, first out.
    pub order: Vec<SortKey>,
    pub colls: Vec<Collation>,
}

/// Run state of a [`RecursivePlan`].
#[derive(Default)]
pub struct RecursiveRun {
    /// Made at the first row (they need the statement's budget).
    queue: Option<Queue>,
    /// Under UNION: the keys of every row queued so far.
    seen: Option<SeenSet>,
    key: Vec<u8>,
    /// The row returned last: its steps run before the next row is taken.
    pending: Option<Vec<Value>>,
    steps: Vec<SelectRun>,
    row: Vec<Value>,
}

/// The rows waiting to be returned and fed to the steps: first in first
/// out, or least first under the CTE's ORDER BY (ties first in first
/// out). Both spill past their budget.
enum Queue {
    Fifo(SpillFifo),
    Ordered(SpillHeap),
}

/// The queue order's columns (ORDER BY terms are result-column ordinals).
fn queue_keys(order: &[SortKey]) -> Vec<QueueKey> {
    order
        .iter()
        .filter_map(|k| match &k.expr {
            CExpr::Lit(Value::Integer(i)) => Some(QueueKey { col: *i as usize, desc: k.desc, coll: k.coll }),
            _ => None,
        })
        .collect()
}

impl RecursiveRun {
    fn start(&mut self, p: &RecursivePlan, cx: &Cx) {
        self.queue = Some(if p.order.is_empty() {
            Queue::Fifo(SpillFifo::new(Budget::new(cx)))
        } else {
            Queue::Ordered(SpillHeap::new(queue_keys(&p.order), Budget::new(cx)))
        });
        if p.distinct {
            self.seen = Some(SeenSet::new(Budget::new(cx)));
        }
    }

    /// Queues `row` (under UNION only if no equal row was queued before).
    fn push(&mut self, p: &RecursivePlan, row: Vec<Value>) -> Result<()> {
        if let Some(seen) = &mut self.seen {
            group_key(&row, &p.colls, &mut self.key);
            if !seen.insert(&self.key)? {
                return Ok(());
            }
        }
        match &mut self.queue {
            Some(Queue::Fifo(q)) => q.push(row),
            Some(Queue::Ordered(q)) => q.push(row),
            None => Err(Error::internal("recursive CTE queue used before its start")),
        }
    }

    fn pop(&mut self) -> Result<Option<Vec<Value>>> {
        match &mut self.queue {
            Some(Queue::Fifo(q)) => q.pop(),
            Some(Queue::Ordered(q)) => q.pop(),
            None => Ok(None),
        }
    }

    /// The next row of the CTE into `out`; false when the queue is empty.
    pub fn next(&mut self, p: &RecursivePlan, rt: &mut Rt, cx: &mut Cx, out: &mut Vec<Value>) -> Result<bool> {
        let subs = cx.subs;
        if self.queue.is_none() {
            self.start(p, cx);
            // The initial rows go straight to the queue (which may spill).
            let init = &subs[p.initial];
            let mut run = SelectRun::new(init);
            let mut row = Vec::new();
            while run.next(init, rt, cx, &mut row)? {
                self.push(p, std::mem::take(&mut row))?;
            }
            self.steps = p.steps.iter().map(|&s| SelectRun::new(&subs[s])).collect();
        }
        if let Some(cur) = self.pending.take() {
            let slot = &mut rt.slots[p.queue_slot];
            slot.vals = cur;
            slot.null_row = false;
            slot.rowid = 0;
            for (k, &s) in p.steps.iter().enumerate() {
                let plan = &subs[s];
                self.steps[k].restart(plan);
                let mut row = std::mem::take(&mut self.row);
                while self.steps[k].next(plan, rt, cx, &mut row)? {
                    cx.check_interrupt()?;
                    self.push(p, std::mem::take(&mut row))?;
                }
                self.row = row;
            }
        }
        match self.pop()? {
            Some(r) => {
                out.clone_from(&r);
                self.pending = Some(r);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// SQLite's names for the columns of a view, CTE or subquery: a name equal
/// (ignoring ASCII case) to an earlier one gets ":N" appended, N counting up
/// until the name is unique (after dropping a ":digits" suffix it had).
pub fn unique_names(names: &mut [String]) {
    for i in 1..names.len() {
        let clash = |n: &str, upto: &[String]| upto.iter().any(|o| o.eq_ignore_ascii_case(n));
        if !clash(&names[i], &names[..i]) {
            continue;
        }
        let base = match names[i].rfind(':') {
            Some(p) if p + 1 < names[i].len() && names[i][p + 1..].bytes().all(|b| b.is_ascii_digit()) => {
                names[i][..p].to_string()
            }
            _ => names[i].clone(),
        };
        let mut cnt = 1;
        loop {
            let cand = format!("{base}:{cnt}");
            if !clash(&cand, &names[..i]) {
                names[i] = cand;
                break;
            }
            cnt += 1;
        }
    }
}

/// Does `os` name `name` (unqualified) directly in its FROM clause?
fn names_in_from(os: &OneSelect, name: &str) -> bool {
    let OneSelect::Select { from: Some(from), .. } = os else {
        return false;
    };
    let is = |st: &SelectTable| matches!(st, SelectTable::Table(qn, _, _) if qn.db_name.is_none() && name_str(&qn.name).eq_ignore_ascii_case(name));
    from.select.is_some_and(is) || from.joins.as_ref().is_some_and(|js| js.iter().any(|j| is(&j.table)))
}

/// For a recursive CTE body, the index of its first recursive SELECT: the
/// trailing SELECTs naming the CTE in FROM, each after UNION [ALL], with at
/// least one SELECT before them. None = not a recursive CTE.
fn recursive_split(sel: &ast::Select, name: &str) -> Option<usize> {
    let compounds = sel.body.compounds.as_ref()?;
    let n = compounds.len() + 1;
    let part = |i: usize| if i == 0 { &sel.body.select } else { &compounds[i - 1].select };
    let mut k = n;
    while k > 0 && names_in_from(part(k - 1), name) {
        k -= 1;
    }
    if k == n || k == 0 {
        return None;
    }
    let unions =
        compounds[k - 1..].iter().all(|c| matches!(c.operator, CompoundOperator::Union | CompoundOperator::UnionAll));
    unions.then_some(k)
}

/// Token index of the first SELECT or VALUES at parenthesis depth 0 at or
/// after `from` (the main query after a WITH clause).
fn main_select(src: &str, toks: &[Tok], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(from) {
        match t.kind {
            Tk::LParen => depth += 1,
            Tk::RParen => depth = depth.saturating_sub(1),
            _ if depth == 0 && (t.is_kw(src, "select") || t.is_kw(src, "values")) => return Some(k),
            _ => {}
        }
    }
    None
}

fn span_texts(src: &str, toks: &[Tok]) -> Vec<String> {
    result_column_spans(src, toks).into_iter().map(|(a, b)| src[a..b].to_string()).collect()
}

/// Result-column texts of the SELECT that `src` runs (after an optional
/// WITH clause, starting the search at token `from`).
pub fn main_select_texts(src: &str, from: usize) -> Vec<String> {
    let toks = tokenize(src);
    match main_select(src, &toks, from) {
        Some(k) => span_texts(src, &toks[k..]),
        None => Vec::new(),
    }
}

/// The result-column texts of the statement's SELECT after its top-level
/// WITH clause.
pub fn with_texts(src: &str) -> Vec<String> {
    let toks = tokenize(src);
    let Some(w) = toks.iter().position(|t| t.is_kw(src, "with")) else {
        return span_texts(src, &toks);
    };
    let mut k = w + 1;
    // name [(cols)] AS [NOT] [MATERIALIZED] ( body ) [, ...]
    while k < toks.len() {
        let Some(a) = (k..toks.len()).find(|&i| toks[i].is_kw(src, "as") || toks[i].kind == Tk::LParen) else {
            break;
        };
        let mut i = a;
        if toks[i].kind == Tk::LParen {
            // The column list.
            i = matching_paren(&toks, i) + 1;
        }
        while i < toks.len() && toks[i].kind != Tk::LParen {
            i += 1;
        }
        if i >= toks.len() {
            break;
        }
        k = matching_paren(&toks, i) + 1;
        if k < toks.len() && toks[k].kind == Tk::Comma {
            k += 1;
        } else {
            break;
        }
    }
    match main_select(src, &toks, k) {
        Some(s) => span_texts(src, &toks[s..]),
        None => Vec::new(),
    }
}

/// The error a reference to a CTE not compiled yet raises internally.
fn dependency() -> Error {
    Error::internal("CTE dependency")
}

impl Compiler<'_> {
    /// Runs `f` with the CTEs of `with` (if any) visible.
    pub(crate) fn with_scope<T>(
        &mut self,
        with: Option<&ast::With>,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        let Some(w) = with else {
            return f(self);
        };
        let depth = self.with.frames.len();
        let r = self.compile_frame(w).and_then(|()| f(self));
        self.with.frames.truncate(depth);
        r
    }

    /// The same for the WITH prefix of INSERT / UPDATE / DELETE: slot 0
    /// stays for the target row.
    pub(crate) fn with_dml_scope<T>(
        &mut self,
        with: Option<&ast::With>,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        if with.is_some() && self.n_slots == 0 {
            // The CTE bodies compile first and allocate from slot 1 on;
            // the target's allocation, the first after them, gets slot 0.
            self.n_slots = 1;
            return self.with_scope(with, |c| {
                c.with.reserved_slot = Some(0);
                f(c)
            });
        }
        self.with_scope(with, f)
    }

    fn compile_frame(&mut self, w: &ast::With) -> Result<()> {
        let mut ctes: Vec<Cte> = Vec::new();
        for c in w.ctes.iter() {
            let name = name_str(&c.tbl_name);
            if ctes.iter().any(|o| o.name.eq_ignore_ascii_case(&name)) {
                return Err(Error::sql(format!("duplicate WITH table name: {name}")));
            }
            ctes.push(Cte { name, state: CteState::Pending });
        }
        self.with.frames.push(Frame { ctes });
        let fi = self.with.frames.len() - 1;
        // The statement's own result columns are named from its text.
        let saved_top = self.top_texts.take();
        let mut r = Ok(());
        for i in 0..w.ctes.len() {
            r = self.compile_cte(fi, w.ctes, i);
            if r.is_err() {
                break;
            }
        }
        self.top_texts = saved_top;
        r
    }

    /// Compiles CTE `i` of frame `fi` (and, first, those it depends on).
    /// Errors of the CTE itself are kept in its state; Err here only
    /// carries a dependency on an enclosing frame outward.
    fn compile_cte(&mut self, fi: usize, ctes: &[ast::CommonTableExpr], i: usize) -> Result<()> {
        if !matches!(self.with.frames[fi].ctes[i].state, CteState::Pending) {
            return Ok(());
        }
        self.with.frames[fi].ctes[i].state = CteState::Compiling;
        loop {
            let params = self.params.clone();
            let (limit_seen, n_subs) = (self.limit_seen, self.subs.len());
            // A CTE body names its columns as a nested SELECT does.
            self.top_texts = None;
            let r = self.cte_body(fi, i, &ctes[i]);
            self.top_texts = None;
            match self.with.need.take() {
                Some((f, j)) if r.is_err() => {
                    // Undo the attempt, compile the dependency, try again.
                    self.params = params;
                    self.limit_seen = limit_seen;
                    self.subs.truncate(n_subs);
                    self.with.frames[fi].ctes[i].state = CteState::Compiling;
                    if f != fi {
                        self.with.need = Some((f, j));
                        self.with.frames[fi].ctes[i].state = CteState::Pending;
                        return Err(dependency());
                    }
                    self.compile_cte(fi, ctes, j)?;
                }
                _ => {
                    self.with.frames[fi].ctes[i].state = CteState::Done(r);
                    return Ok(());
                }
            }
        }
    }

    fn cte_body(&mut self, fi: usize, i: usize, cte: &ast::CommonTableExpr) -> Result<usize> {
        let name = self.with.frames[fi].ctes[i].name.clone();
        let cols: Option<Vec<String>> = cte.columns.map(|cs| cs.iter().map(|c| name_str(&c.col_name)).collect());
        if let Some(k) = recursive_split(cte.select, &name) {
            return self.recursive_cte(fi, i, cte.select, k, &name, cols.as_deref());
        }
        let (id, _) = self.subquery(cte.select)?;
        let names = &mut self.subs[id].names;
        name_columns(&name, names, cols.as_deref())?;
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    fn recursive_cte(
        &mut self,
        fi: usize,
        i: usize,
        sel: &ast::Select,
        k: usize,
        name: &str,
        cols: Option<&[String]>,
    ) -> Result<usize> {
        if self.select_depth >= super::resolve::MAX_SELECT_DEPTH {
            return Err(Error::sql("parser stack overflow"));
        }
        self.select_depth += 1;
        let r = self.with_scope(sel.with.as_ref(), |c| c.wrapped_sub(|c| c.recursive_plan(fi, i, sel, k, name, cols)));
        self.select_depth -= 1;
        r
    }

    #[allow(clippy::too_many_arguments)]
    fn recursive_plan(
        &mut self,
        fi: usize,
        i: usize,
        sel: &ast::Select,
        k: usize,
        name: &str,
        cols: Option<&[String]>,
    ) -> Result<SelectPlan> {
        let compounds = sel.body.compounds.as_ref().map_or(&[][..], |v| &v[..]);
        let init = self.wrapped_sub(|c| {
            if k == 1 {
                c.one_select(&sel.body.select, None, None)
            } else {
                let (f, r) = c.compound_cores(&sel.body.select, &compounds[..k - 1])?;
                c.finish_compound(f, r, None, None)
            }
        })?;
        let ip = &self.subs[init];
        let mut names = ip.names.clone();
        name_columns(name, &mut names, cols)?;
        let width = names.len();
        let (decltypes, affinities, colls) = (ip.decltypes.clone(), ip.affinities.clone(), ip.colls.clone());
        let first_affinity = ip.first_affinity;
        let queue_slot = self.alloc_slot();
        let queue = SelectPlan {
            values: Some(vec![(0..width).map(|col| CExpr::Col { slot: queue_slot, col }).collect()]),
            names: names.clone(),
            decltypes: decltypes.clone(),
            affinities: affinities.clone(),
            colls: colls.clone(),
            ..Default::default()
        };
        self.subs.push(queue);
        let queue = self.subs.len() - 1;
        let mut steps = Vec::new();
        for cs in &compounds[k - 1..] {
            self.with.frames[fi].ctes[i].state = CteState::Recursive { queue, depth: self.select_depth, direct: 0 };
            let step = self.wrapped_sub(|c| c.one_select(&cs.select, None, None))?;
            let sp = &self.subs[step];
            if sp.agg.is_some() {
                return Err(Error::sql("recursive aggregate queries not supported"));
            }
            if sp.width() != width {
                let op = if cs.operator == CompoundOperator::Union { "UNION" } else { "UNION ALL" };
                return Err(Error::sql(format!(
                    "SELECTs to the left and right of {op} do not have the same number of result columns"
                )));
            }
            steps.push(step);
        }
        self.with.frames[fi].ctes[i].state = CteState::Compiling;
        let (order, _) = result_order(sel.order_by, &names, &colls)?;
        let distinct = compounds[k - 1].operator == CompoundOperator::Union;
        let mut plan = SelectPlan {
            names,
            decltypes,
            affinities,
            first_affinity,
            colls: colls.clone(),
            recursive: Some(Box::new(RecursivePlan { initial: init, steps, distinct, queue_slot, order, colls })),
            ..Default::default()
        };
        self.limit_offset(sel.limit, &mut plan)?;
        Ok(plan)
    }

    /// Compiles a subquery plan with `f` (as `subquery` does for a parsed
    /// SELECT): aggregates and aliases of the enclosing query set aside,
    /// correlation recorded. Returns its index in `subs`.
    pub(crate) fn wrapped_sub(&mut self, f: impl FnOnce(&mut Self) -> Result<SelectPlan>) -> Result<usize> {
        let level = self.scopes.len();
        self.open_subs.push((level, false, None));
        let saved_aggs = self.aggs.take();
        let saved_in = std::mem::replace(&mut self.in_agg, false);
        let saved_forb = self.agg_forbidden.take();
        let saved_alias = std::mem::take(&mut self.aliases);
        let r = f(self);
        self.aggs = saved_aggs;
        self.in_agg = saved_in;
        self.agg_forbidden = saved_forb;
        self.aliases = saved_alias;
        let (_, correlated, outer_max) = self.open_subs.pop().expect("open sub");
        let mut plan = r?;
        plan.correlated = correlated;
        plan.outer_max_slot = outer_max;
        plan.lazy = reads_on_demand(&plan, &self.subs);
        self.subs.push(plan);
        Ok(self.subs.len() - 1)
    }

    /// Is `name` a CTE in scope?
    pub(crate) fn is_cte(&self, name: &str) -> bool {
        self.with.frames.iter().any(|f| f.ctes.iter().any(|c| c.name.eq_ignore_ascii_case(name)))
    }

    /// The subquery plan a FROM reference to CTE `name` reads.
    pub(crate) fn cte_ref(&mut self, name: &str) -> Result<usize> {
        let depth = self.select_depth;
        for fi in (0..self.with.frames.len()).rev() {
            let Some(j) = self.with.frames[fi].ctes.iter().position(|c| c.name.eq_ignore_ascii_case(name)) else {
                continue;
            };
            let cte = &mut self.with.frames[fi].ctes[j];
            return match &mut cte.state {
                CteState::Pending => {
                    self.with.need = Some((fi, j));
                    Err(dependency())
                }
                CteState::Compiling => Err(Error::sql(format!("circular reference: {}", cte.name))),
                CteState::Recursive { queue, depth: d, direct } => {
                    if *d != depth {
                        Err(Error::sql(format!("multiple recursive references: {}", cte.name)))
                    } else if *direct > 0 {
                        Err(Error::sql(format!("multiple references to recursive table: {}", cte.name)))
                    } else {
                        *direct += 1;
                        Ok(*queue)
                    }
                }
                CteState::Done(r) => r.clone(),
            };
        }
        Err(Error::sql(format!("no such table: {name}")))
    }
}

/// Does `plan` read through FROM a subquery produced on demand (a
/// recursive CTE, or a plan reading one)? Then it is produced on demand
/// too, so that a LIMIT outside stops an unbounded recursion inside.
pub(crate) fn reads_on_demand(plan: &SelectPlan, subs: &[SelectPlan]) -> bool {
    let on_demand = |p: &SelectPlan| {
        p.levels.iter().any(|l| {
            matches!(l.access, crate::sql::planner::Access::Sub(id)
                if subs.get(id).is_some_and(|s| s.recursive.is_some() || s.lazy))
        })
    };
    on_demand(plan)
        || plan.compound.as_ref().is_some_and(|c| on_demand(&c.first) || c.rest.iter().any(|(_, p)| on_demand(p)))
}

/// Applies a CTE's or view's column list to the names of its SELECT (or
/// makes the SELECT's own names unique).
pub fn name_columns(name: &str, names: &mut [String], cols: Option<&[String]>) -> Result<()> {
    match cols {
        Some(cols) => {
            if cols.len() != names.len() {
                return Err(Error::sql(format!("table {name} has {} values for {} columns", names.len(), cols.len())));
            }
            names.clone_from_slice(cols);
            unique_names(names);
        }
        None => unique_names(names),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_made_unique() {
        let mut n: Vec<String> = ["a", "A", "a:1", "b"].iter().map(|s| s.to_string()).collect();
        unique_names(&mut n);
        assert_eq!(n, vec!["a", "A:1", "a:2", "b"]);
    }

    #[test]
    fn texts_after_with() {
        let main = with_texts("WITH a(x) AS (SELECT 1+1), b AS MATERIALIZED (SELECT x  *2 FROM a) SELECT x+0 FROM b");
        assert_eq!(main, vec!["x+0"]);
    }
}
