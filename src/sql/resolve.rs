//! The compiler's expression half: turns parser expressions into
//! [`CExpr`]s, resolving names against a stack of scopes (one per SELECT
//! nesting level; outer levels make a subquery correlated), numbering
//! parameters as SQLite does, looking functions up, and collecting
//! aggregate calls for the SELECT being compiled.

use crate::error::{Error, Result};
use crate::schema::{Catalog, Table};
use crate::sql::expr::{BitOp, CExpr, CmpInfo, CmpOp};
use crate::sql::func;
use crate::sql::select::SelectPlan;
use crate::sql::types::{affinity_of_decltype, Affinity, ArithOp};
use crate::storage::{Collation, Value};
use crate::syntax::lexer::unquote_ident;
use crate::syntax::{collation_by_name, name_str};
use sqlite3_parser::ast::{self, Expr, Literal, Operator, UnaryOperator};
use std::sync::Arc;

/// The column index recorded in `Compiler::col_refs` for a rowid reference.
pub const ROWID_REF: usize = usize::MAX;

/// A compiled expression with what comparisons need to know about it.
#[derive(Clone, Debug)]
pub struct Ce {
    pub e: CExpr,
    pub aff: Option<Affinity>,
    pub coll: Option<Collation>,
    /// The collation comes from a COLLATE operator (wins over column ones).
    pub explicit: bool,
}

impl Ce {
    pub fn plain(e: CExpr) -> Ce {
        Ce { e, aff: None, coll: None, explicit: false }
    }
}

/// Parameters in order of index: their names (`?NNN`, `:a`, ... ; None for `?`).
#[derive(Clone, Debug, Default)]
pub struct Params {
    pub names: Vec<Option<String>>,
}

impl Params {
    fn index_for(&mut self, var: &str) -> Result<usize> {
        if var.is_empty() {
            self.names.push(None);
            return Ok(self.names.len() - 1);
        }
        if var.as_bytes()[0].is_ascii_digit() {
            let n: usize = var.parse().unwrap_or(0);
            if n == 0 || n > 250_000 {
                return Err(Error::sql("variable number must be between ?1 and ?250000"));
            }
            if self.names.len() < n {
                self.names.resize(n, None);
            }
            if self.names[n - 1].is_none() {
                self.names[n - 1] = Some(format!("?{n}"));
            }
            return Ok(n - 1);
        }
        if let Some(p) = self.names.iter().position(|x| x.as_deref() == Some(var)) {
            return Ok(p);
        }
        self.names.push(Some(var.to_string()));
        Ok(self.names.len() - 1)
    }
}

/// One table visible to name resolution.
#[derive(Clone, Debug)]
pub struct ScopeTable {
    pub slot: usize,
    /// Name used to qualify columns (alias, else table name).
    pub alias: String,
    pub table: Arc<Table>,
    /// Columns merged away by USING / NATURAL (not matched unqualified, not in `*`).
    pub hidden: Vec<usize>,
}

/// An aggregate call of the SELECT core being compiled.
#[derive(Clone, Debug)]
pub struct AggCall {
    pub id: usize,
    pub name: String,
    pub distinct: bool,
    pub args: Vec<CExpr>,
    pub coll: Collation,
}

pub struct Compiler<'a> {
    pub catalog: Option<&'a Catalog>,
    pub scopes: Vec<Vec<ScopeTable>>,
    pub params: Params,
    pub subs: Vec<SelectPlan>,
    pub n_slots: usize,
    pub n_aggs: usize,
    /// Aggregates collected for the current SELECT core, when allowed.
    pub aggs: Option<Vec<AggCall>>,
    /// Name of the aggregate whose arguments are being compiled.
    pub in_agg: bool,
    /// Message for an aggregate where none may appear (None = allowed).
    pub agg_forbidden: Option<&'static str>,
    /// Open subqueries: (scope level where they start, correlated?,
    /// highest outer slot referenced).
    pub open_subs: Vec<(usize, bool, Option<usize>)>,
    /// Source texts of the top-level result columns (for column names).
    pub top_texts: Option<Vec<String>>,
    /// Per LIMIT clause in textual order: written `LIMIT offset, count`?
    pub limit_commas: Vec<bool>,
    pub limit_seen: usize,
    /// Every (slot, column) referenced anywhere in the statement: rows
    /// decode only these, and an index holding all of a level's is covering.
    pub col_refs: std::collections::HashSet<(usize, usize)>,
    /// Result-column aliases of the current core usable in WHERE etc.
    pub aliases: Vec<(String, Ce)>,
    /// Nesting of expressions and subqueries being compiled; bounded by
    /// MAX_EXPR_DEPTH so hostile SQL (or a hostile schema) cannot exhaust
    /// the stack of the compiler, the evaluator or the plan's destructor.
    pub depth: usize,
    /// Nesting of SELECTs (subqueries) being compiled, bounded by
    /// MAX_SELECT_DEPTH: a SELECT level costs several kilobytes of stack.
    pub select_depth: usize,
    /// A function (scalar or aggregate) was compiled: SQLite then gives the
    /// statement a statement journal (a function may fail mid-statement).
    pub calls_function: bool,
    /// Window calls of the SELECT core being compiled, where allowed.
    pub windows: Option<crate::sql::window::WinCollect>,
    /// CTEs in scope and views being compiled (see `sql::cte`).
    pub with: crate::sql::cte::WithState,
    /// NEW / OLD while a trigger program is compiled (see `sql::trigger`).
    pub trig: Option<crate::sql::trigger::TrigScope>,
    /// Compiling a CHECK constraint (see `sql::pure`).
    pub in_check: bool,
}

