//! Running a [`SelectPlan`]: a pull-based nested loop over B-tree cursors.
//!
//! `SelectRun::next` yields one result row per call. Each join level is a
//! small state machine (Init -> Active -> Done, plus the NULL row of an
//! unmatched LEFT JOIN). Queries with aggregates or a needed sort run the
//! loop to completion on the first call and then hand out the buffered rows.

mod autohash;
mod collect;
mod compound;
mod distinct;
mod group;
pub(crate) mod keyhash;
mod rows;
mod sort;
pub mod spill;
#[cfg(test)]
mod tests;

pub use collect::Collector;
pub use rows::{decode_needed, group_key, load_row, value_to_rowid};
use rows::{load_row_needed, probe_value, rowid_bound, set_null_row};

use crate::error::{Error, ErrorKind, Result};
use crate::sql::expr::{eval, eval_bool, Cx, Rt};
use crate::sql::planner::{Access, IndexAccess};
use crate::sql::select::SelectPlan;
use crate::sql::types::{self, Affinity};
use crate::storage::record::{compare_record_to_key, compare_values};
use crate::storage::{BTreeKind, Collation, Cursor, SeekOp, Value};
use std::cmp::Ordering;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum St {
    Init,
    Active,
    Done,
    NullDone,
}

struct LevelRt {
    st: St,
    matched: bool,
    cur: Option<Cursor>,
    /// Table cursor of an index level (rows looked up by rowid).
    tcur: Option<Cursor>,
    /// Index probe: equality prefix (+ current IN value).
    keys: Vec<Value>,
    /// keys + [lo] / keys + [hi] for bound checks.
    lo_key: Option<(Vec<Value>, bool)>,
    hi_key: Option<(Vec<Value>, bool)>,
    /// IN values (rowids or index values) and the next position.
    list: Vec<Value>,
    pos: usize,
    lo_i: i64,
    hi_i: i64,
    /// Rows of a FROM subquery on an inner level, read in full at each
    /// loop (inside the statement budget), and the reading position.
    store: Option<(spill::RowStore, spill::StoreCursor)>,
    /// The run producing a FROM subquery on demand: the outermost level's
    /// (streamed), or a recursive CTE's on an inner level, whose rows so
    /// far are in `store` (a LIMIT may end an unbounded recursion).
    sub_run: Option<Box<SelectRun>>,
    /// Decoded index entry (covering scans).
    list_scratch: Vec<Value>,
    /// Which index key fields a covering scan must decode.
    idx_mask: Vec<bool>,
    /// Automatic hash index (autohash.rs), and the key of the current probe.
    hash: Option<autohash::HashIndex>,
    probe: Vec<u8>,
    rec: Vec<u8>,
}

impl LevelRt {
    fn new() -> LevelRt {
        LevelRt {
            st: St::Init,
            matched: false,
            cur: None,
            tcur: None,
            keys: Vec::new(),
            lo_key: None,
            hi_key: None,
            list: Vec::new(),
            pos: 0,
            lo_i: i64::MIN,
            hi_i: i64::MAX,
            store: None,
            sub_run: None,
            rec: Vec::new(),
            list_scratch: Vec::new(),
            idx_mask: Vec::new(),
            hash: None,
            probe: Vec::new(),
        }
    }
    fn reset(&mut self) {
        self.st = St::Init;
        self.matched = false;
    }
}

/// Runs a subquery and returns up to `max` rows.
pub fn run_subquery(plan: &SelectPlan, max: usize, rt: &mut Rt, cx: &mut Cx) -> Result<Vec<Vec<Value>>> {
    let mut run = SelectRun::new(plan);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    while rows.len() < max && run.next(plan, rt, cx, &mut row)? {
        rows.push(std::mem::take(&mut row));
    }
    Ok(rows)
}

/// Execution state of one SELECT.
pub struct SelectRun {
    levels: Vec<LevelRt>,
    started: bool,
    finished: bool,
    depth: usize,
    single_done: bool,
    values_pos: usize,
    buffered: Option<spill::RowStream>,
    /// DISTINCT of a streamed (not buffered) result, created on first use,
    /// its deferred rows once the stream has ended (in arrival order), and
    /// how many rows it deferred.
    distinct: Option<distinct::Distinct>,
    deferred: Option<spill::RowStream>,
    n_deferred: u64,
    limit: i64,
    offset: i64,
    /// Run state of a recursive CTE's plan.
    recursive: Option<Box<crate::sql::cte::RecursiveRun>>,
}

