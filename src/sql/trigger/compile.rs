//! Compiling the trigger programs a write statement fires: for each
//! trigger on the target, its WHEN clause and body statements, each in a
//! compiler of its own whose NEW / OLD references resolve to dedicated row
//! slots ([`TrigScope`]). Body statements that write get their own
//! triggers compiled the same way, minus every trigger already on the
//! chain (recursive triggers are off).

use super::{Step, TriggerProgram, Triggers, Unit};
use crate::error::{Error, Result};
use crate::schema::conflict_of;
use crate::schema::trigger::{TriggerOp, TriggerTime};
use crate::schema::{Catalog, Conflict, Table, Trigger};
use crate::sql::dml::{DeletePlan, InsertPlan, InsertSource, UpdatePlan};
use crate::sql::expr::CExpr;
use crate::sql::resolve::{Ce, Compiler, ROWID_REF};
use crate::sql::select::set_needed;
use crate::sql::types::Affinity;
use crate::storage::Value;
use crate::syntax::lexer::{limit_commas, tokenize};
use crate::syntax::with_parsed;
use sqlite3_parser::ast::{self, InsertBody, Stmt, TriggerCmd};
use std::sync::Arc;

/// Trigger programs compiled for one statement at most (a fan-out of
/// triggers firing triggers grows fast; SQLite shares programs instead).
const MAX_PROGRAMS: usize = 10_000;

/// Deepest nesting of triggers fired by triggers. SQLite allows 1000
/// (SQLITE_MAX_TRIGGER_DEPTH, its trigger frames live on the heap); here
/// each level costs several kilobytes of native stack when compiled and
/// run, so the bound is that of nested subqueries (MAX_SELECT_DEPTH), which
/// a 2 MiB thread stack holds. Deeper chains fail with SQLite's message.
pub const MAX_TRIGGER_DEPTH: usize = crate::sql::resolve::MAX_SELECT_DEPTH;

/// The NEW / OLD rows visible while compiling one unit of a trigger
/// program; a slot is allocated at the first reference.
#[derive(Clone, Debug)]
pub struct TrigScope {
    pub table: Arc<Table>,
    pub new_ok: bool,
    pub old_ok: bool,
    pub new_slot: Option<usize>,
    pub old_slot: Option<usize>,
}

/// The triggers being compiled (outermost first) and how many programs
/// the statement has so far.
#[derive(Debug, Default)]
pub struct Chain {
    pub active: Vec<String>,
    pub programs: usize,
}

/// Column names an UPDATE assigns, for `UPDATE OF` (the rowid as the
/// INTEGER PRIMARY KEY's name, else `rowid`).
fn set_names<'t>(t: &'t Table, sets: &[(Option<usize>, CExpr)]) -> Vec<&'t str> {
    sets.iter()
        .map(|(c, _)| match (*c, t.ipk) {
            (Some(ci), _) | (None, Some(ci)) => t.cols[ci].name.as_str(),
            (None, None) => "rowid",
        })
        .collect()
}

/// The programs of the triggers on `tbl` for `op` at `time`.
fn programs(
    cat: &Catalog,
    tbl: &Arc<Table>,
    op: TriggerOp,
    time: TriggerTime,
    set_cols: Option<&[&str]>,
    conf: Option<Conflict>,
    chain: &mut Chain,
) -> Result<Vec<TriggerProgram>> {
    let mut out = Vec::new();
    for trg in cat.triggers_on(&tbl.name, op, time) {
        if chain.active.iter().any(|n| n.eq_ignore_ascii_case(&trg.name)) {
            continue;
        }
        if let Some(cols) = set_cols {
            if !trg.fires_on_update_of(cols) {
                continue;
            }
        }
        chain.programs += 1;
        if chain.programs > MAX_PROGRAMS || chain.active.len() >= MAX_TRIGGER_DEPTH {
            return Err(Error::sql("too many levels of trigger recursion"));
        }
        chain.active.push(trg.name.clone());
        let p = compile_program(cat, &trg, tbl, conf, chain);
        chain.active.pop();
        out.push(p?);
    }
    Ok(out)
}

fn all_times(
    cat: &Catalog,
    tbl: &Arc<Table>,
    op: TriggerOp,
    set_cols: Option<&[&str]>,
    conf: Option<Conflict>,
    chain: &mut Chain,
) -> Result<Triggers> {
    if cat.triggers.is_empty() {
        return Ok(Triggers::default());
    }
    Ok(Triggers {
        before: programs(cat, tbl, op, TriggerTime::Before, set_cols, conf, chain)?,
        after: programs(cat, tbl, op, TriggerTime::After, set_cols, conf, chain)?,
        instead: programs(cat, tbl, op, TriggerTime::InsteadOf, set_cols, conf, chain)?,
        upsert: None,
    })
}

