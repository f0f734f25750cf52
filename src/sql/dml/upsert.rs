//! UPSERT: an INSERT's `ON CONFLICT [(target) [WHERE ..]] DO NOTHING | DO
//! UPDATE SET .. [WHERE ..]` clauses. A target names a uniqueness
//! constraint: the rowid (the INTEGER PRIMARY KEY alone) or a UNIQUE /
//! PRIMARY KEY index whose columns are exactly the target's (in any order;
//! a COLLATE in the target must be the index column's collation). Only the
//! last clause may omit its target; it then handles every uniqueness
//! conflict the others do not. DO UPDATE reads the conflicting row as the
//! table (slot 0, known by the INSERT's alias if it has one) and the row
//! that was to be inserted as `excluded`.

use super::InsertPlan;
use crate::error::{Error, Result};
use crate::schema::Table;
use crate::sql::expr::CExpr;
use crate::sql::resolve::{Compiler, ScopeTable};
use crate::sql::select::ordinal;
use crate::sql::write::{unique_order, Unique, UpsertTargets};
use crate::syntax::lexer::unquote_ident;
use crate::syntax::{collation_by_name, name_str};
use sqlite3_parser::ast;
use std::sync::Arc;

/// One ON CONFLICT clause.
#[derive(Debug)]
pub struct UpsertClause {
    /// The constraint it handles; None = any (only the last clause).
    pub target: Option<Unique>,
    /// DO NOTHING.
    pub nothing: bool,
    /// DO UPDATE SET (column, None = rowid) := expression.
    pub sets: Vec<(Option<usize>, CExpr)>,
    /// DO UPDATE ... WHERE: rows failing it are left alone.
    pub filter: Option<CExpr>,
}

/// The target terms as (column, None = rowid; explicit collation name).
fn target_columns(
    t: &Table,
    alias: &str,
    targets: &[ast::SortedColumn],
) -> Result<Vec<(Option<usize>, Option<String>)>> {
    let mut out = Vec::new();
    for sc in targets {
        let mut e = &sc.expr;
        let mut coll = None;
        loop {
            match e {
                ast::Expr::Collate(inner, c) => {
                    if coll.is_none() {
                        coll = Some(crate::syntax::lexer::unquote_ident(c));
                    }
                    e = inner;
                }
                ast::Expr::Parenthesized(v) if v.len() == 1 => e = &v[0],
                _ => break,
            }
        }
        let cname = match e {
            ast::Expr::Id(id) => unquote_ident(id.0),
            ast::Expr::Name(n) => name_str(n),
            ast::Expr::Qualified(tn, c) if name_str(tn).eq_ignore_ascii_case(alias) => name_str(c),
            ast::Expr::Qualified(tn, c) => {
                return Err(Error::sql(format!("no such column: {}.{}", name_str(tn), name_str(c))))
            }
            _ => return Err(Error::sql("ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint")),
        };
        let col = match t.col_index(&cname) {
            Some(ci) if Some(ci) == t.ipk => None,
            Some(ci) => Some(ci),
            None if ["rowid", "oid", "_rowid_"].iter().any(|r| r.eq_ignore_ascii_case(&cname)) => None,
            None => return Err(Error::sql(format!("no such column: {cname}"))),
        };
        out.push((col, coll));
    }
    Ok(out)
}

/// The uniqueness constraint `terms` name exactly, if any.
fn match_target(t: &Table, terms: &[(Option<usize>, Option<String>)]) -> Result<Option<Unique>> {
    if let [(None, None)] = terms {
        return Ok(Some(Unique::Rowid));
    }
    let mut order = Vec::new();
    unique_order(t, None, None, &mut order);
    for u in order {
        let Unique::Index(k) = u else { continue };
        let idx = &t.indexes[k];
        if idx.cols.len() != terms.len() {
            continue;
        }
        let mut all = true;
        for (ii, &c) in idx.cols.iter().enumerate() {
            let mut hit = false;
            for (col, coll) in terms {
                if *col != Some(c) {
                    continue;
                }
                match coll {
                    None => hit = true,
                    Some(name) => hit |= collation_by_name(name).ok() == Some(idx.ki.collations[ii]),
                }
            }
            if !hit {
                all = false;
                break;
            }
        }
        if all {
            return Ok(Some(u));
        }
    }
    Ok(None)
}

impl Compiler<'_> {
    /// Compiles the chain of ON CONFLICT clauses of an INSERT into `t`.
    pub(crate) fn upserts(
        &mut self,
        t: &Arc<Table>,
        alias: &str,
        first: &ast::Upsert,
        excluded: usize,
    ) -> Result<Vec<UpsertClause>> {
        let mut clauses = Vec::new();
        let mut cur = Some(first);
        let mut k = 0;
        // DO UPDATE sees the table (by the INSERT's alias, else its name)
        // and, only by qualified names, the `excluded` row.
        self.scopes.push(vec![ScopeTable {
            slot: excluded,
            alias: "excluded".into(),
            table: t.clone(),
            hidden: (0..t.cols.len()).collect(),
        }]);
        self.scopes.push(Vec::new());
        self.push_scope_table(t.clone(), 0, alias);
        let r = (|| {
            while let Some(up) = cur {
                let target = match &up.index {
                    None => None,
                    Some(ix) => {
                        let terms = target_columns(t, alias, ix.targets)?;
                        if let Some(w) = &ix.where_clause {
                            // Only a partial index could need it; it must still resolve.
                            let saved = self.aggs.take();
                            let r = self.expr(w);
                            self.aggs = saved;
                            r?;
                        }
                        match match_target(t, &terms)? {
                            Some(u) => Some(u),
                            None => {
                                let which = if k == 0 && up.next.is_none() {
                                    String::new()
                                } else {
                                    format!("{} ", ordinal(k + 1))
                                };
                                return Err(Error::sql(format!(
                                    "{which}ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint"
                                )));
                            }
                        }
                    }
                };
                if target.is_none() && up.next.is_some() {
                    return Err(Error::sql("near \"ON\": syntax error"));
                }
                let clause = match &up.do_clause {
                    ast::UpsertDo::Nothing => UpsertClause { target, nothing: true, sets: Vec::new(), filter: None },
                    ast::UpsertDo::Set { sets, where_clause } => {
                        let sets = self.set_list(t, sets)?;
                        let filter = match where_clause {
                            Some(w) => {
                                let saved = self.aggs.take();
                                let r = self.expr(w);
                                self.aggs = saved;
                                Some(r?.e)
                            }
                            None => None,
                        };
                        UpsertClause { target, nothing: false, sets, filter }
                    }
                };
                clauses.push(clause);
                cur = up.next;
                k += 1;
            }
            Ok(())
        })();
        self.scopes.pop();
        self.scopes.pop();
        r.map(|_| clauses)
    }
}

impl InsertPlan {
    /// The clauses' targets and actions as the row writer takes them.
    pub(crate) fn upsert_targets(&self) -> (Vec<Option<Unique>>, Vec<bool>) {
        (self.upserts.iter().map(|u| u.target).collect(), self.upserts.iter().map(|u| u.nothing).collect())
    }
}

/// Borrowed view of the targets for [`crate::sql::write::write_row_with`].
pub(crate) fn targets_view<'a>(targets: &'a [Option<Unique>], nothing: &'a [bool]) -> Option<UpsertTargets<'a>> {
    if targets.is_empty() {
        None
    } else {
        Some(UpsertTargets { targets, nothing })
    }
}