fn limit_value(v: Value, what: &str) -> Result<i64> {
    let _ = what;
    match types::apply_affinity(v, Affinity::Numeric) {
        Value::Integer(i) => Ok(i),
        _ => Err(Error::new(ErrorKind::Mismatch, "datatype mismatch")),
    }
}

impl SelectRun {
    pub fn new(plan: &SelectPlan) -> SelectRun {
        SelectRun {
            levels: plan.levels.iter().map(|_| LevelRt::new()).collect(),
            started: false,
            finished: false,
            depth: 0,
            single_done: false,
            values_pos: 0,
            buffered: None,
            distinct: None,
            deferred: None,
            n_deferred: 0,
            limit: -1,
            offset: 0,
            recursive: None,
        }
    }

    /// Frees buffered result rows and materialized subquery rows, and
    /// lets go of the pages the cursors hold (the run is over).
    pub fn release_rows(&mut self) {
        self.buffered = None;
        self.distinct = None;
        self.deferred = None;
        self.n_deferred = 0;
        self.recursive = None;
        for l in self.levels.iter_mut() {
            l.store = None;
            l.sub_run = None;
            for c in l.cur.iter_mut().chain(l.tcur.iter_mut()) {
                c.release();
            }
        }
    }

    /// Back to the start of `plan`, keeping buffers (cursors, record bytes).
    pub fn restart(&mut self, plan: &SelectPlan) {
        if self.levels.len() != plan.levels.len() {
            *self = SelectRun::new(plan);
            return;
        }
        for l in self.levels.iter_mut() {
            // The plan may have been recompiled: cursors are re-created.
            l.reset();
            l.store = None;
            l.sub_run = None;
            l.cur = None;
            l.tcur = None;
            l.hash = None;
        }
        self.started = false;
        self.finished = false;
        self.depth = 0;
        self.single_done = false;
        self.values_pos = 0;
        self.buffered = None;
        if let Some(d) = &mut self.distinct {
            d.clear();
        }
        self.deferred = None;
        self.n_deferred = 0;
        self.limit = -1;
        self.offset = 0;
        self.recursive = None;
    }

    /// Produces the next result row into `out`; false when done.
    pub fn next(&mut self, plan: &SelectPlan, rt: &mut Rt, cx: &mut Cx, out: &mut Vec<Value>) -> Result<bool> {
        if !self.started {
            self.started = true;
            if let Some(l) = &plan.limit {
                self.limit = limit_value(eval(l, rt, cx)?, "LIMIT")?;
            }
            if let Some(o) = &plan.offset {
                self.offset = limit_value(eval(o, rt, cx)?, "OFFSET")?.max(0);
            }
            if self.limit == 0 {
                // LIMIT 0 evaluates nothing else (no scan, no sort keys).
                self.finished = true;
                return Ok(false);
            }
            for f in &plan.pre_filter {
                if !eval_bool(f, rt, cx)? {
                    self.finished = true;
                }
            }
            if plan.recursive.is_some() {
                self.recursive = Some(Box::default());
            } else if let Some(c) = &plan.compound {
                self.buffered = Some(compound::compute(plan, c, rt, cx)?);
            } else if let Some(w) = &plan.window {
                self.buffered = Some(crate::sql::window::compute(plan, w, rt, cx)?);
            } else if plan.agg.is_some() || plan.sort {
                self.buffered = Some(self.compute_all(plan, rt, cx)?);
            }
        }
        loop {
            if self.limit == 0 {
                return Ok(false);
            }
            let got = match (&mut self.deferred, &mut self.buffered, &mut self.recursive, &plan.recursive) {
                (Some(d), ..) => match d.next_row()? {
                    Some(r) => {
                        *out = r;
                        true
                    }
                    None => false,
                },
                (_, _, Some(run), Some(rp)) => run.next(rp, rt, cx, out)?,
                (_, Some(it), ..) => match it.next_row()? {
                    Some(r) => {
                        *out = r;
                        true
                    }
                    None => false,
                },
                (None, None, ..) => self.stream_row(plan, rt, cx, out)?,
            };
            if !got {
                // A DISTINCT stream that deferred rows yields them last.
                if let (None, Some(d)) = (&self.deferred, &mut self.distinct) {
                    if let Some(rows) = d.finish(plan.result.len())? {
                        self.deferred = Some(distinct::in_arrival_order(rows, cx)?);
                        continue;
                    }
                }
                return Ok(false);
            }
            if self.buffered.is_none() && self.deferred.is_none() && plan.distinct {
                let d = self.distinct.get_or_insert_with(|| distinct::Distinct::new(cx));
                match d.check(out, &plan.colls) {
                    distinct::Verdict::New => {}
                    distinct::Verdict::Duplicate => continue,
                    distinct::Verdict::Deferred => {
                        let mut e = std::mem::take(out);
                        e.push(Value::Integer(self.n_deferred as i64));
                        self.n_deferred += 1;
                        d.defer(e, plan.result.len(), &plan.colls, cx)?;
                        continue;
                    }
                }
            }
            if self.offset > 0 {
                self.offset -= 1;
                continue;
            }
            if self.limit > 0 {
                self.limit -= 1;
            }
            return Ok(true);
        }
    }