/// Compiles the triggers an INSERT fires (and, for its DO UPDATE clauses,
/// the UPDATE triggers) into the plan.
pub fn insert_triggers(cat: &Catalog, p: &mut InsertPlan, chain: &mut Chain) -> Result<()> {
    let mut tr = all_times(cat, &p.table, TriggerOp::Insert, None, p.conflict, chain)?;
    if p.upserts.iter().any(|u| !u.nothing) {
        let mut names: Vec<&str> = Vec::new();
        for u in &p.upserts {
            names.extend(set_names(&p.table, &u.sets));
        }
        let up = all_times(cat, &p.table, TriggerOp::Update, Some(&names), p.conflict, chain)?;
        if !up.is_empty() {
            tr.upsert = Some(Box::new(up));
        }
    }
    if !tr.is_empty() {
        // A trigger may fail after rows were written: the statement needs
        // its statement journal, as one calling a function does.
        p.calls_function = true;
    }
    p.triggers = tr;
    Ok(())
}

pub fn update_triggers(cat: &Catalog, p: &mut UpdatePlan, chain: &mut Chain) -> Result<()> {
    let names = set_names(&p.table, &p.sets);
    let tr = all_times(cat, &p.table, TriggerOp::Update, Some(&names), p.conflict, chain)?;
    if !tr.is_empty() {
        p.calls_function = true;
    }
    p.triggers = tr;
    Ok(())
}

pub fn delete_triggers(cat: &Catalog, p: &mut DeletePlan, chain: &mut Chain) -> Result<()> {
    let tr = all_times(cat, &p.table, TriggerOp::Delete, None, None, chain)?;
    if !tr.is_empty() {
        // Each row must be seen by the triggers: no wholesale clearing.
        p.truncate = false;
    }
    p.triggers = tr;
    Ok(())
}

fn unit_compiler<'a>(cat: &'a Catalog, tbl: &Arc<Table>, op: TriggerOp, commas: &[bool], seen: usize) -> Compiler<'a> {
    let mut c = Compiler::new(Some(cat));
    c.trig = Some(TrigScope {
        table: tbl.clone(),
        new_ok: op != TriggerOp::Delete,
        old_ok: op != TriggerOp::Insert,
        new_slot: None,
        old_slot: None,
    });
    c.limit_commas = commas.to_vec();
    c.limit_seen = seen;
    c
}

fn finish<P>(c: &mut Compiler, plan: P) -> Unit<P> {
    let trig = c.trig.take().expect("trigger scope");
    Unit {
        plan,
        subs: std::mem::take(&mut c.subs),
        n_slots: c.n_slots.max(1),
        n_aggs: c.n_aggs,
        new_slot: trig.new_slot,
        old_slot: trig.old_slot,
    }
}

/// Inside a trigger, tables are named with their schema.
fn in_trigger(e: Error) -> Error {
    match e.message.strip_prefix("no such table: ") {
        Some(t) if !t.contains('.') => Error::sql(format!("no such table: main.{t}")),
        _ => e,
    }
}

fn compile_program(
    cat: &Catalog,
    trg: &Trigger,
    tbl: &Arc<Table>,
    conf: Option<Conflict>,
    chain: &mut Chain,
) -> Result<TriggerProgram> {
    let sql = &trg.sql;
    let commas = limit_commas(sql, &tokenize(sql));
    with_parsed(sql, |stmt| {
        let Stmt::CreateTrigger { when_clause, commands, .. } = stmt else {
            return Err(Error::corrupt(format!("malformed database schema ({})", trg.name)));
        };
        let mut seen = 0;
        let when = match when_clause {
            Some(w) => {
                let mut c = unit_compiler(cat, tbl, trg.op, &commas, seen);
                let e = c.expr(w).map_err(in_trigger)?.e;
                let refs = std::mem::take(&mut c.col_refs);
                for s in c.subs.iter_mut() {
                    set_needed(s, &refs);
                }
                seen = c.limit_seen;
                Some(finish(&mut c, e))
            }
            None => None,
        };
        let mut steps = Vec::with_capacity(commands.len());
        for cmd in commands.iter() {
            let mut c = unit_compiler(cat, tbl, trg.op, &commas, seen);
            let step = compile_step(&mut c, cat, cmd, sql, conf, chain).map_err(in_trigger)?;
            seen = c.limit_seen;
            steps.push(finish(&mut c, step));
        }
        Ok(TriggerProgram { name: trg.name.clone(), when, steps })
    })
}

