//! INSERT, UPDATE and DELETE: compilation to plans and their execution.
//! The target table's row always lives in slot 0 (where CHECK constraints
//! read it). UPDATE and DELETE collect the target rowids first, then modify,
//! so a statement never sees its own changes.

use crate::error::{Error, Result};
use crate::schema::{Conflict, Table};
use crate::sql::ast_util::{conflict_of, name_str};
use crate::sql::exec::SelectRun;
use crate::sql::expr::{eval, CExpr, Rt};
use crate::sql::planner;
use crate::sql::resolve::Compiler;
use crate::sql::select::{conjuncts, max_slot_deep, Level, SelectPlan};
use crate::sql::types;
use crate::sql::write::{delete_row, read_row, rowid_of, write_row, Env, Outcome};
use crate::storage::{btree, Value};
use sqlite3_parser::ast::{self, InsertBody, OneSelect, QualifiedName};
use std::sync::Arc;

#[derive(Debug)]
pub enum InsertSource {
    Values(Vec<Vec<CExpr>>),
    Select(Box<SelectPlan>),
    Defaults,
}

#[derive(Debug)]
pub struct InsertPlan {
    pub table: Arc<Table>,
    pub source: InsertSource,
    /// For each table column, the source value feeding it (None = default).
    pub col_map: Vec<Option<usize>>,
    /// Source value giving the rowid explicitly (a `rowid` column in the list).
    pub rowid_src: Option<usize>,
    pub conflict: Option<Conflict>,
    /// The statement calls a function (see [`without_statement_journal`]).
    pub calls_function: bool,
}

#[derive(Debug)]
pub struct UpdatePlan {
    pub table: Arc<Table>,
    /// Scan of the target (slot 0) with the WHERE terms.
    pub scan: SelectPlan,
    /// (column, None = the rowid itself) := expression.
    pub sets: Vec<(Option<usize>, CExpr)>,
    pub conflict: Option<Conflict>,
    /// The statement calls a function (see [`without_statement_journal`]).
    pub calls_function: bool,
}

#[derive(Debug)]
pub struct DeletePlan {
    pub table: Arc<Table>,
    pub scan: SelectPlan,
    /// No WHERE: clear the table and its indexes wholesale.
    pub truncate: bool,
}

fn target_table(c: &Compiler, qn: &QualifiedName) -> Result<Arc<Table>> {
    if let Some(db) = &qn.db_name {
        let db = name_str(db);
        if !db.eq_ignore_ascii_case("main") {
            return Err(Error::sql(format!("no such table: {db}.{}", name_str(&qn.name))));
        }
    }
    let name = name_str(&qn.name);
    let t = c.catalog()?.table(&name).cloned().ok_or_else(|| Error::sql(format!("no such table: {name}")))?;
    if t.is_schema {
        return Err(Error::sql(format!("table {name} may not be modified")));
    }
    Ok(t)
}

/// A single-level scan of `t` in slot 0 filtered by `where_clause`.
fn target_scan(c: &mut Compiler, t: &Arc<Table>, alias: &str, where_clause: Option<&ast::Expr>) -> Result<SelectPlan> {
    let mut terms = Vec::new();
    if let Some(w) = where_clause {
        let saved = c.aggs.take();
        let r = c.expr(w);
        c.aggs = saved;
        conjuncts(r?.e, &mut terms);
    }
    let mut level = Level {
        slot: 0,
        needed: Vec::new(),
        rowid_needed: true,
        table: t.clone(),
        access: planner::Access::Scan { desc: false },
        left: false,
        on_filters: Vec::new(),
        filters: Vec::new(),
    };
    let mut pre = Vec::new();
    for term in terms {
        if max_slot_deep(&term, &c.subs).is_some() {
            level.filters.push(term);
        } else {
            pre.push(term);
        }
    }
    let _ = alias;
    let mut levels = vec![level];
    planner::choose_access(&mut levels, &[], false, &c.subs);
    Ok(SelectPlan { levels, pre_filter: pre, ..Default::default() })
}

