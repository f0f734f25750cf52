//! Compiling one statement's text into a [`Compiled`] program: the parser's
//! AST is translated into owned plans (names resolved, access paths chosen)
//! and dropped; stepping never re-plans.

use crate::error::{Error, Result};
use crate::pragma::{self, PragmaPlan};
use crate::schema::trigger::TriggerOp;
use crate::schema::{Catalog, Table};
use crate::sql::ddl::{compile_ddl, Ddl};
use crate::sql::dml::{DeletePlan, InsertPlan, InsertSource, Tail, UpdatePlan};
use crate::sql::expr::CExpr;
use crate::sql::planner::Access;
use crate::sql::resolve::{Compiler, Params};
use crate::sql::select::{set_needed, SelectPlan};
use crate::syntax::lexer::{result_column_spans, tokenize};
use crate::syntax::with_parsed;
use sqlite3_parser::ast::{Stmt, TransactionType};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeginKind {
    Deferred,
    Immediate,
    Exclusive,
}

#[derive(Debug)]
pub enum Program {
    Select(SelectPlan),
    Insert(InsertPlan),
    Update(UpdatePlan),
    Delete(DeletePlan),
    Ddl(Ddl),
    /// CREATE TABLE ... AS SELECT: the table to create and the rows' query.
    CreateAs(Ddl, SelectPlan),
    Begin(BeginKind),
    Commit,
    Rollback,
    Savepoint(String),
    Release(String),
    RollbackTo(String),
    Pragma(PragmaPlan),
}

/// A statement compiled against one catalog.
#[derive(Debug)]
pub struct Compiled {
    pub program: Program,
    pub subs: Vec<SelectPlan>,
    pub params: Params,
    pub n_slots: usize,
    pub n_aggs: usize,
    pub names: Vec<String>,
    pub decltypes: Vec<Option<String>>,
    pub readonly: bool,
    /// An INSERT/UPDATE/DELETE of at most one row whose constraint checks
    /// all precede its writes and which cannot REPLACE other rows.
    pub single_row: bool,
    /// 2 for EXPLAIN QUERY PLAN, else 0 (`sqlvibe_stmt_isexplain`).
    pub explain: u8,
    /// `SELECT count(*) FROM t` exactly: answered from t's stored row
    /// count when it has one (`schema::quota`), else by running the plan.
    pub count_rows: Option<Arc<Table>>,
}

/// The table of a `SELECT count(*) FROM t` (no WHERE, GROUP BY, HAVING,
/// ORDER BY, LIMIT, DISTINCT, join, view or subquery), whose answer is
/// the table's stored row count.
fn count_rows_table(p: &SelectPlan) -> Option<Arc<Table>> {
    let [level] = p.levels.as_slice() else { return None };
    let agg = p.agg.as_ref()?;
    let [call] = agg.calls.as_slice() else { return None };
    let plain = p.compound.is_none()
        && p.window.is_none()
        && p.recursive.is_none()
        && p.values.is_none()
        && p.pre_filter.is_empty()
        && p.order.is_empty()
        && !p.distinct
        && p.limit.is_none()
        && p.offset.is_none()
        && matches!(level.access, Access::Scan { .. })
        && level.filters.is_empty()
        && level.on_filters.is_empty()
        && agg.group_by.is_empty()
        && agg.having.is_none()
        && agg.bare.is_empty();
    let count_star = call.name == "count" && call.args.is_empty() && !call.distinct;
    let result_is_count = matches!(p.result.as_slice(), [CExpr::Agg(i)] if *i == call.id);
    (plain && count_star && result_is_count && crate::schema::quota::is_tracked(&level.table))
        .then(|| level.table.clone())
}

/// Can the write statement run without a statement journal?
fn single_row_write(p: &Program) -> bool {
    use crate::schema::Conflict;
    let no_replace = |t: &Table, conf: Option<Conflict>| {
        conf != Some(Conflict::Replace)
            && (conf.is_some() || t.ipk_conflict != Some(Conflict::Replace))
            && (conf.is_some() || t.indexes.iter().all(|i| i.conflict != Some(Conflict::Replace)))
            && (conf.is_some() || t.cols.iter().all(|c| c.notnull != Some(Conflict::Replace)))
    };
    let one_row_scan = |s: &SelectPlan| s.levels.len() == 1 && matches!(s.levels[0].access, Access::RowidEq(_));
    match p {
        Program::Insert(i) => {
            let one = match &i.source {
                InsertSource::Values(rows) => rows.len() == 1,
                InsertSource::Defaults => true,
                InsertSource::Select(_) => false,
            };
            one && no_replace(&i.table, i.conflict) && i.returning.is_none() && i.triggers.is_empty()
        }
        Program::Update(u) => {
            one_row_scan(&u.scan) && no_replace(&u.table, u.conflict) && u.returning.is_none() && u.triggers.is_empty()
        }
        Program::Delete(d) => !d.truncate && one_row_scan(&d.scan) && d.returning.is_none() && d.triggers.is_empty(),
        _ => false,
    }
}