fn compile_step(
    c: &mut Compiler,
    cat: &Catalog,
    cmd: &TriggerCmd,
    sql: &str,
    conf: Option<Conflict>,
    chain: &mut Chain,
) -> Result<Step> {
    let mut step = match cmd {
        TriggerCmd::Select(sel) => Step::Select(c.select(sel)?),
        TriggerCmd::Insert { or_conflict, tbl_name, col_names, select, upsert } => {
            crate::sql::view::check_writable(cat, tbl_name, TriggerOp::Insert)?;
            let body = InsertBody::Select(select, *upsert);
            let mut p = c.insert(*or_conflict, tbl_name, col_names.as_ref(), &body, None, sql)?;
            // The firing statement's conflict clause overrides the body's.
            if conf.is_some() {
                p.conflict = conf;
            }
            Step::Insert(p)
        }
        TriggerCmd::Update { or_conflict, tbl_name, sets, from, where_clause } => {
            if from.is_some() {
                return Err(Error::sql("UPDATE with FROM/ORDER BY/LIMIT is not supported yet"));
            }
            crate::sql::view::check_writable(cat, tbl_name, TriggerOp::Update)?;
            let mut p = c.update(*or_conflict, tbl_name, sets, where_clause.as_ref(), None, sql)?;
            if conf.is_some() {
                p.conflict = conf;
            }
            Step::Update(p)
        }
        TriggerCmd::Delete { tbl_name, where_clause } => {
            crate::sql::view::check_writable(cat, tbl_name, TriggerOp::Delete)?;
            Step::Delete(c.delete(tbl_name, where_clause.as_ref(), None, sql)?)
        }
    };
    let refs = std::mem::take(&mut c.col_refs);
    for s in c.subs.iter_mut() {
        set_needed(s, &refs);
    }
    match &mut step {
        Step::Select(p) => set_needed(p, &refs),
        Step::Insert(p) => {
            if let InsertSource::Select(s) = &mut p.source {
                set_needed(s, &refs);
            }
            insert_triggers(cat, p, chain)?;
        }
        Step::Update(p) => {
            set_needed(&mut p.scan, &refs);
            for l in p.scan.levels.iter_mut() {
                l.rowid_needed = true;
            }
            update_triggers(cat, p, chain)?;
        }
        Step::Delete(p) => {
            set_needed(&mut p.scan, &refs);
            for l in p.scan.levels.iter_mut() {
                l.rowid_needed = true;
            }
            delete_triggers(cat, p, chain)?;
        }
    }
    Ok(step)
}

/// The RAISE functions: each fails with SQLITE_CONSTRAINT_TRIGGER and a
/// message tagged with its kind (a NUL then I/A/F/R), which the trigger
/// runner turns into the RAISE's effect. RAISE compiles only inside a
/// trigger program, so a tagged message never leaves the runner.
pub(super) const RAISE_TAG: char = '\0';

fn raise_msg(args: &[Value]) -> String {
    match args.first() {
        Some(Value::Null) | None => String::new(),
        Some(v) => match crate::sql::types::apply_affinity(v.clone(), Affinity::Text) {
            Value::Text(s) => s,
            _ => String::new(),
        },
    }
}

fn raise_err(kind: char, args: &[Value]) -> Error {
    Error::new(crate::error::ErrorKind::ConstraintTrigger, format!("{RAISE_TAG}{kind}{}", raise_msg(args)))
}

fn raise_ignore(_: &mut dyn crate::sql::func::FuncContext, a: &[Value]) -> Result<Value> {
    Err(raise_err('I', a))
}
fn raise_abort(_: &mut dyn crate::sql::func::FuncContext, a: &[Value]) -> Result<Value> {
    Err(raise_err('A', a))
}
fn raise_fail(_: &mut dyn crate::sql::func::FuncContext, a: &[Value]) -> Result<Value> {
    Err(raise_err('F', a))
}
fn raise_rollback(_: &mut dyn crate::sql::func::FuncContext, a: &[Value]) -> Result<Value> {
    Err(raise_err('R', a))
}

