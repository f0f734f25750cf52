//! Names of result columns without an alias, by SQLite's three rules:
//!
//! - [`Naming::Statement`]: the columns a statement returns. A bare column
//!   reference is named after the column it resolves to (its declared name;
//!   a rowid after the INTEGER PRIMARY KEY, else `rowid`); anything else
//!   after its source text.
//! - [`Naming::Resolved`]: the columns of a view and of CREATE TABLE AS.
//!   As above, but COLLATE and likely()/unlikely()/likelihood() around a
//!   column reference are looked through.
//! - [`Naming::Source`]: the columns of a FROM subquery or a CTE body (and
//!   every other nested SELECT). SQLite names them before resolving
//!   anything: an identifier after itself as written (dequoted), `x.y`
//!   after `y`, COLLATE looked through; anything else after its source text.
//!
//! Source text is the expression's span in the statement (comments and
//! spacing kept). Nested SELECTs are not handed their spans; a column's span
//! is found by content instead: the SELECT of the source with as many
//! result columns whose column at the same position has the same tokens as
//! the parsed expression rendered back (the parser keeps no positions).

use crate::sql::expr::CExpr;
use crate::sql::resolve::Compiler;
use crate::syntax::lexer::{result_column_spans, tokenize, unquote_ident, Tk};
use crate::syntax::name_str;
use sqlite3_parser::ast;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    Statement,
    Resolved,
    Source,
}

/// The statement text nested SELECTs take their column texts from, with
/// its SELECTs' result-column spans and its LIMIT clauses' forms (each
/// computed on first use).
#[derive(Debug, Default)]
pub struct SourceSpans {
    pub text: String,
    cores: Option<Vec<Vec<String>>>,
    /// Per LIMIT clause in textual order: written `LIMIT offset, count`?
    /// And the tokens of its first expression.
    limits: Option<Vec<(bool, Vec<String>)>>,
}

impl SourceSpans {
    pub fn new(text: &str) -> SourceSpans {
        SourceSpans { text: text.to_string(), cores: None, limits: None }
    }

    /// Is the LIMIT clause whose first expression is `first` written in the
    /// comma form? Found by content (clauses are not compiled in textual
    /// order: a CTE naming a later one compiles after it); None when the
    /// source has no such clause or several that disagree.
    pub fn limit_comma(&mut self, first: &ast::Expr) -> Option<bool> {
        let text = &self.text;
        let limits = self.limits.get_or_insert_with(|| limit_forms(text));
        let want = norm_tokens(&first.to_string());
        let mut hits = limits.iter().filter(|(_, t)| *t == want).map(|(c, _)| *c);
        let one = hits.next()?;
        hits.all(|c| c == one).then_some(one)
    }

    fn cores(&mut self) -> &[Vec<String>] {
        let text = &self.text;
        self.cores.get_or_insert_with(|| {
            let toks = tokenize(text);
            (0..toks.len())
                .filter(|&k| toks[k].is_kw(text, "select"))
                .map(|k| {
                    result_column_spans(text, &toks[k..]).into_iter().map(|(a, b)| text[a..b].to_string()).collect()
                })
                .collect()
        })
    }

    /// The source text of column `i` (of `n`) of a SELECT, `e` being its
    /// parsed expression.
    fn find(&mut self, e: &ast::Expr, i: usize, n: usize) -> Option<String> {
        let want = norm_tokens(&e.to_string());
        let cores = self.cores();
        let same = |s: &String| norm_tokens(s) == want;
        let at_position = cores.iter().filter(|c| c.len() == n).map(|c| &c[i]).find(|s| same(s));
        at_position.or_else(|| cores.iter().flatten().find(|s| same(s))).cloned()
    }
}

/// Per LIMIT clause of `src`: (comma form, tokens of its first expression).
fn limit_forms(src: &str) -> Vec<(bool, Vec<String>)> {
    let toks = tokenize(src);
    let mut out = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        if !t.is_kw(src, "limit") {
            continue;
        }
        let mut depth = 0usize;
        let mut comma = false;
        let mut end = toks.len();
        for (j, u) in toks.iter().enumerate().skip(k + 1) {
            match u.kind {
                Tk::LParen => depth += 1,
                Tk::RParen if depth > 0 => depth -= 1,
                Tk::RParen | Tk::Semi => {
                    end = j;
                    break;
                }
                Tk::Comma if depth == 0 => {
                    comma = true;
                    end = j;
                    break;
                }
                Tk::Ident if depth == 0 && u.is_kw(src, "offset") => {
                    end = j;
                    break;
                }
                _ => {}
            }
        }
        let first = match (toks.get(k + 1), end.checked_sub(1).and_then(|e| toks.get(e))) {
            (Some(a), Some(b)) if end > k + 1 => norm_tokens(&src[a.start..b.end]),
            _ => Vec::new(),
        };
        out.push((comma, first));
    }
    out
}