impl Compiler<'_> {
    pub fn insert(
        &mut self,
        or_conflict: Option<ast::ResolveType>,
        tbl_name: &QualifiedName,
        columns: Option<&ast::DistinctNames>,
        body: &InsertBody,
    ) -> Result<InsertPlan> {
        let t = target_table(self, tbl_name)?;
        let slot0 = self.alloc_slot();
        debug_assert_eq!(slot0, 0);
        let ncols = t.cols.len();
        // Which source position feeds each column.
        let mut col_map: Vec<Option<usize>> = vec![None; ncols];
        let mut rowid_src = None;
        let width = match columns {
            Some(names) => {
                for (k, n) in names.iter().enumerate() {
                    let cname = name_str(n);
                    match t.col_index(&cname) {
                        Some(ci) => col_map[ci] = Some(k),
                        None if ["rowid", "oid", "_rowid_"].iter().any(|r| r.eq_ignore_ascii_case(&cname)) => {
                            rowid_src = Some(k)
                        }
                        None => return Err(Error::sql(format!("table {} has no column named {cname}", t.name))),
                    }
                }
                Some(names.len())
            }
            None => {
                for (ci, m) in col_map.iter_mut().enumerate() {
                    *m = Some(ci);
                }
                None
            }
        };
        let check_width = |n: usize| -> Result<()> {
            match width {
                Some(w) if w != n => Err(Error::sql(format!("{n} values for {w} columns"))),
                None if n != ncols => {
                    Err(Error::sql(format!("table {} has {ncols} columns but {n} values were supplied", t.name)))
                }
                _ => Ok(()),
            }
        };
        let source = match body {
            InsertBody::DefaultValues => InsertSource::Defaults,
            InsertBody::Select(sel, upsert) => {
                if upsert.is_some() {
                    return Err(Error::sql("UPSERT is not supported yet"));
                }
                match (&sel.body.select, &sel.body.compounds, sel.order_by, sel.limit, &sel.with) {
                    (OneSelect::Values(rows), None, None, None, None) => {
                        let mut out = Vec::with_capacity(rows.len());
                        let w0 = rows.first().map_or(0, |r| r.len());
                        for r in rows.iter() {
                            if r.len() != w0 {
                                return Err(Error::sql("all VALUES must have the same number of terms"));
                            }
                        }
                        check_width(w0)?;
                        let saved = self.aggs.take();
                        for r in rows.iter() {
                            let mut row = Vec::with_capacity(r.len());
                            for e in r.iter() {
                                row.push(self.expr(e)?.e);
                            }
                            out.push(row);
                        }
                        self.aggs = saved;
                        InsertSource::Values(out)
                    }
                    _ => {
                        let plan = self.select(sel)?;
                        let n = plan.width();
                        check_width(n)?;
                        InsertSource::Select(Box::new(plan))
                    }
                }
            }
        };
        let calls_function = self.calls_function;
        Ok(InsertPlan { table: t, source, col_map, rowid_src, conflict: conflict_of(or_conflict), calls_function })
    }

    pub fn update(
        &mut self,
        or_conflict: Option<ast::ResolveType>,
        tbl_name: &QualifiedName,
        sets: &[ast::Set],
        where_clause: Option<&ast::Expr>,
    ) -> Result<UpdatePlan> {
        let t = target_table(self, tbl_name)?;
        let slot0 = self.alloc_slot();
        debug_assert_eq!(slot0, 0);
        let alias = tbl_name.alias.as_ref().map_or(t.name.clone(), name_str);
        self.push_scope_table(t.clone(), 0, &alias);
        let mut csets = Vec::new();
        let saved = self.aggs.take();
        for s in sets {
            if s.col_names.len() != 1 {
                self.aggs = saved;
                return Err(Error::sql("row value assignments are not supported yet"));
            }
            let cname = name_str(&s.col_names[0]);
            let col = match t.col_index(&cname) {
                Some(ci) if Some(ci) == t.ipk => None,
                Some(ci) => Some(ci),
                None if ["rowid", "oid", "_rowid_"].iter().any(|r| r.eq_ignore_ascii_case(&cname)) => None,
                None => {
                    self.aggs = saved;
                    return Err(Error::sql(format!("no such column: {cname}")));
                }
            };
            let e = match self.expr(&s.expr) {
                Ok(c) => c.e,
                Err(e) => {
                    self.aggs = saved;
                    return Err(e);
                }
            };
            // SET a = X, a = Y: only the last assignment counts (X is
            // compiled, so still checked, but never evaluated).
            csets.retain(|(c, _)| *c != col);
            csets.push((col, e));
        }
        self.aggs = saved;
        let scan = target_scan(self, &t, &alias, where_clause)?;
        let calls_function = self.calls_function;
        Ok(UpdatePlan { table: t, scan, sets: csets, conflict: conflict_of(or_conflict), calls_function })
    }

    pub fn delete(&mut self, tbl_name: &QualifiedName, where_clause: Option<&ast::Expr>) -> Result<DeletePlan> {
        let t = target_table(self, tbl_name)?;
        let slot0 = self.alloc_slot();
        debug_assert_eq!(slot0, 0);
        let alias = tbl_name.alias.as_ref().map_or(t.name.clone(), name_str);
        self.push_scope_table(t.clone(), 0, &alias);
        let scan = target_scan(self, &t, &alias, where_clause)?;
        Ok(DeletePlan { table: t, truncate: where_clause.is_none(), scan })
    }
}

