//! Compiled expressions and their evaluation.
//!
//! An expression is compiled once at prepare time (names resolved to row
//! slots and column indices, functions looked up, affinities and collations
//! of comparisons fixed) and evaluated per row against the runtime [`Rt`]
//! (the current row of every table slot, aggregate results, subquery caches)
//! and the statement context [`Cx`] (transaction, bound parameters, the
//! connection's counters).

use crate::error::{Error, ErrorKind, Result};
use crate::sql::exec;
use crate::sql::func::{FuncContext, ScalarFn};
use crate::sql::select::SelectPlan;
use crate::sql::types::{self, Affinity, ArithOp};
use crate::storage::{Collation, Txn, Value};
use std::cmp::Ordering;
use std::sync::atomic::{AtomicBool, Ordering as AtOrd};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn test(self, o: Ordering) -> bool {
        match self {
            CmpOp::Eq => o == Ordering::Equal,
            CmpOp::Ne => o != Ordering::Equal,
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::Le => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            CmpOp::Ge => o != Ordering::Less,
        }
    }
    /// The operator seen from the other side (a < b  <=>  b > a).
    pub fn flip(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            o => o,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitOp {
    And,
    Or,
    Shl,
    Shr,
}

/// How two operands of a comparison are compared: their affinities (None =
/// no affinity) and the collating sequence chosen by SQLite's precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmpInfo {
    pub laff: Option<Affinity>,
    pub raff: Option<Affinity>,
    pub coll: Collation,
}

#[derive(Clone, Debug)]
pub enum CExpr {
    Lit(Value),
    /// Bound parameter, 0-based.
    Param(usize),
    /// Column `col` of the row in `slot`.
    Col {
        slot: usize,
        col: usize,
    },
    /// The rowid of the row in `slot`.
    Rowid {
        slot: usize,
    },
    Neg(Box<CExpr>),
    Pos(Box<CExpr>),
    BitNot(Box<CExpr>),
    Not(Box<CExpr>),
    Arith(ArithOp, Box<CExpr>, Box<CExpr>),
    Bit(BitOp, Box<CExpr>, Box<CExpr>),
    Concat(Box<CExpr>, Box<CExpr>),
    Cmp(CmpOp, Box<CExpr>, Box<CExpr>, CmpInfo),
    /// `IS` (`not` = IS NOT): NULL-safe equality.
    Is(bool, Box<CExpr>, Box<CExpr>, CmpInfo),
    And(Box<CExpr>, Box<CExpr>),
    Or(Box<CExpr>, Box<CExpr>),
    IsNull(Box<CExpr>),
    NotNull(Box<CExpr>),
    InList {
        e: Box<CExpr>,
        list: Vec<CExpr>,
        not: bool,
        cmp: CmpInfo,
    },
    /// `e IN (SELECT ...)`: subquery `sub` of the statement.
    InSub {
        e: Box<CExpr>,
        sub: usize,
        not: bool,
        cmp: CmpInfo,
    },
    Exists {
        sub: usize,
        not: bool,
    },
    /// Scalar subquery: first column of its first row, NULL when empty.
    Scalar {
        sub: usize,
    },
    Like {
        e: Box<CExpr>,
        pat: Box<CExpr>,
        esc: Option<Box<CExpr>>,
        not: bool,
        glob: bool,
    },
    /// `CASE base WHEN w THEN t ...`: `cmps[i]` compares `base` with the
    /// i-th WHEN term (each term on its own, as `base = w` would).
    Case {
        base: Option<Box<CExpr>>,
        whens: Vec<(CExpr, CExpr)>,
        els: Option<Box<CExpr>>,
        cmps: Vec<CmpInfo>,
    },
    Cast(Box<CExpr>, Affinity),
    /// Scalar function call; `coll` is the call's collating sequence (read
    /// by min/max/nullif through [`FuncContext::collation`]).
    Func {
        f: ScalarFn,
        args: Vec<CExpr>,
        coll: Collation,
    },
    /// Result of aggregate `i` for the current group.
    Agg(usize),
}

