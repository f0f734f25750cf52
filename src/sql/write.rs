//! Row-level writes shared by INSERT, UPDATE, DELETE and REPLACE: constraint
//! checks in SQLite's order (NOT NULL, CHECK, rowid/PRIMARY KEY, UNIQUE
//! indexes) with conflict resolution, and keeping every index in step with
//! its table.

use crate::error::{Error, ErrorKind, Result};
use crate::schema::{Conflict, Index, IndexOrigin, Table};
use crate::sql::dml::RowCounts;
use crate::sql::exec::load_row;
use crate::sql::expr::{eval, ConnVars, Cx, Rt};
use crate::sql::select::SelectPlan;
use crate::sql::types::{self, Affinity};
use crate::storage::btree;
use crate::storage::record::{decode_record, encode_record};
use crate::storage::{BTreeKind, Cursor, SeekOp, Txn, Value};
use std::sync::atomic::AtomicBool;

/// Everything a writing statement needs, with the transaction writable.
pub struct Env<'a> {
    pub txn: &'a mut Txn,
    pub params: &'a [Value],
    pub vars: &'a mut ConnVars,
    pub interrupt: &'a AtomicBool,
    pub subs: &'a [SelectPlan],
    /// Set when a FAIL conflict stopped the statement: keep its changes.
    pub keep_changes: bool,
    /// Set when a ROLLBACK conflict stopped it: roll back the transaction.
    pub rollback_txn: bool,
    /// Rows written so far (what changes() reports when an OR FAIL conflict
    /// stops the statement and its changes stay).
    pub written: i64,
    pub rec: Vec<u8>,
    pub key: Vec<u8>,
    pub scratch: Vec<Value>,
    /// Reused buffer for the order of uniqueness checks.
    pub order: Vec<Unique>,
    /// The row being inserted and its source values (reused across rows).
    pub row: Vec<Value>,
    pub src: Vec<Value>,
    /// Row counts of the tables written, and their limits (see
    /// `RowCounts`); the statement writes them back before it ends.
    pub counts: RowCounts,
}

/// The buffers of an `Env`, kept by a prepared statement between steps so
/// that a statement run once per row (a prepared INSERT) allocates nothing
/// per step for them.
#[derive(Default)]
pub struct WriteBuffers {
    rec: Vec<u8>,
    key: Vec<u8>,
    scratch: Vec<Value>,
    order: Vec<Unique>,
    row: Vec<Value>,
    src: Vec<Value>,
}

impl<'a> Env<'a> {
    pub fn new(
        txn: &'a mut Txn,
        params: &'a [Value],
        vars: &'a mut ConnVars,
        interrupt: &'a AtomicBool,
        subs: &'a [SelectPlan],
    ) -> Env<'a> {
        Env {
            txn,
            params,
            vars,
            interrupt,
            subs,
            keep_changes: false,
            rollback_txn: false,
            written: 0,
            rec: Vec::new(),
            key: Vec::new(),
            scratch: Vec::new(),
            order: Vec::new(),
            row: Vec::new(),
            src: Vec::new(),
            counts: RowCounts::default(),
        }
    }

    /// Exchanges this run's buffers with a statement's kept ones (see
    /// `WriteBuffers`): once to take them over, once to hand them back.
    pub fn swap_buffers(&mut self, b: &mut WriteBuffers) {
        use std::mem::swap;
        swap(&mut self.rec, &mut b.rec);
        swap(&mut self.key, &mut b.key);
        swap(&mut self.scratch, &mut b.scratch);
        swap(&mut self.order, &mut b.order);
        swap(&mut self.row, &mut b.row);
        swap(&mut self.src, &mut b.src);
    }

    /// An evaluation context reading through the transaction.
    pub fn cx(&mut self) -> Cx<'_> {
        Cx { txn: &*self.txn, params: self.params, vars: &mut *self.vars, interrupt: self.interrupt, subs: self.subs }
    }

    /// Records the conflict action of a failing constraint and builds the error.
    fn fail(&mut self, action: Conflict, kind: ErrorKind, msg: String) -> Error {
        match action {
            Conflict::Fail => self.keep_changes = true,
            Conflict::Rollback => self.rollback_txn = true,
            _ => {}
        }
        Error::new(kind, msg)
    }
}