/// SQLite's SQLITE_MAX_EXPR_DEPTH.
pub const MAX_EXPR_DEPTH: usize = 1000;
/// Deepest subquery nesting accepted. SQLite's parser already overflows its
/// stack ("parser stack overflow") at about 20 nested subqueries; 100 is
/// more lenient and still bounded.
pub const MAX_SELECT_DEPTH: usize = 100;

fn parse_numeric(s: &str) -> Result<Value> {
    let t: String = s.chars().filter(|&c| c != '_').collect();
    if t.len() > 2 && (t.starts_with("0x") || t.starts_with("0X")) {
        // Hex literals are 64-bit two's complement; wider ones are an error.
        return match u64::from_str_radix(&t[2..], 16) {
            Ok(u) => Ok(Value::Integer(u as i64)),
            Err(_) => Err(Error::sql(format!("hex literal too big: {s}"))),
        };
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = t.parse::<i64>() {
            return Ok(Value::Integer(i));
        }
    }
    Ok(Value::Real(t.parse::<f64>().unwrap_or(0.0)))
}

fn unquote_string(s: &str) -> String {
    if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
        s[1..s.len() - 1].replace("''", "'")
    } else {
        s.to_string()
    }
}

fn hex_blob(h: &str) -> Result<Vec<u8>> {
    if !h.len().is_multiple_of(2) || !h.is_ascii() {
        return Err(Error::sql(format!("unrecognized token: \"x'{h}'\"")));
    }
    let mut out = Vec::with_capacity(h.len() / 2);
    for i in (0..h.len()).step_by(2) {
        let b =
            u8::from_str_radix(&h[i..i + 2], 16).map_err(|_| Error::sql(format!("unrecognized token: \"x'{h}'\"")))?;
        out.push(b);
    }
    Ok(out)
}

/// The collation of a comparison: explicit COLLATE on the left, then on the
/// right, then the left column's, then the right column's, else BINARY.
pub fn pick_collation(l: &Ce, r: &Ce) -> Collation {
    if l.explicit {
        return l.coll.unwrap_or(Collation::Binary);
    }
    if r.explicit {
        return r.coll.unwrap_or(Collation::Binary);
    }
    l.coll.or(r.coll).unwrap_or(Collation::Binary)
}

pub fn cmp_info(l: &Ce, r: &Ce) -> CmpInfo {
    CmpInfo { laff: l.aff, raff: r.aff, coll: pick_collation(l, r) }
}

/// An expression carrying the first explicit COLLATE among `parts` (in
/// SQLite's search order: left operand first, then the list), as an
/// explicit COLLATE gives its collation to every enclosing expression.
fn with_explicit(e: CExpr, parts: &[Option<(Option<Collation>, bool)>]) -> Ce {
    match parts.iter().flatten().find(|(_, ex)| *ex) {
        Some(&(coll, _)) => Ce { e, aff: None, coll, explicit: true },
        None => Ce::plain(e),
    }
}

fn ce_coll(c: &Ce) -> Option<(Option<Collation>, bool)> {
    Some((c.coll, c.explicit))
}

/// An integer literal 0, possibly parenthesized (SQLite's "always false"
/// operand; not `+0`, `-0` or `0.0`).
fn always_false(e: &Expr) -> bool {
    match e {
        Expr::Literal(Literal::Numeric(s)) => matches!(parse_numeric(s), Ok(Value::Integer(0))),
        Expr::Parenthesized(v) if v.len() == 1 => always_false(&v[0]),
        _ => false,
    }
}

/// True when `e` reads no row, subquery or aggregate (SQLite's "constant"
/// for rewriting `x IN (e)` as `x = e`).
fn is_constant(e: &CExpr) -> bool {
    let mut c = true;
    e.walk(&mut |x| {
        if matches!(
            x,
            CExpr::Col { .. }
                | CExpr::Rowid { .. }
                | CExpr::Agg(_)
                | CExpr::InSub { .. }
                | CExpr::Exists { .. }
                | CExpr::Scalar { .. }
        ) {
            c = false;
        }
    });
    c
}

