//! Compiling SELECT: FROM (tables and joins), result columns (with SQLite's
//! column names and declared types), WHERE, GROUP BY / HAVING, ORDER BY,
//! DISTINCT, LIMIT / OFFSET, into a [`SelectPlan`]; the access paths of
//! the join levels are chosen by [`crate::sql::planner`].

use crate::error::{Error, Result};
use crate::schema::Table;
use crate::sql::expr::{CExpr, CmpOp};
use crate::sql::planner::{self, Access};
use crate::sql::resolve::{cmp_info, AggCall, Ce, Compiler};
use crate::sql::types::Affinity;
use crate::storage::Collation;
use crate::syntax::lexer::unquote_ident;
use crate::syntax::name_str;
use sqlite3_parser::ast::{self, JoinConstraint, JoinOperator, JoinType, OneSelect, ResultColumn, SelectTable};
use std::sync::Arc;

/// One table of the nested loop.
#[derive(Debug)]
pub struct Level {
    pub slot: usize,
    /// Columns the statement reads from this table (empty = all).
    pub needed: Vec<bool>,
    /// The statement reads this table's rowid.
    pub rowid_needed: bool,
    pub table: Arc<Table>,
    pub access: Access,
    /// LEFT JOIN: ON terms decide whether a row matches; a NULL row is
    /// produced when none does.
    pub left: bool,
    pub on_filters: Vec<CExpr>,
    /// WHERE terms whose last referenced table is this one.
    pub filters: Vec<CExpr>,
}

#[derive(Debug, Clone)]
pub struct SortKey {
    pub expr: CExpr,
    pub desc: bool,
    pub coll: Collation,
}

#[derive(Debug)]
pub struct AggPlan {
    pub group_by: Vec<CExpr>,
    pub group_colls: Vec<Collation>,
    pub calls: Vec<AggCall>,
    pub having: Option<CExpr>,
    /// Column references outside aggregates: (slot, column; None = rowid),
    /// restored from the group's snapshot row before output.
    pub bare: Vec<(usize, Option<usize>)>,
    /// With exactly one min()/max(), bare columns come from its row:
    /// (index in `calls`, is max).
    pub minmax: Option<(usize, bool)>,
}

/// Set operators between SELECTs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOp {
    UnionAll,
    Union,
    Except,
    Intersect,
}

/// A compound SELECT: its first core and the (operator, core) pairs after it.
#[derive(Debug)]
pub struct Compound {
    pub first: SelectPlan,
    pub rest: Vec<(SetOp, SelectPlan)>,
    /// SQLite merges sorted sides (ORDER BY without COLLATE) rather than
    /// filling a temporary index: this decides which of equal rows survives.
    pub merge: bool,
}

#[derive(Debug, Default)]
pub struct SelectPlan {
    /// Set when this plan combines several SELECTs; `order` keys are then
    /// result column ordinals (literal integers).
    pub compound: Option<Box<Compound>>,
    pub levels: Vec<Level>,
    /// Terms referencing no table of this SELECT: checked once per run.
    pub pre_filter: Vec<CExpr>,
    pub result: Vec<CExpr>,
    pub agg: Option<AggPlan>,
    pub order: Vec<SortKey>,
    /// ORDER BY is not already satisfied by the access path.
    pub sort: bool,
    pub distinct: bool,
    pub limit: Option<CExpr>,
    pub offset: Option<CExpr>,
    /// References tables of an enclosing query (re-run per outer row).
    pub correlated: bool,
    /// Highest outer slot referenced (for placing the enclosing WHERE term).
    pub outer_max_slot: Option<usize>,
    /// Rows of a VALUES clause (instead of levels).
    pub values: Option<Vec<Vec<CExpr>>>,
    pub first_affinity: Option<Affinity>,
    /// Affinity of every result column (None = expression without one).
    pub affinities: Vec<Option<Affinity>>,
    /// Collation of every result column (for DISTINCT).
    pub colls: Vec<Collation>,
    /// The collation each result column carries into a compound SELECT:
    /// None for an expression without one (a literal), Some(BINARY) for a
    /// column without a declared collation. A compound column takes the
    /// leftmost Some.
    pub carried_colls: Vec<Option<Collation>>,
    /// Result column names and declared types (as SQLite reports them).
    pub names: Vec<String>,
    pub decltypes: Vec<Option<String>>,
    /// Each FROM item's name as written (alias, else table name) by slot,
    /// for EXPLAIN QUERY PLAN.
    pub aliases: Vec<(usize, String)>,
    /// Window functions: `levels`, `pre_filter` and `agg` live in the
    /// window plan's base; this plan's result and ORDER BY read its rows.
    pub window: Option<Box<crate::sql::window::WindowPlan>>,
    /// A recursive CTE: produced by its own operator (no levels).
    pub recursive: Option<Box<crate::sql::cte::RecursivePlan>>,
    /// Read by a FROM item row by row as needed rather than run to its
    /// end first: it reads a recursive CTE, which may never end.
    pub lazy: bool,
}

