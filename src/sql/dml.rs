//! INSERT, UPDATE and DELETE: compilation to plans (this file, with the
//! ON CONFLICT clauses in `upsert.rs` and RETURNING in `returning.rs`) and
//! their execution (`run.rs`). The target table's row always lives in slot
//! 0 (where CHECK constraints and RETURNING read it). UPDATE and DELETE
//! collect the target rowids first, then modify, so a statement never sees
//! its own changes.

mod from;
mod returning;
mod rowcount;
mod run;
mod upsert;

pub use from::{Tail, UpdateFrom};
pub use returning::Returning;
pub use rowcount::{RowCounts, Slot, Stamp};
pub use run::{
    insert_without_statement_journal, run_delete, run_insert, run_update, update_loaded_row, without_statement_journal,
    RowBufs,
};
pub use upsert::UpsertClause;

use crate::error::{Error, Result};
use crate::schema::conflict_of;
use crate::schema::{Conflict, Table};
use crate::sql::expr::CExpr;
use crate::sql::planner;
use crate::sql::resolve::Compiler;
use crate::sql::select::{conjuncts, max_slot_deep, Level, SelectPlan};
use crate::sql::trigger::Triggers;
use crate::syntax::name_str;
use sqlite3_parser::ast::{self, InsertBody, OneSelect, QualifiedName, ResultColumn};
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
    /// ON CONFLICT clauses in order (empty = none).
    pub upserts: Vec<UpsertClause>,
    /// Slot of the `excluded` row the DO UPDATE clauses read.
    pub excluded_slot: usize,
    /// `sqlite_sequence` when the table is AUTOINCREMENT.
    pub seq_table: Option<Arc<Table>>,
    pub returning: Option<Returning>,
    /// Trigger programs fired per row (compiled by `sql::trigger`).
    pub triggers: Triggers,
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
    pub returning: Option<Returning>,
    /// UPDATE ... FROM: `scan` joins the FROM items and produces each
    /// target rowid then the SET values (see `from.rs`).
    pub from: Option<UpdateFrom>,
    pub triggers: Triggers,
}

#[derive(Debug)]
pub struct DeletePlan {
    pub table: Arc<Table>,
    pub scan: SelectPlan,
    /// No WHERE (and no RETURNING): clear the table and its indexes wholesale.
    pub truncate: bool,
    pub returning: Option<Returning>,
    pub triggers: Triggers,
}

pub(crate) fn target_table(c: &Compiler, qn: &QualifiedName) -> Result<Arc<Table>> {
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

/// A single-level scan of `t` in slot 0 filtered by `where_clause`; for a
/// view written through INSTEAD OF triggers, of its rows (subquery `view_sub`).
fn target_scan(
    c: &mut Compiler,
    t: &Arc<Table>,
    where_clause: Option<&ast::Expr>,
    view_sub: Option<usize>,
) -> Result<SelectPlan> {
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
    if let Some(id) = view_sub {
        level.access = planner::Access::Sub(id);
    }
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
        returning: Option<&[ResultColumn]>,
        text: &str,
    ) -> Result<InsertPlan> {
        let (t, _) = self.dml_target(tbl_name, true)?;
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
            InsertBody::Select(sel, _) => {
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
        let excluded_slot = self.alloc_slot();
        let upserts = match body {
            InsertBody::Select(_, Some(up)) => {
                let alias = tbl_name.alias.as_ref().map_or(t.name.clone(), name_str);
                self.upserts(&t, &alias, up, excluded_slot)?
            }
            _ => Vec::new(),
        };
        let returning = self.dml_returning(&t, returning, text)?;
        let seq_table = if t.autoinc {
            Some(
                self.catalog()?
                    .table("sqlite_sequence")
                    .cloned()
                    .ok_or_else(|| Error::corrupt("AUTOINCREMENT table without sqlite_sequence"))?,
            )
        } else {
            None
        };
        let calls_function = self.calls_function;
        Ok(InsertPlan {
            table: t,
            source,
            col_map,
            rowid_src,
            conflict: conflict_of(or_conflict),
            calls_function,
            upserts,
            excluded_slot,
            seq_table,
            returning,
            triggers: Triggers::default(),
        })
    }

    pub fn update(
        &mut self,
        or_conflict: Option<ast::ResolveType>,
        tbl_name: &QualifiedName,
        sets: &[ast::Set],
        where_clause: Option<&ast::Expr>,
        returning: Option<&[ResultColumn]>,
        text: &str,
    ) -> Result<UpdatePlan> {
        let (t, view_sub) = self.dml_target(tbl_name, false)?;
        let alias = tbl_name.alias.as_ref().map_or(t.name.clone(), name_str);
        self.push_scope_table(t.clone(), 0, &alias);
        let csets = self.set_list(&t, sets)?;
        let scan = target_scan(self, &t, where_clause, view_sub)?;
        let returning = self.dml_returning(&t, returning, text)?;
        let calls_function = self.calls_function;
        Ok(UpdatePlan {
            table: t,
            scan,
            sets: csets,
            conflict: conflict_of(or_conflict),
            calls_function,
            returning,
            from: None,
            triggers: Triggers::default(),
        })
    }

    /// Compiles SET assignments against the table in scope: (column, None =
    /// the rowid) := expression, the last assignment of a column winning.
    pub(crate) fn set_list(&mut self, t: &Table, sets: &[ast::Set]) -> Result<Vec<(Option<usize>, CExpr)>> {
        let mut csets: Vec<(Option<usize>, CExpr)> = Vec::new();
        let saved = self.aggs.take();
        let r = (|| {
            for s in sets {
                if s.col_names.len() != 1 {
                    return Err(Error::sql("row value assignments are not supported yet"));
                }
                let cname = name_str(&s.col_names[0]);
                let col = match t.col_index(&cname) {
                    Some(ci) if Some(ci) == t.ipk => None,
                    Some(ci) => Some(ci),
                    None if ["rowid", "oid", "_rowid_"].iter().any(|r| r.eq_ignore_ascii_case(&cname)) => None,
                    None => return Err(Error::sql(format!("no such column: {cname}"))),
                };
                let e = self.expr(&s.expr)?.e;
                // SET a = X, a = Y: only the last assignment counts (X is
                // compiled, so still checked, but never evaluated).
                csets.retain(|(c, _)| *c != col);
                csets.push((col, e));
            }
            Ok(())
        })();
        self.aggs = saved;
        r.map(|_| csets)
    }

    pub fn delete(
        &mut self,
        tbl_name: &QualifiedName,
        where_clause: Option<&ast::Expr>,
        returning: Option<&[ResultColumn]>,
        text: &str,
    ) -> Result<DeletePlan> {
        let (t, view_sub) = self.dml_target(tbl_name, false)?;
        let alias = tbl_name.alias.as_ref().map_or(t.name.clone(), name_str);
        self.push_scope_table(t.clone(), 0, &alias);
        let scan = target_scan(self, &t, where_clause, view_sub)?;
        let returning = self.dml_returning(&t, returning, text)?;
        Ok(DeletePlan {
            table: t,
            truncate: where_clause.is_none() && returning.is_none(),
            scan,
            returning,
            triggers: Triggers::default(),
        })
    }
}
