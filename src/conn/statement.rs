//! [`Statement`]: a compiled program plus its bindings and run state.
//!
//! Lifecycle: Ready --step--> Running (SELECT/PRAGMA rows) --> Finished;
//! writing statements run to completion inside their first step. `reset`
//! (or drop) returns to Ready, finishing an unfinished run. A statement
//! compiled under an older catalog generation is re-prepared from its text
//! when it starts, keeping its bindings (prepare_v2 behaviour).

use super::connection::{ConnState, NamedSavepoint, Shared};
use super::StepResult;
use crate::error::{Error, ErrorKind, Result};
use crate::pragma::{self, PragmaCtx};
use crate::sql::ddl::{check, run_ddl, Ddl};
use crate::sql::dml::{
    insert_without_statement_journal, run_delete, run_insert, run_update, without_statement_journal, RowCounts,
};
use crate::sql::exec::spill::{Budget, RowStore, StoreCursor, WorkMem};
use crate::sql::exec::SelectRun;
use crate::sql::expr::{Cx, Rt};
use crate::sql::prepare::{BeginKind, Compiled, Program};
use crate::sql::write::Env;
use crate::storage::{Txn, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

static NULL: Value = Value::Null;

/// A compiled statement: planned once at prepare time, stepped many times.
pub struct Statement {
    conn: Shared,
    interrupt: Arc<AtomicBool>,
    sql: String,
    compiled: Compiled,
    generation: u64,
    /// Needs no schema (`sql::prepare::schema_free`): never recompiled,
    /// runs without loading it.
    schema_free: bool,
    params: Vec<Value>,
    /// Counted in the connection's active statements.
    active: bool,
    /// Stepped to DONE or error since the last reset.
    finished: bool,
    /// The connection's rollback epoch when this run started.
    epoch: u64,
    rt: Rt,
    run: Option<SelectRun>,
    /// Rows of a PRAGMA (or a stored count), handed out one per step.
    pragma_rows: std::vec::IntoIter<Vec<Value>>,
    /// Rows of RETURNING, kept within the statement budget until handed out.
    returned: Option<(RowStore, StoreCursor)>,
    /// The buffered rows are computed (the first step is past).
    pragma_loaded: bool,
    /// The failing statement's changes stay (an OR FAIL conflict).
    keep_on_error: bool,
    row: Vec<Value>,
    has_row: bool,
    /// Buffers a writing statement reuses from one step to the next.
    wbufs: crate::sql::write::WriteBuffers,
}

impl Statement {
    /// The next row a PRAGMA or RETURNING computed on the first step.
    fn next_buffered_row(&mut self) -> Result<StepResult> {
        if let Some(r) = self.pragma_rows.next() {
            self.row = r;
            self.has_row = true;
            return Ok(StepResult::Row);
        }
        if let Some((store, cur)) = &mut self.returned {
            if store.take_next(cur, &mut self.row)? {
                self.has_row = true;
                return Ok(StepResult::Row);
            }
            // The last row is out: the store's memory and file go now.
            self.returned = None;
        }
        Ok(StepResult::Done)
    }

    pub(crate) fn new(
        conn: Shared,
        interrupt: Arc<AtomicBool>,
        sql: String,
        (compiled, schema_free): (Compiled, bool),
        generation: u64,
    ) -> Statement {
        let n = compiled.params.names.len();
        Statement {
            conn,
            interrupt,
            schema_free,
            sql,
            compiled,
            generation,
            params: vec![Value::Null; n],
            active: false,
            finished: false,
            epoch: 0,
            rt: Rt::default(),
            run: None,
            pragma_rows: Vec::new().into_iter(),
            returned: None,
            pragma_loaded: false,
            keep_on_error: false,
            row: Vec::new(),
            has_row: false,
            wbufs: Default::default(),
        }
    }

    /// The SQL text this statement was prepared from.
    pub fn sql(&self) -> &str {
        &self.sql
    }
    /// True when stepping it cannot change the database.
    /// 2 for EXPLAIN QUERY PLAN, else 0 (sqlvibe has no bytecode EXPLAIN).
    pub fn isexplain(&self) -> u8 {
        self.compiled.explain
    }
    pub fn readonly(&self) -> bool {
        self.compiled.readonly
    }

    fn finish(&mut self, st: &mut ConnState, commit: bool) -> Result<()> {
        self.has_row = false;
        if let Some(r) = &mut self.run {
            // Drop buffered rows now; keep the run's buffers for the next start.
            r.release_rows();
        }
        if self.active {
            self.active = false;
            st.active -= 1;
            return st.end_autocommit(commit);
        }
        Ok(())
    }

    /// Starts a run: transaction, schema check (re-prepare), write lock.
    fn start(&mut self, st: &mut ConnState) -> Result<()> {
        if st.active == 0 {
            self.interrupt.store(false, Ordering::SeqCst);
        }
        st.ensure_txn()?;
        if let Some(t) = st.txn.as_mut() {
            t.fit_budget()?;
        }
        let dml = matches!(self.compiled.program, Program::Insert(_) | Program::Update(_) | Program::Delete(_));
        if !dml && !self.schema_free {
            // This statement may read or rewrite schema rows (a schema-free
            // one, such as PRAGMA max_memory, never does: it must work when
            // nothing else can).
            st.write_pending_counts()?;
        }
        st.active += 1;
        self.active = true;
        self.epoch = st.rollback_epoch;
        if !self.schema_free {
            // Loading the catalog notices schema changes (the generation).
            let cat = st.catalog()?;
            if self.generation != st.generation {
                let c = crate::sql::prepare::compile(&self.sql, &cat)?;
                if c.params.names.len() != self.params.len() {
                    self.params.resize(c.params.names.len(), Value::Null);
                }
                self.compiled = c;
                self.generation = st.generation;
            }
        }
        if !self.compiled.readonly {
            st.begin_write()?;
        }
        self.pragma_loaded = false;
        self.returned = None;
        let c = &self.compiled;
        if self.rt.slots.len() == c.n_slots && self.rt.aggs.len() == c.n_aggs && self.rt.sub_cache.len() == c.subs.len()
        {
            // Reuse the row buffers; cached subquery results are per run.
            for s in self.rt.sub_cache.iter_mut() {
                *s = None;
            }
        } else {
            self.rt = Rt::new(c.n_slots, c.n_aggs, c.subs.len());
        }
        if let Program::Select(plan) = &self.compiled.program {
            match &mut self.run {
                Some(r) => r.restart(plan),
                None => self.run = Some(SelectRun::new(plan)),
            }
        }
        self.stored_count(st)
    }

    /// `SELECT count(*) FROM t`: the answer is t's stored row count when
    /// it has one, buffered as the run's only row (no scan).
    fn stored_count(&mut self, st: &ConnState) -> Result<()> {
        let Some(t) = &self.compiled.count_rows else { return Ok(()) };
        let txn = st.txn.as_ref().ok_or_else(|| Error::internal("no transaction"))?;
        if let Some(n) = crate::schema::quota::stored_rows(txn, t)? {
            self.pragma_rows = vec![vec![Value::Integer(n as i64)]].into_iter();
            self.pragma_loaded = true;
        }
        Ok(())
    }

    pub fn step(&mut self) -> Result<StepResult> {
        let conn = self.conn.clone();
        let mut st = conn.lock();
        if self.finished {
            // Stepping a finished statement starts it over (SQLite >= 3.7).
            self.finished = false;
        }
        self.has_row = false;
        // 'now' is read afresh by the first date function of each step.
        st.vars.now_ms = None;
        // Transaction control works on the connection, not in a transaction.
        match &self.compiled.program {
            Program::Begin(kind) => {
                self.finished = true;
                return begin(&mut st, *kind).map(|_| StepResult::Done);
            }
            Program::Commit => {
                self.finished = true;
                if !st.explicit {
                    return Err(Error::sql("cannot commit - no transaction is active"));
                }
                return st.commit_explicit().map(|_| StepResult::Done);
            }
            Program::Rollback => {
                self.finished = true;
                if !st.explicit {
                    return Err(Error::sql("cannot rollback - no transaction is active"));
                }
                st.rollback_all();
                return Ok(StepResult::Done);
            }
            Program::Savepoint(name) => {
                self.finished = true;
                let began = !st.explicit;
                // The savepoint's images must hold every count so far.
                st.write_pending_counts()?;
                let depth = match st.txn.as_mut() {
                    Some(t) if t.is_write() => Some(t.savepoint()?),
                    _ => None,
                };
                st.explicit = true;
                if began {
                    st.temp_views.lock().begin();
                }
                let temp_mark = st.temp_views.lock().mark();
                st.savepoints.push(NamedSavepoint { name: name.clone(), depth, began, temp_mark });
                return Ok(StepResult::Done);
            }
            Program::Release(name) | Program::RollbackTo(name) => {
                self.finished = true;
                let Some(pos) = st.savepoints.iter().rposition(|s| s.name.eq_ignore_ascii_case(name)) else {
                    return Err(Error::sql(format!("no such savepoint: {name}")));
                };
                let depth = st.savepoints[pos].depth;
                if matches!(self.compiled.program, Program::RollbackTo(_)) {
                    let mark = st.savepoints[pos].temp_mark;
                    st.temp_views.lock().undo_to(mark);
                    // Counts pending since the savepoint go with the changes.
                    st.counts.discard();
                    if let (Some(d), Some(t)) = (depth, st.txn.as_mut()) {
                        let cookie = t.header().schema_cookie;
                        t.rollback_to(d)?;
                        let schema_undone = t.header().schema_cookie != cookie;
                        st.catalog = None;
                        if schema_undone {
                            st.rollback_epoch += 1;
                        }
                    }
                    st.savepoints.truncate(pos + 1);
                    return Ok(StepResult::Done);
                }
                let began = st.savepoints[pos].began;
                if began {
                    st.write_pending_counts()?;
                }
                if let (Some(d), Some(t)) = (depth, st.txn.as_mut()) {
                    t.release(d);
                }
                st.savepoints.truncate(pos);
                if began {
                    // Releasing the outermost savepoint commits, as COMMIT.
                    return st.commit_explicit().map(|_| StepResult::Done);
                }
                return Ok(StepResult::Done);
            }
            _ => {}
        }
        if !self.active {
            if let Err(e) = self.start(&mut st) {
                self.finished = true;
                let _ = self.finish(&mut st, false);
                return Err(e);
            }
        } else {
            if self.epoch != st.rollback_epoch {
                // A ROLLBACK undid a schema change this run was compiled under.
                // Writes of other statements since the ROLLBACK stay.
                self.finished = true;
                let _ = self.finish(&mut st, true);
                return Err(Error::new(ErrorKind::AbortRollback, "abort due to ROLLBACK"));
            }
            // A COMMIT since the last step ended the transaction.
            st.ensure_txn()?;
        }
        let r = self.step_inner(&mut st);
        match r {
            Ok(StepResult::Row) => Ok(StepResult::Row),
            Ok(StepResult::Done) => {
                self.finished = true;
                self.finish(&mut st, true)?;
                Ok(StepResult::Done)
            }
            Err(e) => {
                self.finished = true;
                // A failing reader has nothing to undo: writes other statements
                // made while it was pending stay (they are committed in SQLite).
                let keep = std::mem::take(&mut self.keep_on_error) || self.compiled.readonly;
                let _ = self.finish(&mut st, keep);
                Err(e)
            }
        }
    }

    fn step_inner(&mut self, st: &mut ConnState) -> Result<StepResult> {
        let c = &self.compiled;
        match &c.program {
            // A count(*) answered from the stored row count.
            Program::Select(_) if self.pragma_loaded => self.next_buffered_row(),
            Program::Select(plan) => {
                let txn = st.txn.as_ref().ok_or_else(|| Error::internal("no transaction"))?;
                let mut cx =
                    Cx { txn, params: &self.params, vars: &mut st.vars, interrupt: &self.interrupt, subs: &c.subs };
                let run = self.run.as_mut().ok_or_else(|| Error::internal("statement not started"))?;
                if run.next(plan, &mut self.rt, &mut cx, &mut self.row)? {
                    self.has_row = true;
                    Ok(StepResult::Row)
                } else {
                    Ok(StepResult::Done)
                }
            }
            Program::Pragma(p) => {
                if !self.pragma_loaded {
                    self.pragma_loaded = true;
                    // First step: compute all rows.
                    let cat = st.catalog()?;
                    let writes = p.writes();
                    let pager = st.pager.clone();
                    let path = st.path.clone();
                    let mut timeout = st.busy_timeout;
                    let mut synchronous = st.synchronous;
                    let txn = st.txn.as_mut().ok_or_else(|| Error::internal("no transaction"))?;
                    let depth = if writes { Some(txn.savepoint()?) } else { None };
                    let read_only = st.read_only;
                    let explicit = st.explicit;
                    let work = st.vars.work.clone();
                    let mut pcx = PragmaCtx {
                        txn,
                        catalog: &cat,
                        pager: &pager,
                        busy_timeout: &mut timeout,
                        synchronous: &mut synchronous,
                        path: &path,
                        read_only,
                        explicit,
                        work: &work,
                        view_info: &crate::sql::view::table_info,
                    };
                    let rows = pragma::run(p, &mut pcx);
                    if let Some(d) = depth {
                        if rows.is_err() {
                            txn.rollback_to(d)?;
                        }
                        txn.release(d);
                    }
                    st.busy_timeout = timeout;
                    st.synchronous = synchronous;
                    self.pragma_rows = rows?.into_iter();
                }
                self.next_buffered_row()
            }
            Program::Ddl(ddl) => {
                let cat = st.catalog()?;
                // Dropping a b-tree under another running statement of this
                // connection would pull pages from under its cursors.
                if st.active > 1 && matches!(ddl, Ddl::DropTable { .. } | Ddl::DropIndex { .. }) && check(ddl, &cat)? {
                    return Err(Error::new(ErrorKind::Locked, "database table is locked"));
                }
                let work = st.vars.work.clone();
                let txn = st.txn.as_mut().ok_or_else(|| Error::internal("no transaction"))?;
                let depth = txn.savepoint()?;
                match run_ddl(ddl, txn, &cat, &work) {
                    Ok(()) => {
                        txn.release(depth);
                        // The new schema is visible to the rest of the transaction.
                        st.catalog()?;
                        Ok(StepResult::Done)
                    }
                    Err(e) => {
                        txn.rollback_to(depth)?;
                        txn.release(depth);
                        Err(e)
                    }
                }
            }
            Program::CreateAs(ddl, plan) => {
                let cat = st.catalog()?;
                let txn = st.txn.as_mut().ok_or_else(|| Error::internal("no transaction"))?;
                let depth = txn.savepoint()?;
                let mut env = Env::new(txn, &self.params, &mut st.vars, &self.interrupt, &c.subs);
                let r = create_as(ddl, plan, &cat, &mut env, &mut self.rt);
                let r = r.and_then(|_| env.counts.flush(env.txn));
                drop(env);
                match r {
                    Ok(()) => {
                        txn.release(depth);
                        st.catalog()?;
                        Ok(StepResult::Done)
                    }
                    Err(e) => {
                        txn.rollback_to(depth)?;
                        txn.release(depth);
                        Err(e)
                    }
                }
            }
            Program::Insert(_) | Program::Update(_) | Program::Delete(_) if self.pragma_loaded => {
                // RETURNING rows of a statement whose changes are all made.
                self.next_buffered_row()
            }
            Program::Insert(_) | Program::Update(_) | Program::Delete(_) => {
                let no_journal = st.explicit
                    && match &c.program {
                        Program::Insert(p) => insert_without_statement_journal(p),
                        Program::Update(p) => without_statement_journal(p.conflict, &p.table, p.calls_function),
                        _ => false,
                    };
                // Inside BEGIN ... COMMIT the counts stay pending (see
                // sql::dml::rowcount); in autocommit they are written back
                // inside the statement savepoint, so that whatever undoes the
                // statement undoes them too.
                let defer = st.explicit;
                let counts = std::mem::take(&mut st.counts);
                let txn = st.txn.as_mut().ok_or_else(|| Error::internal("no transaction"))?;
                let stamp = defer.then(|| RowCounts::stamp_of(txn));
                // A statement writing at most one row checks every constraint
                // before its first write: it needs no statement journal.
                let depth = if c.single_row { None } else { Some(txn.savepoint()?) };
                let mut out = returning_store(&c.program, &st.vars.work, txn);
                let mut env = Env::new(txn, &self.params, &mut st.vars, &self.interrupt, &c.subs);
                env.counts = counts;
                env.swap_buffers(&mut self.wbufs);
                let r = match &c.program {
                    Program::Insert(p) => run_insert(p, &mut env, &mut self.rt, &mut out),
                    Program::Update(p) => run_update(p, &mut env, &mut self.rt, &mut out),
                    Program::Delete(p) => run_delete(p, &mut env, &mut self.rt, &mut out),
                    _ => unreachable!("dml"),
                };
                let flushed = if defer { Ok(()) } else { env.counts.flush(env.txn) };
                // A row limit, or counts that could not be written back,
                // undo the statement whole, whatever its conflict clause.
                let quota_hit = env.counts.take_limit_hit();
                let flush_failed = flushed.is_err();
                let undo_whole = quota_hit || flush_failed;
                let r = r.and_then(|n| flushed.map(|_| n));
                // A spilled RETURNING store is sealed while the statement
                // can still be undone.
                let r = r.and_then(|n| out.seal().map(|_| n));
                let keep = env.keep_changes && !undo_whole;
                let rollback = env.rollback_txn;
                let written = env.written;
                env.swap_buffers(&mut self.wbufs);
                let counts = env.counts.take();
                drop(env);
                st.counts = counts;
                match r {
                    Ok(n) => {
                        if let Some(d) = depth {
                            txn.release(d);
                        }
                        if defer {
                            st.counts.end_statement(true);
                        }
                        st.vars.changes = n;
                        st.vars.total_changes += n;
                        // All changes are made on the first step; RETURNING
                        // rows follow one per step.
                        self.pragma_loaded = true;
                        if !out.is_empty() {
                            let mut cur = StoreCursor::default();
                            out.rewind(&mut cur);
                            self.returned = Some((out, cur));
                        }
                        self.next_buffered_row()
                    }
                    Err(e) => {
                        // An error that can strike in the middle of a row's
                        // write (out of memory, I/O, a full disk, a corrupt
                        // page) may leave a b-tree half changed: the statement
                        // is then undone whatever its conflict clause says.
                        let torn = !pre_write_error(e.kind);
                        let keep = keep && !torn;
                        // A failed statement's rows are undone: changes() is
                        // 0 and total_changes() does not count them, except
                        // the rows an OR FAIL conflict keeps.
                        let kept = if keep && !rollback { written } else { 0 };
                        st.vars.changes = kept;
                        st.vars.total_changes += kept;
                        match depth {
                            _ if rollback => st.rollback_all(),
                            Some(d) => {
                                self.keep_on_error = keep;
                                // Without a statement journal (OR IGNORE, FAIL,
                                // REPLACE inside BEGIN) the rows written before
                                // an error raised between rows stay, as SQLite's.
                                let undo = torn || (!keep && (!no_journal || undo_whole));
                                let undone = if undo { txn.rollback_to(d) } else { Ok(()) };
                                txn.release(d);
                                undone?;
                                settle_counts(st, stamp, !undo);
                            }
                            // Without a journal, only a failure before the first
                            // write (a constraint, a type or SQL error, a row
                            // limit: checked before the row is written) leaves
                            // the transaction intact; anything else ends it.
                            None if !(pre_write_error(e.kind) || quota_hit && !flush_failed) => st.rollback_all(),
                            None => {
                                self.keep_on_error = keep;
                                settle_counts(st, stamp, true);
                            }
                        }
                        Err(e)
                    }
                }
            }
            Program::Begin(_)
            | Program::Commit
            | Program::Rollback
            | Program::Savepoint(_)
            | Program::Release(_)
            | Program::RollbackTo(_) => Ok(StepResult::Done),
        }
    }

    /// Back to the start; bindings are kept.
    pub fn reset(&mut self) {
        let conn = self.conn.clone();
        let mut st = conn.lock();
        let _ = self.finish(&mut st, true);
        self.finished = false;
        self.pragma_rows = Vec::new().into_iter();
        self.returned = None;
    }

    pub fn clear_bindings(&mut self) {
        for p in self.params.iter_mut() {
            *p = Value::Null;
        }
    }

    /// Binds parameter `index` (1-based); out of range is SQLITE_RANGE; a
    /// statement that has started stepping is SQLITE_MISUSE.
    pub fn bind(&mut self, index: usize, value: Value) -> Result<()> {
        if self.active {
            return Err(Error::misuse("bad parameter or other API misuse"));
        }
        if index == 0 || index > self.params.len() {
            return Err(Error::new(ErrorKind::Range, "column index out of range"));
        }
        self.params[index - 1] = value;
        Ok(())
    }

    /// Largest parameter index.
    pub fn parameter_count(&self) -> usize {
        self.params.len()
    }

    /// Name of parameter `index` with its prefix (`:a`, `@a`, `$a`, `?5`),
    /// None for a nameless `?`.
    pub fn parameter_name(&self, index: usize) -> Option<&str> {
        if index == 0 {
            return None;
        }
        self.compiled.params.names.get(index - 1).and_then(|n| n.as_deref())
    }

    /// Index of the named parameter, 0 when absent.
    pub fn parameter_index(&self, name: &str) -> usize {
        self.compiled.params.names.iter().position(|n| n.as_deref() == Some(name)).map_or(0, |p| p + 1)
    }

    pub fn column_count(&self) -> usize {
        self.compiled.names.len()
    }

    pub fn column_name(&self, i: usize) -> Option<&str> {
        self.compiled.names.get(i).map(|s| s.as_str())
    }

    /// Declared type of a result column that is a table column, else None.
    pub fn column_decltype(&self, i: usize) -> Option<&str> {
        self.compiled.decltypes.get(i).and_then(|d| d.as_deref())
    }

    /// column_count while a row is available, else 0.
    pub fn data_count(&self) -> usize {
        if self.has_row {
            self.row.len()
        } else {
            0
        }
    }

    /// Value of column `i` of the current row (NULL when out of range or no row).
    pub fn column_value(&self, i: usize) -> &Value {
        if !self.has_row {
            return &NULL;
        }
        self.row.get(i).unwrap_or(&NULL)
    }
}

/// The store the RETURNING rows of a DML program wait in (without
/// RETURNING it stays empty).
/// The tally after a failed DML statement: `kept` = the B-trees keep
/// what it wrote (no rollback). `stamp` (explicit transactions: the
/// schema tree state the statement started from) is None in autocommit,
/// which forgets the tally (the statement's write-back, if any, was
/// undone with it).
fn settle_counts(st: &mut ConnState, stamp: Option<crate::sql::dml::Stamp>, kept: bool) {
    let Some(before) = stamp else {
        st.counts.discard();
        return;
    };
    st.counts.end_statement(kept);
    if !kept {
        if let Some(t) = st.txn.as_ref() {
            st.counts.restamp(before, t);
        }
    }
}

fn returning_store(program: &Program, work: &WorkMem, txn: &Txn) -> RowStore {
    let returns = match program {
        Program::Insert(p) => p.returning.is_some(),
        Program::Update(p) => p.returning.is_some(),
        Program::Delete(p) => p.returning.is_some(),
        _ => false,
    };
    let budget = if returns { Budget::for_txn(work, txn) } else { Budget::unlimited(work) };
    RowStore::new(budget)
}

/// CREATE TABLE ... AS SELECT: reads the rows (into a store that spills
/// past the statement budget), creates the table, fills it.
fn create_as(
    ddl: &crate::sql::ddl::Ddl,
    plan: &crate::sql::select::SelectPlan,
    cat: &crate::schema::Catalog,
    env: &mut Env,
    rt: &mut Rt,
) -> Result<()> {
    if !crate::sql::ddl::check(ddl, cat)? {
        return Ok(());
    }
    let mut rows = RowStore::new(Budget::for_txn(&env.vars.work, env.txn));
    {
        let mut run = SelectRun::new(plan);
        let mut row = Vec::new();
        let mut cx = env.cx();
        while run.next(plan, rt, &mut cx, &mut row)? {
            rows.push(std::mem::take(&mut row))?;
        }
    }
    rows.seal()?;
    run_ddl(ddl, env.txn, cat, &env.vars.work)?;
    let fresh = crate::schema::Catalog::load(env.txn)?;
    let crate::sql::ddl::Ddl::CreateTable { name, .. } = ddl else {
        return Err(Error::internal("CREATE AS without a table"));
    };
    let t = fresh.table(name).cloned().ok_or_else(|| Error::internal("created table missing"))?;
    let (mut at, mut r) = (StoreCursor::default(), Vec::new());
    rows.rewind(&mut at);
    while rows.take_next(&mut at, &mut r)? {
        for (v, c) in r.iter_mut().zip(t.cols.iter()) {
            *v = crate::sql::types::apply_affinity(std::mem::replace(v, Value::Null), c.affinity);
        }
        r.resize(t.cols.len(), Value::Null);
        crate::sql::write::write_row(env, rt, &t, &mut r, None, None, None)?;
    }
    Ok(())
}

/// Errors a single-row write raises before it changes anything.
fn pre_write_error(k: ErrorKind) -> bool {
    matches!(
        k,
        ErrorKind::Error
            | ErrorKind::Constraint
            | ErrorKind::ConstraintCheck
            | ErrorKind::ConstraintNotNull
            | ErrorKind::ConstraintPrimaryKey
            | ErrorKind::ConstraintUnique
            | ErrorKind::ConstraintTrigger
            | ErrorKind::Mismatch
            | ErrorKind::Interrupt
            | ErrorKind::TooBig
            | ErrorKind::Range
    )
}

fn begin(st: &mut ConnState, kind: BeginKind) -> Result<()> {
    if st.explicit {
        return Err(Error::sql("cannot start a transaction within a transaction"));
    }
    // A read-only connection takes BEGIN IMMEDIATE / EXCLUSIVE as a deferred
    // BEGIN (as SQLite does): its first write fails instead.
    if kind != BeginKind::Deferred && !st.read_only {
        st.ensure_txn()?;
        if let Err(e) = st.begin_write() {
            st.end_autocommit(false)?;
            return Err(e);
        }
    }
    st.explicit = true;
    st.temp_views.lock().begin();
    Ok(())
}

impl Drop for Statement {
    fn drop(&mut self) {
        if self.active {
            let conn = self.conn.clone();
            let mut st = conn.lock();
            let _ = self.finish(&mut st, true);
        }
    }
}

impl std::fmt::Debug for Statement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Statement").field("sql", &self.sql).field("active", &self.active).finish()
    }
}
