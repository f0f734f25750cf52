//! Compound SELECTs (UNION [ALL], EXCEPT, INTERSECT): each core compiled
//! on its own, then ORDER BY resolved against the result columns (by
//! ordinal or name) and LIMIT / OFFSET applied to the combined rows.

use crate::error::{Error, Result};
use crate::sql::expr::CExpr;
use crate::sql::resolve::Compiler;
use crate::sql::select::{ordinal, Compound, SelectPlan, SetOp, SortKey};
use crate::storage::Collation;
use crate::syntax::lexer::unquote_ident;
use sqlite3_parser::ast;

fn strip_parens<'b>(e: &'b ast::Expr<'b>) -> &'b ast::Expr<'b> {
    match e {
        ast::Expr::Parenthesized(v) if v.len() == 1 => strip_parens(&v[0]),
        e => e,
    }
}

impl Compiler<'_> {
    pub(crate) fn compound(&mut self, sel: &ast::Select, compounds: &[ast::CompoundSelect]) -> Result<SelectPlan> {
        let (first, rest) = self.compound_cores(&sel.body.select, compounds)?;
        self.finish_compound(first, rest, sel.order_by, sel.limit)
    }

    /// Compiles the cores of a compound SELECT (checking their widths).
    pub(crate) fn compound_cores(
        &mut self,
        first: &ast::OneSelect,
        compounds: &[ast::CompoundSelect],
    ) -> Result<(SelectPlan, Vec<(SetOp, SelectPlan)>)> {
        let first = self.one_select(first, None, None)?;
        let width = first.width();
        let mut rest = Vec::new();
        for cs in compounds.iter() {
            let p = self.one_select(&cs.select, None, None)?;
            if p.width() != width {
                let op = match cs.operator {
                    ast::CompoundOperator::Union => "UNION",
                    ast::CompoundOperator::UnionAll => "UNION ALL",
                    ast::CompoundOperator::Except => "EXCEPT",
                    ast::CompoundOperator::Intersect => "INTERSECT",
                };
                return Err(Error::sql(format!(
                    "SELECTs to the left and right of {op} do not have the same number of result columns"
                )));
            }
            let op = match cs.operator {
                ast::CompoundOperator::Union => SetOp::Union,
                ast::CompoundOperator::UnionAll => SetOp::UnionAll,
                ast::CompoundOperator::Except => SetOp::Except,
                ast::CompoundOperator::Intersect => SetOp::Intersect,
            };
            rest.push((op, p));
        }
        Ok((first, rest))
    }

    /// Combines compiled cores under the compound's ORDER BY and LIMIT.
    pub(crate) fn finish_compound(
        &mut self,
        first: SelectPlan,
        rest: Vec<(SetOp, SelectPlan)>,
        order_by: Option<&[ast::SortedColumn]>,
        limit: Option<&ast::Limit>,
    ) -> Result<SelectPlan> {
        let width = first.width();
        // A column's collation is that of the leftmost SELECT giving it one.
        let colls: Vec<Collation> = (0..width)
            .map(|i| {
                std::iter::once(&first)
                    .chain(rest.iter().map(|(_, p)| p))
                    .find_map(|p| p.carried_colls.get(i).copied().flatten())
                    .unwrap_or(Collation::Binary)
            })
            .collect();
        let (order, explicit_coll) = result_order(order_by, &first.names, &colls)?;
        let mut plan = SelectPlan {
            names: first.names.clone(),
            decltypes: first.decltypes.clone(),
            affinities: first.affinities.clone(),
            colls,
            first_affinity: first.first_affinity,
            order,
            ..Default::default()
        };
        self.limit_offset(limit, &mut plan)?;
        plan.compound = Some(Box::new(Compound { first, rest, merge: !plan.order.is_empty() && !explicit_coll }));
        Ok(plan)
    }
}

/// ORDER BY over result columns (of a compound, or a recursive CTE's queue):
/// each term names a column by ordinal, name or alias. Returns the keys
/// (column ordinals as literals) and whether any term has its own COLLATE.
pub(crate) fn result_order(
    order_by: Option<&[ast::SortedColumn]>,
    names: &[String],
    colls: &[Collation],
) -> Result<(Vec<SortKey>, bool)> {
    let width = names.len();
    let mut order = Vec::new();
    let mut explicit_coll = false;
    for (i, sc) in order_by.unwrap_or(&[]).iter().enumerate() {
        let desc = sc.order == Some(ast::SortOrder::Desc);
        let (e, coll) = match &sc.expr {
            ast::Expr::Collate(inner, c) => (&**inner, Some(crate::syntax::collation_by_name(c)?)),
            e => (e, None),
        };
        let col = match strip_parens(e) {
            ast::Expr::Literal(ast::Literal::Numeric(s)) if s.parse::<i64>().is_ok() => {
                let k: i64 = s.parse().unwrap_or(0);
                if k < 1 || k as usize > width {
                    return Err(Error::sql(format!(
                        "{} ORDER BY term out of range - should be between 1 and {width}",
                        ordinal(i + 1)
                    )));
                }
                k as usize - 1
            }
            ast::Expr::Id(id) => {
                let n = unquote_ident(id.0);
                names.iter().position(|x| x.eq_ignore_ascii_case(&n)).ok_or_else(|| {
                    Error::sql(format!("{} ORDER BY term does not match any column in the result set", ordinal(i + 1)))
                })?
            }
            _ => {
                return Err(Error::sql(format!(
                    "{} ORDER BY term does not match any column in the result set",
                    ordinal(i + 1)
                )))
            }
        };
        explicit_coll |= coll.is_some();
        order.push(SortKey {
            expr: CExpr::lit_int(col as i64),
            desc,
            coll: coll.unwrap_or(colls.get(col).copied().unwrap_or(Collation::Binary)),
        });
    }
    Ok((order, explicit_coll))
}
