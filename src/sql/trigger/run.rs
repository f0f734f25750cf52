//! Running trigger programs for one row, and the row operations of UPDATE
//! and DELETE with their triggers around them, in SQLite's order:
//! BEFORE triggers, then (when the row is still there) the write, then
//! AFTER triggers.
//!
//! Counters follow SQLite: changes() and last_insert_rowid() inside a
//! program reflect its own statements and are restored when it ends;
//! total_changes() counts every row any statement wrote.

use super::compile::RAISE_TAG;
use super::{Step, TriggerProgram, Triggers, Unit};
use crate::error::{Error, ErrorKind, Result};
use crate::schema::{Conflict, Table};
use crate::sql::dml::{run_delete, run_insert, run_update, update_loaded_row, RowBufs};
use crate::sql::exec::spill::{Budget, RowStore};
use crate::sql::exec::SelectRun;
use crate::sql::expr::{eval, eval_cond, CExpr, Rt};
use crate::sql::types;
use crate::sql::write::{delete_row, read_row, rowid_of, write_row, Env, Outcome};
use crate::storage::{btree, Value};

/// What the programs fired for a row asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fired {
    Done,
    /// RAISE(IGNORE): leave this row alone and go on with the next.
    Ignore,
}

/// A row handed to a trigger as NEW or OLD: its values and rowid.
pub type RowRef<'a> = (&'a [Value], i64);

fn load(rt: &mut Rt, slot: Option<usize>, row: Option<RowRef>) {
    if let (Some(s), Some((vals, rowid))) = (slot, row) {
        let s = &mut rt.slots[s];
        s.vals.clear();
        s.vals.extend_from_slice(vals);
        s.rowid = rowid;
        s.null_row = false;
    }
}

fn unit_rt<P>(u: &Unit<P>, new: Option<RowRef>, old: Option<RowRef>) -> Rt {
    let mut rt = Rt::new(u.n_slots, u.n_aggs, u.subs.len());
    load(&mut rt, u.new_slot, new);
    load(&mut rt, u.old_slot, old);
    rt
}

/// Runs `progs` (in order) for one row. A RAISE inside becomes its effect
/// here: IGNORE ends the row's triggers with [`Fired::Ignore`]; ABORT,
/// FAIL and ROLLBACK fail with their message and mark `env` as SQLite's
/// conflict algorithm of the same name would.
pub fn fire(progs: &[TriggerProgram], env: &mut Env, new: Option<RowRef>, old: Option<RowRef>) -> Result<Fired> {
    if progs.is_empty() {
        return Ok(Fired::Done);
    }
    let saved_changes = env.vars.changes;
    let saved_rowid = env.vars.last_insert_rowid;
    let mut r = Ok(Fired::Done);
    for p in progs {
        match run_program(p, env, new, old) {
            Ok(true) => {}
            Ok(false) => {
                r = Ok(Fired::Ignore);
                break;
            }
            Err(e) => {
                r = Err(e);
                break;
            }
        }
    }
    env.vars.changes = saved_changes;
    env.vars.last_insert_rowid = saved_rowid;
    r
}

/// Runs one program; Ok(false) on RAISE(IGNORE).
fn run_program(p: &TriggerProgram, env: &mut Env, new: Option<RowRef>, old: Option<RowRef>) -> Result<bool> {
    let r = (|| -> Result<()> {
        if let Some(w) = &p.when {
            let mut rt = unit_rt(w, new, old);
            let mut sub = Env::new(&mut *env.txn, &[], &mut *env.vars, env.interrupt, &w.subs);
            if eval_cond(&w.plan, &mut rt, &mut sub.cx())? != Some(true) {
                return Ok(());
            }
        }
        for u in &p.steps {
            run_step(u, env, new, old)?;
        }
        Ok(())
    })();
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.kind == ErrorKind::ConstraintTrigger && e.message.starts_with(RAISE_TAG) => {
            let mut chars = e.message.chars();
            chars.next();
            let kind = chars.next();
            let msg = chars.as_str().to_string();
            match kind {
                Some('I') => Ok(false),
                Some('F') => {
                    env.keep_changes = true;
                    Err(Error::new(ErrorKind::ConstraintTrigger, msg))
                }
                Some('R') => {
                    env.rollback_txn = true;
                    Err(Error::new(ErrorKind::ConstraintTrigger, msg))
                }
                _ => Err(Error::new(ErrorKind::ConstraintTrigger, msg)),
            }
        }
        Err(e) => Err(e),
    }
}