fn is_rowid_name(n: &str) -> bool {
    n.eq_ignore_ascii_case("rowid") || n.eq_ignore_ascii_case("oid") || n.eq_ignore_ascii_case("_rowid_")
}

impl<'a> Compiler<'a> {
    pub fn new(catalog: Option<&'a Catalog>) -> Compiler<'a> {
        Compiler {
            catalog,
            scopes: vec![Vec::new()],
            params: Params::default(),
            subs: Vec::new(),
            n_slots: 0,
            n_aggs: 0,
            aggs: None,
            in_agg: false,
            agg_forbidden: None,
            open_subs: Vec::new(),
            top_texts: None,
            limit_commas: Vec::new(),
            limit_seen: 0,
            calls_function: false,
            col_refs: std::collections::HashSet::new(),
            aliases: Vec::new(),
            depth: 0,
            select_depth: 0,
            windows: None,
            with: Default::default(),
            trig: None,
            in_check: false,
        }
    }

    /// Runs `f` one nesting level deeper, failing as SQLite does past
    /// MAX_EXPR_DEPTH.
    pub fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_EXPR_DEPTH {
            return Err(Error::sql(format!("Expression tree is too large (maximum depth {MAX_EXPR_DEPTH})")));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// A compiler for schema expressions (DEFAULT, CHECK): no catalog.
    pub fn standalone() -> Compiler<'static> {
        Compiler::new(None)
    }

    pub fn catalog(&self) -> Result<&'a Catalog> {
        self.catalog.ok_or_else(|| Error::sql("no tables in this context"))
    }

    /// Adds `table` to the innermost scope at `slot`.
    pub fn push_scope_table(&mut self, table: Arc<Table>, slot: usize, alias: &str) {
        self.n_slots = self.n_slots.max(slot + 1);
        self.scopes.last_mut().expect("scope").push(ScopeTable {
            slot,
            alias: alias.to_string(),
            table,
            hidden: Vec::new(),
        });
    }

    pub fn alloc_slot(&mut self) -> usize {
        if let Some(s) = self.with.reserved_slot.take() {
            return s;
        }
        self.n_slots += 1;
        self.n_slots - 1
    }

    fn note_outer_ref(&mut self, level: usize, slot: usize) {
        for s in self.open_subs.iter_mut() {
            if s.0 > level {
                s.1 = true;
                s.2 = Some(s.2.map_or(slot, |m| m.max(slot)));
            }
        }
    }

    fn col_ce(st: &ScopeTable, ci: usize) -> Ce {
        let c = &st.table.cols[ci];
        if Some(ci) == st.table.ipk {
            return Ce {
                e: CExpr::Rowid { slot: st.slot },
                aff: Some(Affinity::Integer),
                coll: Some(c.coll),
                explicit: false,
            };
        }
        let aff = if c.no_affinity { None } else { Some(c.affinity) };
        Ce { e: CExpr::Col { slot: st.slot, col: ci }, aff, coll: Some(c.coll), explicit: false }
    }

    /// Resolves an unqualified column name.
    fn resolve_id(&mut self, raw: &str) -> Result<Ce> {
        let name = unquote_ident(raw);
        for level in (0..self.scopes.len()).rev() {
            let mut found: Option<Ce> = None;
            let mut count = 0;
            for st in &self.scopes[level] {
                if let Some(ci) = st.table.col_index(&name) {
                    if st.hidden.contains(&ci) {
                        continue;
                    }
                    count += 1;
                    if found.is_none() {
                        found = Some(Self::col_ce(st, ci));
                    }
                }
            }
            if count > 1 {
                return Err(Error::sql(format!("ambiguous column name: {name}")));
            }
            if let Some(ce) = found {
                match ce.e {
                    CExpr::Col { slot, col } => {
                        self.col_refs.insert((slot, col));
                    }
                    CExpr::Rowid { slot } => {
                        self.col_refs.insert((slot, ROWID_REF));
                    }
                    _ => {}
                }
                if let CExpr::Col { slot, .. } | CExpr::Rowid { slot } = ce.e {
                    self.note_outer_ref(level, slot);
                }
                return Ok(ce);
            }
            if is_rowid_name(&name) && self.scopes[level].len() == 1 {
                let slot = self.scopes[level][0].slot;
                match self.rowid_of_source(level, slot) {
                    Some(Ok(ce)) => return Ok(ce),
                    Some(Err(_)) => {}
                    None => {
                        self.col_refs.insert((slot, ROWID_REF));
                        self.note_outer_ref(level, slot);
                        let e = CExpr::Rowid { slot };
                        return Ok(Ce { e, aff: Some(Affinity::Integer), coll: None, explicit: false });
                    }
                }
            }
            if level + 1 == self.scopes.len() {
                if let Some((_, ce)) = self.aliases.iter().find(|(a, _)| a.eq_ignore_ascii_case(&name)) {
                    return Ok(ce.clone());
                }
            }
        }
        if raw.starts_with('"') {
            return Ok(Ce::plain(CExpr::Lit(Value::Text(name))));
        }
        if name.eq_ignore_ascii_case("true") {
            return Ok(Ce::plain(CExpr::lit_int(1)));
        }
        if name.eq_ignore_ascii_case("false") {
            return Ok(Ce::plain(CExpr::lit_int(0)));
        }
        Err(Error::sql(format!("no such column: {name}")))
    }

