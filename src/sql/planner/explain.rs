//! EXPLAIN QUERY PLAN: the compiled plan as SQLite-shaped rows
//! (id, parent, notused, detail). Each join level is one row in join order
//! ("SCAN t", "SEARCH t USING INDEX i (a=? AND b>?)", "SEARCH t USING
//! INTEGER PRIMARY KEY (rowid=?)", ...); FROM subqueries, subqueries in
//! expressions and compound members are rows whose children are their own
//! plans; buffering steps ("USE TEMP B-TREE FOR ORDER BY") follow the
//! levels. Ids number rows from 1 in output order; `parent` is 0 at the top.

use super::Access;
use crate::sql::dml::InsertSource;
use crate::sql::expr::CExpr;
use crate::sql::prepare::{Compiled, Program};
use crate::sql::select::{Level, SelectPlan, SetOp};
use crate::storage::{Collation, Value};

/// One row of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanRow {
    pub id: i64,
    pub parent: i64,
    pub detail: String,
}

struct Out<'a> {
    rows: Vec<PlanRow>,
    subs: &'a [SelectPlan],
}

impl Out<'_> {
    fn push(&mut self, parent: i64, detail: String) -> i64 {
        let id = self.rows.len() as i64 + 1;
        self.rows.push(PlanRow { id, parent, detail });
        id
    }
}

/// The plan rows of a compiled statement (none for statements without a
/// query, as in SQLite).
pub fn query_plan(program: &Program, subs: &[SelectPlan]) -> Vec<PlanRow> {
    let mut out = Out { rows: Vec::new(), subs };
    match program {
        Program::Select(p) | Program::CreateAs(_, p) => select(&mut out, p, 0),
        Program::Insert(i) => {
            if let InsertSource::Select(p) = &i.source {
                select(&mut out, p, 0);
            }
        }
        Program::Update(u) => select(&mut out, &u.scan, 0),
        Program::Delete(d) if !d.truncate => select(&mut out, &d.scan, 0),
        _ => {}
    }
    out.rows
}

/// `EXPLAIN QUERY PLAN` of the compiled statement `inner`: a statement
/// returning the plan rows (keeping `inner`'s parameters, so binding works
/// as in SQLite).
pub fn plan_statement(inner: Compiled) -> Compiled {
    let lit = CExpr::Lit;
    let rows = query_plan(&inner.program, &inner.subs)
        .into_iter()
        .map(|r| {
            let (id, parent, detail) = (Value::Integer(r.id), Value::Integer(r.parent), Value::Text(r.detail));
            vec![lit(id), lit(parent), lit(Value::Integer(0)), lit(detail)]
        })
        .collect();
    let names: Vec<String> = ["id", "parent", "notused", "detail"].map(String::from).to_vec();
    let plan = SelectPlan {
        values: Some(rows),
        affinities: vec![None; names.len()],
        colls: vec![Collation::Binary; names.len()],
        ..Default::default()
    };
    Compiled {
        program: Program::Select(plan),
        subs: Vec::new(),
        params: inner.params,
        n_slots: 1,
        n_aggs: 0,
        decltypes: vec![None; names.len()],
        names,
        readonly: true,
        single_row: false,
        explain: 2,
        count_rows: None,
    }
}

fn set_op_name(op: SetOp) -> &'static str {
    match op {
        SetOp::UnionAll => "UNION ALL",
        SetOp::Union => "UNION USING TEMP B-TREE",
        SetOp::Except => "EXCEPT USING TEMP B-TREE",
        SetOp::Intersect => "INTERSECT USING TEMP B-TREE",
    }
}