impl CExpr {
    pub fn lit_int(i: i64) -> CExpr {
        CExpr::Lit(Value::Integer(i))
    }

    /// Calls `f` on every column/rowid slot referenced (not inside subqueries).
    pub fn walk(&self, f: &mut dyn FnMut(&CExpr)) {
        f(self);
        match self {
            CExpr::Neg(a) | CExpr::Pos(a) | CExpr::BitNot(a) | CExpr::Not(a) | CExpr::IsNull(a) | CExpr::NotNull(a) => {
                a.walk(f)
            }
            CExpr::Cast(a, _) => a.walk(f),
            CExpr::Arith(_, a, b)
            | CExpr::Bit(_, a, b)
            | CExpr::Concat(a, b)
            | CExpr::Cmp(_, a, b, _)
            | CExpr::Is(_, a, b, _)
            | CExpr::And(a, b)
            | CExpr::Or(a, b) => {
                a.walk(f);
                b.walk(f);
            }
            CExpr::InList { e, list, .. } => {
                e.walk(f);
                for x in list {
                    x.walk(f);
                }
            }
            CExpr::InSub { e, .. } => e.walk(f),
            CExpr::Like { e, pat, esc, .. } => {
                e.walk(f);
                pat.walk(f);
                if let Some(x) = esc {
                    x.walk(f);
                }
            }
            CExpr::Case { base, whens, els, .. } => {
                if let Some(b) = base {
                    b.walk(f);
                }
                for (w, t) in whens {
                    w.walk(f);
                    t.walk(f);
                }
                if let Some(e) = els {
                    e.walk(f);
                }
            }
            CExpr::Func { args, .. } => {
                for a in args {
                    a.walk(f);
                }
            }
            _ => {}
        }
    }

    /// Highest slot referenced directly (None when none).
    pub fn max_slot(&self) -> Option<usize> {
        let mut m: Option<usize> = None;
        self.walk(&mut |e| {
            if let CExpr::Col { slot, .. } | CExpr::Rowid { slot } = e {
                m = Some(m.map_or(*slot, |x| x.max(*slot)));
            }
        });
        m
    }

    /// True when the expression references subqueries (whose correlation
    /// is not visible to `max_slot`).
    pub fn has_subquery(&self) -> bool {
        let mut found = false;
        self.walk(&mut |e| {
            if matches!(e, CExpr::InSub { .. } | CExpr::Exists { .. } | CExpr::Scalar { .. }) {
                found = true;
            }
        });
        found
    }
}

/// The current row of one table slot.
#[derive(Clone, Debug, Default)]
pub struct Slot {
    pub rowid: i64,
    pub vals: Vec<Value>,
    /// The NULL row of an unmatched LEFT JOIN.
    pub null_row: bool,
}

/// Cached result of an uncorrelated subquery.
#[derive(Clone, Debug)]
pub enum SubCache {
    Scalar(Value),
    Exists(bool),
    /// Sorted distinct values (for IN), and whether a NULL was among them.
    Set(Vec<Value>, bool),
}

/// Per-execution state shared by all expressions of one statement.
#[derive(Default)]
pub struct Rt {
    pub slots: Vec<Slot>,
    pub aggs: Vec<Value>,
    pub sub_cache: Vec<Option<SubCache>>,
}

impl Rt {
    pub fn new(nslots: usize, naggs: usize, nsubs: usize) -> Rt {
        Rt { slots: vec![Slot::default(); nslots], aggs: vec![Value::Null; naggs], sub_cache: vec![None; nsubs] }
    }
}

/// Connection counters visible to SQL functions and updated by DML.
#[derive(Clone, Debug, Default)]
pub struct ConnVars {
    pub changes: i64,
    pub total_changes: i64,
    pub last_insert_rowid: i64,
    pub rng: u64,
    /// The time 'now' reads in the current step (Unix ms); None until the
    /// first read. `Statement::step` clears it at every step.
    pub now_ms: Option<i64>,
    /// What this connection's running statements hold (sorters, group
    /// tables, ...), for their budgets and `PRAGMA memory_stats`.
    pub work: crate::sql::exec::spill::WorkMem,
}