/// What happened to a row offered for writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Written(i64),
    /// An IGNORE conflict (or an upsert's DO NOTHING) skipped it.
    Ignored,
    /// A uniqueness conflict with row `other` that ON CONFLICT clause
    /// `clause` turns into an UPDATE of that row; `rowid` is the one the
    /// new row would have had.
    Upsert {
        clause: usize,
        other: i64,
        rowid: i64,
    },
}

fn index_key(idx: &Index, vals: &[Value], rowid: i64, out: &mut Vec<u8>) {
    let mut key: Vec<Value> = idx.cols.iter().map(|&c| vals[c].clone()).collect();
    key.push(Value::Integer(rowid));
    out.clear();
    encode_record(&key, out);
}

fn unique_msg(t: &Table, idx: &Index) -> String {
    let cols: Vec<String> = idx.cols.iter().map(|&c| format!("{}.{}", t.name, t.cols[c].name)).collect();
    format!("UNIQUE constraint failed: {}", cols.join(", "))
}

fn rowid_msg(t: &Table) -> String {
    match t.ipk {
        Some(i) => format!("UNIQUE constraint failed: {}.{}", t.name, t.cols[i].name),
        None => format!("UNIQUE constraint failed: {}.rowid", t.name),
    }
}

/// A fresh rowid: one past the largest (even when that is negative or 0), or a random unused one when the
/// largest is i64::MAX, else SQLITE_FULL.
pub fn new_rowid(env: &mut Env, t: &Table) -> Result<i64> {
    match btree::table_max_rowid(env.txn, t.root)? {
        None => Ok(1),
        Some(m) if m < i64::MAX => Ok(m + 1),
        Some(_) => {
            for _ in 0..100 {
                let r = (env.vars.next_random() & i64::MAX).max(1);
                if !btree::table_get(env.txn, t.root, r, &mut env.rec)? {
                    return Ok(r);
                }
            }
            Err(Error::new(ErrorKind::Full, "database or disk is full"))
        }
    }
}

/// The rowid a value names, or SQLITE_MISMATCH.
pub fn rowid_of(v: &Value) -> Result<Option<i64>> {
    match types::apply_affinity(v.clone(), Affinity::Integer) {
        Value::Null => Ok(None),
        Value::Integer(i) => Ok(Some(i)),
        _ => Err(Error::new(ErrorKind::Mismatch, "datatype mismatch")),
    }
}

/// Deletes row `rowid` and its index entries; false when absent.
pub fn delete_row(env: &mut Env, t: &Table, rowid: i64) -> Result<bool> {
    if !btree::table_get(env.txn, t.root, rowid, &mut env.rec)? {
        return Ok(false);
    }
    if !t.indexes.is_empty() {
        let mut vals = std::mem::take(&mut env.scratch);
        decode_record(&env.rec, &mut vals)?;
        vals.resize(vals.len().max(t.cols.len()), Value::Null);
        if let Some(i) = t.ipk {
            vals[i] = Value::Integer(rowid);
        }
        for idx in &t.indexes {
            index_key(idx, &vals, rowid, &mut env.key);
            btree::index_delete(env.txn, idx.root, &env.key, &idx.ki)?;
        }
        env.scratch = vals;
    }
    env.counts.deleting(env.txn, t)?;
    btree::table_delete(env.txn, t.root, rowid)?;
    Ok(true)
}

/// A uniqueness constraint of a table: the rowid or `indexes[k]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unique {
    Rowid,
    Index(usize),
}

/// What an INSERT's ON CONFLICT clauses ask for, as [`write_row_with`] sees
/// them: per clause, the constraint it targets (None = any, only the last).
#[derive(Clone, Copy, Debug)]
pub struct UpsertTargets<'a> {
    pub targets: &'a [Option<Unique>],
    /// Per clause: DO NOTHING (true) or DO UPDATE.
    pub nothing: &'a [bool],
}

