//! Running a [`SelectPlan`]: a pull-based nested loop over B-tree cursors.
//!
//! `SelectRun::next` yields one result row per call. Each join level is a
//! small state machine (Init -> Active -> Done, plus the NULL row of an
//! unmatched LEFT JOIN). Queries with aggregates or a needed sort run the
//! loop to completion on the first call and then hand out the buffered rows.

use crate::error::{Error, ErrorKind, Result};
use crate::schema::Table;
use crate::sql::expr::{eval, eval_bool, Cx, Rt, Slot};
use crate::sql::planner::{Access, IndexAccess};
use crate::sql::select::{AggPlan, SelectPlan};
use crate::sql::types::{self, Affinity};
use crate::sql::func;
use crate::storage::btree;
use crate::storage::record::{compare_record_to_key, compare_values, decode_record, encode_record};
use crate::storage::{BTreeKind, Collation, Cursor, SeekOp, Value};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

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
    /// Materialized rows of a FROM subquery.
    rows: Option<Vec<Vec<Value>>>,
    /// Decoded index entry (covering scans).
    list_scratch: Vec<Value>,
    /// Which index key fields a covering scan must decode.
    idx_mask: Vec<bool>,
    rec: Vec<u8>,
}

impl LevelRt {
    fn new() -> LevelRt {
        LevelRt {
            st: St::Init,
            matched: false,
            cur: None,
            keys: Vec::new(),
            lo_key: None,
            hi_key: None,
            list: Vec::new(),
            pos: 0,
            lo_i: i64::MIN,
            hi_i: i64::MAX,
            rows: None,
            rec: Vec::new(),
            list_scratch: Vec::new(),
            idx_mask: Vec::new(),
        }
    }
    fn reset(&mut self) {
        self.st = St::Init;
        self.matched = false;
    }
}

/// Loads a table row into its slot (the rowid alias column reads the rowid).
pub fn load_row(t: &Table, rec: &[u8], rowid: i64, slot: &mut Slot) -> Result<()> {
    decode_record(rec, &mut slot.vals)?;
    if slot.vals.len() < t.cols.len() {
        slot.vals.resize(t.cols.len(), Value::Null);
    }
    if let Some(i) = t.ipk {
        slot.vals[i] = Value::Integer(rowid);
    }
    slot.rowid = rowid;
    slot.null_row = false;
    Ok(())
}

/// Decodes one field body of serial type `t` (layout per storage::record).
fn field_value(t: u64, body: &[u8]) -> Value {
    match t {
        0 => Value::Null,
        8 => Value::Integer(0),
        9 => Value::Integer(1),
        1..=6 => {
            let mut v: i64 = if body[0] & 0x80 != 0 { -1 } else { 0 };
            for &x in body {
                v = (v << 8) | i64::from(x);
            }
            Value::Integer(v)
        }
        7 => {
            let f = f64::from_be_bytes(body[..8].try_into().unwrap_or([0; 8]));
            if f.is_nan() {
                Value::Null
            } else {
                Value::Real(f)
            }
        }
        n if n % 2 == 0 => Value::Blob(body.to_vec()),
        _ => Value::Text(match std::str::from_utf8(body) {
            Ok(s) => s.to_string(),
            Err(_) => String::from_utf8_lossy(body).into_owned(),
        }),
    }
}