    fn resolve_qualified(&mut self, tname: &str, cname: &str) -> Result<Ce> {
        for level in (0..self.scopes.len()).rev() {
            let hit = self.scopes[level].iter().find(|st| st.alias.eq_ignore_ascii_case(tname)).cloned();
            if let Some(st) = hit {
                self.note_outer_ref(level, st.slot);
                // Two FROM items under one alias: a column both have (and
                // USING/NATURAL did not merge) is ambiguous, a rowid unknown.
                let same_alias: Vec<&ScopeTable> =
                    self.scopes[level].iter().filter(|s| s.alias.eq_ignore_ascii_case(tname)).collect();
                let having = same_alias
                    .iter()
                    .filter(|s| s.table.col_index(cname).is_some_and(|ci| !s.hidden.contains(&ci)))
                    .count();
                if having > 1 {
                    return Err(Error::sql(format!("ambiguous column name: {tname}.{cname}")));
                }
                if having == 0 && same_alias.len() > 1 {
                    break;
                }
                if let Some(ci) = st.table.col_index(cname) {
                    self.col_refs.insert((st.slot, ci));
                    return Ok(Self::col_ce(&st, ci));
                }
                if is_rowid_name(cname) {
                    match self.rowid_of_source(level, st.slot) {
                        Some(Ok(ce)) => return Ok(ce),
                        Some(Err(_)) => break,
                        None => {}
                    }
                    self.col_refs.insert((st.slot, ROWID_REF));
                    return Ok(Ce {
                        e: CExpr::Rowid { slot: st.slot },
                        aff: Some(Affinity::Integer),
                        coll: None,
                        explicit: false,
                    });
                }
                break;
            }
        }
        if let Some(ce) = self.trigger_column(tname, cname)? {
            return Ok(ce);
        }
        Err(Error::sql(format!("no such column: {tname}.{cname}")))
    }

    /// The rowid of FROM item `slot` (of scope `level`) when it is not a
    /// table's: a view's or a FROM subquery's reads as NULL, a CTE has none.
    fn rowid_of_source(&self, level: usize, slot: usize) -> Option<Result<Ce>> {
        let st = self.scopes[level].iter().find(|st| st.slot == slot)?;
        if st.table.root != 0 {
            None
        } else if self.with.cte_slots.contains(&slot) {
            Some(Err(Error::sql("no rowid")))
        } else {
            Some(Ok(Ce::plain(CExpr::Lit(Value::Null))))
        }
    }

    /// A function call. `filter` is an aggregate's `FILTER (WHERE f)`:
    /// every argument becomes `CASE WHEN f THEN arg END` (and `count(*)`
    /// becomes `count(CASE WHEN f THEN 1 END)`), which is exact because
    /// every built-in aggregate skips NULL arguments and DISTINCT never
    /// sees them.
    fn function(
        &mut self,
        fname: &str,
        distinct: bool,
        args: &[Expr],
        star: bool,
        filter: Option<&Expr>,
    ) -> Result<Ce> {
        self.calls_function = true;
        let nargs = if star { 0 } else { args.len() };
        if (!star || fname.eq_ignore_ascii_case("count")) && func::is_aggregate(fname, nargs) {
            let lname = fname.to_ascii_lowercase();
            if self.in_agg || self.aggs.is_none() {
                return Err(Error::sql(format!("misuse of aggregate function {lname}()")));
            }
            if let Some(msg) = self.agg_forbidden {
                return Err(Error::sql(msg));
            }
            if distinct && nargs != 1 {
                return Err(Error::sql("DISTINCT aggregates must have exactly one argument"));
            }
            self.in_agg = true;
            let compiled: Result<Vec<Ce>> =
                if star { Ok(Vec::new()) } else { args.iter().map(|a| self.expr(a)).collect() };
            let cond = filter.map(|f| self.expr(f));
            self.in_agg = false;
            let cargs = compiled?;
            // min/max and DISTINCT compare TEXT under the argument's collation.
            let coll = cargs.first().and_then(|c| c.coll).unwrap_or(Collation::Binary);
            let mut args: Vec<CExpr> = cargs.into_iter().map(|c| c.e).collect();
            let mut nargs = nargs;
            if let Some(cond) = cond {
                let cond = cond?.e;
                if args.is_empty() {
                    args.push(CExpr::lit_int(1));
                    nargs = 1;
                }
                for a in &mut args {
                    let arg = std::mem::replace(a, CExpr::Lit(Value::Null));
                    *a = CExpr::Case { base: None, whens: vec![(cond.clone(), arg)], els: None, cmps: Vec::new() };
                }
            }
            let id = self.n_aggs;
            self.n_aggs += 1;
            // Validate the name/arity once at prepare time.
            func::new_accumulator_with_collation(&lname, nargs, distinct, coll)?;
            self.aggs.as_mut().expect("aggs").push(AggCall { id, name: lname, distinct, args, coll });
            return Ok(Ce::plain(CExpr::Agg(id)));
        }
        if star {
            // f(*) for a non-aggregate: SQLite reports the arity.
            func::lookup_scalar(fname, 0)?;
            return Err(Error::sql(format!("wrong number of arguments to function {fname}()")));
        }
        // DISTINCT on a scalar function is accepted and means nothing (SQLite 3.40).
        let mut f = func::lookup_scalar(fname, args.len())?;
        if self.in_check {
            f = crate::sql::pure::in_check(fname).unwrap_or(f);
        }
        if filter.is_some() {
            return Err(Error::sql(format!("FILTER may not be used with non-aggregate {fname}()")));
        }
        let cargs: Vec<Ce> = args.iter().map(|a| self.expr(a)).collect::<Result<_>>()?;
        // A function returns the collation of its first argument with one
        // (SQLite's rule for e.g. lower(x COLLATE NOCASE) is only explicit ones).
        let explicit = cargs.iter().find(|c| c.explicit).map(|c| c.coll);
        // min/max/nullif compare under the leftmost argument's collation
        // (declared or explicit).
        let call_coll = if func::needs_collation(fname) {
            cargs.iter().find_map(|c| c.coll).unwrap_or(Collation::Binary)
        } else {
            Collation::Binary
        };
        Ok(Ce {
            e: CExpr::Func { f, args: cargs.into_iter().map(|c| c.e).collect(), coll: call_coll },
            aff: None,
            coll: explicit.flatten(),
            explicit: explicit.is_some(),
        })
    }