impl UpsertTargets<'_> {
    /// The first clause handling a conflict on `u`.
    fn clause_for(&self, u: Unique) -> Option<usize> {
        self.targets.iter().position(|t| t.is_none_or(|t| t == u))
    }
}

/// The order SQLite checks uniqueness constraints in: with ON CONFLICT
/// targets, the targeted ones first (in clause order, the rowid right after
/// them when not targeted itself), then the rest; the rest (and everything
/// without targets) is the rowid, then the indexes newest first with those
/// declared ON CONFLICT REPLACE last; a rowid declared REPLACE is checked
/// after every index when no OR clause overrides it.
pub fn unique_order(t: &Table, conf: Option<Conflict>, ups: Option<&UpsertTargets>, out: &mut Vec<Unique>) {
    out.clear();
    let mut targeted = false;
    if let Some(u) = ups {
        for tg in u.targets.iter().map_while(|t| *t) {
            if !out.contains(&tg) {
                out.push(tg);
            }
        }
        targeted = !out.is_empty();
        if targeted && !out.contains(&Unique::Rowid) {
            out.push(Unique::Rowid);
        }
    }
    let declared_replace = |i: &Index| i.conflict == Some(Conflict::Replace);
    let defer_rowid =
        !targeted && conf.is_none() && t.ipk_conflict == Some(Conflict::Replace) && t.indexes.iter().any(|i| i.unique);
    if !targeted && !defer_rowid {
        out.push(Unique::Rowid);
    }
    let n = t.indexes.len();
    for pass in [false, true] {
        for k in (0..n).rev() {
            let i = &t.indexes[k];
            if i.unique && declared_replace(i) == pass && !out.contains(&Unique::Index(k)) {
                out.push(Unique::Index(k));
            }
        }
    }
    if defer_rowid {
        out.push(Unique::Rowid);
    }
}

/// Writes one row of `t` (affinities already applied to `vals`) at `rowid`
/// (None = new rowid), checking constraints. `old` is the row an UPDATE
/// rewrites (rowid and values; its own entries never conflict with it).
pub fn write_row(
    env: &mut Env,
    rt: &mut Rt,
    t: &Table,
    vals: &mut [Value],
    rowid: Option<i64>,
    old: Option<(i64, &[Value])>,
    conf: Option<Conflict>,
) -> Result<Outcome> {
    write_row_with(env, rt, t, vals, rowid, old, conf, None)
}