/// Decodes the fields flagged in `needed` (NULL for the others) into `out`,
/// padded with NULLs to `ncols`.
fn decode_needed(data: &[u8], needed: &[bool], ncols: usize, out: &mut Vec<Value>) -> Result<()> {
    use crate::storage::record::{get_varint, serial_type_size};
    out.clear();
    let (hs, n) = get_varint(data).ok_or_else(|| Error::corrupt("record header"))?;
    let hs = usize::try_from(hs).map_err(|_| Error::corrupt("record header size"))?;
    if hs < n || hs > data.len() {
        return Err(Error::corrupt("record header size"));
    }
    let mut hp = n;
    let mut bp = hs;
    let mut i = 0;
    while hp < hs {
        let (t, k) = get_varint(&data[hp..hs]).ok_or_else(|| Error::corrupt("record serial type"))?;
        hp += k;
        let sz = serial_type_size(t).ok_or_else(|| Error::corrupt("record serial type"))?;
        let end = bp.checked_add(sz).filter(|&e| e <= data.len()).ok_or_else(|| Error::corrupt("record body"))?;
        if needed.get(i).copied().unwrap_or(false) {
            out.push(field_value(t, &data[bp..end]));
        } else {
            out.push(Value::Null);
        }
        bp = end;
        i += 1;
        if i >= needed.len() {
            break;
        }
    }
    if out.len() < ncols {
        out.resize(ncols, Value::Null);
    }
    Ok(())
}

/// Loads a row decoding only the `needed` columns (all when empty).
fn load_row_needed(t: &Table, rec: &[u8], rowid: i64, slot: &mut Slot, needed: &[bool]) -> Result<()> {
    if needed.is_empty() {
        return load_row(t, rec, rowid, slot);
    }
    decode_needed(rec, needed, t.cols.len(), &mut slot.vals)?;
    if let Some(i) = t.ipk {
        slot.vals[i] = Value::Integer(rowid);
    }
    slot.rowid = rowid;
    slot.null_row = false;
    Ok(())
}

fn set_null_row(t: &Table, slot: &mut Slot) {
    slot.vals.clear();
    slot.vals.resize(t.cols.len(), Value::Null);
    slot.null_row = true;
}

/// A rowid equal to `v` under SQLite's comparison, if one can exist.
pub fn value_to_rowid(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        Value::Real(f) => {
            if f.fract() == 0.0 && *f >= -9.223372036854776e18 && *f < 9.223372036854776e18 {
                Some(*f as i64)
            } else {
                None
            }
        }
        Value::Text(_) | Value::Blob(_) => match types::apply_affinity(v.clone(), Affinity::Numeric) {
            Value::Integer(i) => Some(i),
            Value::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(f as i64),
            _ => None,
        },
        Value::Null => None,
    }
}

/// Lower bound of a rowid range: Err(()) when no rowid can satisfy it,
/// Ok(None) when it does not constrain.
fn rowid_lo(v: &Value, incl: bool) -> std::result::Result<Option<i64>, ()> {
    let v = match v {
        Value::Text(_) | Value::Blob(_) => types::apply_affinity(v.clone(), Affinity::Numeric),
        other => other.clone(),
    };
    match v {
        Value::Null => Err(()),
        Value::Integer(i) => {
            if incl {
                Ok(Some(i))
            } else {
                i.checked_add(1).map(Some).ok_or(())
            }
        }
        Value::Real(f) => {
            if f.is_nan() {
                return Err(());
            }
            let c = f.ceil();
            if c >= 9.223372036854776e18 {
                return Err(());
            }
            if c < -9.223372036854776e18 {
                return Ok(None);
            }
            let c = c as i64;
            if c as f64 == f && !incl {
                c.checked_add(1).map(Some).ok_or(())
            } else {
                Ok(Some(c))
            }
        }
        // Text > every number: `rowid > 'x'` holds for no row.
        _ => Err(()),
    }
}

fn rowid_hi(v: &Value, incl: bool) -> std::result::Result<Option<i64>, ()> {
    let v = match v {
        Value::Text(_) | Value::Blob(_) => types::apply_affinity(v.clone(), Affinity::Numeric),
        other => other.clone(),
    };
    match v {
        Value::Null => Err(()),
        Value::Integer(i) => {
            if incl {
                Ok(Some(i))
            } else {
                i.checked_sub(1).map(Some).ok_or(())
            }
        }
        Value::Real(f) => {
            if f.is_nan() {
                return Err(());
            }
            let c = f.floor();
            if c < -9.223372036854776e18 {
                return Err(());
            }
            if c >= 9.223372036854776e18 {
                return Ok(None);
            }
            let c = c as i64;
            if c as f64 == f && !incl {
                c.checked_sub(1).map(Some).ok_or(())
            } else {
                Ok(Some(c))
            }
        }
        _ => Ok(None),
    }
}