    fn stream_row(&mut self, plan: &SelectPlan, rt: &mut Rt, cx: &mut Cx, out: &mut Vec<Value>) -> Result<bool> {
        if let Some(rows) = &plan.values {
            if self.finished || self.values_pos >= rows.len() {
                return Ok(false);
            }
            let row = &rows[self.values_pos];
            self.values_pos += 1;
            out.clear();
            for e in row {
                out.push(eval(e, rt, cx)?);
            }
            return Ok(true);
        }
        if !self.join_next(plan, rt, cx)? {
            return Ok(false);
        }
        out.clear();
        for e in &plan.result {
            out.push(eval(e, rt, cx)?);
        }
        Ok(true)
    }

    /// Advances the nested loop to its next combined row.
    fn join_next(&mut self, plan: &SelectPlan, rt: &mut Rt, cx: &mut Cx) -> Result<bool> {
        if self.finished {
            return Ok(false);
        }
        let n = plan.levels.len();
        if n == 0 {
            if self.single_done {
                return Ok(false);
            }
            self.single_done = true;
            return Ok(true);
        }
        let mut i = self.depth;
        loop {
            if self.advance(i, plan, rt, cx)? {
                let mut pass = true;
                for f in &plan.levels[i].filters {
                    if !eval_bool(f, rt, cx)? {
                        pass = false;
                        break;
                    }
                }
                if !pass {
                    continue;
                }
                if i + 1 == n {
                    self.depth = i;
                    return Ok(true);
                }
                i += 1;
                self.levels[i].reset();
            } else {
                if i == 0 {
                    self.finished = true;
                    return Ok(false);
                }
                i -= 1;
            }
        }
    }

    /// Next row of level `i` passing its ON terms (or its NULL row).
    fn advance(&mut self, i: usize, plan: &SelectPlan, rt: &mut Rt, cx: &mut Cx) -> Result<bool> {
        let lv = &plan.levels[i];
        loop {
            cx.check_interrupt()?;
            if !self.step_access(i, plan, rt, cx)? {
                let lr = &mut self.levels[i];
                if lv.left && !lr.matched && lr.st != St::NullDone {
                    lr.st = St::NullDone;
                    set_null_row(&lv.table, &mut rt.slots[lv.slot]);
                    return Ok(true);
                }
                return Ok(false);
            }
            let mut pass = true;
            for f in &lv.on_filters {
                if !eval_bool(f, rt, cx)? {
                    pass = false;
                    break;
                }
            }
            if pass {
                self.levels[i].matched = true;
                return Ok(true);
            }
        }
    }