fn run_step(u: &Unit<Step>, env: &mut Env, new: Option<RowRef>, old: Option<RowRef>) -> Result<()> {
    let mut rt = unit_rt(u, new, old);
    let mut sub = Env::new(&mut *env.txn, &[], &mut *env.vars, env.interrupt, &u.subs);
    // One row tally for the statement and every trigger step it fires.
    sub.counts = env.counts.take();
    // A trigger's steps have no RETURNING: this store stays empty.
    let mut out = RowStore::new(Budget::unlimited(&sub.vars.work));
    let r = match &u.plan {
        Step::Select(plan) => {
            let mut run = SelectRun::new(plan);
            let mut row = Vec::new();
            let mut cx = sub.cx();
            let mut r = Ok(None);
            loop {
                match run.next(plan, &mut rt, &mut cx, &mut row) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        r = Err(e);
                        break;
                    }
                }
            }
            r
        }
        Step::Insert(p) => run_insert(p, &mut sub, &mut rt, &mut out).map(Some),
        Step::Update(p) => run_update(p, &mut sub, &mut rt, &mut out).map(Some),
        Step::Delete(p) => run_delete(p, &mut sub, &mut rt, &mut out).map(Some),
    };
    let (keep, rollback) = (sub.keep_changes, sub.rollback_txn);
    env.counts = sub.counts.take();
    drop(sub);
    env.keep_changes |= keep;
    env.rollback_txn |= rollback;
    if let Some(n) = r? {
        env.vars.changes = n;
        env.vars.total_changes += n;
    }
    Ok(())
}

/// [`update_loaded_row`] with the UPDATE's triggers around it (`reload`:
/// leave the new row in slot 0, always done when triggers fire). The row
/// (rowid `old`) is in slot 0. BEFORE triggers see the new values; when
/// they delete the row it is skipped, and columns the UPDATE does not
/// assign are read again (a BEFORE trigger may have changed them).
#[allow(clippy::too_many_arguments)]
pub fn update_with_triggers(
    env: &mut Env,
    rt: &mut Rt,
    t: &Table,
    sets: &[(Option<usize>, CExpr)],
    old: i64,
    conf: Option<Conflict>,
    b: &mut RowBufs,
    reload: bool,
    tr: &Triggers,
) -> Result<Outcome> {
    if tr.before.is_empty() && tr.after.is_empty() {
        return update_loaded_row(env, rt, t, sets, old, conf, b, reload);
    }
    let oldv: Vec<Value> = rt.slots[0].vals.clone();
    let mut newv = oldv.clone();
    let mut rowid = old;
    {
        let mut setv = Vec::with_capacity(sets.len());
        let mut cx = env.cx();
        for (_, e) in sets {
            setv.push(eval(e, rt, &mut cx)?);
        }
        for ((col, _), v) in sets.iter().zip(setv) {
            match col {
                Some(ci) => newv[*ci] = types::apply_affinity(v, t.cols[*ci].affinity),
                None => match rowid_of(&v)? {
                    Some(r) => rowid = r,
                    None => return Err(Error::new(ErrorKind::Mismatch, "datatype mismatch")),
                },
            }
        }
    }
    if let Some(i) = t.ipk {
        newv[i] = Value::Integer(rowid);
    }
    let mut cur = oldv.clone();
    if !tr.before.is_empty() {
        if fire(&tr.before, env, Some((&newv, rowid)), Some((&oldv, old)))? == Fired::Ignore {
            return Ok(Outcome::Ignored);
        }
        if !read_row(env, rt, t, old, 0)? {
            return Ok(Outcome::Ignored);
        }
        cur.clone_from(&rt.slots[0].vals);
        for (ci, v) in newv.iter_mut().enumerate() {
            if Some(ci) != t.ipk && !sets.iter().any(|(c, _)| *c == Some(ci)) {
                *v = cur[ci].clone();
            }
        }
    }
    let o = write_row(env, rt, t, &mut newv, Some(rowid), Some((old, &cur)), conf)?;
    if let Outcome::Written(r) = o {
        let s = &mut rt.slots[0];
        s.vals.clear();
        s.vals.extend_from_slice(&newv);
        if let Some(i) = t.ipk {
            s.vals[i] = Value::Integer(r);
        }
        s.rowid = r;
        s.null_row = false;
        // RAISE(IGNORE) in an AFTER trigger only ends that trigger.
        fire(&tr.after, env, Some((&newv, r)), Some((&oldv, old)))?;
    }
    Ok(o)
}