    pub(crate) fn subquery(&mut self, sel: &ast::Select) -> Result<(usize, Option<Affinity>)> {
        let id = self.wrapped_sub(|c| c.select(sel))?;
        Ok((id, self.subs[id].first_affinity))
    }

    /// Compiles one expression in the current scope.
    pub fn expr(&mut self, e: &Expr) -> Result<Ce> {
        self.nested(|c| c.expr_at_depth(e))
    }

    fn expr_at_depth(&mut self, e: &Expr) -> Result<Ce> {
        Ok(match e {
            Expr::Literal(l) => Ce::plain(match l {
                Literal::Numeric(s) => CExpr::Lit(parse_numeric(s)?),
                Literal::String(s) => CExpr::Lit(Value::Text(unquote_string(s))),
                Literal::Blob(h) => CExpr::Lit(Value::Blob(hex_blob(h)?)),
                Literal::Keyword(k) => CExpr::Lit(Value::Text(k.to_string())),
                Literal::Null => CExpr::Lit(Value::Null),
                Literal::CurrentDate => {
                    CExpr::Func { f: func::datetime::current_date, args: Vec::new(), coll: Collation::Binary }
                }
                Literal::CurrentTime => {
                    CExpr::Func { f: func::datetime::current_time, args: Vec::new(), coll: Collation::Binary }
                }
                Literal::CurrentTimestamp => {
                    CExpr::Func { f: func::datetime::current_timestamp, args: Vec::new(), coll: Collation::Binary }
                }
            }),
            Expr::Id(id) => self.resolve_id(id.0)?,
            Expr::Name(n) => self.resolve_id(n.0)?,
            Expr::Qualified(t, c) => self.resolve_qualified(&name_str(t), &name_str(c))?,
            Expr::DoublyQualified(d, t, c) => {
                let db = name_str(d);
                if !db.eq_ignore_ascii_case("main") {
                    return Err(Error::sql(format!("no such column: {db}.{}.{}", name_str(t), name_str(c))));
                }
                self.resolve_qualified(&name_str(t), &name_str(c))?
            }
            Expr::Variable(v) => Ce::plain(CExpr::Param(self.params.index_for(v)?)),
            Expr::Parenthesized(v) => {
                if v.len() != 1 {
                    return Err(Error::sql("row value misused"));
                }
                self.expr(&v[0])?
            }
            Expr::Unary(op, a) => match op {
                UnaryOperator::Negative => {
                    if let Expr::Literal(Literal::Numeric(s)) = &**a {
                        if s.trim_start_matches('0') == "9223372036854775808" {
                            return Ok(Ce::plain(CExpr::lit_int(i64::MIN)));
                        }
                        match parse_numeric(s)? {
                            Value::Integer(i) => return Ok(Ce::plain(CExpr::lit_int(-i))),
                            Value::Real(f) => return Ok(Ce::plain(CExpr::Lit(Value::Real(-f)))),
                            _ => {}
                        }
                    }
                    let x = self.expr(a)?;
                    let c = ce_coll(&x);
                    with_explicit(CExpr::Neg(Box::new(x.e)), &[c])
                }
                UnaryOperator::Positive => {
                    // `+x` keeps x's collation but has no affinity (and is
                    // no longer a column: no index serves it).
                    let x = self.expr(a)?;
                    Ce { e: CExpr::Pos(Box::new(x.e)), aff: None, coll: x.coll, explicit: x.explicit }
                }
                UnaryOperator::Not => {
                    let x = self.expr(a)?;
                    let c = ce_coll(&x);
                    with_explicit(CExpr::Not(Box::new(x.e)), &[c])
                }
                UnaryOperator::BitwiseNot => {
                    let x = self.expr(a)?;
                    let c = ce_coll(&x);
                    with_explicit(CExpr::BitNot(Box::new(x.e)), &[c])
                }
            },
            Expr::Binary(a, op, b) => {
                let l = self.expr(a)?;
                let r = self.expr(b)?;
                // `x AND 0` / `0 AND x` is the constant 0 (SQLite folds it
                // while parsing, so x is never evaluated).
                if *op == Operator::And && (always_false(a) || always_false(b)) {
                    return Ok(Ce::plain(CExpr::lit_int(0)));
                }
                let info = cmp_info(&l, &r);
                let coll = if l.explicit {
                    l.coll
                } else if r.explicit {
                    r.coll
                } else {
                    None
                };
                let explicit = coll.is_some();
                let bx = |x: CExpr| Box::new(x);
                let e = match op {
                    Operator::Add => CExpr::Arith(ArithOp::Add, bx(l.e), bx(r.e)),
                    Operator::Subtract => CExpr::Arith(ArithOp::Sub, bx(l.e), bx(r.e)),
                    Operator::Multiply => CExpr::Arith(ArithOp::Mul, bx(l.e), bx(r.e)),
                    Operator::Divide => CExpr::Arith(ArithOp::Div, bx(l.e), bx(r.e)),
                    Operator::Modulus => CExpr::Arith(ArithOp::Rem, bx(l.e), bx(r.e)),
                    Operator::Concat => CExpr::Concat(bx(l.e), bx(r.e)),
                    Operator::Equals => CExpr::Cmp(CmpOp::Eq, bx(l.e), bx(r.e), info),
                    Operator::NotEquals => CExpr::Cmp(CmpOp::Ne, bx(l.e), bx(r.e), info),
                    Operator::Less => CExpr::Cmp(CmpOp::Lt, bx(l.e), bx(r.e), info),
                    Operator::LessEquals => CExpr::Cmp(CmpOp::Le, bx(l.e), bx(r.e), info),
                    Operator::Greater => CExpr::Cmp(CmpOp::Gt, bx(l.e), bx(r.e), info),
                    Operator::GreaterEquals => CExpr::Cmp(CmpOp::Ge, bx(l.e), bx(r.e), info),
                    Operator::Is => CExpr::Is(false, bx(l.e), bx(r.e), info),
                    Operator::IsNot => CExpr::Is(true, bx(l.e), bx(r.e), info),
                    Operator::And => CExpr::And(bx(l.e), bx(r.e)),
                    Operator::Or => CExpr::Or(bx(l.e), bx(r.e)),
                    Operator::BitwiseAnd => CExpr::Bit(BitOp::And, bx(l.e), bx(r.e)),
                    Operator::BitwiseOr => CExpr::Bit(BitOp::Or, bx(l.e), bx(r.e)),
                    Operator::LeftShift => CExpr::Bit(BitOp::Shl, bx(l.e), bx(r.e)),
                    Operator::RightShift => CExpr::Bit(BitOp::Shr, bx(l.e), bx(r.e)),
                    Operator::ArrowRight | Operator::ArrowRightShift => {
                        return Err(Error::sql("no such function: ->"));
                    }
                };
                Ce { e, aff: None, coll, explicit }
            }
            Expr::Between { lhs, not, start, end } => {
                let x = self.expr(lhs)?;
                let lo = self.expr(start)?;
                let hi = self.expr(end)?;
                let ge = CExpr::Cmp(CmpOp::Ge, Box::new(x.e.clone()), Box::new(lo.e.clone()), cmp_info(&x, &lo));
                let le = CExpr::Cmp(CmpOp::Le, Box::new(x.e.clone()), Box::new(hi.e.clone()), cmp_info(&x, &hi));
                let both = CExpr::And(Box::new(ge), Box::new(le));
                let e = if *not { CExpr::Not(Box::new(both)) } else { both };
                with_explicit(e, &[ce_coll(&x), ce_coll(&lo), ce_coll(&hi)])
            }
            Expr::Case { base, when_then_pairs, else_expr } => {
                let b = match base {
                    Some(b) => Some(self.expr(b)?),
                    None => None,
                };
                let mut whens = Vec::new();
                let mut cmps = Vec::new();
                let mut parts = vec![b.as_ref().and_then(ce_coll)];
                for (w, t) in when_then_pairs.iter() {
                    let wc = self.expr(w)?;
                    if let Some(bc) = &b {
                        cmps.push(cmp_info(bc, &wc));
                    }
                    let tc = self.expr(t)?;
                    parts.push(ce_coll(&wc));
                    parts.push(ce_coll(&tc));
                    whens.push((wc.e, tc.e));
                }
                let els = match else_expr {
                    Some(x) => {
                        let xc = self.expr(x)?;
                        parts.push(ce_coll(&xc));
                        Some(Box::new(xc.e))
                    }
                    None => None,
                };
                with_explicit(CExpr::Case { base: b.map(|x| Box::new(x.e)), whens, els, cmps }, &parts)
            }
            Expr::Cast { expr, type_name } => {
                let x = self.expr(expr)?;
                let aff = type_name.as_ref().map_or(Affinity::Blob, |t| affinity_of_decltype(t.name));
                Ce { e: CExpr::Cast(Box::new(x.e), aff), aff: Some(aff), coll: x.coll, explicit: x.explicit }
            }
            Expr::Collate(x, c) => {
                let coll = collation_by_name(c)?;
                let inner = self.expr(x)?;
                Ce { e: inner.e, aff: inner.aff, coll: Some(coll), explicit: true }
            }
            Expr::Exists(sel) => {
                let (sub, _) = self.subquery(sel)?;
                Ce::plain(CExpr::Exists { sub, not: false })
            }
            Expr::Subquery(sel) => {
                let (sub, aff) = self.subquery(sel)?;
                self.expect_one_column(sub)?;
                Ce { e: CExpr::Scalar { sub }, aff, coll: None, explicit: false }
            }
            Expr::InList { lhs, not, rhs } => {
                let x = self.expr(lhs)?;
                let items = rhs.unwrap_or(&[]);
                // `x IN (c)` with one constant item is `x = c` (SQLite
                // rewrites it so: both sides' affinity and collation count).
                if let [item] = items {
                    let c = self.expr(item)?;
                    if is_constant(&c.e) {
                        let op = if *not { CmpOp::Ne } else { CmpOp::Eq };
                        let info = cmp_info(&x, &c);
                        return Ok(Ce::plain(CExpr::Cmp(op, Box::new(x.e), Box::new(c.e), info)));
                    }
                    let info = CmpInfo { laff: x.aff, raff: None, coll: x.coll.unwrap_or(Collation::Binary) };
                    let parts = [ce_coll(&x), ce_coll(&c)];
                    return Ok(with_explicit(
                        CExpr::InList { e: Box::new(x.e), list: vec![c.e], not: *not, cmp: info },
                        &parts,
                    ));
                }
                // Otherwise every item compares under x's affinity and
                // collation only.
                let info = CmpInfo { laff: x.aff, raff: None, coll: x.coll.unwrap_or(Collation::Binary) };
                let cl = items.iter().map(|item| self.expr(item)).collect::<Result<Vec<_>>>()?;
                let mut parts = vec![ce_coll(&x)];
                parts.extend(cl.iter().map(ce_coll));
                let list = cl.into_iter().map(|c| c.e).collect();
                with_explicit(CExpr::InList { e: Box::new(x.e), list, not: *not, cmp: info }, &parts)
            }
            Expr::InSelect { lhs, not, rhs } => {
                let x = self.expr(lhs)?;
                let (sub, aff) = self.subquery(rhs)?;
                self.expect_one_column(sub)?;
                // x's collation, else that of the subquery's column.
                let ycoll = self.subs[sub].colls.first().copied();
                let info = CmpInfo { laff: x.aff, raff: aff, coll: x.coll.or(ycoll).unwrap_or(Collation::Binary) };
                let parts = [ce_coll(&x)];
                with_explicit(CExpr::InSub { e: Box::new(x.e), sub, not: *not, cmp: info }, &parts)
            }
            Expr::InTable { lhs, not, rhs, args } => {
                if args.is_some() {
                    return Err(Error::sql("table-valued functions are not supported yet"));
                }
                let x = self.expr(lhs)?;
                if self.is_named_source(rhs) {
                    // `x IN cte_or_view`: membership in its rows.
                    let sub = self.named_source(rhs)?;
                    self.expect_one_column(sub)?;
                    let aff = self.subs[sub].affinities.first().copied().flatten();
                    let info = CmpInfo { laff: x.aff, raff: aff, coll: x.coll.unwrap_or(Collation::Binary) };
                    return Ok(Ce::plain(CExpr::InSub { e: Box::new(x.e), sub, not: *not, cmp: info }));
                }
                let tname = name_str(&rhs.name);
                let t = self
                    .catalog()?
                    .table(&tname)
                    .cloned()
                    .ok_or_else(|| Error::sql(format!("no such table: {tname}")))?;
                let (sub, aff) = self.table_subquery(t)?;
                self.expect_one_column(sub)?;
                let info = CmpInfo { laff: x.aff, raff: aff, coll: x.coll.unwrap_or(Collation::Binary) };
                Ce::plain(CExpr::InSub { e: Box::new(x.e), sub, not: *not, cmp: info })
            }
            Expr::IsNull(a) => {
                let x = self.expr(a)?;
                let c = ce_coll(&x);
                with_explicit(CExpr::IsNull(Box::new(x.e)), &[c])
            }
            Expr::NotNull(a) => {
                let x = self.expr(a)?;
                let c = ce_coll(&x);
                with_explicit(CExpr::NotNull(Box::new(x.e)), &[c])
            }
            Expr::Like { lhs, not, op, rhs, escape } => {
                let glob = match op {
                    ast::LikeOperator::Like => false,
                    ast::LikeOperator::Glob => true,
                    ast::LikeOperator::Match => return Err(Error::sql("no such function: match")),
                    ast::LikeOperator::Regexp => return Err(Error::sql("no such function: regexp")),
                };
                let x = self.expr(lhs)?;
                let p = self.expr(rhs)?;
                let esc = match escape {
                    Some(e) => Some(self.expr(e)?),
                    None => None,
                };
                // LIKE is the function like(pattern, x, escape): that order.
                let parts = [ce_coll(&p), ce_coll(&x), esc.as_ref().and_then(ce_coll)];
                let esc = esc.map(|c| Box::new(c.e));
                with_explicit(CExpr::Like { e: Box::new(x.e), pat: Box::new(p.e), esc, not: *not, glob }, &parts)
            }
            Expr::FunctionCall { name, distinctness, args, filter_over, order_by } => {
                let distinct = matches!(distinctness, Some(ast::Distinctness::Distinct));
                let fname = unquote_ident(name.0);
                if let (Some(ast::FunctionTail { filter_clause, over_clause: Some(over) }), None) =
                    (filter_over, order_by)
                {
                    return self.window_call(&fname, distinct, args.unwrap_or(&[]), false, *filter_clause, over);
                }
                if order_by.is_some() {
                    // SQLite 3.40 has no ORDER BY inside a call (3.44 added it).
                    return Err(Error::sql("near \"ORDER\": syntax error"));
                }
                if let Some(e) = crate::sql::window::without_over(&fname, args.map_or(0, |a| a.len())) {
                    return Err(e);
                }
                let filter = filter_over.as_ref().and_then(|t| t.filter_clause);
                self.function(&fname, distinct, args.unwrap_or(&[]), false, filter)?
            }
            Expr::FunctionCallStar { name, filter_over } => {
                let fname = unquote_ident(name.0);
                if let Some(ast::FunctionTail { filter_clause, over_clause: Some(over) }) = filter_over {
                    return self.window_call(&fname, false, &[], true, *filter_clause, over);
                }
                if let Some(e) = crate::sql::window::without_over(&fname, 0) {
                    return Err(e);
                }
                self.function(&fname, false, &[], true, filter_over.as_ref().and_then(|t| t.filter_clause))?
            }
            Expr::Raise(kind, msg) => self.raise(*kind, *msg)?,
        })
    }