impl Compiler<'_> {
    /// The target of an INSERT / UPDATE / DELETE with its row slot 0
    /// allocated: a table, or a view written through INSTEAD OF triggers
    /// (whose rows are subquery `n`: Some(n)). A view's NEW row takes the
    /// values as given (its columns have no affinity for an INSERT).
    pub(crate) fn dml_target(
        &mut self,
        qn: &ast::QualifiedName,
        for_insert: bool,
    ) -> Result<(Arc<Table>, Option<usize>)> {
        let name = crate::syntax::name_str(&qn.name);
        let cat = self.catalog()?;
        if qn.db_name.is_none() && cat.table(&name).is_none() {
            if let Some(v) = cat.view(&name).cloned() {
                let slot0 = self.alloc_slot();
                debug_assert_eq!(slot0, 0);
                let id = self.named_source(qn)?;
                let mut t = crate::sql::select::subquery_table(&v.name, &self.subs[id]);
                if for_insert {
                    for c in t.cols.iter_mut() {
                        c.affinity = Affinity::Blob;
                    }
                }
                return Ok((Arc::new(t), Some(id)));
            }
        }
        let t = crate::sql::dml::target_table(self, qn)?;
        let slot0 = self.alloc_slot();
        debug_assert_eq!(slot0, 0);
        Ok((t, None))
    }

    /// `NEW.col` / `OLD.col` inside a trigger program; None when `tname`
    /// names neither (or no trigger is being compiled).
    pub(crate) fn trigger_column(&mut self, tname: &str, cname: &str) -> Result<Option<Ce>> {
        let Some(tr) = self.trig.as_ref() else { return Ok(None) };
        let is_new = tname.eq_ignore_ascii_case("new");
        if !is_new && !tname.eq_ignore_ascii_case("old") {
            return Ok(None);
        }
        if (is_new && !tr.new_ok) || (!is_new && !tr.old_ok) {
            return Ok(None);
        }
        let table = tr.table.clone();
        let ci = table.col_index(cname);
        let is_rowid = ["rowid", "oid", "_rowid_"].iter().any(|r| r.eq_ignore_ascii_case(cname));
        if ci.is_none() && !is_rowid {
            return Ok(None);
        }
        let tr = self.trig.as_mut().expect("trigger scope");
        let have = if is_new { tr.new_slot } else { tr.old_slot };
        let slot = match have {
            Some(s) => s,
            None => {
                // Not alloc_slot: a CTE may hold a reserved slot there.
                let s = self.n_slots;
                self.n_slots += 1;
                let tr = self.trig.as_mut().expect("trigger scope");
                if is_new {
                    tr.new_slot = Some(s);
                } else {
                    tr.old_slot = Some(s);
                }
                s
            }
        };
        // Every open subquery reads it from outside: correlated.
        for s in self.open_subs.iter_mut() {
            s.1 = true;
            s.2 = Some(s.2.map_or(slot, |m| m.max(slot)));
        }
        let ce = match ci {
            Some(ci) if Some(ci) != table.ipk => {
                let c = &table.cols[ci];
                self.col_refs.insert((slot, ci));
                Ce { e: CExpr::Col { slot, col: ci }, aff: Some(c.affinity), coll: Some(c.coll), explicit: false }
            }
            _ => {
                self.col_refs.insert((slot, ROWID_REF));
                let coll = ci.map(|i| table.cols[i].coll);
                Ce { e: CExpr::Rowid { slot }, aff: Some(Affinity::Integer), coll, explicit: false }
            }
        };
        Ok(Some(ce))
    }

    /// `RAISE(IGNORE)` / `RAISE(kind, message)`.
    pub(crate) fn raise(&mut self, kind: ast::ResolveType, msg: Option<&ast::Expr>) -> Result<Ce> {
        if self.trig.is_none() {
            return Err(Error::sql("RAISE() may only be used within a trigger-program"));
        }
        let f: crate::sql::func::ScalarFn = match conflict_of(Some(kind)) {
            Some(Conflict::Rollback) => raise_rollback,
            Some(Conflict::Fail) => raise_fail,
            Some(Conflict::Ignore) => raise_ignore,
            _ => raise_abort,
        };
        // The message is a name or a string in SQLite's grammar.
        let args = match msg {
            Some(ast::Expr::Id(id)) => vec![CExpr::Lit(Value::Text(crate::syntax::lexer::unquote_ident(id.0)))],
            Some(m) => vec![self.expr(m)?.e],
            None => Vec::new(),
        };
        Ok(Ce::plain(CExpr::Func { f, args, coll: crate::storage::Collation::Binary }))
    }
}
