//! Running INSERT, UPDATE and DELETE plans. The row-level operations a
//! trigger program can call per row are [`crate::sql::write::write_row`]
//! (insert), [`update_loaded_row`] (update of the row loaded in slot 0) and
//! [`crate::sql::write::delete_row`].

use super::returning::as_written;
use super::upsert::targets_view;
use super::{DeletePlan, InsertPlan, InsertSource, Returning, UpdatePlan};
use crate::error::{Error, ErrorKind, Result};
use crate::schema::{Conflict, Table};
use crate::sql::exec::spill::{Budget, ExtSorter, RowStore};
use crate::sql::exec::SelectRun;
use crate::sql::expr::{eval, eval_bool, CExpr, Rt};
use crate::sql::select::SelectPlan;
use crate::sql::trigger;
use crate::sql::types;
use crate::sql::write::{read_row, rowid_of, write_row, write_row_with, Env, Outcome};
use crate::storage::record::{decode_record, encode_record};
use crate::storage::{btree, BTreeKind, Cursor, Value};

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

/// An INSERT with a DO UPDATE clause needs its statement journal too: the
/// update it may turn into aborts on any constraint.
pub fn insert_without_statement_journal(p: &InsertPlan) -> bool {
    p.upserts.iter().all(|u| u.nothing) && without_statement_journal(p.conflict, &p.table, p.calls_function)
}

/// Row buffers reused across the rows of one statement.
#[derive(Default)]
pub struct RowBufs {
    pub newv: Vec<Value>,
    pub oldv: Vec<Value>,
    pub setv: Vec<Value>,
}

/// Puts row (`vals`, `rowid`) of `t` into slot `slot` (the rowid alias
/// column reads the rowid).
fn load_slot(rt: &mut Rt, slot: usize, t: &Table, vals: &[Value], rowid: i64) {
    let s = &mut rt.slots[slot];
    s.vals.clear();
    s.vals.extend_from_slice(vals);
    if let Some(i) = t.ipk {
        s.vals[i] = Value::Integer(rowid);
    }
    s.rowid = rowid;
    s.null_row = false;
}

/// Evaluates the RETURNING list for the row in slot 0 into `out` (a
/// store within the statement budget: every change is made before the
/// first row is handed out, so the rows wait there);
/// `written` = the row is one just written (not one read back).
pub(super) fn emit(
    ret: &Option<Returning>,
    env: &mut Env,
    rt: &mut Rt,
    out: &mut RowStore,
    written: bool,
) -> Result<()> {
    if let Some(r) = ret {
        let mut cx = env.cx();
        let mut row = Vec::with_capacity(r.exprs.len());
        for (k, e) in r.exprs.iter().enumerate() {
            let v = eval(e, rt, &mut cx)?;
            row.push(if written { as_written(r, k, v) } else { v });
        }
        out.push(row)?;
    }
    Ok(())
}

/// Updates the row of `t` loaded in slot 0 (rowid `old`): evaluates `sets`
/// against it and writes the result under `conf`. With `reload`, the new
/// row is left in slot 0 on success (for RETURNING, or a trigger's NEW).
#[allow(clippy::too_many_arguments)]
pub fn update_loaded_row(
    env: &mut Env,
    rt: &mut Rt,
    t: &Table,
    sets: &[(Option<usize>, CExpr)],
    old: i64,
    conf: Option<Conflict>,
    b: &mut RowBufs,
    reload: bool,
) -> Result<Outcome> {
    // Every SET expression sees the old row.
    b.setv.clear();
    {
        let mut cx = env.cx();
        for (_, e) in sets {
            b.setv.push(eval(e, rt, &mut cx)?);
        }
    }
    b.newv.clear();
    b.newv.extend_from_slice(&rt.slots[0].vals);
    b.oldv.clear();
    b.oldv.extend_from_slice(&rt.slots[0].vals);
    let mut rowid = old;
    for ((col, _), v) in sets.iter().zip(b.setv.drain(..)) {
        match col {
            Some(ci) => b.newv[*ci] = types::apply_affinity(v, t.cols[*ci].affinity),
            None => match rowid_of(&v)? {
                Some(r) => rowid = r,
                None => return Err(Error::new(ErrorKind::Mismatch, "datatype mismatch")),
            },
        }
    }
    if let Some(i) = t.ipk {
        b.newv[i] = Value::Integer(rowid);
    }
    let o = write_row(env, rt, t, &mut b.newv, Some(rowid), Some((old, &b.oldv)), conf)?;
    if let (Outcome::Written(r), true) = (o, reload) {
        load_slot(rt, 0, t, &b.newv, r);
    }
    Ok(o)
}

