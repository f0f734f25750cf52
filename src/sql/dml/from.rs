//! The clauses that widen an UPDATE's or DELETE's choice of target rows:
//! UPDATE ... FROM (the target joined with other tables) and ORDER BY /
//! LIMIT / OFFSET (SQLite built with SQLITE_ENABLE_UPDATE_DELETE_LIMIT, as
//! the system SQLite 3.40 is).
//!
//! Both compile to the ordinary target scan (target row in slot 0) given
//! result columns: `result[0]` is the target's rowid (a sorted scan does
//! not leave its rows in the slots), and for UPDATE FROM `result[1..]` are
//! the SET values, evaluated against the joined row. Like SQLite, the join
//! is read to the end before any row changes, and each target row is
//! updated at most once, with the values of the first join row matching it.
//! The plan's SET expressions then read those values from a slot of their
//! own ([`UpdateFrom::values_slot`]), so the row update (with its triggers)
//! is the ordinary one.

use super::returning::Returning;
use super::run::{emit, RowBufs};
use super::{DeletePlan, Triggers, UpdatePlan};
use crate::error::{Error, Result};
use crate::schema::conflict_of;
use crate::schema::Table;
use crate::sql::exec::spill::RowStore;
use crate::sql::exec::SelectRun;
use crate::sql::expr::{CExpr, Rt};
use crate::sql::planner::{self, Access};
use crate::sql::resolve::Compiler;
use crate::sql::select::{conjuncts, Level, SelectPlan, SortKey};
use crate::sql::trigger;
use crate::sql::write::{read_row, Env, Outcome};
use crate::storage::{Collation, Value};
use crate::syntax::name_str;
use sqlite3_parser::ast::{self, FromClause, QualifiedName, ResultColumn, SelectTable};
use std::collections::HashSet;
use std::sync::Arc;

/// The FROM part of an UPDATE plan.
#[derive(Debug)]
pub struct UpdateFrom {
    /// Slot holding the SET values of the row being updated, which the
    /// plan's SET expressions read (column k = assignment k).
    pub values_slot: usize,
}

/// The clauses of an UPDATE or DELETE that follow its WHERE.
#[derive(Clone, Copy, Default)]
pub struct Tail<'a, 'b> {
    pub order_by: Option<&'a [ast::SortedColumn<'b>]>,
    pub limit: Option<&'a ast::Limit<'b>>,
}