fn probe_value(v: Value, aff: Affinity) -> Value {
    match aff {
        Affinity::Blob => v,
        a => types::apply_affinity(v, a),
    }
}

/// Appends a key for hashing/grouping: values equal under `colls` get
/// equal bytes (integral reals as integers, NOCASE folded, RTRIM trimmed).
pub fn group_key(vals: &[Value], colls: &[Collation], out: &mut Vec<u8>) {
    out.clear();
    let norm: Vec<Value> = vals
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Value::Integer(*f as i64),
            Value::Text(s) => match colls.get(i).copied().unwrap_or(Collation::Binary) {
                Collation::Binary => v.clone(),
                Collation::NoCase => Value::Text(s.to_ascii_lowercase()),
                Collation::RTrim => Value::Text(s.trim_end_matches(' ').to_string()),
            },
            other => other.clone(),
        })
        .collect();
    encode_record(&norm, out);
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
    buffered: Option<std::vec::IntoIter<Vec<Value>>>,
    seen: HashSet<Vec<u8>>,
    keybuf: Vec<u8>,
    limit: i64,
    offset: i64,
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
            seen: HashSet::new(),
            keybuf: Vec::new(),
            limit: -1,
            offset: 0,
        }
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
            for f in &plan.pre_filter {
                if !eval_bool(f, rt, cx)? {
                    self.finished = true;
                }
            }
            if let Some(c) = &plan.compound {
                let rows = self.compute_compound(plan, c, rt, cx)?;
                self.buffered = Some(rows.into_iter());
            } else if plan.agg.is_some() || plan.sort {
                let rows = self.compute_all(plan, rt, cx)?;
                self.buffered = Some(rows.into_iter());
            }
        }
        loop {
            if self.limit == 0 {
                return Ok(false);
            }
            let got = match &mut self.buffered {
                Some(it) => match it.next() {
                    Some(r) => {
                        *out = r;
                        true
                    }
                    None => false,
                },
                None => self.stream_row(plan, rt, cx, out)?,
            };
            if !got {
                return Ok(false);
            }
            if self.buffered.is_none() && plan.distinct {
                group_key(out, &plan.colls, &mut self.keybuf);
                if !self.seen.insert(self.keybuf.clone()) {
                    continue;
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

    /// Runs every SELECT of a compound and combines their rows. UNION,
    /// EXCEPT and INTERSECT yield distinct rows in sorted order (as SQLite's
    /// temporary index does); UNION ALL concatenates.
    fn compute_compound(
        &mut self,
        plan: &SelectPlan,
        c: &crate::sql::select::Compound,
        rt: &mut Rt,
        cx: &mut Cx,
    ) -> Result<Vec<Vec<Value>>> {
        use crate::sql::select::SetOp;
        let cmp_rows = |a: &Vec<Value>, b: &Vec<Value>| -> Ordering {
            for (x, y) in a.iter().zip(b.iter()) {
                let o = compare_values(x, y, Collation::Binary);
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        };
        let sorted_set = |mut v: Vec<Vec<Value>>| -> Vec<Vec<Value>> {
            v.sort_by(cmp_rows);
            v.dedup_by(|a, b| cmp_rows(a, b) == Ordering::Equal);
            v
        };
        let mut acc = run_subquery(&c.first, usize::MAX, rt, cx)?;
        for (op, p) in &c.rest {
            let rows = run_subquery(p, usize::MAX, rt, cx)?;
            acc = match op {
                SetOp::UnionAll => {
                    acc.extend(rows);
                    acc
                }
                SetOp::Union => {
                    acc.extend(rows);
                    sorted_set(acc)
                }
                SetOp::Except => {
                    let right = sorted_set(rows);
                    sorted_set(acc)
                        .into_iter()
                        .filter(|r| right.binary_search_by(|x| cmp_rows(x, r)).is_err())
                        .collect()
                }
                SetOp::Intersect => {
                    let right = sorted_set(rows);
                    sorted_set(acc)
                        .into_iter()
                        .filter(|r| right.binary_search_by(|x| cmp_rows(x, r)).is_ok())
                        .collect()
                }
            };
        }
        if !plan.order.is_empty() {
            let keys: Vec<(usize, bool, Collation)> = plan
                .order
                .iter()
                .map(|k| match k.expr {
                    crate::sql::expr::CExpr::Lit(Value::Integer(i)) => (i as usize, k.desc, k.coll),
                    _ => (0, k.desc, k.coll),
                })
                .collect();
            acc.sort_by(|a, b| {
                for &(i, desc, coll) in &keys {
                    let o = compare_values(&a[i], &b[i], coll);
                    let o = if desc { o.reverse() } else { o };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
        }
        Ok(acc)
    }

    /// Runs the loop to the end, aggregating and/or sorting.
    fn compute_all(&mut self, plan: &SelectPlan, rt: &mut Rt, cx: &mut Cx) -> Result<Vec<Vec<Value>>> {
        let mut keyed: Vec<(Vec<Value>, Vec<Value>)> = Vec::new();
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        let mut kb = Vec::new();
        let mut push = |rt: &mut Rt, cx: &mut Cx, keyed: &mut Vec<(Vec<Value>, Vec<Value>)>| -> Result<()> {
            let mut row = Vec::with_capacity(plan.result.len());
            for e in &plan.result {
                row.push(eval(e, rt, cx)?);
            }
            if plan.distinct {
                group_key(&row, &plan.colls, &mut kb);
                if !seen.insert(kb.clone()) {
                    return Ok(());
                }
            }
            let mut keys = Vec::with_capacity(plan.order.len());
            for k in &plan.order {
                keys.push(eval(&k.expr, rt, cx)?);
            }
            keyed.push((keys, row));
            Ok(())
        };
        match &plan.agg {
            None => {
                while self.join_next(plan, rt, cx)? {
                    push(rt, cx, &mut keyed)?;
                }
            }
            Some(agg) => {
                self.aggregate(plan, agg, rt, cx, &mut |rt, cx| push(rt, cx, &mut keyed))?;
            }
        }
        if plan.sort {
            let order = &plan.order;
            keyed.sort_by(|a, b| {
                for (i, k) in order.iter().enumerate() {
                    let o = compare_values(&a.0[i], &b.0[i], k.coll);
                    let o = if k.desc { o.reverse() } else { o };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
        }
        Ok(keyed.into_iter().map(|(_, r)| r).collect())
    }

    fn aggregate(
        &mut self,
        plan: &SelectPlan,
        agg: &AggPlan,
        rt: &mut Rt,
        cx: &mut Cx,
        emit: &mut dyn FnMut(&mut Rt, &mut Cx) -> Result<()>,
    ) -> Result<()> {
        struct Group {
            key: Vec<Value>,
            accs: Vec<Box<dyn func::Accumulator>>,
            bare: Vec<Value>,
            best: Option<Value>,
        }
        let new_group = |key: Vec<Value>| -> Result<Group> {
            let mut accs = Vec::with_capacity(agg.calls.len());
            for c in &agg.calls {
                accs.push(func::new_accumulator(&c.name, c.args.len(), c.distinct)?);
            }
            Ok(Group { key, accs, bare: Vec::new(), best: None })
        };
        let snapshot = |rt: &Rt| -> Vec<Value> {
            agg.bare
                .iter()
                .map(|&(slot, col)| {
                    let s = &rt.slots[slot];
                    match col {
                        _ if s.null_row => Value::Null,
                        None => Value::Integer(s.rowid),
                        Some(c) => s.vals.get(c).cloned().unwrap_or(Value::Null),
                    }
                })
                .collect()
        };
        let mut groups: Vec<Group> = Vec::new();
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut kb = Vec::new();
        let mut keyvals = Vec::with_capacity(agg.group_by.len());
        let mut args: Vec<Value> = Vec::new();
        if agg.group_by.is_empty() {
            groups.push(new_group(Vec::new())?);
        }
        while self.join_next(plan, rt, cx)? {
            let gi = if agg.group_by.is_empty() {
                0
            } else {
                keyvals.clear();
                for e in &agg.group_by {
                    keyvals.push(eval(e, rt, cx)?);
                }
                group_key(&keyvals, &agg.group_colls, &mut kb);
                match index.get(&kb) {
                    Some(&g) => g,
                    None => {
                        groups.push(new_group(keyvals.clone())?);
                        index.insert(kb.clone(), groups.len() - 1);
                        groups.len() - 1
                    }
                }
            };
            let g = &mut groups[gi];
            let first_row = g.bare.is_empty() && !agg.bare.is_empty() && g.best.is_none();
            let mut take_snapshot = first_row;
            for (ci, call) in agg.calls.iter().enumerate() {
                args.clear();
                for a in &call.args {
                    args.push(eval(a, rt, cx)?);
                }
                if let Some((mi, is_max)) = agg.minmax {
                    if mi == ci && !agg.bare.is_empty() && !matches!(args[0], Value::Null) {
                        let better = match &g.best {
                            None => true,
                            Some(b) => {
                                let o = compare_values(&args[0], b, Collation::Binary);
                                if is_max {
                                    o == Ordering::Greater
                                } else {
                                    o == Ordering::Less
                                }
                            }
                        };
                        if better {
                            g.best = Some(args[0].clone());
                            take_snapshot = true;
                        }
                    }
                }
                g.accs[ci].step(&args)?;
            }
            if take_snapshot && !agg.bare.is_empty() {
                g.bare = snapshot(rt);
            }
        }
        if !agg.group_by.is_empty() {
            let colls = &agg.group_colls;
            groups.sort_by(|a, b| {
                for (i, c) in colls.iter().enumerate() {
                    let o = compare_values(&a.key[i], &b.key[i], *c);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
        }
        for mut g in groups {
            for (k, &(slot, col)) in agg.bare.iter().enumerate() {
                let v = g.bare.get(k).cloned().unwrap_or(Value::Null);
                let s = &mut rt.slots[slot];
                s.null_row = false;
                match col {
                    None => s.rowid = if let Value::Integer(i) = v { i } else { 0 },
                    Some(c) => {
                        if s.vals.len() <= c {
                            s.vals.resize(c + 1, Value::Null);
                        }
                        s.vals[c] = v;
                    }
                }
            }
            for (ci, call) in agg.calls.iter().enumerate() {
                rt.aggs[call.id] = g.accs[ci].finalize()?;
            }
            if let Some(h) = &agg.having {
                if !eval_bool(h, rt, cx)? {
                    continue;
                }
            }
            emit(rt, cx)?;
        }
        Ok(())
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

    /// Positions level `i` on its next candidate row and loads it.
    fn step_access(&mut self, i: usize, plan: &SelectPlan, rt: &mut Rt, cx: &mut Cx) -> Result<bool> {
        let lv = &plan.levels[i];
        let t = &lv.table;
        let root = t.root;
        if matches!(self.levels[i].st, St::Done | St::NullDone) {
            return Ok(false);
        }
        if let Access::Sub(id) = lv.access {
            if self.levels[i].st == St::Init {
                if self.levels[i].rows.is_none() {
                    let rows = run_subquery(&cx.subs[id], usize::MAX, rt, cx)?;
                    self.levels[i].rows = Some(rows);
                }
                self.levels[i].pos = 0;
                self.levels[i].st = St::Active;
            }
            let lr = &mut self.levels[i];
            let rows = lr.rows.as_ref().expect("rows");
            if lr.pos >= rows.len() {
                lr.st = St::Done;
                return Ok(false);
            }
            let slot = &mut rt.slots[lv.slot];
            slot.vals.clear();
            slot.vals.extend_from_slice(&rows[lr.pos]);
            slot.rowid = lr.pos as i64 + 1;
            slot.null_row = false;
            lr.pos += 1;
            return Ok(true);
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
                let rowid = cur.rowid(txn)?;
                let slot = &mut rt.slots[lv.slot];
                cur.with_record(txn, &mut lr.rec, |r| load_row_needed(t, r, rowid, slot, &lv.needed))?;
                Ok(true)
            }
            Access::RowidEq(e) => {
                self.levels[i].st = St::Done;
                let v = eval(e, rt, cx)?;
                let Some(rowid) = value_to_rowid(&v) else {
                    return Ok(false);
                };
                let lr = &mut self.levels[i];
                if !btree::table_get(txn, root, rowid, &mut lr.rec)? {
                    return Ok(false);
                }
                load_row_needed(t, &lr.rec, rowid, &mut rt.slots[lv.slot], &lv.needed)?;
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
                    if btree::table_get(txn, root, rowid, &mut lr.rec)? {
                        load_row_needed(t, &lr.rec, rowid, &mut rt.slots[lv.slot], &lv.needed)?;
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
                        match rowid_lo(&eval(e, rt, cx)?, *incl) {
                            Ok(Some(x)) => lo_i = x,
                            Ok(None) => {}
                            Err(()) => empty = true,
                        }
                    }
                    if let Some((e, incl)) = hi {
                        match rowid_hi(&eval(e, rt, cx)?, *incl) {
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
                    let cur = lr.cur.insert(Cursor::new(root, BTreeKind::Table));
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
            Access::Sub(_) => Ok(false),
        }
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
            let mut keys = Vec::with_capacity(ncol + 1);
            for (k, e) in acc.eq.iter().enumerate() {
                let v = probe_value(eval(e, rt, cx)?, acc.affs[k]);
                if matches!(v, Value::Null) {
                    self.levels[i].st = St::Done;
                    return Ok(false);
                }
                keys.push(v);
            }
            let next_aff = acc.affs.get(ncol).copied().unwrap_or(Affinity::Blob);
            let mut lo_key = None;
            let mut hi_key = None;
            if range_ok {
                for (b, dst) in [(&acc.lo, &mut lo_key), (&acc.hi, &mut hi_key)] {
                    if let Some((e, incl)) = b {
                        let v = probe_value(eval(e, rt, cx)?, next_aff);
                        if matches!(v, Value::Null) {
                            self.levels[i].st = St::Done;
                            return Ok(false);
                        }
                        let mut k = keys.clone();
                        k.push(v);
                        *dst = Some((k, *incl));
                    }
                }
            }
            let mut list = Vec::new();
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
            lr.cur = Some(Cursor::new(acc.index.root, BTreeKind::Index));
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
            self.levels[i].idx_mask =
                acc.index.cols.iter().map(|&c| lv.needed.is_empty() || lv.needed.get(c).copied().unwrap_or(false)).collect();
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
            let rowid = cur.rowid(txn)?;
            if acc.covering {
                // Every column read is in the index entry (key columns, then the rowid).
                let slot = &mut rt.slots[lv.slot];
                slot.vals.clear();
                slot.vals.resize(t.cols.len(), Value::Null);
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
            if !btree::table_get(txn, t.root, rowid, &mut lr.rec)? {
                return Err(Error::corrupt(format!("index {} points at missing row {rowid}", acc.index.name)));
            }
            load_row_needed(t, &lr.rec, rowid, &mut rt.slots[lv.slot], &lv.needed)?;
            return Ok(true);
        }
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