    /// Positions level `i` on its next candidate row and loads it. Runs
    /// per row with one caller, so it is inlined into the join loop.
    #[inline(always)]
    fn step_access(&mut self, i: usize, plan: &SelectPlan, rt: &mut Rt, cx: &mut Cx) -> Result<bool> {
        let lv = &plan.levels[i];
        let t = &lv.table;
        let root = t.root;
        if matches!(self.levels[i].st, St::Done | St::NullDone) {
            return Ok(false);
        }
        if let Access::Sub(id) = lv.access {
            return self.step_sub(i, lv, id, rt, cx);
        }
        if let Access::AutoHash { col, rhs, aff, coll } = &lv.access {
            return self.step_hash(i, lv, *col, rhs, *aff, *coll, rt, cx);
        }
        if root == 0 {
            return Ok(false);
        }
        let txn = cx.txn;
        match &lv.access {
            Access::Scan { desc } => {
                let lr = &mut self.levels[i];
                let cur = lr.cur.get_or_insert_with(|| Cursor::new(root, BTreeKind::Table));
                let ok = if lr.st == St::Init {
                    lr.st = St::Active;
                    if *desc {
                        cur.last(txn)?
                    } else {
                        cur.first(txn)?
                    }
                } else if *desc {
                    cur.prev(txn)?
                } else {
                    cur.next(txn)?
                };
                if !ok {
                    lr.st = St::Done;
                    return Ok(false);
                }
                let rowid = if lv.rowid_needed { cur.rowid(txn)? } else { 0 };
                let slot = &mut rt.slots[lv.slot];
                cur.with_record(txn, &mut lr.rec, |r| load_row_needed(t, r, rowid, slot, &lv.needed))?;
                Ok(true)
            }
            Access::RowidEq(e) => {
                self.levels[i].st = St::Done;
                // A column or literal key is read in place (no copy).
                let rowid = match crate::sql::expr::operand_ref(e, rt) {
                    Some(v) => value_to_rowid(v),
                    None => value_to_rowid(&eval(e, rt, cx)?),
                };
                let Some(rowid) = rowid else {
                    return Ok(false);
                };
                // One cursor per level for the whole run: successive probes
                // near each other are found without descending from the root.
                let lr = &mut self.levels[i];
                let cur = lr.cur.get_or_insert_with(|| Cursor::new(root, BTreeKind::Table));
                if !cur.seek_rowid(txn, rowid, SeekOp::Eq)? {
                    return Ok(false);
                }
                let slot = &mut rt.slots[lv.slot];
                cur.with_record(txn, &mut lr.rec, |r| load_row_needed(t, r, rowid, slot, &lv.needed))?;
                Ok(true)
            }
            Access::RowidIn(list) => {
                if self.levels[i].st == St::Init {
                    let mut ids = Vec::with_capacity(list.len());
                    for e in list {
                        if let Some(r) = value_to_rowid(&eval(e, rt, cx)?) {
                            ids.push(r);
                        }
                    }
                    ids.sort_unstable();
                    ids.dedup();
                    let lr = &mut self.levels[i];
                    lr.list = ids.into_iter().map(Value::Integer).collect();
                    lr.pos = 0;
                    lr.st = St::Active;
                }
                let lr = &mut self.levels[i];
                while lr.pos < lr.list.len() {
                    let Value::Integer(rowid) = lr.list[lr.pos] else { unreachable!("rowid list") };
                    lr.pos += 1;
                    let cur = lr.cur.get_or_insert_with(|| Cursor::new(root, BTreeKind::Table));
                    if cur.seek_rowid(txn, rowid, SeekOp::Eq)? {
                        let slot = &mut rt.slots[lv.slot];
                        cur.with_record(txn, &mut lr.rec, |r| load_row_needed(t, r, rowid, slot, &lv.needed))?;
                        return Ok(true);
                    }
                }
                lr.st = St::Done;
                Ok(false)
            }
            Access::RowidRange { lo, hi, desc } => {
                if self.levels[i].st == St::Init {
                    let mut lo_i = i64::MIN;
                    let mut hi_i = i64::MAX;
                    let mut empty = false;
                    if let Some((e, incl)) = lo {
                        match rowid_bound(&eval(e, rt, cx)?, *incl, false) {
                            Ok(Some(x)) => lo_i = x,
                            Ok(None) => {}
                            Err(()) => empty = true,
                        }
                    }
                    if let Some((e, incl)) = hi {
                        match rowid_bound(&eval(e, rt, cx)?, *incl, true) {
                            Ok(Some(x)) => hi_i = x,
                            Ok(None) => {}
                            Err(()) => empty = true,
                        }
                    }
                    let lr = &mut self.levels[i];
                    if empty || lo_i > hi_i {
                        lr.st = St::Done;
                        return Ok(false);
                    }
                    lr.lo_i = lo_i;
                    lr.hi_i = hi_i;
                    lr.st = St::Active;
                    let cur = lr.cur.get_or_insert_with(|| Cursor::new(root, BTreeKind::Table));
                    let ok = if *desc {
                        cur.seek_rowid(txn, hi_i, SeekOp::Le)?
                    } else {
                        cur.seek_rowid(txn, lo_i, SeekOp::Ge)?
                    };
                    if !ok {
                        lr.st = St::Done;
                        return Ok(false);
                    }
                } else {
                    let lr = &mut self.levels[i];
                    let cur = lr.cur.as_mut().expect("cursor");
                    let ok = if *desc { cur.prev(txn)? } else { cur.next(txn)? };
                    if !ok {
                        lr.st = St::Done;
                        return Ok(false);
                    }
                }
                let lr = &mut self.levels[i];
                let cur = lr.cur.as_mut().expect("cursor");
                let rowid = cur.rowid(txn)?;
                if (!*desc && rowid > lr.hi_i) || (*desc && rowid < lr.lo_i) {
                    lr.st = St::Done;
                    return Ok(false);
                }
                let slot = &mut rt.slots[lv.slot];
                cur.with_record(txn, &mut lr.rec, |r| load_row_needed(t, r, rowid, slot, &lv.needed))?;
                Ok(true)
            }
            Access::Index(acc) => self.step_index(i, acc, plan, rt, cx),
            Access::Sub(_) | Access::AutoHash { .. } => Ok(false),
        }
    }