impl Compiler<'_> {
    /// UPDATE with FROM and/or ORDER BY / LIMIT.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn update_widened(
        &mut self,
        or_conflict: Option<ast::ResolveType>,
        tbl_name: &QualifiedName,
        sets: &[ast::Set],
        from: Option<&FromClause>,
        where_clause: Option<&ast::Expr>,
        returning: Option<&[ResultColumn]>,
        tail: Tail,
        text: &str,
    ) -> Result<UpdatePlan> {
        let t = self.widened_target(tbl_name)?;
        let alias = tbl_name.alias.as_ref().map_or(t.name.clone(), name_str);
        self.push_scope_table(t.clone(), 0, &alias);
        if let Some(f) = from {
            if tbl_name.alias.is_none() {
                check_from_names(f, &t, &name_str(&tbl_name.name))?;
            }
        }
        let items = match from {
            Some(f) => self.join_sources(f)?,
            None => Vec::new(),
        };
        let mut csets = self.set_list(&t, sets)?;
        let mut values = Vec::new();
        let mut plan_from = None;
        if from.is_some() {
            let values_slot = self.alloc_slot();
            for (k, (_, e)) in csets.iter_mut().enumerate() {
                values.push(std::mem::replace(e, CExpr::Col { slot: values_slot, col: k }));
            }
            plan_from = Some(UpdateFrom { values_slot });
        }
        let (mut scan, cross) = self.widened_scan(&t, items, where_clause, values)?;
        let returning = self.dml_returning(&t, returning, text)?;
        self.order_limit(tail, &mut scan, &cross, "UPDATE")?;
        let calls_function = self.calls_function;
        Ok(UpdatePlan {
            table: t,
            scan,
            sets: csets,
            conflict: conflict_of(or_conflict),
            calls_function,
            returning,
            from: plan_from,
            triggers: Triggers::default(),
        })
    }

    /// DELETE with ORDER BY / LIMIT.
    pub(crate) fn delete_widened(
        &mut self,
        tbl_name: &QualifiedName,
        where_clause: Option<&ast::Expr>,
        returning: Option<&[ResultColumn]>,
        tail: Tail,
        text: &str,
    ) -> Result<DeletePlan> {
        let t = self.widened_target(tbl_name)?;
        let alias = tbl_name.alias.as_ref().map_or(t.name.clone(), name_str);
        self.push_scope_table(t.clone(), 0, &alias);
        let (mut scan, cross) = self.widened_scan(&t, Vec::new(), where_clause, Vec::new())?;
        let returning = self.dml_returning(&t, returning, text)?;
        self.order_limit(tail, &mut scan, &cross, "DELETE")?;
        Ok(DeletePlan { table: t, truncate: false, scan, returning, triggers: Triggers::default() })
    }

    /// The target table, in slot 0. A view (written through INSTEAD OF
    /// triggers) is refused.
    fn widened_target(&mut self, tbl_name: &QualifiedName) -> Result<Arc<Table>> {
        match self.dml_target(tbl_name, false)? {
            (t, None) => Ok(t),
            (_, Some(_)) => {
                Err(Error::sql("FROM, ORDER BY and LIMIT on a view with INSTEAD OF triggers are not supported yet"))
            }
        }
    }

    /// The RETURNING clause of a statement on `t`, if it has one.
    pub(super) fn dml_returning(
        &mut self,
        t: &Arc<Table>,
        returning: Option<&[ResultColumn]>,
        text: &str,
    ) -> Result<Option<Returning>> {
        returning.map(|cols| self.returning(t, cols, text)).transpose()
    }

    /// The join of the target (slot 0) with the FROM items, filtered by
    /// WHERE, producing the target's rowid then `values`; with each level's
    /// "joined by CROSS JOIN" flag. The terms wait in `pre_filter` until
    /// [`Self::order_limit`] places them.
    fn widened_scan(
        &mut self,
        t: &Arc<Table>,
        items: Vec<crate::sql::select::FromItem>,
        where_clause: Option<&ast::Expr>,
        values: Vec<CExpr>,
    ) -> Result<(SelectPlan, Vec<bool>)> {
        let mut terms = Vec::new();
        if let Some(w) = where_clause {
            let saved = self.aggs.take();
            let r = self.expr(w);
            self.aggs = saved;
            conjuncts(r?.e, &mut terms);
        }
        let level = |slot, table, access| Level {
            slot,
            needed: Vec::new(),
            rowid_needed: true,
            table,
            access,
            left: false,
            on_filters: Vec::new(),
            filters: Vec::new(),
        };
        let mut levels = vec![level(0, t.clone(), Access::Scan { desc: false })];
        let mut cross = vec![false];
        let mut joined = Vec::new();
        for it in items {
            cross.push(it.cross);
            let access = match it.sub {
                Some(id) => Access::Sub(id),
                None => Access::Scan { desc: false },
            };
            let mut l = level(it.slot, it.table, access);
            if it.left {
                l.left = true;
                l.on_filters = it.on;
            } else {
                joined.extend(it.on);
            }
            levels.push(l);
        }
        joined.extend(terms);
        let mut result = vec![CExpr::Rowid { slot: 0 }];
        result.extend(values);
        let plan = SelectPlan {
            levels,
            pre_filter: joined,
            colls: vec![Collation::Binary; result.len()],
            result,
            ..Default::default()
        };
        Ok((plan, cross))
    }

    /// Compiles ORDER BY and LIMIT into `scan` (whose terms still wait in
    /// `pre_filter`) and places the terms and access paths.
    fn order_limit(&mut self, tail: Tail, scan: &mut SelectPlan, cross: &[bool], verb: &str) -> Result<()> {
        if let Some(ob) = tail.order_by {
            if tail.limit.is_none() {
                return Err(Error::sql(format!("ORDER BY without LIMIT on {verb}")));
            }
            let saved = self.aggs.take();
            let r = (|| -> Result<()> {
                for sc in ob {
                    let (e, coll_over) = match &sc.expr {
                        ast::Expr::Collate(inner, c) => (&**inner, Some(crate::syntax::collation_by_name(c)?)),
                        e => (e, None),
                    };
                    let ce = self.expr(e)?;
                    scan.order.push(SortKey {
                        expr: ce.e,
                        desc: sc.order == Some(ast::SortOrder::Desc),
                        coll: coll_over.or(ce.coll).unwrap_or(Collation::Binary),
                    });
                }
                Ok(())
            })();
            self.aggs = saved;
            r?;
        }
        self.limit_offset(tail.limit, scan)?;
        let terms = std::mem::take(&mut scan.pre_filter);
        let (pre, sort_free) = planner::plan_joins(&mut scan.levels, terms, cross, &scan.order, false, &self.subs, 0)?;
        scan.pre_filter = pre;
        scan.sort = !scan.order.is_empty() && !sort_free;
        Ok(())
    }
}

/// SQLite refuses an unaliased FROM item naming the (unaliased) target.
fn check_from_names(f: &FromClause, t: &Table, written: &str) -> Result<()> {
    let first = f.select.into_iter();
    let rest = f.joins.iter().flat_map(|j| j.iter().map(|j| &j.table));
    for st in first.chain(rest) {
        if let SelectTable::Table(qn, None, _) = st {
            if name_str(&qn.name).eq_ignore_ascii_case(&t.name) {
                return Err(Error::sql(format!("target object/alias may not appear in FROM clause: {written}")));
            }
        }
    }
    Ok(())
}

/// Runs an UPDATE ... FROM: reads the whole join, keeping the first row per
/// target rowid, then updates those rows in rowid order.
pub(super) fn run_update_from(
    p: &UpdatePlan,
    f: &UpdateFrom,
    env: &mut Env,
    rt: &mut Rt,
    out: &mut RowStore,
) -> Result<i64> {
    let t = &p.table;
    let mut targets: Vec<(i64, Vec<Value>)> = Vec::new();
    {
        let mut seen = HashSet::new();
        let mut run = SelectRun::new(&p.scan);
        let mut row = Vec::new();
        let mut cx = env.cx();
        while run.next(&p.scan, rt, &mut cx, &mut row)? {
            let Some(&Value::Integer(id)) = row.first() else { continue };
            if seen.insert(id) {
                targets.push((id, row.drain(1..).collect()));
            }
        }
    }
    targets.sort_by_key(|(id, _)| *id);
    let mut count = 0;
    let mut bufs = RowBufs::default();
    for (old, vals) in targets {
        env.cx().check_interrupt()?;
        if !read_row(env, rt, t, old, 0)? {
            continue;
        }
        let s = &mut rt.slots[f.values_slot];
        s.vals = vals;
        s.null_row = false;
        let reload = p.returning.is_some();
        let o = trigger::update_with_triggers(env, rt, t, &p.sets, old, p.conflict, &mut bufs, reload, &p.triggers)?;
        if let Outcome::Written(_) = o {
            count += 1;
            env.written = count;
            emit(&p.returning, env, rt, out, true)?;
        }
    }
    Ok(count)
}