/// The AUTOINCREMENT register of one INSERT: the table's `sqlite_sequence`
/// row as read when the statement starts and the largest rowid handed out
/// or inserted since (written back when the statement ends).
pub(crate) struct Seq {
    root: crate::storage::PageNo,
    /// Rowid of the table's row in sqlite_sequence, None when it has none.
    at: Option<i64>,
    start: i64,
    cur: i64,
}

pub(crate) fn seq_begin(env: &mut Env, seq_table: &Table, name: &str) -> Result<Seq> {
    let mut cur = Cursor::new(seq_table.root, BTreeKind::Table);
    let mut vals = Vec::new();
    let mut ok = cur.first(env.txn)?;
    while ok {
        cur.record(env.txn, &mut env.rec)?;
        decode_record(&env.rec, &mut vals)?;
        if matches!(vals.first(), Some(Value::Text(n)) if n == name) {
            let v = vals.get(1).cloned().unwrap_or(Value::Null);
            let seq = match types::apply_affinity(v, types::Affinity::Integer) {
                Value::Integer(i) => i,
                Value::Real(f) => f as i64,
                _ => 0,
            };
            return Ok(Seq { root: seq_table.root, at: Some(cur.rowid(env.txn)?), start: seq, cur: seq });
        }
        ok = cur.next(env.txn)?;
    }
    Ok(Seq { root: seq_table.root, at: None, start: 0, cur: 0 })
}

/// A new rowid for an AUTOINCREMENT table: past both the largest rowid
/// present and the largest ever used; SQLITE_FULL when none is left.
pub(crate) fn seq_rowid(env: &mut Env, t: &Table, seq: &mut Seq) -> Result<i64> {
    let v = match btree::table_max_rowid(env.txn, t.root)? {
        None => 1,
        Some(i64::MAX) => return Err(Error::new(ErrorKind::Full, "database or disk is full")),
        Some(m) => m + 1,
    };
    if seq.cur == i64::MAX {
        return Err(Error::new(ErrorKind::Full, "database or disk is full"));
    }
    let v = v.max(seq.cur + 1);
    seq.cur = v;
    Ok(v)
}

pub(crate) fn seq_end(env: &mut Env, seq: &Seq, name: &str) -> Result<()> {
    if seq.cur <= seq.start && seq.at.is_some() || seq.cur <= 0 && seq.at.is_none() {
        return Ok(());
    }
    let at = match seq.at {
        Some(r) => r,
        None => btree::table_max_rowid(env.txn, seq.root)?.map_or(1, |m| m.saturating_add(1)),
    };
    env.rec.clear();
    encode_record(&[Value::Text(name.to_string()), Value::Integer(seq.cur)], &mut env.rec);
    let rec = std::mem::take(&mut env.rec);
    let r = btree::table_insert(env.txn, seq.root, at, &rec);
    env.rec = rec;
    r
}