/// Deletes row `id` of `t` with the DELETE's triggers around it; the row
/// is left in slot 0 (for RETURNING). False when it was not deleted.
pub fn delete_with_triggers(env: &mut Env, rt: &mut Rt, t: &Table, id: i64, tr: &Triggers) -> Result<bool> {
    if tr.before.is_empty() && tr.after.is_empty() {
        return delete_row(env, t, id);
    }
    if !read_row(env, rt, t, id, 0)? {
        return Ok(false);
    }
    let oldv: Vec<Value> = rt.slots[0].vals.clone();
    if !tr.before.is_empty() {
        if fire(&tr.before, env, None, Some((&oldv, id)))? == Fired::Ignore {
            return Ok(false);
        }
        if !btree::table_get(env.txn, t.root, id, &mut env.rec)? {
            return Ok(false);
        }
    }
    if !delete_row(env, t, id)? {
        return Ok(false);
    }
    fire(&tr.after, env, None, Some((&oldv, id)))?;
    Ok(true)
}

/// Collects the rows of a view an UPDATE / DELETE through INSTEAD OF
/// triggers selects (numbered from 1 in selection order: their rowids).
fn view_rows(scan: &crate::sql::select::SelectPlan, env: &mut Env, rt: &mut Rt) -> Result<Vec<(Vec<Value>, i64)>> {
    let mut run = SelectRun::new(scan);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cx = env.cx();
    while run.next(scan, rt, &mut cx, &mut row)? {
        let n = rows.len() as i64 + 1;
        rows.push((rt.slots[0].vals.clone(), n));
    }
    Ok(rows)
}

/// UPDATE of a view: its INSTEAD OF UPDATE triggers run for each selected
/// row (OLD) with the assigned values (NEW). No row of the view itself
/// changes, so the count is 0.
pub fn view_update(p: &crate::sql::dml::UpdatePlan, env: &mut Env, rt: &mut Rt) -> Result<i64> {
    let rows = view_rows(&p.scan, env, rt)?;
    let mut newv = Vec::new();
    for (oldv, rowid) in rows {
        env.cx().check_interrupt()?;
        load(rt, Some(0), Some((&oldv, rowid)));
        newv.clone_from(&oldv);
        let mut new_rowid = rowid;
        {
            let mut cx = env.cx();
            for (col, e) in &p.sets {
                let v = eval(e, rt, &mut cx)?;
                match col {
                    Some(ci) => newv[*ci] = v,
                    None => new_rowid = rowid_of(&v)?.unwrap_or(rowid),
                }
            }
        }
        fire(&p.triggers.instead, env, Some((&newv, new_rowid)), Some((&oldv, rowid)))?;
    }
    Ok(0)
}

/// DELETE from a view: its INSTEAD OF DELETE triggers run for each row.
pub fn view_delete(p: &crate::sql::dml::DeletePlan, env: &mut Env, rt: &mut Rt) -> Result<i64> {
    for (oldv, rowid) in view_rows(&p.scan, env, rt)? {
        env.cx().check_interrupt()?;
        fire(&p.triggers.instead, env, None, Some((&oldv, rowid)))?;
    }
    Ok(0)
}