/// Runs an INSERT; returns the number of rows written.
/// True when SQLite runs an INSERT/UPDATE with this statement-level
/// conflict clause on `t` without a statement journal: no constraint can
/// ABORT it (OR IGNORE / OR FAIL; OR REPLACE unless a CHECK or NOT NULL
/// constraint turns REPLACE into ABORT) and it calls no function (its own,
/// a column DEFAULT's or a CHECK constraint's). Inside an explicit
/// transaction, a run-time error (such as a datatype mismatch) in such a
/// statement leaves the rows it already wrote in place.
pub fn without_statement_journal(conflict: Option<Conflict>, t: &Table, calls_function: bool) -> bool {
    let calls = |e: &CExpr| {
        let mut f = false;
        e.walk(&mut |x| f |= matches!(x, CExpr::Func { .. }));
        f
    };
    let default_calls =
        || t.cols.iter().filter_map(|c| c.default.as_ref()).any(calls) || t.checks.iter().any(|c| calls(&c.expr));
    if calls_function || default_calls() {
        return false;
    }
    match conflict {
        Some(Conflict::Ignore | Conflict::Fail) => true,
        Some(Conflict::Replace) => {
            t.checks.is_empty() && t.cols.iter().enumerate().all(|(i, c)| Some(i) == t.ipk || c.notnull.is_none())
        }
        _ => false,
    }
}

pub fn run_insert(p: &InsertPlan, env: &mut Env, rt: &mut Rt) -> Result<i64> {
    let t = &p.table;
    let mut count = 0;
    let mut src: Vec<Value> = Vec::new();
    let mut vals: Vec<Value> = Vec::with_capacity(t.cols.len());
    // INSERT ... SELECT reads everything before writing anything.
    let selected: Option<Vec<Vec<Value>>> = match &p.source {
        InsertSource::Select(plan) => {
            let mut run = SelectRun::new(plan);
            let mut rows = Vec::new();
            let mut row = Vec::new();
            let mut cx = env.cx();
            while run.next(plan, rt, &mut cx, &mut row)? {
                rows.push(std::mem::take(&mut row));
            }
            Some(rows)
        }
        _ => None,
    };
    let nrows = match (&p.source, &selected) {
        (InsertSource::Values(rows), _) => rows.len(),
        (_, Some(rows)) => rows.len(),
        _ => 1,
    };
    for r in 0..nrows {
        env.cx().check_interrupt()?;
        src.clear();
        match (&p.source, &selected) {
            (InsertSource::Values(rows), _) => {
                let mut cx = env.cx();
                for e in &rows[r] {
                    src.push(eval(e, rt, &mut cx)?);
                }
            }
            (_, Some(rows)) => src.extend_from_slice(&rows[r]),
            _ => {}
        }
        vals.clear();
        for (ci, c) in t.cols.iter().enumerate() {
            let v = match p.col_map[ci] {
                Some(k) if k < src.len() => std::mem::replace(&mut src[k], Value::Null),
                // An omitted INTEGER PRIMARY KEY gets a new rowid: its
                // DEFAULT is never used.
                _ if Some(ci) == t.ipk => Value::Null,
                _ => match &c.default {
                    Some(d) => eval(d, rt, &mut env.cx())?,
                    None => Value::Null,
                },
            };
            vals.push(types::apply_affinity(v, c.affinity));
        }
        let explicit = match (t.ipk, p.rowid_src) {
            (_, Some(k)) if k < src.len() => rowid_of(&src[k])?,
            (Some(i), _) => rowid_of(&vals[i])?,
            _ => None,
        };
        if let Outcome::Written(rowid) = write_row(env, rt, t, &mut vals, explicit, None, p.conflict)? {
            env.vars.last_insert_rowid = rowid;
            count += 1;
            env.written = count;
        }
    }
    Ok(count)
}