/// Runs an INSERT; returns the number of rows written (RETURNING rows are
/// appended to `out`).
pub fn run_insert(p: &InsertPlan, env: &mut Env, rt: &mut Rt, out: &mut RowStore) -> Result<i64> {
    let t = &p.table;
    let mut count = 0;
    // The statement's kept buffers (handed back below on success).
    let mut src: Vec<Value> = std::mem::take(&mut env.src);
    let mut vals: Vec<Value> = std::mem::take(&mut env.row);
    let (targets, nothing) = p.upsert_targets();
    let ups = targets_view(&targets, &nothing);
    let mut bufs = RowBufs::default();
    let mut seq = match &p.seq_table {
        Some(st) => Some(seq_begin(env, st, &t.name)?),
        None => None,
    };
    // INSERT ... SELECT reads everything before writing anything, into a
    // queue that moves to a temporary file past the statement budget.
    let mut selected = match &p.source {
        InsertSource::Select(plan) => {
            let mut run = SelectRun::new(plan);
            let mut row = Vec::new();
            let mut cx = env.cx();
            let mut queue = ExtSorter::new(Vec::new(), Budget::new(&cx));
            while run.next(plan, rt, &mut cx, &mut row)? {
                queue.push(std::mem::take(&mut row))?;
            }
            Some(queue.finish()?)
        }
        _ => None,
    };
    let nrows = match &p.source {
        InsertSource::Values(rows) => rows.len(),
        InsertSource::Select(_) => usize::MAX,
        _ => 1,
    };
    for r in 0..nrows {
        env.cx().check_interrupt()?;
        src.clear();
        match (&p.source, &mut selected) {
            (InsertSource::Values(rows), _) => {
                let mut cx = env.cx();
                for e in &rows[r] {
                    src.push(eval(e, rt, &mut cx)?);
                }
            }
            (_, Some(rows)) => match rows.next_entry()? {
                Some(row) => src = row,
                None => break,
            },
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
        let mut explicit = match (t.ipk, p.rowid_src) {
            (_, Some(k)) if k < src.len() => rowid_of(&src[k])?,
            (Some(i), _) => rowid_of(&vals[i])?,
            _ => None,
        };
        // A view: its INSTEAD OF triggers do the work (NEW.rowid is -1).
        if !p.triggers.instead.is_empty() {
            let nr = explicit.unwrap_or(-1);
            trigger::fire(&p.triggers.instead, env, Some((&vals, nr)), None)?;
            if p.returning.is_some() {
                load_slot(rt, 0, t, &vals, nr);
                emit(&p.returning, env, rt, out, false)?;
            }
            continue;
        }
        // BEFORE INSERT triggers see the row with a rowid of -1 when none
        // was given.
        if !p.triggers.before.is_empty() {
            let nr = explicit.unwrap_or(-1);
            if trigger::fire(&p.triggers.before, env, Some((&vals, nr)), None)? == trigger::Fired::Ignore {
                continue;
            }
        }
        // AUTOINCREMENT: the rowid is chosen (and counted as used) before
        // any constraint is checked.
        if let Some(s) = seq.as_mut() {
            match explicit {
                Some(r) => s.cur = s.cur.max(r),
                None => explicit = Some(seq_rowid(env, t, s)?),
            }
        }
        match write_row_with(env, rt, t, &mut vals, explicit, None, p.conflict, ups.as_ref())? {
            Outcome::Written(rowid) => {
                env.vars.last_insert_rowid = rowid;
                count += 1;
                env.written = count;
                if p.returning.is_some() {
                    load_slot(rt, 0, t, &vals, rowid);
                    emit(&p.returning, env, rt, out, true)?;
                }
                trigger::fire(&p.triggers.after, env, Some((&vals, rowid)), None)?;
            }
            Outcome::Ignored => {}
            Outcome::Upsert { clause, other, rowid } => {
                let u = &p.upserts[clause];
                if !read_row(env, rt, t, other, 0)? {
                    return Err(Error::internal("conflicting row vanished"));
                }
                load_slot(rt, p.excluded_slot, t, &vals, rowid);
                if let Some(f) = &u.filter {
                    if !eval_bool(f, rt, &mut env.cx())? {
                        continue;
                    }
                }
                // The update aborts on any constraint, whatever the
                // table's or the statement's conflict clauses say.
                let none = trigger::Triggers::default();
                let tr = p.triggers.upsert.as_deref().unwrap_or(&none);
                let abort = Some(Conflict::Abort);
                let reload = p.returning.is_some();
                if let Outcome::Written(_) =
                    trigger::update_with_triggers(env, rt, t, &u.sets, other, abort, &mut bufs, reload, tr)?
                {
                    count += 1;
                    env.written = count;
                    emit(&p.returning, env, rt, out, true)?;
                }
            }
        }
    }
    if let Some(s) = &seq {
        seq_end(env, s, &t.name)?;
    }
    src.clear();
    vals.clear();
    env.src = src;
    env.row = vals;
    Ok(count)
}

/// Collects the rowids a scan selects (its first result column when it has
/// one: ORDER BY / LIMIT, see `from.rs`).
fn collect_rowids(scan: &SelectPlan, env: &mut Env, rt: &mut Rt) -> Result<Vec<i64>> {
    let mut run = SelectRun::new(scan);
    let mut ids = Vec::new();
    let mut row = Vec::new();
    let mut cx = env.cx();
    while run.next(scan, rt, &mut cx, &mut row)? {
        ids.push(match row.first() {
            Some(&Value::Integer(id)) => id,
            _ => rt.slots[0].rowid,
        });
    }
    Ok(ids)
}

/// The one rowid a `rowid = expr` scan selects, with the full row loaded
/// into slot 0 and the other WHERE terms checked (one lookup, not two).
fn rowid_eq_target(scan: &SelectPlan, t: &Table, env: &mut Env, rt: &mut Rt) -> Result<Option<Vec<i64>>> {
    let [level] = scan.levels.as_slice() else { return Ok(None) };
    if !scan.result.is_empty() {
        return Ok(None);
    }
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

pub fn run_update(p: &UpdatePlan, env: &mut Env, rt: &mut Rt, out: &mut RowStore) -> Result<i64> {
    if let Some(f) = &p.from {
        return super::from::run_update_from(p, f, env, rt, out);
    }
    let t = &p.table;
    if !p.triggers.instead.is_empty() {
        return trigger::view_update(p, env, rt);
    }
    // A single-row target is already loaded in slot 0.
    let (ids, loaded) = match rowid_eq_target(&p.scan, t, env, rt)? {
        Some(ids) => (ids, true),
        None => (collect_rowids(&p.scan, env, rt)?, false),
    };
    let mut count = 0;
    let mut bufs = RowBufs::default();
    for old in ids {
        env.cx().check_interrupt()?;
        if !loaded && !read_row(env, rt, t, old, 0)? {
            continue;
        }
        if let Outcome::Written(_) = trigger::update_with_triggers(
            env,
            rt,
            t,
            &p.sets,
            old,
            p.conflict,
            &mut bufs,
            p.returning.is_some(),
            &p.triggers,
        )? {
            count += 1;
            env.written = count;
            emit(&p.returning, env, rt, out, true)?;
        }
    }
    Ok(count)
}

pub fn run_delete(p: &DeletePlan, env: &mut Env, rt: &mut Rt, out: &mut RowStore) -> Result<i64> {
    let t = &p.table;
    if !p.triggers.instead.is_empty() {
        return trigger::view_delete(p, env, rt);
    }
    if p.truncate {
        // The stored count is exact (schema::quota), so no scan is needed.
        let n = match env.counts.rows(env.txn, t)? {
            Some(n) => n,
            None => btree::count_entries(env.txn, t.root)?,
        };
        btree::clear_btree(env.txn, t.root)?;
        for idx in &t.indexes {
            btree::clear_btree(env.txn, idx.root)?;
        }
        env.counts.cleared(env.txn, t)?;
        return Ok(n as i64);
    }
    let ids = collect_rowids(&p.scan, env, rt)?;
    let mut count = 0;
    for id in ids {
        env.cx().check_interrupt()?;
        if p.returning.is_some() && !read_row(env, rt, t, id, 0)? {
            continue;
        }
        if trigger::delete_with_triggers(env, rt, t, id, &p.triggers)? {
            count += 1;
            env.written = count;
            emit(&p.returning, env, rt, out, false)?;
        }
    }
    Ok(count)
}