fn select(out: &mut Out, p: &SelectPlan, parent: i64) {
    if let Some(c) = &p.compound {
        let top = out.push(parent, "COMPOUND QUERY".into());
        let first = out.push(top, "LEFT-MOST SUBQUERY".into());
        select(out, &c.first, first);
        for (op, q) in &c.rest {
            let id = out.push(top, set_op_name(*op).into());
            select(out, q, id);
        }
        if p.sort {
            out.push(parent, "USE TEMP B-TREE FOR ORDER BY".into());
        }
        return;
    }
    if let Some(w) = &p.window {
        // As SQLite shows it: one co-routine per window, the first window
        // processed innermost (it reads the base query), each sorting its
        // input by PARTITION BY + ORDER BY.
        fn nest(out: &mut Out, w: &crate::sql::window::WindowPlan, k: usize, parent: i64) {
            let id = out.push(parent, format!("CO-ROUTINE (subquery-{})", w.windows.len() - k + 1));
            if k == 0 {
                select(out, &w.base, id);
            } else {
                nest(out, w, k - 1, id);
                out.push(id, format!("SCAN (subquery-{})", w.windows.len() - k + 2));
            }
            let d = &w.windows[k];
            if !d.partition.is_empty() || !d.order.is_empty() {
                out.push(id, "USE TEMP B-TREE FOR ORDER BY".into());
            }
        }
        if !w.windows.is_empty() {
            nest(out, w, w.windows.len() - 1, parent);
            out.push(parent, "SCAN (subquery-2)".into());
        }
        if p.sort {
            out.push(parent, "USE TEMP B-TREE FOR ORDER BY".into());
        }
        return;
    }
    if let Some(rows) = &p.values {
        let detail =
            if rows.len() == 1 { "SCAN CONSTANT ROW".into() } else { format!("SCAN {} CONSTANT ROWS", rows.len()) };
        out.push(parent, detail);
        return;
    }
    if p.levels.is_empty() {
        out.push(parent, "SCAN CONSTANT ROW".into());
    }
    for l in &p.levels {
        let name = level_name(p, l);
        if let Access::Sub(id) = l.access {
            let m = out.push(parent, format!("MATERIALIZE {name}"));
            if let Some(sp) = out.subs.get(id) {
                select(out, sp, m);
            }
        }
        out.push(parent, level_detail(l, &name));
    }
    // Subqueries in the statement's expressions, in order of appearance.
    let mut seen: Vec<(usize, bool)> = Vec::new();
    let mut note = |e: &CExpr| {
        e.walk(&mut |x| match x {
            CExpr::InSub { sub, .. } if !seen.iter().any(|(s, _)| s == sub) => seen.push((*sub, true)),
            CExpr::Exists { sub, .. } | CExpr::Scalar { sub } if !seen.iter().any(|(s, _)| s == sub) => {
                seen.push((*sub, false))
            }
            _ => {}
        })
    };
    p.pre_filter.iter().for_each(&mut note);
    for l in &p.levels {
        access_exprs(&l.access).into_iter().for_each(&mut note);
        l.on_filters.iter().chain(&l.filters).for_each(&mut note);
    }
    p.result.iter().for_each(&mut note);
    if let Some(a) = &p.agg {
        a.group_by.iter().chain(a.having.iter()).for_each(&mut note);
        a.calls.iter().flat_map(|c| c.args.iter()).for_each(&mut note);
    }
    p.order.iter().map(|k| &k.expr).chain(p.limit.iter()).chain(p.offset.iter()).for_each(&mut note);
    for (sub, list) in seen {
        let Some(sp) = out.subs.get(sub) else { continue };
        let kind = if list { "LIST" } else { "SCALAR" };
        let corr = if sp.correlated { "CORRELATED " } else { "" };
        let id = out.push(parent, format!("{corr}{kind} SUBQUERY {}", sub + 1));
        select(out, sp, id);
    }
    if p.agg.as_ref().is_some_and(|a| !a.group_by.is_empty()) {
        out.push(parent, "USE TEMP B-TREE FOR GROUP BY".into());
    }
    if p.distinct {
        out.push(parent, "USE TEMP B-TREE FOR DISTINCT".into());
    }
    if p.sort {
        out.push(parent, "USE TEMP B-TREE FOR ORDER BY".into());
    }
}

/// The FROM item's name as written (its alias, else the table's name).
fn level_name(p: &SelectPlan, l: &Level) -> String {
    p.aliases.iter().find(|(s, _)| *s == l.slot).map_or_else(|| l.table.name.clone(), |(_, a)| a.clone())
}

fn bound(b: &super::Bound) -> Option<&CExpr> {
    b.as_ref().map(|(e, _)| e)
}

fn access_exprs(a: &Access) -> Vec<&CExpr> {
    match a {
        Access::RowidEq(e) => vec![e],
        Access::RowidIn(list) => list.iter().collect(),
        Access::RowidRange { lo, hi, .. } => bound(lo).into_iter().chain(bound(hi)).collect(),
        Access::Index(acc) => {
            acc.eq.iter().chain(acc.in_list.iter().flatten()).chain(bound(&acc.lo)).chain(bound(&acc.hi)).collect()
        }
        Access::AutoHash { rhs, .. } => vec![rhs],
        Access::Scan { .. } | Access::Sub(_) => Vec::new(),
    }
}

fn level_detail(l: &Level, name: &str) -> String {
    let t = &l.table;
    let col = |c: usize| t.cols.get(c).map_or("?", |c| c.name.as_str());
    let mut d = match &l.access {
        Access::Scan { .. } | Access::Sub(_) => format!("SCAN {name}"),
        Access::RowidEq(_) | Access::RowidIn(_) => format!("SEARCH {name} USING INTEGER PRIMARY KEY (rowid=?)"),
        Access::RowidRange { lo, hi, .. } => {
            let mut parts = Vec::new();
            if lo.is_some() {
                parts.push("rowid>?");
            }
            if hi.is_some() {
                parts.push("rowid<?");
            }
            format!("SEARCH {name} USING INTEGER PRIMARY KEY ({})", parts.join(" AND "))
        }
        Access::Index(acc) => {
            let kind = if acc.covering { "COVERING INDEX" } else { "INDEX" };
            let cols = &acc.index.cols;
            let mut parts: Vec<String> = cols.iter().take(acc.eq.len()).map(|&c| format!("{}=?", col(c))).collect();
            if let Some(&c) = cols.get(acc.eq.len()) {
                if acc.in_list.is_some() {
                    parts.push(format!("{}=?", col(c)));
                }
                if acc.lo.is_some() {
                    parts.push(format!("{}>?", col(c)));
                }
                if acc.hi.is_some() {
                    parts.push(format!("{}<?", col(c)));
                }
            }
            if parts.is_empty() {
                format!("SCAN {name} USING {kind} {}", acc.index.name)
            } else {
                format!("SEARCH {name} USING {kind} {} ({})", acc.index.name, parts.join(" AND "))
            }
        }
        // SQLite's words for a transient index built for this statement; ours
        // is a hash table holding every column read (so, covering).
        Access::AutoHash { col: c, .. } => format!("SEARCH {name} USING AUTOMATIC COVERING INDEX ({}=?)", col(*c)),
    };
    if l.left {
        d += " LEFT-JOIN";
    }
    d
}