/// The other row (not `rowid` nor `old_rowid`) holding `key` in `idx`.
fn index_conflict(
    env: &mut Env,
    idx: &Index,
    key: &[Value],
    rowid: i64,
    old_rowid: Option<i64>,
) -> Result<Option<i64>> {
    let mut cur = Cursor::new(idx.root, BTreeKind::Index);
    if !cur.seek_key(env.txn, key, &idx.ki, SeekOp::Eq)? {
        return Ok(None);
    }
    let r = cur.rowid(env.txn)?;
    if Some(r) != old_rowid && r != rowid {
        return Ok(Some(r));
    }
    // Our own entry; look for another one with the same key.
    while cur.next(env.txn)? {
        cur.record(env.txn, &mut env.key)?;
        if crate::storage::record::compare_record_to_key(&env.key, key, &idx.ki)? != std::cmp::Ordering::Equal {
            break;
        }
        let r = cur.rowid(env.txn)?;
        if Some(r) != old_rowid && r != rowid {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

/// [`write_row`] for an INSERT with ON CONFLICT clauses (`ups`): a
/// uniqueness conflict a DO UPDATE clause handles writes nothing and is
/// reported as [`Outcome::Upsert`].
#[allow(clippy::too_many_arguments)]
pub fn write_row_with(
    env: &mut Env,
    rt: &mut Rt,
    t: &Table,
    vals: &mut [Value],
    rowid: Option<i64>,
    old: Option<(i64, &[Value])>,
    conf: Option<Conflict>,
    ups: Option<&UpsertTargets>,
) -> Result<Outcome> {
    let old_rowid = old.map(|o| o.0);
    // NOT NULL.
    for (ci, c) in t.cols.iter().enumerate() {
        if Some(ci) == t.ipk {
            continue;
        }
        if let (Some(cc), Value::Null) = (c.notnull, &vals[ci]) {
            let action = conf.unwrap_or(cc);
            match action {
                Conflict::Ignore => return Ok(Outcome::Ignored),
                Conflict::Replace if c.default.is_some() => {
                    let d = c.default.clone().expect("default");
                    let v = eval(&d, rt, &mut env.cx())?;
                    vals[ci] = types::apply_affinity(v, c.affinity);
                    if matches!(vals[ci], Value::Null) {
                        return Err(env.fail(
                            Conflict::Abort,
                            ErrorKind::ConstraintNotNull,
                            format!("NOT NULL constraint failed: {}.{}", t.name, c.name),
                        ));
                    }
                }
                a => {
                    return Err(env.fail(
                        a,
                        ErrorKind::ConstraintNotNull,
                        format!("NOT NULL constraint failed: {}.{}", t.name, c.name),
                    ))
                }
            }
        }
    }
    let rowid = match rowid {
        Some(r) => r,
        None => new_rowid(env, t)?,
    };
    // CHECK constraints see the new row in slot 0.
    if !t.checks.is_empty() {
        let slot = &mut rt.slots[0];
        slot.vals.clear();
        slot.vals.extend_from_slice(vals);
        if let Some(i) = t.ipk {
            slot.vals[i] = Value::Integer(rowid);
        }
        slot.rowid = rowid;
        slot.null_row = false;
        for ck in &t.checks {
            if crate::sql::expr::eval_cond(&ck.expr, rt, &mut env.cx())? == Some(false) {
                let action = conf.unwrap_or(Conflict::Abort);
                if action == Conflict::Ignore {
                    return Ok(Outcome::Ignored);
                }
                let action = if action == Conflict::Replace { Conflict::Abort } else { action };
                return Err(env.fail(
                    action,
                    ErrorKind::ConstraintCheck,
                    format!("CHECK constraint failed: {}", ck.label),
                ));
            }
        }
    }
    // An INSERT's row may only grow the table within its row limit; the
    // count now tells whether a REPLACE below frees a row for it.
    let counted = match old {
        None => env.counts.slot(env.txn, t)?.map(|s| (s, env.counts.rows_at(s))),
        Some(_) => None,
    };
    // Uniqueness: the rowid and the UNIQUE indexes, in SQLite's order.
    let mut order = std::mem::take(&mut env.order);
    unique_order(t, conf, ups, &mut order);
    let r = check_unique(env, t, vals, rowid, old_rowid, conf, ups, &order);
    env.order = order;
    if let Some(o) = r? {
        return Ok(o);
    }
    // UPDATE in place: only index entries whose key changed are rewritten.
    if let Some((old, ov)) = old {
        if old == rowid {
            let mut changed = Vec::new();
            for (k, idx) in t.indexes.iter().enumerate() {
                if idx.cols.iter().any(|&c| ov.get(c) != vals.get(c)) {
                    index_key(idx, ov, rowid, &mut env.key);
                    btree::index_delete(env.txn, idx.root, &env.key, &idx.ki)?;
                    changed.push(k);
                }
            }
            let saved = t.ipk.map(|i| std::mem::replace(&mut vals[i], Value::Null));
            env.rec.clear();
            encode_record(vals, &mut env.rec);
            if let (Some(i), Some(v)) = (t.ipk, saved) {
                vals[i] = v;
            }
            btree::table_insert(env.txn, t.root, rowid, &env.rec)?;
            for k in changed {
                let idx = &t.indexes[k];
                index_key(idx, vals, rowid, &mut env.key);
                btree::index_insert(env.txn, idx.root, &env.key, &idx.ki)?;
            }
            return Ok(Outcome::Written(rowid));
        }
    }
    // UPDATE moving the row: remove the old row and its index entries.
    if let Some(old) = old_rowid {
        delete_row(env, t, old)?;
    }
    if let Some((slot, before)) = counted {
        env.counts.check_insert(env.txn, slot, before)?;
    }
    // Write the row (the rowid alias is stored as NULL) and its index entries.
    let saved = t.ipk.map(|i| std::mem::replace(&mut vals[i], Value::Null));
    env.rec.clear();
    encode_record(vals, &mut env.rec);
    if let (Some(i), Some(v)) = (t.ipk, saved) {
        vals[i] = v;
    }
    btree::table_insert(env.txn, t.root, rowid, &env.rec)?;
    match counted {
        Some((slot, _)) => env.counts.inserted_at(slot),
        // An UPDATE moving its row (deleted above) or an untracked table.
        None => env.counts.inserted(env.txn, t)?,
    }
    if !t.indexes.is_empty() {
        if let Some(i) = t.ipk {
            vals[i] = Value::Integer(rowid);
        }
        for idx in &t.indexes {
            index_key(idx, vals, rowid, &mut env.key);
            btree::index_insert(env.txn, idx.root, &env.key, &idx.ki)?;
        }
    }
    Ok(Outcome::Written(rowid))
}

/// Checks the uniqueness constraints in `order`, resolving conflicts; Some
/// when the row is not to be written (IGNORE, or an upsert's DO UPDATE).
#[allow(clippy::too_many_arguments)]
fn check_unique(
    env: &mut Env,
    t: &Table,
    vals: &[Value],
    rowid: i64,
    old_rowid: Option<i64>,
    conf: Option<Conflict>,
    ups: Option<&UpsertTargets>,
    order: &[Unique],
) -> Result<Option<Outcome>> {
    for &u in order {
        let clause = ups.and_then(|x| x.clause_for(u));
        let (other, declared, kind) = match u {
            Unique::Rowid => {
                if old_rowid == Some(rowid) || !btree::table_get(env.txn, t.root, rowid, &mut env.rec)? {
                    continue;
                }
                (rowid, t.ipk_conflict, ErrorKind::ConstraintPrimaryKey)
            }
            Unique::Index(k) => {
                let idx = &t.indexes[k];
                let mut key = std::mem::take(&mut env.scratch);
                key.clear();
                key.extend(idx.cols.iter().map(|&c| vals[c].clone()));
                let found = if key.iter().any(|v| matches!(v, Value::Null)) {
                    None
                } else {
                    index_conflict(env, idx, &key, rowid, old_rowid)?
                };
                env.scratch = key;
                let Some(other) = found else { continue };
                let kind = if idx.origin == IndexOrigin::PrimaryKey {
                    ErrorKind::ConstraintPrimaryKey
                } else {
                    ErrorKind::ConstraintUnique
                };
                (other, idx.conflict, kind)
            }
        };
        if let (Some(c), Some(x)) = (clause, ups) {
            if x.nothing[c] {
                return Ok(Some(Outcome::Ignored));
            }
            return Ok(Some(Outcome::Upsert { clause: c, other, rowid }));
        }
        match conf.or(declared).unwrap_or(Conflict::Abort) {
            Conflict::Replace => {
                delete_row(env, t, other)?;
                // Another row may hold the same key in a non-unique sense
                // only once: an index check repeats until no clash is left.
                if let Unique::Index(_) = u {
                    let again = check_unique(env, t, vals, rowid, old_rowid, conf, ups, std::slice::from_ref(&u))?;
                    if again.is_some() {
                        return Ok(again);
                    }
                }
            }
            Conflict::Ignore => return Ok(Some(Outcome::Ignored)),
            a => {
                let msg = match u {
                    Unique::Index(k) => unique_msg(t, &t.indexes[k]),
                    Unique::Rowid => rowid_msg(t),
                };
                return Err(env.fail(a, kind, msg));
            }
        }
    }
    Ok(None)
}

/// Reads row `rowid` of `t` into slot `slot`; false when absent.
pub fn read_row(env: &mut Env, rt: &mut Rt, t: &Table, rowid: i64, slot: usize) -> Result<bool> {
    if !btree::table_get(env.txn, t.root, rowid, &mut env.rec)? {
        return Ok(false);
    }
    load_row(t, &env.rec, rowid, &mut rt.slots[slot])?;
    Ok(true)
}