impl ConnVars {
    pub fn next_random(&mut self) -> i64 {
        // xorshift64*: a fast PRNG; quality suffices for random()/rowids.
        let mut x = self.rng;
        if x == 0 {
            x = 0x9E37_79B9_7F4A_7C15;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) as i64
    }
}

/// The statement context of an evaluation.
pub struct Cx<'a> {
    pub txn: &'a Txn,
    pub params: &'a [Value],
    pub vars: &'a mut ConnVars,
    pub interrupt: &'a AtomicBool,
    pub subs: &'a [SelectPlan],
}

impl Cx<'_> {
    pub fn check_interrupt(&self) -> Result<()> {
        if self.interrupt.load(AtOrd::Relaxed) {
            return Err(Error::new(ErrorKind::Interrupt, "interrupted"));
        }
        Ok(())
    }
}

impl FuncContext for Cx<'_> {
    fn changes(&self) -> i64 {
        self.vars.changes
    }
    fn total_changes(&self) -> i64 {
        self.vars.total_changes
    }
    fn last_insert_rowid(&self) -> i64 {
        self.vars.last_insert_rowid
    }
    fn random_i64(&mut self) -> i64 {
        self.vars.next_random()
    }
    fn now_unix_ms(&mut self) -> i64 {
        *self.vars.now_ms.get_or_insert_with(crate::storage::vfs::clock::unix_now_ms)
    }
}

/// A call's context with a collating sequence other than BINARY.
struct CollCx<'a, 'b> {
    cx: &'a mut Cx<'b>,
    coll: Collation,
}

impl FuncContext for CollCx<'_, '_> {
    fn changes(&self) -> i64 {
        self.cx.changes()
    }
    fn total_changes(&self) -> i64 {
        self.cx.total_changes()
    }
    fn last_insert_rowid(&self) -> i64 {
        self.cx.last_insert_rowid()
    }
    fn random_i64(&mut self) -> i64 {
        self.cx.random_i64()
    }
    fn now_unix_ms(&mut self) -> i64 {
        self.cx.now_unix_ms()
    }
    fn collation(&self) -> Collation {
        self.coll
    }
}

fn bool_val(b: bool) -> Value {
    Value::Integer(b as i64)
}

/// Compares `a` and `b` as a WHERE comparison would.
pub fn compare(a: &Value, b: &Value, c: &CmpInfo) -> Option<Ordering> {
    // Two integers compare as numbers unless TEXT affinity applies.
    if let (Value::Integer(x), Value::Integer(y)) = (a, b) {
        if c.laff != Some(Affinity::Text) && c.raff != Some(Affinity::Text) {
            return Some(x.cmp(y));
        }
    }
    types::compare_with_affinity(a, c.laff, b, c.raff, c.coll)
}

/// A column or literal operand, read in place (no copy, no side effects).
#[inline]
pub(crate) fn operand_ref<'a>(e: &'a CExpr, rt: &'a Rt) -> Option<&'a Value> {
    static NULL: Value = Value::Null;
    match e {
        CExpr::Lit(v) => Some(v),
        CExpr::Col { slot, col } => Some(rt.slots[*slot].vals.get(*col).unwrap_or(&NULL)),
        _ => None,
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Null => None,
        _ => Some(types::value_to_i64(v)),
    }
}