    /// `step_access` of a FROM subquery level: rows from its store (made
    /// once, or on demand for a recursive or lazy set) or, outermost,
    /// streamed from its run.
    fn step_sub(
        &mut self,
        i: usize,
        lv: &crate::sql::select::Level,
        id: usize,
        rt: &mut Rt,
        cx: &mut Cx,
    ) -> Result<bool> {
        let subs = cx.subs;
        if self.levels[i].st == St::Init {
            let lr = &mut self.levels[i];
            if lr.store.is_none() && lr.sub_run.is_none() {
                if i == 0 {
                    // The outermost level is read once: streamed, not kept.
                    lr.sub_run = Some(Box::new(SelectRun::new(&subs[id])));
                } else if subs[id].recursive.is_some() || subs[id].lazy {
                    // Produced as scans reach the end of what is kept.
                    lr.sub_run = Some(Box::new(SelectRun::new(&subs[id])));
                    lr.store = Some((spill::RowStore::new(spill::Budget::new(cx)), spill::StoreCursor::default()));
                } else {
                    let store = Self::materialize(&subs[id], rt, cx)?;
                    self.levels[i].store = Some((store, spill::StoreCursor::default()));
                }
            }
            let lr = &mut self.levels[i];
            if let Some((store, cur)) = &mut lr.store {
                store.seal()?;
                store.rewind(cur);
            }
            lr.pos = 0;
            lr.st = St::Active;
        }
        let lr = &mut self.levels[i];
        if let Some((store, cur)) = &mut lr.store {
            let slot = &mut rt.slots[lv.slot];
            if !store.next(cur, &mut slot.vals)? {
                // Past what is kept: a set produced on demand makes
                // its next row (and keeps it for the next scans).
                let mut row = std::mem::take(&mut lr.list_scratch);
                let got = match &mut lr.sub_run {
                    Some(run) => run.next(&subs[id], rt, cx, &mut row)?,
                    None => false,
                };
                let lr = &mut self.levels[i];
                let Some((store, cur)) = &mut lr.store else { unreachable!("checked above") };
                if !got {
                    lr.sub_run = None;
                    lr.list_scratch = row;
                    lr.st = St::Done;
                    return Ok(false);
                }
                let slot = &mut rt.slots[lv.slot];
                slot.vals.clear();
                slot.vals.extend_from_slice(&row);
                store.push_past(cur, row)?;
            }
            let lr = &mut self.levels[i];
            let slot = &mut rt.slots[lv.slot];
            slot.rowid = lr.pos as i64 + 1;
            slot.null_row = false;
            lr.pos += 1;
            return Ok(true);
        }
        // The outermost level: streamed.
        let mut row = std::mem::take(&mut lr.list_scratch);
        let got = match &mut lr.sub_run {
            Some(run) => run.next(&subs[id], rt, cx, &mut row)?,
            None => false,
        };
        let lr = &mut self.levels[i];
        if !got {
            lr.sub_run = None;
            lr.st = St::Done;
            return Ok(false);
        }
        let slot = &mut rt.slots[lv.slot];
        std::mem::swap(&mut slot.vals, &mut row);
        lr.list_scratch = row;
        slot.rowid = lr.pos as i64 + 1;
        slot.null_row = false;
        lr.pos += 1;
        Ok(true)
    }