    fn expect_one_column(&self, sub: usize) -> Result<()> {
        let n = self.subs[sub].width();
        if n != 1 {
            return Err(Error::sql(format!("sub-select returns {n} columns - expected 1")));
        }
        Ok(())
    }

    /// `SELECT * FROM t` as a subquery (for `x IN t`).
    fn table_subquery(&mut self, t: Arc<Table>) -> Result<(usize, Option<Affinity>)> {
        let slot = self.alloc_slot();
        let result: Vec<CExpr> = (0..t.cols.len())
            .map(|ci| {
                self.col_refs.insert((slot, ci));
                if Some(ci) == t.ipk {
                    CExpr::Rowid { slot }
                } else {
                    CExpr::Col { slot, col: ci }
                }
            })
            .collect();
        let aff = t.cols.first().map(|c| c.affinity);
        let mut levels = vec![crate::sql::select::Level {
            slot,
            needed: Vec::new(),
            rowid_needed: true,
            table: t.clone(),
            access: crate::sql::planner::Access::Scan { desc: false },
            left: false,
            on_filters: Vec::new(),
            filters: Vec::new(),
        }];
        crate::sql::planner::choose_access(&mut levels, &[], false, &self.subs);
        let plan = SelectPlan {
            levels,
            names: t.cols.iter().map(|c| c.name.clone()).collect(),
            decltypes: t.cols.iter().map(|c| c.decltype.clone()).collect(),
            affinities: t.cols.iter().map(|c| Some(c.affinity)).collect(),
            colls: t.cols.iter().map(|c| c.coll).collect(),
            first_affinity: aff,
            result,
            ..Default::default()
        };
        self.subs.push(plan);
        Ok((self.subs.len() - 1, aff))
    }
}