/// Evaluates `e` to a value.
pub fn eval(e: &CExpr, rt: &mut Rt, cx: &mut Cx) -> Result<Value> {
    Ok(match e {
        CExpr::Lit(v) => v.clone(),
        CExpr::Param(i) => cx.params.get(*i).cloned().unwrap_or(Value::Null),
        CExpr::Col { slot, col } => {
            let s = &rt.slots[*slot];
            s.vals.get(*col).cloned().unwrap_or(Value::Null)
        }
        CExpr::Rowid { slot } => {
            let s = &rt.slots[*slot];
            if s.null_row {
                Value::Null
            } else {
                Value::Integer(s.rowid)
            }
        }
        CExpr::Neg(a) => {
            let v = eval(a, rt, cx)?;
            match v {
                Value::Null => Value::Null,
                Value::Integer(i) if i != i64::MIN => Value::Integer(-i),
                Value::Integer(i) => Value::Real(-(i as f64)),
                other => types::arith(ArithOp::Sub, &Value::Integer(0), &other),
            }
        }
        CExpr::Pos(a) => eval(a, rt, cx)?,
        CExpr::BitNot(a) => match int_of(&eval(a, rt, cx)?) {
            None => Value::Null,
            Some(i) => Value::Integer(!i),
        },
        CExpr::Not(a) => match types::truthy(&eval(a, rt, cx)?) {
            None => Value::Null,
            Some(b) => bool_val(!b),
        },
        CExpr::Arith(op, a, b) => {
            let x = eval(a, rt, cx)?;
            let y = eval(b, rt, cx)?;
            // Integer +, -, * without overflow need no numeric conversion.
            if let (Value::Integer(p), Value::Integer(q)) = (&x, &y) {
                let r = match op {
                    ArithOp::Add => p.checked_add(*q),
                    ArithOp::Sub => p.checked_sub(*q),
                    ArithOp::Mul => p.checked_mul(*q),
                    _ => None,
                };
                if let Some(r) = r {
                    return Ok(Value::Integer(r));
                }
            }
            types::arith(*op, &x, &y)
        }
        CExpr::Bit(op, a, b) => {
            let x = eval(a, rt, cx)?;
            let y = eval(b, rt, cx)?;
            match (int_of(&x), int_of(&y)) {
                (Some(x), Some(y)) => Value::Integer(match op {
                    BitOp::And => x & y,
                    BitOp::Or => x | y,
                    BitOp::Shl => shift_left(x, y),
                    BitOp::Shr => shift_left(x, y.checked_neg().unwrap_or(i64::MAX)),
                }),
                _ => Value::Null,
            }
        }
        CExpr::Concat(a, b) => {
            let x = eval(a, rt, cx)?;
            let y = eval(b, rt, cx)?;
            match (types::value_to_text(&x), types::value_to_text(&y)) {
                (Some(p), Some(q)) => {
                    if p.len() + q.len() > crate::sql::func::MAX_LENGTH {
                        return Err(crate::sql::func::too_big());
                    }
                    let mut s = String::with_capacity(p.len() + q.len());
                    s.push_str(&p);
                    s.push_str(&q);
                    Value::Text(s)
                }
                _ => Value::Null,
            }
        }
        CExpr::Cmp(op, a, b, c) => {
            let x = eval(a, rt, cx)?;
            let y = eval(b, rt, cx)?;
            match compare(&x, &y, c) {
                None => Value::Null,
                Some(o) => bool_val(op.test(o)),
            }
        }
        CExpr::Is(not, a, b, c) => {
            let x = eval(a, rt, cx)?;
            let y = eval(b, rt, cx)?;
            let eq = match (&x, &y) {
                (Value::Null, Value::Null) => true,
                (Value::Null, _) | (_, Value::Null) => false,
                _ => compare(&x, &y, c) == Some(Ordering::Equal),
            };
            bool_val(eq != *not)
        }
        // In a value context both operands are evaluated (SQLite 3.40 codes
        // AND/OR so: an error in either surfaces); conditions short-circuit
        // in `eval_cond`.
        CExpr::And(a, b) => {
            let x = types::truthy(&eval(a, rt, cx)?);
            let y = types::truthy(&eval(b, rt, cx)?);
            match (x, y) {
                (Some(false), _) | (_, Some(false)) => bool_val(false),
                (Some(true), Some(true)) => bool_val(true),
                _ => Value::Null,
            }
        }
        CExpr::Or(a, b) => {
            let x = types::truthy(&eval(a, rt, cx)?);
            let y = types::truthy(&eval(b, rt, cx)?);
            match (x, y) {
                (Some(true), _) | (_, Some(true)) => bool_val(true),
                (Some(false), Some(false)) => bool_val(false),
                _ => Value::Null,
            }
        }
        CExpr::IsNull(a) => bool_val(matches!(eval(a, rt, cx)?, Value::Null)),
        CExpr::NotNull(a) => bool_val(!matches!(eval(a, rt, cx)?, Value::Null)),
        CExpr::InList { e, list, not, cmp } => {
            let x = eval(e, rt, cx)?;
            if matches!(x, Value::Null) {
                return Ok(if list.is_empty() { bool_val(*not) } else { Value::Null });
            }
            let mut saw_null = false;
            for item in list {
                let y = eval(item, rt, cx)?;
                match membership(&x, &y, cmp) {
                    Some(true) => return Ok(bool_val(!*not)),
                    Some(false) => {}
                    None => saw_null = true,
                }
            }
            no_match(saw_null, *not)
        }
        CExpr::InSub { e, sub, not, cmp } => {
            let x = eval(e, rt, cx)?;
            let plan = &cx.subs[*sub];
            // An uncorrelated subquery's values are computed once and then
            // borrowed from the cache (never copied per row); a correlated
            // one is computed for each row.
            let fresh = if matches!(&rt.sub_cache[*sub], Some(SubCache::Set(..))) {
                None
            } else {
                let rows = exec::run_subquery(plan, usize::MAX, rt, cx)?;
                let mut has_null = false;
                let mut vals = Vec::with_capacity(rows.len());
                for mut r in rows {
                    let v = if r.is_empty() { Value::Null } else { r.swap_remove(0) };
                    if matches!(v, Value::Null) {
                        has_null = true;
                    } else {
                        vals.push(v);
                    }
                }
                if plan.correlated {
                    Some((vals, has_null))
                } else {
                    rt.sub_cache[*sub] = Some(SubCache::Set(vals, has_null));
                    None
                }
            };
            let (set, has_null): (&[Value], bool) = match (&fresh, &rt.sub_cache[*sub]) {
                (Some((vals, n)), _) => (vals, *n),
                (None, Some(SubCache::Set(vals, n))) => (vals, *n),
                (None, _) => return Err(Error::internal("IN subquery cache missing")),
            };
            if matches!(x, Value::Null) {
                return Ok(if set.is_empty() && !has_null { bool_val(*not) } else { Value::Null });
            }
            let mut saw_null = has_null;
            for y in set {
                match membership(&x, y, cmp) {
                    Some(true) => return Ok(bool_val(!*not)),
                    Some(false) => {}
                    None => saw_null = true,
                }
            }
            no_match(saw_null, *not)
        }
        CExpr::Exists { sub, not } => {
            let plan = &cx.subs[*sub];
            let found = match &rt.sub_cache[*sub] {
                Some(SubCache::Exists(b)) => *b,
                _ => {
                    let rows = exec::run_subquery(plan, 1, rt, cx)?;
                    let b = !rows.is_empty();
                    if !plan.correlated {
                        rt.sub_cache[*sub] = Some(SubCache::Exists(b));
                    }
                    b
                }
            };
            bool_val(found != *not)
        }
        CExpr::Scalar { sub } => {
            let plan = &cx.subs[*sub];
            match &rt.sub_cache[*sub] {
                Some(SubCache::Scalar(v)) => v.clone(),
                _ => {
                    let rows = exec::run_subquery(plan, 1, rt, cx)?;
                    let v = rows
                        .into_iter()
                        .next()
                        .and_then(|mut r| if r.is_empty() { None } else { Some(r.swap_remove(0)) });
                    let v = v.unwrap_or(Value::Null);
                    if !plan.correlated {
                        rt.sub_cache[*sub] = Some(SubCache::Scalar(v.clone()));
                    }
                    v
                }
            }
        }
        CExpr::Like { e, pat, esc, not, glob } => {
            let x = eval(e, rt, cx)?;
            let p = eval(pat, rt, cx)?;
            let escv = match esc {
                Some(ex) => Some(eval(ex, rt, cx)?),
                None => None,
            };
            // like_value / glob_value hold every rule (blobs never match,
            // text read up to its first NUL, NULL propagation, ESCAPE checks).
            let m = if *glob { types::glob_value(&x, &p)? } else { types::like_value(&x, &p, escv.as_ref())? };
            match m {
                Value::Integer(i) if *not => bool_val(i == 0),
                m => m,
            }
        }
        CExpr::Case { base, whens, els, cmps } => {
            match base {
                Some(b) => {
                    let bv = eval(b, rt, cx)?;
                    for ((w, t), cmp) in whens.iter().zip(cmps) {
                        let wv = eval(w, rt, cx)?;
                        if compare(&bv, &wv, cmp) == Some(Ordering::Equal) {
                            return eval(t, rt, cx);
                        }
                    }
                }
                None => {
                    for (w, t) in whens {
                        if eval_cond(w, rt, cx)? == Some(true) {
                            return eval(t, rt, cx);
                        }
                    }
                }
            }
            match els {
                Some(x) => eval(x, rt, cx)?,
                None => Value::Null,
            }
        }
        CExpr::Cast(a, aff) => {
            let v = eval(a, rt, cx)?;
            types::cast(&v, *aff)
        }
        CExpr::Func { f, args, coll } => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(eval(a, rt, cx)?);
            }
            if *coll == Collation::Binary {
                f(cx, &vals)?
            } else {
                f(&mut CollCx { cx, coll: *coll }, &vals)?
            }
        }
        CExpr::Agg(i) => rt.aggs[*i].clone(),
    })
}