impl SelectPlan {
    /// Number of result columns.
    pub fn width(&self) -> usize {
        if self.recursive.is_some() {
            return self.names.len();
        }
        match &self.values {
            Some(v) => v.first().map_or(0, |r| r.len()),
            None => match &self.compound {
                Some(c) => c.first.width(),
                None => self.result.len(),
            },
        }
    }
}

/// Records in every level of `plan` (and its compound parts) which columns
/// are read, and marks index accesses that need no table row.
pub fn set_needed(plan: &mut SelectPlan, refs: &std::collections::HashSet<(usize, usize)>) {
    for l in plan.levels.iter_mut() {
        let n = l.table.cols.len();
        let mut needed = vec![false; n];
        for &(s, c) in refs {
            if s == l.slot && c < n {
                needed[c] = true;
            }
        }
        if let Access::Index(acc) = &mut l.access {
            acc.covering = needed.iter().enumerate().all(|(c, &need)| !need || acc.index.cols.contains(&c));
        }
        l.rowid_needed = refs.contains(&(l.slot, crate::sql::resolve::ROWID_REF))
            || l.table.ipk.is_some_and(|i| needed.get(i).copied().unwrap_or(false));
        l.needed = if needed.iter().all(|&x| x) { Vec::new() } else { needed };
    }
    if let Some(w) = &mut plan.window {
        set_needed(&mut w.base, refs);
    }
    if let Some(c) = &mut plan.compound {
        set_needed(&mut c.first, refs);
        for (_, p) in c.rest.iter_mut() {
            set_needed(p, refs);
        }
    }
}

/// Splits an AND tree into its terms.
pub fn conjuncts(e: CExpr, out: &mut Vec<CExpr>) {
    match e {
        CExpr::And(a, b) => {
            conjuncts(*a, out);
            conjuncts(*b, out);
        }
        other => out.push(other),
    }
}

fn strip_parens<'b>(e: &'b ast::Expr<'b>) -> &'b ast::Expr<'b> {
    match e {
        ast::Expr::Parenthesized(v) if v.len() == 1 => strip_parens(&v[0]),
        e => e,
    }
}

pub(crate) struct FromItem {
    pub slot: usize,
    pub table: Arc<Table>,
    pub left: bool,
    pub on: Vec<CExpr>,
    /// Joined with CROSS JOIN: stays after every item to its left.
    pub cross: bool,
    /// A subquery in FROM (index into the statement's subqueries).
    pub sub: Option<usize>,
}

/// A table standing for the rows of a FROM subquery.
pub(crate) fn subquery_table(name: &str, plan: &SelectPlan) -> Table {
    let mut names = plan.names.clone();
    crate::sql::cte::unique_names(&mut names);
    let cols = names
        .iter()
        .enumerate()
        .map(|(i, n)| crate::schema::Column {
            name: n.clone(),
            decltype: plan.decltypes.get(i).cloned().flatten(),
            affinity: plan.affinities.get(i).copied().flatten().unwrap_or(Affinity::Blob),
            notnull: None,
            default: None,
            default_text: None,
            coll: plan.colls.get(i).copied().unwrap_or(Collation::Binary),
            pk: 0,
            no_affinity: plan.affinities.get(i).copied().flatten().is_none(),
        })
        .collect();
    Table {
        name: name.to_string(),
        root: 0,
        cols,
        ipk: None,
        ipk_conflict: None,
        autoinc: false,
        indexes: Vec::new(),
        checks: Vec::new(),
        sql: None,
        is_schema: false,
        schema_rowid: 0,
    }
}