    fn step_index(&mut self, i: usize, acc: &IndexAccess, plan: &SelectPlan, rt: &mut Rt, cx: &mut Cx) -> Result<bool> {
        let lv = &plan.levels[i];
        let t = &lv.table;
        let txn = cx.txn;
        let ki = &acc.index.ki;
        let ncol = acc.eq.len();
        // The range applies in index order only on an ascending key column.
        let range_ok = !ki.desc.get(ncol).copied().unwrap_or(false);
        if self.levels[i].st == St::Init {
            // The previous probe's buffers are refilled (one probe per outer
            // row in a nested-loop join).
            let lr = &mut self.levels[i];
            let (mut keys, mut list) = (std::mem::take(&mut lr.keys), std::mem::take(&mut lr.list));
            let (mut lo_key, mut hi_key) = (lr.lo_key.take(), lr.hi_key.take());
            keys.clear();
            list.clear();
            for (k, e) in acc.eq.iter().enumerate() {
                let v = probe_value(eval(e, rt, cx)?, acc.affs[k]);
                if matches!(v, Value::Null) {
                    self.levels[i].st = St::Done;
                    return Ok(false);
                }
                keys.push(v);
            }
            let next_aff = acc.affs.get(ncol).copied().unwrap_or(Affinity::Blob);
            for (b, dst) in [(&acc.lo, &mut lo_key), (&acc.hi, &mut hi_key)] {
                let old = dst.take();
                let Some((e, incl)) = b.as_ref().filter(|_| range_ok) else { continue };
                let v = probe_value(eval(e, rt, cx)?, next_aff);
                if matches!(v, Value::Null) {
                    self.levels[i].st = St::Done;
                    return Ok(false);
                }
                let mut k = old.map(|(k, _)| k).unwrap_or_default();
                k.clear();
                k.extend_from_slice(&keys);
                k.push(v);
                *dst = Some((k, *incl));
            }
            if let Some(l) = &acc.in_list {
                for e in l {
                    let v = probe_value(eval(e, rt, cx)?, next_aff);
                    if !matches!(v, Value::Null) {
                        list.push(v);
                    }
                }
                let coll = ki.collations.get(ncol).copied().unwrap_or(Collation::Binary);
                list.sort_by(|a, b| compare_values(a, b, coll));
                list.dedup_by(|a, b| compare_values(a, b, coll) == Ordering::Equal);
                if ki.desc.get(ncol).copied().unwrap_or(false) {
                    list.reverse();
                }
            }
            let lr = &mut self.levels[i];
            lr.keys = keys;
            lr.lo_key = lo_key;
            lr.hi_key = hi_key;
            lr.list = list;
            lr.pos = 0;
            if lr.cur.as_ref().map(|c| c.root()) != Some(acc.index.root) {
                lr.cur = Some(Cursor::new(acc.index.root, BTreeKind::Index));
            }
            if acc.in_list.is_some() {
                if !Self::next_in_value(&mut self.levels[i], acc, cx)? {
                    self.levels[i].st = St::Done;
                    return Ok(false);
                }
            } else if !Self::first_entry(&mut self.levels[i], acc, cx)? {
                self.levels[i].st = St::Done;
                return Ok(false);
            }
            self.levels[i].st = St::Active;
        } else {
            let lr = &mut self.levels[i];
            let cur = lr.cur.as_mut().expect("cursor");
            let ok = if acc.desc { cur.prev(txn)? } else { cur.next(txn)? };
            if !(ok || acc.in_list.is_some() && Self::next_in_value(lr, acc, cx)?) {
                lr.st = St::Done;
                return Ok(false);
            }
        }
        if self.levels[i].idx_mask.len() != acc.index.cols.len() {
            self.levels[i].idx_mask = acc
                .index
                .cols
                .iter()
                .map(|&c| lv.needed.is_empty() || lv.needed.get(c).copied().unwrap_or(false))
                .collect();
        }
        loop {
            let lr = &mut self.levels[i];
            let LevelRt { cur, rec, keys, hi_key, lo_key, list_scratch, idx_mask, .. } = lr;
            let cur = cur.as_mut().expect("cursor");
            let covering = acc.covering;
            let in_range = cur.with_record(txn, rec, |r| {
                let ok = (keys.is_empty() || compare_record_to_key(r, keys, ki)? == Ordering::Equal)
                    && match (&*hi_key, acc.desc) {
                        (Some((k, incl)), false) => {
                            let o = compare_record_to_key(r, k, ki)?;
                            o == Ordering::Less || (o == Ordering::Equal && *incl)
                        }
                        _ => true,
                    }
                    && match (&*lo_key, acc.desc) {
                        (Some((k, incl)), true) => {
                            let o = compare_record_to_key(r, k, ki)?;
                            o == Ordering::Greater || (o == Ordering::Equal && *incl)
                        }
                        _ => true,
                    };
                if ok && covering && idx_mask.iter().any(|&m| m) {
                    decode_needed(r, idx_mask, 0, list_scratch)?;
                }
                Ok(ok)
            })?;
            if !in_range {
                if acc.in_list.is_some() && Self::next_in_value(lr, acc, cx)? {
                    continue;
                }
                lr.st = St::Done;
                return Ok(false);
            }
            let rowid = if acc.covering && !lv.rowid_needed { 0 } else { cur.rowid(txn)? };
            if acc.covering {
                // Every column read is in the index entry (key columns, then the rowid).
                let slot = &mut rt.slots[lv.slot];
                if slot.vals.len() != t.cols.len() {
                    slot.vals.clear();
                    slot.vals.resize(t.cols.len(), Value::Null);
                }
                for (k, &c) in acc.index.cols.iter().enumerate() {
                    if let Some(v) = lr.list_scratch.get_mut(k) {
                        slot.vals[c] = std::mem::replace(v, Value::Null);
                    }
                }
                if let Some(i) = t.ipk {
                    slot.vals[i] = Value::Integer(rowid);
                }
                slot.rowid = rowid;
                slot.null_row = false;
                return Ok(true);
            }
            let tcur = lr.tcur.get_or_insert_with(|| Cursor::new(t.root, BTreeKind::Table));
            if !tcur.seek_rowid(txn, rowid, SeekOp::Eq)? {
                return Err(Error::corrupt(format!("index {} points at missing row {rowid}", acc.index.name)));
            }
            let slot = &mut rt.slots[lv.slot];
            tcur.with_record(txn, &mut lr.rec, |r| load_row_needed(t, r, rowid, slot, &lv.needed))?;
            return Ok(true);
        }
    }