/// One `x IN (...)` probe: Some(true) on a match, None when the comparison
/// involves NULL (the result may then be NULL), Some(false) otherwise.
fn membership(x: &Value, y: &Value, cmp: &CmpInfo) -> Option<bool> {
    compare(x, y, cmp).map(|o| o == Ordering::Equal)
}

/// `x [NOT] IN (...)` when no item matched: NULL if some comparison
/// involved NULL, else false (true for NOT IN).
fn no_match(saw_null: bool, not: bool) -> Value {
    if saw_null {
        Value::Null
    } else {
        bool_val(not)
    }
}

fn shift_left(x: i64, y: i64) -> i64 {
    if y >= 64 {
        0
    } else if y >= 0 {
        ((x as u64) << y) as i64
    } else if y <= -64 {
        if x < 0 {
            -1
        } else {
            0
        }
    } else {
        x >> (-y)
    }
}

/// WHERE-clause truth: only a true value passes.
pub fn eval_bool(e: &CExpr, rt: &mut Rt, cx: &mut Cx) -> Result<bool> {
    Ok(eval_cond(e, rt, cx)? == Some(true))
}

/// Truth of a condition (WHERE, ON, HAVING, CASE WHEN, CHECK): None for
/// NULL. AND, OR and NOT short-circuit here, as SQLite's jumps do: the
/// right operand is not evaluated once the left one decides.
pub fn eval_cond(e: &CExpr, rt: &mut Rt, cx: &mut Cx) -> Result<Option<bool>> {
    Ok(match e {
        CExpr::And(a, b) => {
            let x = eval_cond(a, rt, cx)?;
            if x == Some(false) {
                return Ok(x);
            }
            match (x, eval_cond(b, rt, cx)?) {
                (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            }
        }
        CExpr::Or(a, b) => {
            let x = eval_cond(a, rt, cx)?;
            if x == Some(true) {
                return Ok(x);
            }
            match (x, eval_cond(b, rt, cx)?) {
                (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            }
        }
        CExpr::Not(a) => eval_cond(a, rt, cx)?.map(|b| !b),
        CExpr::Cmp(op, a, b, c) => {
            // Operands that are columns or literals are compared in place;
            // the others are evaluated in order first.
            let xo = if operand_ref(a, rt).is_none() { Some(eval(a, rt, cx)?) } else { None };
            let yo = if operand_ref(b, rt).is_none() { Some(eval(b, rt, cx)?) } else { None };
            let x = xo.as_ref().or_else(|| operand_ref(a, rt)).unwrap_or(&Value::Null);
            let y = yo.as_ref().or_else(|| operand_ref(b, rt)).unwrap_or(&Value::Null);
            compare(x, y, c).map(|o| op.test(o))
        }
        _ => types::truthy(&eval(e, rt, cx)?),
    })
}