/// PRAGMAs that only change the memory budget.
const BUDGET_PRAGMAS: [&str; 4] = ["cache_size", "cache_memory", "max_memory", "memory_limit_mode"];

/// Statements that neither read nor depend on the schema: transaction
/// control and the memory-budget PRAGMAs. They compile and run without
/// loading it, so ROLLBACK and a bigger budget work when a HARD memory
/// limit leaves no room to read the schema (SQLITE_NOMEM everywhere else).
pub fn schema_free(text: &str) -> bool {
    let toks = tokenize(text);
    let Some(first) = toks.first() else { return false };
    if ["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"].iter().any(|k| first.is_kw(text, k)) {
        return true;
    }
    if !first.is_kw(text, "PRAGMA") {
        return false;
    }
    // PRAGMA [main.]name ...
    let name = match toks.get(2) {
        Some(t) if t.kind == crate::syntax::lexer::Tk::Dot && toks[1].is_kw(text, "main") => toks.get(3),
        _ => toks.get(1),
    };
    name.is_some_and(|n| BUDGET_PRAGMAS.iter().any(|k| n.is_kw(text, k)))
}

/// Compiles the single statement `text` against `cat`. `EXPLAIN QUERY
/// PLAN stmt` compiles `stmt` and returns its plan as constant rows
/// (id, parent, notused, detail).
pub fn compile(text: &str, cat: &Catalog) -> Result<Compiled> {
    let toks = tokenize(text);
    let eqp = toks.len() >= 3
        && toks[0].is_kw(text, "EXPLAIN")
        && toks[1].is_kw(text, "QUERY")
        && toks[2].is_kw(text, "PLAN");
    if !eqp {
        return compile_one(text, cat);
    }
    let body = toks.get(3).map_or(text.len(), |t| t.start);
    Ok(crate::sql::planner::explain::plan_statement(compile_one(&text[body..], cat)?))
}