    /// Runs a FROM subquery to its end into a row store.
    fn materialize(plan: &SelectPlan, rt: &mut Rt, cx: &mut Cx) -> Result<spill::RowStore> {
        let mut store = spill::RowStore::new(spill::Budget::new(cx));
        let mut run = SelectRun::new(plan);
        let mut row = Vec::new();
        while run.next(plan, rt, cx, &mut row)? {
            store.push(std::mem::take(&mut row))?;
        }
        store.seal()?;
        Ok(store)
    }

    /// Automatic hash index: built on the first probe of the run (one pass
    /// over the table), then each outer row probes it.
    #[allow(clippy::too_many_arguments)]
    fn step_hash(
        &mut self,
        i: usize,
        lv: &crate::sql::select::Level,
        col: usize,
        rhs: &crate::sql::expr::CExpr,
        aff: Affinity,
        coll: Collation,
        rt: &mut Rt,
        cx: &mut Cx,
    ) -> Result<bool> {
        let t = &lv.table;
        // Only the columns the statement reads are kept.
        let keep = |c: usize| lv.needed.is_empty() || lv.needed.get(c).copied().unwrap_or(false) || t.ipk == Some(c);
        if self.levels[i].st == St::Init {
            if self.levels[i].hash.is_none() {
                let h = Self::build_hash(lv, col, coll, keep, cx)?;
                self.levels[i].hash = Some(h);
            }
            let v = probe_value(eval(rhs, rt, cx)?, aff);
            let lr = &mut self.levels[i];
            if matches!(v, Value::Null) {
                lr.st = St::Done;
                return Ok(false);
            }
            group_key(std::slice::from_ref(&v), &[coll], &mut lr.probe);
            lr.pos = lr.hash.as_mut().map_or(0, |h| h.probe(&lr.probe));
            lr.st = St::Active;
        }
        let lr = &mut self.levels[i];
        let slot = &mut rt.slots[lv.slot];
        if slot.vals.len() != t.cols.len() {
            slot.vals.clear();
            slot.vals.resize(t.cols.len(), Value::Null);
        }
        let got = match &mut lr.hash {
            Some(h) => h.next_row(&mut lr.pos, slot, keep)?,
            None => false,
        };
        if !got {
            lr.st = St::Done;
        }
        Ok(got)
    }