impl Compiler<'_> {
    /// Compiles a whole SELECT statement (or subquery).
    pub fn select(&mut self, sel: &ast::Select) -> Result<SelectPlan> {
        if self.select_depth >= super::resolve::MAX_SELECT_DEPTH {
            return Err(Error::sql("parser stack overflow"));
        }
        self.select_depth += 1;
        let r = self.nested(|c| c.select_at_depth(sel));
        self.select_depth -= 1;
        r
    }

    fn select_at_depth(&mut self, sel: &ast::Select) -> Result<SelectPlan> {
        self.with_scope(sel.with.as_ref(), |c| {
            let Some(compounds) = &sel.body.compounds else {
                return c.one_select(&sel.body.select, sel.order_by, sel.limit);
            };
            c.compound(sel, compounds)
        })
    }

    pub(crate) fn one_select(
        &mut self,
        os: &OneSelect,
        order_by: Option<&[ast::SortedColumn]>,
        limit: Option<&ast::Limit>,
    ) -> Result<SelectPlan> {
        match os {
            OneSelect::Values(rows) => self.values_select(rows, order_by, limit),
            OneSelect::Select { distinctness, columns, from, where_clause, group_by, having, window_clause } => {
                self.scopes.push(Vec::new());
                let r = self.select_core(
                    matches!(distinctness, Some(ast::Distinctness::Distinct)),
                    columns,
                    from.as_ref(),
                    *where_clause,
                    *group_by,
                    *having,
                    order_by,
                    limit,
                    *window_clause,
                );
                self.scopes.pop();
                r
            }
        }
    }

    fn values_select(
        &mut self,
        rows: &[sqlite3_parser::Vec<ast::Expr>],
        order_by: Option<&[ast::SortedColumn]>,
        limit: Option<&ast::Limit>,
    ) -> Result<SelectPlan> {
        let width = rows.first().map_or(0, |r| r.len());
        let mut out = Vec::new();
        for r in rows {
            if r.len() != width {
                return Err(Error::sql("all VALUES must have the same number of terms"));
            }
            let mut row = Vec::new();
            for e in r.iter() {
                row.push(self.expr(e)?.e);
            }
            out.push(row);
        }
        let mut plan = SelectPlan {
            names: (1..=width).map(|i| format!("column{i}")).collect(),
            decltypes: vec![None; width],
            affinities: vec![None; width],
            colls: vec![Collation::Binary; width],
            values: Some(out),
            ..Default::default()
        };
        if order_by.is_some() {
            return Err(Error::sql("ORDER BY on VALUES is not supported yet"));
        }
        self.limit_offset(limit, &mut plan)?;
        Ok(plan)
    }

    pub(crate) fn limit_offset(&mut self, limit: Option<&ast::Limit>, plan: &mut SelectPlan) -> Result<()> {
        if let Some(l) = limit {
            let at = self.limit_commas.get(self.limit_seen).copied().unwrap_or(false);
            let comma = self.with.source.limit_comma(&l.expr).unwrap_or(at);
            self.limit_seen += 1;
            let saved = self.aggs.take();
            let r = (|| -> Result<()> {
                let first = self.expr(&l.expr)?.e;
                let second = match &l.offset {
                    Some(o) => Some(self.expr(o)?.e),
                    None => None,
                };
                match (comma, second) {
                    (true, Some(count)) => {
                        plan.limit = Some(count);
                        plan.offset = Some(first);
                    }
                    (_, second) => {
                        plan.limit = Some(first);
                        plan.offset = second;
                    }
                }
                Ok(())
            })();
            self.aggs = saved;
            r?;
        }
        Ok(())
    }

    pub(crate) fn join_sources(&mut self, from: &ast::FromClause) -> Result<Vec<FromItem>> {
        let mut items: Vec<FromItem> = Vec::new();
        let mut all: Vec<(&SelectTable, Option<&JoinOperator>, Option<&JoinConstraint>)> = Vec::new();
        if let Some(first) = from.select {
            all.push((first, None, None));
        }
        if let Some(joins) = &from.joins {
            for j in joins.iter() {
                all.push((&j.table, Some(&j.operator), j.constraint.as_ref()));
            }
        }
        for (st, op, cons) in all {
            let mut sub = None;
            let mut cte = false;
            let (table, alias) = match st {
                SelectTable::Table(qn, alias, _) if self.is_named_source(qn) => {
                    cte = qn.db_name.is_none() && self.is_cte(&name_str(&qn.name));
                    let id = self.named_source(qn)?;
                    if self.subs[id].correlated {
                        return Err(Error::sql("correlated subqueries in FROM are not supported"));
                    }
                    let alias = match alias {
                        Some(ast::As::As(n)) | Some(ast::As::Elided(n)) => name_str(n),
                        None => name_str(&qn.name),
                    };
                    sub = Some(id);
                    (Arc::new(subquery_table(&alias, &self.subs[id])), alias)
                }
                SelectTable::Table(qn, alias, _) => {
                    if let Some(db) = &qn.db_name {
                        let db = name_str(db);
                        if !db.eq_ignore_ascii_case("main") {
                            return Err(Error::sql(format!("no such table: {db}.{}", name_str(&qn.name))));
                        }
                    }
                    let tname = name_str(&qn.name);
                    let t = self
                        .catalog()?
                        .table(&tname)
                        .cloned()
                        .ok_or_else(|| Error::sql(format!("no such table: {tname}")))?;
                    let alias = match alias {
                        Some(ast::As::As(n)) | Some(ast::As::Elided(n)) => name_str(n),
                        None => {
                            if t.is_schema {
                                tname.clone()
                            } else {
                                t.name.clone()
                            }
                        }
                    };
                    (t, alias)
                }
                SelectTable::TableCall(..) => return Err(Error::sql("table-valued functions are not supported yet")),
                SelectTable::Select(sel, alias) => {
                    let (id, _) = self.subquery(sel)?;
                    if self.subs[id].correlated {
                        return Err(Error::sql("correlated subqueries in FROM are not supported"));
                    }
                    let alias = match alias {
                        Some(ast::As::As(n)) | Some(ast::As::Elided(n)) => name_str(n),
                        None => format!("(subquery-{})", id + 1),
                    };
                    sub = Some(id);
                    (Arc::new(subquery_table(&alias, &self.subs[id])), alias)
                }
                SelectTable::Sub(..) => return Err(Error::sql("parenthesized joins are not supported yet")),
            };
            let mut left = false;
            let mut natural = false;
            let mut cross = false;
            if let Some(JoinOperator::TypedJoin(Some(jt))) = op {
                if jt.contains(JoinType::RIGHT) {
                    return Err(Error::sql("RIGHT and FULL OUTER JOINs are not supported yet"));
                }
                left = jt.contains(JoinType::LEFT);
                cross = jt.contains(JoinType::CROSS);
                natural = jt.contains(JoinType::NATURAL);
            }
            let slot = self.alloc_slot();
            if cte {
                self.with.cte_slots.push(slot);
            }
            self.push_scope_table(table.clone(), slot, &alias);
            let mut on = Vec::new();
            // USING / NATURAL: equate with the leftmost earlier table having the column.
            let mut using: Vec<String> = Vec::new();
            if natural {
                for c in &table.cols {
                    if items.iter().any(|it| it.table.col_index(&c.name).is_some()) {
                        using.push(c.name.clone());
                    }
                }
            }
            match cons {
                Some(JoinConstraint::Using(names)) => {
                    for n in names.iter() {
                        using.push(name_str(n));
                    }
                }
                Some(JoinConstraint::On(e)) => {
                    let c = self.expr(e)?;
                    conjuncts(c.e, &mut on);
                }
                None => {}
            }
            for cname in using {
                let Some(rci) = table.col_index(&cname) else {
                    return Err(Error::sql(format!(
                        "cannot join using column {cname} - column not present in both tables"
                    )));
                };
                let Some(li) = items.iter().position(|it| it.table.col_index(&cname).is_some()) else {
                    return Err(Error::sql(format!(
                        "cannot join using column {cname} - column not present in both tables"
                    )));
                };
                let lt = &items[li];
                let lci = lt.table.col_index(&cname).expect("checked");
                let lce = col_ce(&lt.table, lt.slot, lci);
                let rce = col_ce(&table, slot, rci);
                self.col_refs.insert((lt.slot, lci));
                self.col_refs.insert((slot, rci));
                let info = cmp_info(&lce, &rce);
                on.push(CExpr::Cmp(CmpOp::Eq, Box::new(lce.e), Box::new(rce.e), info));
                let scope = self.scopes.last_mut().expect("scope");
                scope.last_mut().expect("table").hidden.push(rci);
            }
            items.push(FromItem { slot, table, left, on, cross, sub });
        }
        Ok(items)
    }

    #[allow(clippy::too_many_arguments)]
    fn select_core(
        &mut self,
        distinct: bool,
        columns: &[ResultColumn],
        from: Option<&ast::FromClause>,
        where_clause: Option<&ast::Expr>,
        group_by: Option<&[ast::Expr]>,
        having: Option<&ast::Expr>,
        order_by: Option<&[ast::SortedColumn]>,
        limit: Option<&ast::Limit>,
        window_clause: Option<&[ast::WindowDef]>,
    ) -> Result<SelectPlan> {
        let top_texts = self.top_texts.take();
        let naming = self.core_naming(top_texts.is_some());
        let base_slot = self.n_slots;
        // Window functions are collected from the result columns and ORDER BY only.
        let outer_windows = self.windows.take();
        let items = match from {
            Some(f) => self.join_sources(f)?,
            None => Vec::new(),
        };
        // Result columns (aggregates collected).
        let saved_aggs = self.aggs.replace(Vec::new());
        let mut result = Vec::new();
        let mut names = Vec::new();
        let mut decltypes = Vec::new();
        let mut first_aff = None;
        let mut affinities = Vec::new();
        let mut colls = Vec::new();
        let mut carried_colls = Vec::new();
        let mut aliases: Vec<(String, Ce)> = Vec::new();
        let mut text_i = 0;
        self.windows = Some(Default::default());
        for rc in columns {
            match rc {
                ResultColumn::Star | ResultColumn::TableStar(_) => {
                    text_i += 1;
                    let want = match rc {
                        ResultColumn::TableStar(n) => Some(name_str(n)),
                        _ => None,
                    };
                    let scope = self.scopes.last().expect("scope").clone();
                    if scope.is_empty() {
                        return Err(Error::sql("no tables specified"));
                    }
                    let mut any = false;
                    for st in &scope {
                        if let Some(w) = &want {
                            if !st.alias.eq_ignore_ascii_case(w) {
                                continue;
                            }
                        }
                        any = true;
                        for (ci, c) in st.table.cols.iter().enumerate() {
                            if want.is_none() && st.hidden.contains(&ci) {
                                continue;
                            }
                            // `*` names each column as alias.column: a second FROM item
                            // with the same alias and column makes that name ambiguous.
                            let same = |o: &&crate::sql::resolve::ScopeTable| {
                                o.slot != st.slot
                                    && o.alias.eq_ignore_ascii_case(&st.alias)
                                    && o.table.cols.iter().enumerate().any(|(oi, oc)| {
                                        !o.hidden.contains(&oi) && oc.name.eq_ignore_ascii_case(&c.name)
                                    })
                            };
                            if !st.hidden.contains(&ci) && scope.iter().any(|o| same(&o)) {
                                let db = if st.table.root == 0 { "*" } else { "main" };
                                return Err(Error::sql(format!("ambiguous column name: {db}.{}.{}", st.alias, c.name)));
                            }
                            let ce = col_ce(&st.table, st.slot, ci);
                            self.col_refs.insert((st.slot, ci));
                            if result.is_empty() {
                                first_aff = ce.aff;
                            }
                            affinities.push(ce.aff);
                            colls.push(ce.coll.unwrap_or(Collation::Binary));
                            carried_colls.push(ce.coll);
                            result.push(ce.e);
                            names.push(c.name.clone());
                            decltypes.push(c.decltype.clone());
                        }
                    }
                    if !any {
                        return Err(Error::sql(format!("no such table: {}", want.unwrap_or_default())));
                    }
                }
                ResultColumn::Expr(e, alias) => {
                    let ce = self.expr(e)?;
                    let text = top_texts.as_ref().and_then(|t| t.get(text_i)).cloned();
                    text_i += 1;
                    let name = match alias {
                        Some(ast::As::As(n)) | Some(ast::As::Elided(n)) => name_str(n),
                        None => self.unaliased_name(naming, e, &ce.e, text, (text_i - 1, columns.len())),
                    };
                    let decl = column_decl(&ce.e, self);
                    if let Some(ast::As::As(n)) | Some(ast::As::Elided(n)) = alias {
                        aliases.push((name_str(n), ce.clone()));
                    }
                    if result.is_empty() {
                        first_aff = ce.aff;
                    }
                    affinities.push(ce.aff);
                    colls.push(ce.coll.unwrap_or(Collation::Binary));
                    carried_colls.push(ce.coll);
                    result.push(ce.e);
                    names.push(name);
                    decltypes.push(decl);
                }
            }
        }
        let windows = self.windows.take();
        let n_result_windows = windows.as_ref().map_or(0, |w| w.len());
        // WHERE: no aggregates.
        let mut where_terms = Vec::new();
        let mut result_aggs = self.aggs.take().unwrap_or_default();
        self.aliases = aliases.clone();
        if let Some(w) = where_clause {
            let c = self.expr(w)?;
            conjuncts(c.e, &mut where_terms);
        }
        // GROUP BY.
        self.aggs = Some(Vec::new());
        self.agg_forbidden = Some("aggregate functions are not allowed in the GROUP BY clause");
        let mut gb = Vec::new();
        let mut gb_colls = Vec::new();
        if let Some(g) = group_by {
            for e in g {
                let ce = match e {
                    ast::Expr::Literal(ast::Literal::Numeric(s)) if s.parse::<usize>().is_ok() => {
                        let k: usize = s.parse().unwrap_or(0);
                        if k == 0 || k > result.len() {
                            let r = Err(Error::sql(format!(
                                "{} GROUP BY term out of range - should be between 1 and {}",
                                ordinal(self.ordinal_hint(e, g)),
                                result.len()
                            )));
                            self.agg_forbidden = None;
                            return r;
                        }
                        Ce { coll: colls.get(k - 1).copied(), ..Ce::plain(result[k - 1].clone()) }
                    }
                    _ => match self.expr(e) {
                        Ok(c) => c,
                        Err(err) => {
                            self.agg_forbidden = None;
                            return Err(err);
                        }
                    },
                };
                gb_colls.push(ce.coll.unwrap_or(Collation::Binary));
                gb.push(ce.e);
            }
        }
        self.agg_forbidden = None;
        // HAVING and ORDER BY may hold aggregates.
        self.aggs = Some(std::mem::take(&mut result_aggs));
        let having_c = match having {
            Some(h) => Some(self.expr(h)?.e),
            None => None,
        };
        let mut order = Vec::new();
        let early = where_terms.iter().chain(gb.iter()).chain(having_c.iter());
        crate::sql::window::check_aliased(windows.as_ref(), &aliases, early)?;
        self.windows = windows;
        if let Some(ob) = order_by {
            for (i, sc) in ob.iter().enumerate() {
                let desc = sc.order == Some(ast::SortOrder::Desc);
                let (e, coll_over) = match &sc.expr {
                    ast::Expr::Collate(inner, c) => (&**inner, Some(crate::syntax::collation_by_name(c)?)),
                    e => (e, None),
                };
                let key = match strip_parens(e) {
                    ast::Expr::Literal(ast::Literal::Numeric(s)) if s.parse::<i64>().is_ok() => {
                        let k: i64 = s.parse().unwrap_or(0);
                        if k < 1 || k as usize > result.len() {
                            return Err(Error::sql(format!(
                                "{} ORDER BY term out of range - should be between 1 and {}",
                                ordinal(i + 1),
                                result.len()
                            )));
                        }
                        let ex = result[k as usize - 1].clone();
                        // The result column's collation (declared or explicit).
                        let coll = colls.get(k as usize - 1).copied().unwrap_or_else(|| expr_coll(&ex, self));
                        (ex, coll)
                    }
                    ast::Expr::Id(id) if aliases.iter().any(|(a, _)| a.eq_ignore_ascii_case(&unquote_ident(id.0))) => {
                        let n = unquote_ident(id.0);
                        let ce = aliases.iter().find(|(a, _)| a.eq_ignore_ascii_case(&n)).map(|(_, c)| c.clone());
                        let ce = ce.expect("alias");
                        (ce.e, ce.coll.unwrap_or(Collation::Binary))
                    }
                    _ => {
                        let ce = self.expr(e)?;
                        (ce.e, ce.coll.unwrap_or(Collation::Binary))
                    }
                };
                order.push(SortKey { expr: key.0, desc, coll: coll_over.unwrap_or(key.1) });
            }
        }
        let win = match self.windows.take() {
            Some(w) if !w.is_empty() => {
                let keys: Vec<&CExpr> = order.iter().map(|k| &k.expr).collect();
                Some(self.finish_windows(w, window_clause, n_result_windows, &keys)?)
            }
            _ => None,
        };
        self.windows = outer_windows;
        let all_aggs = self.aggs.take().unwrap_or_default();
        self.aggs = saved_aggs;
        self.aliases.clear();
        let is_agg = !all_aggs.is_empty() || group_by.is_some();
        if having_c.is_some() && !is_agg {
            return Err(Error::sql("HAVING clause on a non-aggregate query"));
        }
        let mut plan = SelectPlan {
            result,
            order,
            distinct,
            names,
            decltypes,
            first_affinity: first_aff,
            affinities,
            colls,
            carried_colls,
            ..Default::default()
        };
        self.limit_offset(limit, &mut plan)?;
        if is_agg {
            let mut bare = Vec::new();
            let mut note = |e: &CExpr| match e {
                CExpr::Col { slot, col } if *slot >= base_slot && !bare.contains(&(*slot, Some(*col))) => {
                    bare.push((*slot, Some(*col)));
                }
                CExpr::Rowid { slot } if *slot >= base_slot && !bare.contains(&(*slot, None)) => {
                    bare.push((*slot, None));
                }
                _ => {}
            };
            let win_inputs = win.iter().flat_map(|w| w.inputs.iter());
            for e in
                plan.result.iter().chain(plan.order.iter().map(|k| &k.expr)).chain(having_c.iter()).chain(win_inputs)
            {
                e.walk(&mut note);
            }
            let mm: Vec<(usize, bool)> = all_aggs
                .iter()
                .enumerate()
                .filter(|(_, c)| (c.name == "min" || c.name == "max") && c.args.len() == 1)
                .map(|(i, c)| (i, c.name == "max"))
                .collect();
            plan.agg = Some(AggPlan {
                group_by: gb,
                group_colls: gb_colls,
                calls: all_aggs,
                having: having_c,
                bare,
                minmax: if mm.len() == 1 { Some(mm[0]) } else { None },
            });
        }
        // Order the levels, place the terms and choose access paths.
        let mut levels: Vec<Level> = Vec::new();
        let mut cross = Vec::new();
        let mut terms = Vec::new();
        for it in items {
            cross.push(it.cross);
            let mut on_filters = Vec::new();
            if it.left {
                on_filters = it.on;
            } else {
                terms.extend(it.on);
            }
            levels.push(Level {
                slot: it.slot,
                needed: Vec::new(),
                rowid_needed: true,
                table: it.table,
                access: match it.sub {
                    Some(id) => Access::Sub(id),
                    None => Access::Scan { desc: false },
                },
                left: it.left,
                on_filters,
                filters: Vec::new(),
            });
        }
        terms.extend(where_terms);
        // With windows the base loop's order is not the output order.
        let access_order = if win.is_some() { &[][..] } else { &plan.order[..] };
        let (pre, sort_free) =
            planner::plan_joins(&mut levels, terms, &cross, access_order, plan.agg.is_some(), &self.subs, base_slot)?;
        plan.pre_filter = pre;
        plan.sort = !plan.order.is_empty() && (win.is_some() || !sort_free);
        plan.levels = levels;
        let scope = self.scopes.last().map(|s| s.as_slice()).unwrap_or_default();
        plan.aliases = scope.iter().filter(|st| st.slot >= base_slot).map(|st| (st.slot, st.alias.clone())).collect();
        if let Some(w) = win {
            crate::sql::window::attach(&mut plan, w, &self.col_refs);
        }
        Ok(plan)
    }

    fn ordinal_hint(&self, e: &ast::Expr, g: &[ast::Expr]) -> usize {
        g.iter().position(|x| std::ptr::eq(x, e)).map_or(1, |p| p + 1)
    }
}