fn compile_one(text: &str, cat: &Catalog) -> Result<Compiled> {
    with_parsed(text, |stmt| {
        let mut c = Compiler::new(Some(cat));
        c.with.source = crate::sql::colnames::SourceSpans::new(text);
        c.limit_commas = crate::syntax::lexer::limit_commas(text, &tokenize(text));
        let mut names = Vec::new();
        let mut decltypes = Vec::new();
        let mut readonly = false;
        let program = match stmt {
            Stmt::Select(sel) => {
                if sel.with.is_some() {
                    c.top_texts = Some(crate::sql::cte::with_texts(text));
                } else {
                    let toks = tokenize(text);
                    c.top_texts = Some(
                        result_column_spans(text, &toks).into_iter().map(|(a, b)| text[a..b].to_string()).collect(),
                    );
                }
                let mut plan = c.select(sel)?;
                names = std::mem::take(&mut plan.names);
                decltypes = std::mem::take(&mut plan.decltypes);
                readonly = true;
                Program::Select(plan)
            }
            Stmt::Insert { with, or_conflict, tbl_name, columns, body, returning } => {
                crate::sql::view::check_writable(cat, tbl_name, TriggerOp::Insert)?;
                let p = c.with_dml_scope(with.as_ref(), |c| {
                    c.insert(*or_conflict, tbl_name, columns.as_ref(), body, *returning, text)
                })?;
                if let Some(r) = &p.returning {
                    (names, decltypes) = (r.names.clone(), r.decltypes.clone());
                }
                Program::Insert(p)
            }
            Stmt::Update {
                with,
                or_conflict,
                tbl_name,
                indexed,
                sets,
                from,
                where_clause,
                returning,
                order_by,
                limit,
            } => {
                let _ = indexed;
                crate::sql::view::check_writable(cat, tbl_name, TriggerOp::Update)?;
                let tail = Tail { order_by: *order_by, limit: *limit };
                let p = c.with_dml_scope(with.as_ref(), |c| match (from, order_by, limit) {
                    (None, None, None) => {
                        c.update(*or_conflict, tbl_name, sets, where_clause.as_ref(), *returning, text)
                    }
                    _ => c.update_widened(
                        *or_conflict,
                        tbl_name,
                        sets,
                        from.as_ref(),
                        where_clause.as_ref(),
                        *returning,
                        tail,
                        text,
                    ),
                })?;
                if let Some(r) = &p.returning {
                    (names, decltypes) = (r.names.clone(), r.decltypes.clone());
                }
                Program::Update(p)
            }
            Stmt::Delete { with, tbl_name, indexed, where_clause, returning, order_by, limit } => {
                let _ = indexed;
                crate::sql::view::check_writable(cat, tbl_name, TriggerOp::Delete)?;
                let tail = Tail { order_by: *order_by, limit: *limit };
                let p = c.with_dml_scope(with.as_ref(), |c| match (order_by, limit) {
                    (None, None) => c.delete(tbl_name, where_clause.as_ref(), *returning, text),
                    _ => c.delete_widened(tbl_name, where_clause.as_ref(), *returning, tail, text),
                })?;
                if let Some(r) = &p.returning {
                    (names, decltypes) = (r.names.clone(), r.decltypes.clone());
                }
                Program::Delete(p)
            }
            Stmt::CreateTable { body: sqlite3_parser::ast::CreateTableBody::AsSelect(sel), .. } => {
                c.top_texts = Some(crate::sql::cte::with_texts(text));
                c.with.resolved_names = true;
                let mut plan = c.select(sel)?;
                crate::sql::cte::unique_names(&mut plan.names);
                let ddl = compile_ddl(stmt, text, cat, Some(&plan))?;
                Program::CreateAs(ddl, plan)
            }
            Stmt::CreateTable { .. } | Stmt::CreateIndex { .. } | Stmt::DropTable { .. } | Stmt::DropIndex { .. } => {
                Program::Ddl(compile_ddl(stmt, text, cat, None)?)
            }
            Stmt::Begin(kind, _) => {
                readonly = true;
                Program::Begin(match kind {
                    Some(TransactionType::Immediate) => BeginKind::Immediate,
                    Some(TransactionType::Exclusive) => BeginKind::Exclusive,
                    _ => BeginKind::Deferred,
                })
            }
            Stmt::Commit(_) => {
                readonly = true;
                Program::Commit
            }
            Stmt::Rollback { savepoint_name: None, .. } => {
                readonly = true;
                Program::Rollback
            }
            Stmt::Pragma(name, body) => {
                let plan = pragma::compile(name, body.as_ref())?;
                names = plan.columns().iter().map(|s| s.to_string()).collect();
                decltypes = vec![None; names.len()];
                readonly = !plan.writes();
                Program::Pragma(plan)
            }
            Stmt::Rollback { savepoint_name: Some(n), .. } => {
                readonly = true;
                Program::RollbackTo(crate::syntax::name_str(n))
            }
            Stmt::Savepoint(n) => {
                readonly = true;
                Program::Savepoint(crate::syntax::name_str(n))
            }
            Stmt::Release(n) => {
                readonly = true;
                Program::Release(crate::syntax::name_str(n))
            }
            Stmt::CreateView { .. } | Stmt::DropView { .. } => {
                Program::Ddl(Ddl::View(crate::sql::view::compile_view_ddl(stmt, text, cat)?))
            }
            Stmt::CreateTrigger { .. } | Stmt::DropTrigger { .. } => {
                Program::Ddl(Ddl::Trigger(crate::sql::trigger::compile_trigger_ddl(stmt, text, cat)?))
            }
            Stmt::AlterTable(..) | Stmt::Reindex { .. } => {
                let d = compile_ddl(stmt, text, cat, None)?;
                names = crate::sql::ddl::result_names(&d);
                decltypes = vec![None; names.len()];
                Program::Ddl(d)
            }
            Stmt::CreateVirtualTable { .. } => return Err(Error::sql("virtual tables are not supported")),
            Stmt::Attach { .. } | Stmt::Detach(_) => return Err(Error::sql("ATTACH is not supported yet")),
            Stmt::Analyze(_) | Stmt::Vacuum(..) => return Err(Error::sql("ANALYZE/VACUUM are not supported yet")),
        };
        let mut program = program;
        let refs = std::mem::take(&mut c.col_refs);
        for s in c.subs.iter_mut() {
            set_needed(s, &refs);
        }
        match &mut program {
            Program::Select(p) | Program::CreateAs(_, p) => set_needed(p, &refs),
            Program::Insert(InsertPlan { source: InsertSource::Select(p), .. }) => set_needed(p, &refs),
            Program::Update(UpdatePlan { scan, .. }) | Program::Delete(DeletePlan { scan, .. }) => {
                set_needed(scan, &refs);
                // The target's rowids are what the scan collects.
                for l in scan.levels.iter_mut() {
                    l.rowid_needed = true;
                }
            }
            _ => {}
        }
        // The trigger programs the statement fires, compiled now.
        let mut chain = crate::sql::trigger::Chain::default();
        match &mut program {
            Program::Insert(p) => crate::sql::trigger::insert_triggers(cat, p, &mut chain)?,
            Program::Update(p) => crate::sql::trigger::update_triggers(cat, p, &mut chain)?,
            Program::Delete(p) => crate::sql::trigger::delete_triggers(cat, p, &mut chain)?,
            _ => {}
        }
        let single_row = single_row_write(&program);
        let count_rows = match &program {
            Program::Select(p) => count_rows_table(p),
            _ => None,
        };
        Ok(Compiled {
            single_row,
            count_rows,
            explain: 0,
            program,
            subs: std::mem::take(&mut c.subs),
            params: std::mem::take(&mut c.params),
            n_slots: c.n_slots.max(1),
            n_aggs: c.n_aggs,
            names,
            decltypes,
            readonly,
        })
    })
}