    /// One pass over the table: every row with a non-NULL join column.
    fn build_hash(
        lv: &crate::sql::select::Level,
        col: usize,
        coll: Collation,
        keep: impl Fn(usize) -> bool + Copy,
        cx: &mut Cx,
    ) -> Result<autohash::HashIndex> {
        let t = &lv.table;
        let txn = cx.txn;
        let width = t.cols.len();
        let mut b = autohash::HashBuild::new(width, cx);
        let mut cur = Cursor::new(t.root, BTreeKind::Table);
        let mut scratch = crate::sql::expr::Slot::default();
        let (mut buf, mut kb) = (Vec::new(), Vec::new());
        let mut ok = t.root != 0 && cur.first(txn)?;
        while ok {
            cx.check_interrupt()?;
            let rowid = cur.rowid(txn)?;
            cur.with_record(txn, &mut buf, |r| load_row_needed(t, r, rowid, &mut scratch, &lv.needed))?;
            let v = scratch.vals.get(col).unwrap_or(&Value::Null);
            if !matches!(v, Value::Null) {
                group_key(std::slice::from_ref(v), &[coll], &mut kb);
                b.add(&kb, rowid, &mut scratch.vals, keep, cx)?;
            }
            ok = cur.next(txn)?;
        }
        b.finish(cx)
    }

    /// Positions on the first entry of the current probe; false when none.
    fn first_entry(lr: &mut LevelRt, acc: &IndexAccess, cx: &mut Cx) -> Result<bool> {
        let txn = cx.txn;
        let ki = &acc.index.ki;
        let cur = lr.cur.as_mut().expect("cursor");
        if !acc.desc {
            match &lr.lo_key {
                Some((k, incl)) => cur.seek_key(txn, k, ki, if *incl { SeekOp::Ge } else { SeekOp::Gt }),
                None if !lr.keys.is_empty() => cur.seek_key(txn, &lr.keys, ki, SeekOp::Ge),
                None => cur.first(txn),
            }
        } else {
            match &lr.hi_key {
                Some((k, incl)) => cur.seek_key(txn, k, ki, if *incl { SeekOp::Le } else { SeekOp::Lt }),
                None if !lr.keys.is_empty() => cur.seek_key(txn, &lr.keys, ki, SeekOp::Le),
                None => cur.last(txn),
            }
        }
    }

    /// Moves an IN-list index scan to its next value; false when exhausted.
    fn next_in_value(lr: &mut LevelRt, acc: &IndexAccess, cx: &mut Cx) -> Result<bool> {
        let ncol = acc.eq.len();
        while lr.pos < lr.list.len() {
            let v = lr.list[lr.pos].clone();
            lr.pos += 1;
            lr.keys.truncate(ncol);
            lr.keys.push(v);
            if Self::first_entry(lr, acc, cx)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