/// Highest slot referenced by `e`, including references made by the
/// subqueries it contains to enclosing queries.
pub fn max_slot_deep(e: &CExpr, subs: &[SelectPlan]) -> Option<usize> {
    let mut m: Option<usize> = None;
    let mut bump = |s: usize| m = Some(m.map_or(s, |x: usize| x.max(s)));
    e.walk(&mut |x| match x {
        CExpr::Col { slot, .. } | CExpr::Rowid { slot } => bump(*slot),
        CExpr::InSub { sub, .. } | CExpr::Exists { sub, .. } | CExpr::Scalar { sub } => {
            if let Some(s) = subs.get(*sub).and_then(|p| p.outer_max_slot) {
                bump(s)
            }
        }
        _ => {}
    });
    m
}

fn col_ce(t: &Table, slot: usize, ci: usize) -> Ce {
    let c = &t.cols[ci];
    if Some(ci) == t.ipk {
        return Ce { e: CExpr::Rowid { slot }, aff: Some(Affinity::Integer), coll: Some(c.coll), explicit: false };
    }
    let aff = if c.no_affinity { None } else { Some(c.affinity) };
    Ce { e: CExpr::Col { slot, col: ci }, aff, coll: Some(c.coll), explicit: false }
}

fn slot_table<'c>(c: &'c Compiler, slot: usize) -> Option<&'c Arc<Table>> {
    c.scopes.iter().flatten().find(|st| st.slot == slot).map(|st| &st.table)
}

pub(crate) fn column_name(e: &CExpr, c: &Compiler) -> Option<String> {
    match e {
        CExpr::Col { slot, col } => slot_table(c, *slot).map(|t| t.cols[*col].name.clone()),
        CExpr::Rowid { slot } => slot_table(c, *slot).map(|t| t.ipk.map_or("rowid".into(), |i| t.cols[i].name.clone())),
        _ => None,
    }
}

fn column_decl(e: &CExpr, c: &Compiler) -> Option<String> {
    match e {
        CExpr::Col { slot, col } => slot_table(c, *slot).and_then(|t| t.cols[*col].decltype.clone()),
        CExpr::Rowid { slot } => slot_table(c, *slot).and_then(|t| t.ipk.and_then(|i| t.cols[i].decltype.clone())),
        _ => None,
    }
}

fn expr_coll(e: &CExpr, c: &Compiler) -> Collation {
    match e {
        CExpr::Col { slot, col } => slot_table(c, *slot).map_or(Collation::Binary, |t| t.cols[*col].coll),
        _ => Collation::Binary,
    }
}

/// "1st", "2nd", "3rd", "4th", ...
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, x) if x != 11 => "st",
        (2, x) if x != 12 => "nd",
        (3, x) if x != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