/// The tokens of `s`, case-folded, with the operators the parser's
/// rendering spells differently made equal.
fn norm_tokens(s: &str) -> Vec<String> {
    tokenize(s)
        .iter()
        .map(|t| {
            let x = t.text(s).to_ascii_lowercase();
            match (t.kind, x.as_str()) {
                (Tk::Op, "==") => "=".to_string(),
                (Tk::Op, "<>") => "!=".to_string(),
                _ => x,
            }
        })
        .collect()
}

fn strip_parens<'b>(mut e: &'b ast::Expr<'b>) -> &'b ast::Expr<'b> {
    while let ast::Expr::Parenthesized(v) = e {
        match v.as_slice() {
            [x] => e = x,
            _ => break,
        }
    }
    e
}

/// `likely(x)`, `unlikely(x)`, `likelihood(x, p)`: x.
fn likely_arg<'b>(e: &'b ast::Expr<'b>) -> Option<&'b ast::Expr<'b>> {
    match e {
        ast::Expr::FunctionCall { name, args: Some(args), distinctness: None, filter_over: None, .. } => {
            let n = unquote_ident(name.0);
            let one = ["likely", "unlikely"].iter().any(|f| f.eq_ignore_ascii_case(&n)) && args.len() == 1;
            let two = n.eq_ignore_ascii_case("likelihood") && args.len() == 2;
            (one || two).then(|| &args[0])
        }
        _ => None,
    }
}

fn is_reference(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Id(_) | ast::Expr::Name(_) | ast::Expr::Qualified(..) | ast::Expr::DoublyQualified(..))
}

/// The column name a reference spells (the last part, dequoted).
fn spelled(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Id(id) => Some(unquote_ident(id.0)),
        ast::Expr::Name(n) => Some(name_str(n)),
        ast::Expr::Qualified(_, c) | ast::Expr::DoublyQualified(_, _, c) => Some(name_str(c)),
        _ => None,
    }
}

fn is_rowid_name(n: &str) -> bool {
    ["rowid", "oid", "_rowid_"].iter().any(|r| r.eq_ignore_ascii_case(n))
}

impl Compiler<'_> {
    /// The naming rule of the SELECT core about to be compiled: a core
    /// handed the statement's texts is the statement's (or, when marked,
    /// a view's or CREATE TABLE AS's); every other one is nested.
    pub(crate) fn core_naming(&mut self, has_top_texts: bool) -> Naming {
        if !has_top_texts {
            Naming::Source
        } else if std::mem::take(&mut self.with.resolved_names) {
            Naming::Resolved
        } else {
            Naming::Statement
        }
    }

    /// Name of result column `i` of `n`, expression `e` (compiled to
    /// `ce`), written without an alias; `text` is its source text when the
    /// core was handed its texts.
    pub(crate) fn unaliased_name(
        &mut self,
        mode: Naming,
        e: &ast::Expr,
        ce: &CExpr,
        text: Option<String>,
        (i, n): (usize, usize),
    ) -> String {
        let inner = strip_parens(e);
        let named = match mode {
            Naming::Source => {
                let mut x = inner;
                while let ast::Expr::Collate(y, _) = x {
                    x = strip_parens(y);
                }
                spelled(x)
            }
            Naming::Statement | Naming::Resolved => {
                let (mut x, mut c) = (inner, ce);
                if mode == Naming::Resolved {
                    loop {
                        if let ast::Expr::Collate(y, _) = x {
                            x = strip_parens(y);
                        } else if let (Some(y), CExpr::Func { args, .. }) = (likely_arg(x), c) {
                            x = strip_parens(y);
                            c = &args[0];
                        } else {
                            break;
                        }
                    }
                }
                match c {
                    _ if !is_reference(x) => None,
                    CExpr::Col { .. } | CExpr::Rowid { .. } => {
                        crate::sql::select::column_name(c, self).or_else(|| spelled(x))
                    }
                    // The rowid of a view or FROM subquery.
                    CExpr::Lit(crate::storage::Value::Null) if spelled(x).is_some_and(|s| is_rowid_name(&s)) => {
                        Some("rowid".to_string())
                    }
                    _ => None,
                }
            }
        };
        named.or(text).or_else(|| self.with.source.find(e, i, n)).unwrap_or_else(|| e.to_string())
    }
}
