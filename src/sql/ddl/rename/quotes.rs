//! SQLite's quote fix, run by RENAME COLUMN and DROP COLUMN over every view
//! and trigger before the change: a double-quoted name that names no column
//! in scope is a string literal (the "double-quoted string" fallback) and
//! is rewritten as one ('...'), so that a later column of that name cannot
//! change its meaning.
//!
//! Scope is judged per statement: the tables it reads or writes. A
//! statement reading anything but a table of the catalog (a view, a CTE,
//! a table-valued function) is left alone.

use super::trigger::trigger_text;
use super::view_table_positions;
use crate::schema::Catalog;
use crate::syntax::lexer::{matching_paren, tokenize, unquote_ident, Tk, Tok};

/// Keywords after which an identifier starts an expression (any other
/// word, literal or `)` before a name makes that name an alias).
const EXPR_START: [&str; 24] = [
    "select",
    "distinct",
    "all",
    "where",
    "and",
    "or",
    "not",
    "by",
    "on",
    "when",
    "then",
    "else",
    "case",
    "having",
    "is",
    "in",
    "like",
    "glob",
    "between",
    "values",
    "escape",
    "set",
    "returning",
    "regexp",
];

/// The text with the string-literal double-quoted names of `ranges`
/// (token ranges of statements, with their write target if any) rewritten.
fn fix(src: &str, toks: &[Tok], ranges: &[(usize, usize, Option<usize>)], cat: &Catalog) -> Option<String> {
    let mut which = Vec::new();
    for &(a, b, target) in ranges {
        if a >= b {
            continue;
        }
        let positions: Vec<usize> = view_table_positions(src, &toks[a..b]).into_iter().map(|p| p + a).collect();
        let mut tables = Vec::new();
        let mut all_tables = true;
        for &p in positions.iter().chain(target.iter()) {
            match cat.table(&unquote_ident(toks[p].text(src))) {
                Some(t) => tables.push(t),
                None => all_tables = false,
            }
        }
        if !all_tables {
            continue;
        }
        // An INSERT's column list names columns.
        let mut skip = a..a;
        if let Some(t) = target.filter(|&t| toks.get(t + 1).is_some_and(|n| n.kind == Tk::LParen)) {
            skip = t + 1..matching_paren(toks, t + 1);
        }
        for i in a..b {
            let t = &toks[i];
            if t.kind != Tk::Ident || !t.text(src).starts_with('"') || positions.contains(&i) || Some(i) == target {
                continue;
            }
            let next = toks.get(i + 1).map(|n| n.kind);
            if matches!(next, Some(Tk::Dot | Tk::LParen)) {
                continue;
            }
            let prev = &toks[i - 1];
            let set_target = matches!(prev.kind, Tk::Comma) || prev.is_kw(src, "set");
            if set_target && toks.get(i + 1).is_some_and(|n| n.text(src) == "=") {
                continue;
            }
            let expr_pos = match prev.kind {
                Tk::Op | Tk::Comma | Tk::LParen => true,
                Tk::Ident => EXPR_START.iter().any(|k| prev.is_kw(src, k)),
                _ => false,
            };
            if !expr_pos || skip.contains(&i) {
                continue;
            }
            let name = unquote_ident(t.text(src));
            let is_col = tables.iter().any(|tb| {
                tb.col_index(&name).is_some()
                    || ["rowid", "oid", "_rowid_"].iter().any(|r| r.eq_ignore_ascii_case(&name))
            });
            if !is_col {
                which.push(i);
            }
        }
    }
    if which.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(src.len());
    let mut at = 0;
    for i in which {
        let t = &toks[i];
        out.push_str(&src[at..t.start]);
        out.push('\'');
        out.push_str(&unquote_ident(t.text(src)).replace('\'', "''"));
        out.push('\'');
        at = t.end;
    }
    out.push_str(&src[at..]);
    Some(out)
}

/// The quote-fixed text of a stored view or trigger (`kind`), if it changes.
pub(in crate::sql::ddl) fn quote_fix(kind: &str, src: &str, cat: &Catalog) -> Option<String> {
    match kind {
        "trigger" => {
            let tt = trigger_text(src);
            fix(src, &tt.toks, &tt.stmt_ranges(), cat)
        }
        "view" => {
            let toks = tokenize(src);
            let a = toks.iter().position(|t| t.is_kw(src, "as"))? + 1;
            fix(src, &toks, &[(a, toks.len(), None)], cat)
        }
        _ => None,
    }
}
