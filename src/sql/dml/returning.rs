//! RETURNING: the result columns of an INSERT, UPDATE or DELETE, compiled
//! against the target table in slot 0 and evaluated once per changed row
//! (the new row for INSERT and UPDATE, the old one for DELETE). Column names
//! follow SELECT's rules: the alias, else the column a bare reference names,
//! else the expression's source text.

use crate::error::{Error, Result};
use crate::schema::Table;
use crate::sql::expr::CExpr;
use crate::sql::resolve::{Compiler, ScopeTable};
use crate::sql::types::Affinity;
use crate::storage::Value;
use crate::syntax::lexer::{tokenize, unquote_ident, Tk};
use crate::syntax::name_str;
use sqlite3_parser::ast::{self, ResultColumn};
use std::sync::Arc;

#[derive(Debug)]
pub struct Returning {
    pub exprs: Vec<CExpr>,
    pub names: Vec<String>,
    pub decltypes: Vec<Option<String>>,
    /// Per item: a bare REAL column. SQLite keeps an integral REAL value of a
    /// row being written as an integer internally (stored that way, read back
    /// as REAL); RETURNING hands such a value of a new row out as INTEGER.
    pub real_col: Vec<bool>,
}

/// The value RETURNING reports for item `k` of a row being written.
pub(crate) fn as_written(r: &Returning, k: usize, v: Value) -> Value {
    match v {
        Value::Real(f) if r.real_col[k] && f == f.trunc() && f.abs() < 9.2e18 => Value::Integer(f as i64),
        v => v,
    }
}

/// Source texts of the RETURNING items of statement `src` (the clause
/// after the last `RETURNING` keyword outside parentheses).
fn returning_texts(src: &str) -> Vec<String> {
    let toks = tokenize(src);
    let mut depth = 0usize;
    let mut at = None;
    for (k, t) in toks.iter().enumerate() {
        match t.kind {
            Tk::LParen => depth += 1,
            Tk::RParen => depth = depth.saturating_sub(1),
            Tk::Ident if depth == 0 && t.is_kw(src, "returning") => at = Some(k + 1),
            _ => {}
        }
    }
    let Some(mut k) = at else { return Vec::new() };
    let mut out = Vec::new();
    let mut start = k;
    depth = 0;
    while k < toks.len() {
        match toks[k].kind {
            Tk::LParen => depth += 1,
            Tk::RParen => depth = depth.saturating_sub(1),
            Tk::Comma | Tk::Semi if depth == 0 => {
                if start < k {
                    out.push(src[toks[start].start..toks[k - 1].end].to_string());
                }
                if toks[k].kind == Tk::Semi {
                    return out;
                }
                start = k + 1;
            }
            // The ORDER BY / LIMIT of an UPDATE or DELETE follow RETURNING.
            Tk::Ident if depth == 0 && (toks[k].is_kw(src, "order") || toks[k].is_kw(src, "limit")) => break,
            _ => {}
        }
        k += 1;
    }
    if start < k {
        out.push(src[toks[start].start..toks[k - 1].end].to_string());
    }
    out
}

impl Compiler<'_> {
    /// Compiles a RETURNING list against target table `t` in slot 0, known
    /// by its own name only (never by the statement's alias).
    pub(crate) fn returning(&mut self, t: &Arc<Table>, cols: &[ResultColumn], src: &str) -> Result<Returning> {
        let st = ScopeTable { slot: 0, alias: t.name.clone(), table: t.clone(), hidden: Vec::new() };
        let saved_scopes = std::mem::replace(&mut self.scopes, vec![vec![st]]);
        let r = self.returning_in_scope(cols, src);
        self.scopes = saved_scopes;
        r
    }

    fn returning_in_scope(&mut self, cols: &[ResultColumn], src: &str) -> Result<Returning> {
        let texts = returning_texts(src);
        let st = self.scopes[0][0].clone();
        let t = st.table.clone();
        let mut out = Returning { exprs: Vec::new(), names: Vec::new(), decltypes: Vec::new(), real_col: Vec::new() };
        let saved = self.aggs.take();
        let r = (|| {
            for (i, rc) in cols.iter().enumerate() {
                match rc {
                    ResultColumn::Star | ResultColumn::TableStar(_) => {
                        if let ResultColumn::TableStar(_) = rc {
                            return Err(Error::sql("RETURNING may not use \"TABLE.*\" wildcards"));
                        }
                        for (ci, c) in t.cols.iter().enumerate() {
                            let e = if Some(ci) == t.ipk {
                                CExpr::Rowid { slot: st.slot }
                            } else {
                                self.col_refs.insert((st.slot, ci));
                                CExpr::Col { slot: st.slot, col: ci }
                            };
                            out.exprs.push(e);
                            out.names.push(c.name.clone());
                            out.decltypes.push(c.decltype.clone());
                        }
                    }
                    ResultColumn::Expr(e, alias) => {
                        let ce = self.expr(e)?;
                        let mut inner = e;
                        while let ast::Expr::Parenthesized(v) = inner {
                            match v.as_slice() {
                                [x] => inner = x,
                                _ => break,
                            }
                        }
                        let col_of = |ce: &CExpr| match *ce {
                            CExpr::Col { col, .. } => Some(col),
                            CExpr::Rowid { .. } => t.ipk,
                            _ => None,
                        };
                        let bare = matches!(
                            inner,
                            ast::Expr::Id(_)
                                | ast::Expr::Name(_)
                                | ast::Expr::Qualified(..)
                                | ast::Expr::DoublyQualified(..)
                        ) && matches!(ce.e, CExpr::Col { .. } | CExpr::Rowid { .. });
                        let name = match alias {
                            Some(ast::As::As(n)) | Some(ast::As::Elided(n)) => name_str(n),
                            None if bare => match col_of(&ce.e) {
                                Some(ci) => t.cols[ci].name.clone(),
                                None => match inner {
                                    ast::Expr::Id(id) => unquote_ident(id.0),
                                    ast::Expr::Qualified(_, c) | ast::Expr::DoublyQualified(_, _, c) => name_str(c),
                                    _ => texts.get(i).cloned().unwrap_or_default(),
                                },
                            },
                            None => texts.get(i).cloned().unwrap_or_else(|| e.to_string()),
                        };
                        out.decltypes.push(col_of(&ce.e).and_then(|ci| t.cols[ci].decltype.clone()));
                        out.exprs.push(ce.e);
                        out.names.push(name);
                    }
                }
            }
            Ok(())
        })();
        self.aggs = saved;
        out.real_col = out
            .exprs
            .iter()
            .map(
                |e| matches!(*e, CExpr::Col { slot, col } if slot == st.slot && t.cols[col].affinity == Affinity::Real),
            )
            .collect();
        r.map(|_| out)
    }
}

#[cfg(test)]
mod tests {
    use super::returning_texts;

    #[test]
    fn texts_after_the_last_top_level_returning() {
        assert_eq!(
            returning_texts("INSERT INTO t VALUES(1) RETURNING a+1, f(x, y) AS z , *;"),
            vec!["a+1".to_string(), "f(x, y) AS z".into(), "*".into()]
        );
        assert!(returning_texts("DELETE FROM t").is_empty());
    }
}