/// Collects the rowids a scan selects.
fn collect_rowids(scan: &SelectPlan, env: &mut Env, rt: &mut Rt) -> Result<Vec<i64>> {
    let mut run = SelectRun::new(scan);
    let mut ids = Vec::new();
    let mut row = Vec::new();
    let mut cx = env.cx();
    while run.next(scan, rt, &mut cx, &mut row)? {
        ids.push(rt.slots[0].rowid);
    }
    Ok(ids)
}

/// The one rowid a `rowid = expr` scan selects, with the full row loaded
/// into slot 0 and the other WHERE terms checked (one lookup, not two).
fn rowid_eq_target(scan: &SelectPlan, t: &Table, env: &mut Env, rt: &mut Rt) -> Result<Option<Vec<i64>>> {
    let [level] = scan.levels.as_slice() else { return Ok(None) };
    let crate::sql::planner::Access::RowidEq(e) = &level.access else { return Ok(None) };
    let v = {
        let mut cx = env.cx();
        for f in &scan.pre_filter {
            if !crate::sql::expr::eval_bool(f, rt, &mut cx)? {
                return Ok(Some(Vec::new()));
            }
        }
        eval(e, rt, &mut cx)?
    };
    let Some(rowid) = crate::sql::exec::value_to_rowid(&v) else { return Ok(Some(Vec::new())) };
    if !read_row(env, rt, t, rowid, 0)? {
        return Ok(Some(Vec::new()));
    }
    let mut cx = env.cx();
    for f in &level.filters {
        if !crate::sql::expr::eval_bool(f, rt, &mut cx)? {
            return Ok(Some(Vec::new()));
        }
    }
    Ok(Some(vec![rowid]))
}

pub fn run_update(p: &UpdatePlan, env: &mut Env, rt: &mut Rt) -> Result<i64> {
    let t = &p.table;
    // A single-row target is already loaded in slot 0.
    let (ids, loaded) = match rowid_eq_target(&p.scan, t, env, rt)? {
        Some(ids) => (ids, true),
        None => (collect_rowids(&p.scan, env, rt)?, false),
    };
    let mut count = 0;
    let mut newv: Vec<Value> = Vec::new();
    let mut oldv: Vec<Value> = Vec::new();
    let mut setv: Vec<Value> = Vec::with_capacity(p.sets.len());
    for old in ids {
        env.cx().check_interrupt()?;
        if !loaded && !read_row(env, rt, t, old, 0)? {
            continue;
        }
        // Every SET expression sees the old row.
        setv.clear();
        {
            let mut cx = env.cx();
            for (_, e) in &p.sets {
                setv.push(eval(e, rt, &mut cx)?);
            }
        }
        newv.clear();
        newv.extend_from_slice(&rt.slots[0].vals);
        oldv.clear();
        oldv.extend_from_slice(&rt.slots[0].vals);
        let mut rowid = old;
        for ((col, _), v) in p.sets.iter().zip(setv.drain(..)) {
            match col {
                Some(ci) => newv[*ci] = types::apply_affinity(v, t.cols[*ci].affinity),
                None => match rowid_of(&v)? {
                    Some(r) => rowid = r,
                    None => return Err(Error::new(crate::error::ErrorKind::Mismatch, "datatype mismatch")),
                },
            }
        }
        if let Some(i) = t.ipk {
            newv[i] = Value::Integer(rowid);
        }
        if let Outcome::Written(_) = write_row(env, rt, t, &mut newv, Some(rowid), Some((old, &oldv)), p.conflict)? {
            count += 1;
            env.written = count;
        }
    }
    Ok(count)
}

pub fn run_delete(p: &DeletePlan, env: &mut Env, rt: &mut Rt) -> Result<i64> {
    let t = &p.table;
    if p.truncate {
        let n = btree::count_entries(env.txn, t.root)? as i64;
        btree::clear_btree(env.txn, t.root)?;
        for idx in &t.indexes {
            btree::clear_btree(env.txn, idx.root)?;
        }
        return Ok(n);
    }
    let ids = collect_rowids(&p.scan, env, rt)?;
    let mut count = 0;
    for id in ids {
        env.cx().check_interrupt()?;
        if delete_row(env, t, id)? {
            count += 1;
            env.written = count;
        }
    }
    Ok(count)
}
