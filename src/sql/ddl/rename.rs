//! Finding the tokens of stored CREATE texts that name a table or one of
//! its columns, and replacing them as SQLite's ALTER TABLE does (see
//! `alter.rs` for the rules). Works on the light tokenizer's tokens: the
//! parser's AST carries no source positions.

use crate::error::{Error, Result};
use crate::schema::Catalog;
use crate::syntax::lexer::{matching_paren, paren_items, tokenize, unquote_ident, Tk, Tok};

mod quotes;
mod trigger;
pub(super) use quotes::quote_fix;
pub(super) use trigger::{reference_text, trigger_column_edits, trigger_table_edits, trigger_text};

pub(super) fn is_quoted(tok: &str) -> bool {
    matches!(tok.as_bytes().first(), Some(b'"' | b'\'' | b'[' | b'`'))
}

pub(super) fn same_name(tok: &str, name: &str) -> bool {
    unquote_ident(tok).eq_ignore_ascii_case(name)
}

/// The structure of a stored CREATE TABLE text, as token indexes.
pub(super) struct TableText {
    pub toks: Vec<Tok>,
    name: usize,
    /// Items between the outer parentheses: (first, end) token ranges.
    pub items: Vec<(usize, usize)>,
    /// Which items are column definitions.
    pub is_col: Vec<bool>,
    close: usize,
}

const TABLE_CONS: [&str; 5] = ["constraint", "primary", "unique", "check", "foreign"];

pub(super) fn table_text(src: &str) -> Result<TableText> {
    let toks = tokenize(src);
    let open = toks.iter().position(|t| t.kind == Tk::LParen).ok_or_else(|| Error::sql("malformed CREATE TABLE"))?;
    let name = (0..open).rev().find(|&i| toks[i].kind == Tk::Ident).ok_or_else(|| Error::sql("malformed"))?;
    let close = matching_paren(&toks, open);
    let items = paren_items(&toks, open, close);
    let is_col = items.iter().map(|&(a, b)| a < b && !TABLE_CONS.iter().any(|kw| toks[a].is_kw(src, kw))).collect();
    Ok(TableText { toks, name, items, is_col, close })
}

impl TableText {
    /// Byte offset where ADD COLUMN inserts: the comma before the first
    /// table constraint, else the closing parenthesis.
    pub fn add_offset(&self, src: &str) -> usize {
        match self.is_col.iter().position(|c| !c) {
            Some(i) if i > 0 => self.toks[self.items[i].0 - 1].start,
            _ => self.toks.get(self.close).map_or(src.len(), |t| t.start),
        }
    }
}

/// Token indexes naming column `col` of table `tname` inside the
/// parenthesized column list starting at `open` (first identifier of each
/// comma-separated entry).
fn list_cols(src: &str, toks: &[Tok], open: usize, col: &str, out: &mut Vec<usize>) {
    let close = matching_paren(toks, open);
    let mut first = true;
    let mut depth = 0;
    for (i, t) in toks.iter().enumerate().take(close).skip(open + 1) {
        match t.kind {
            Tk::LParen => depth += 1,
            Tk::RParen => depth -= 1,
            Tk::Comma if depth == 0 => first = true,
            Tk::Ident if first && depth == 0 => {
                first = false;
                if same_name(t.text(src), col) {
                    out.push(i);
                }
            }
            _ => first = false,
        }
    }
}

/// Identifiers in an expression (tokens `open`..its matching parenthesis)
/// naming column `col` of table `tname` (when `col` is Some) or the table
/// itself as a qualifier (when `col` is None).
fn expr_refs(src: &str, toks: &[Tok], open: usize, tname: &str, col: Option<&str>, out: &mut Vec<usize>) {
    let close = matching_paren(toks, open);
    for i in open + 1..close.min(toks.len()) {
        let t = &toks[i];
        if t.kind != Tk::Ident {
            continue;
        }
        let next = toks.get(i + 1).map(|t| t.kind);
        if next == Some(Tk::LParen) {
            continue;
        }
        let after_dot = i >= 2 && toks[i - 1].kind == Tk::Dot;
        match col {
            None => {
                if next == Some(Tk::Dot) && !after_dot && same_name(t.text(src), tname) {
                    out.push(i);
                }
            }
            Some(c) => {
                if next == Some(Tk::Dot) || !same_name(t.text(src), c) {
                    continue;
                }
                if !after_dot || same_name(toks[i - 2].text(src), tname) {
                    out.push(i);
                }
            }
        }
    }
}

/// REFERENCES clauses in tokens a..b: (target table token, its column
/// list's opening parenthesis).
fn references(src: &str, toks: &[Tok], a: usize, b: usize) -> Vec<(usize, Option<usize>)> {
    let mut out = Vec::new();
    for i in a..b {
        if toks[i].is_kw(src, "references") && i + 1 < b {
            let open = (i + 2 < b && toks[i + 2].kind == Tk::LParen).then_some(i + 2);
            out.push((i + 1, open));
        }
    }
    out
}

/// Token indexes to rewrite in CREATE TABLE `src` (of table `own`) for a
/// rename of table `tname` (col None) or of its column `col`.
pub(super) fn table_edits(src: &str, own: &str, tname: &str, col: Option<&str>) -> Result<(TableText, Vec<usize>)> {
    let tt = table_text(src)?;
    let toks = &tt.toks;
    let mut out = Vec::new();
    let is_self = own.eq_ignore_ascii_case(tname);
    if is_self && col.is_none() {
        out.push(tt.name);
    }
    for (k, &(a, b)) in tt.items.iter().enumerate() {
        if a >= b {
            continue;
        }
        if is_self {
            if let (true, Some(c)) = (tt.is_col[k], col) {
                if same_name(toks[a].text(src), c) {
                    out.push(a);
                }
            }
            let mut i = a;
            while i < b {
                let t = &toks[i];
                if t.is_kw(src, "check") && i + 1 < b && toks[i + 1].kind == Tk::LParen {
                    expr_refs(src, toks, i + 1, tname, col, &mut out);
                    i = matching_paren(toks, i + 1) + 1;
                    continue;
                }
                if !tt.is_col[k] && (t.is_kw(src, "key") || t.is_kw(src, "unique")) && i + 1 < b {
                    if let (Some(c), Tk::LParen) = (col, toks[i + 1].kind) {
                        list_cols(src, toks, i + 1, c, &mut out);
                        i = matching_paren(toks, i + 1) + 1;
                        continue;
                    }
                }
                if t.is_kw(src, "references") {
                    break;
                }
                if t.kind == Tk::LParen {
                    i = matching_paren(toks, i) + 1;
                    continue;
                }
                i += 1;
            }
        }
        for (tt_tok, open) in references(src, toks, a, b) {
            if !same_name(toks[tt_tok].text(src), tname) {
                continue;
            }
            match (col, open) {
                (None, _) => out.push(tt_tok),
                (Some(c), Some(o)) => list_cols(src, toks, o, c, &mut out),
                _ => {}
            }
        }
    }
    Ok((tt, out))
}

/// Token indexes to rewrite in CREATE INDEX `src` for a rename of its table
/// (col None) or of column `col`.
pub(super) fn index_edits(src: &str, col: Option<&str>) -> (Vec<Tok>, Vec<usize>) {
    let toks = tokenize(src);
    let mut out = Vec::new();
    if let Some(on) = toks.iter().position(|t| t.is_kw(src, "on")) {
        let open = toks.iter().skip(on).position(|t| t.kind == Tk::LParen).map(|p| p + on);
        match (col, open) {
            (None, Some(o)) => {
                if let Some(n) = (on + 1..o).rev().find(|&i| toks[i].kind == Tk::Ident) {
                    out.push(n);
                }
            }
            (Some(c), Some(o)) => list_cols(src, &toks, o, c, &mut out),
            _ => {}
        }
    }
    (toks, out)
}

/// Replaces tokens `which` of `src` by `new` with SQLite's quoting rule.
pub(super) fn replace_tokens(src: &str, toks: &[Tok], which: &mut [usize], new: &str, quoted_new: bool) -> String {
    which.sort_unstable();
    let quoted = format!("\"{}\"", new.replace('"', "\"\""));
    let mut out = String::with_capacity(src.len() + which.len() * new.len());
    let mut at = 0;
    let mut last = None;
    for &i in which.iter() {
        if last == Some(i) {
            continue;
        }
        last = Some(i);
        let t = &toks[i];
        out.push_str(&src[at..t.start]);
        let bare = !quoted_new && !is_quoted(t.text(src));
        if bare {
            out.push_str(new);
        } else {
            out.push_str(&quoted);
            if src.as_bytes().get(t.end) == Some(&b'"') {
                out.push(' ');
            }
        }
        at = t.end;
    }
    out.push_str(&src[at..]);
    out
}

const CLAUSE_END: [&str; 14] = [
    "where",
    "group",
    "having",
    "order",
    "limit",
    "window",
    "union",
    "except",
    "intersect",
    "on",
    "using",
    "select",
    "values",
    "returning",
];
const NOT_ALIAS: [&str; 20] = [
    "on",
    "using",
    "where",
    "join",
    "left",
    "right",
    "full",
    "inner",
    "cross",
    "natural",
    "outer",
    "group",
    "order",
    "limit",
    "union",
    "except",
    "intersect",
    "window",
    "having",
    "indexed",
];

/// Tokens of a view's SQL standing in table position (after FROM or JOIN,
/// after a comma of a FROM list, after `main.`).
fn view_table_positions(src: &str, toks: &[Tok]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut in_from = vec![false];
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            Tk::LParen => in_from.push(false),
            Tk::RParen if in_from.len() > 1 => {
                in_from.pop();
            }
            Tk::Ident => {
                if t.is_kw(src, "from") {
                    *in_from.last_mut().expect("depth") = true;
                    continue;
                }
                if CLAUSE_END.iter().any(|k| t.is_kw(src, k)) {
                    *in_from.last_mut().expect("depth") = false;
                    continue;
                }
                let Some(prev) = i.checked_sub(1).map(|p| &toks[p]) else { continue };
                let next_dot = toks.get(i + 1).is_some_and(|n| n.kind == Tk::Dot);
                let schema_dot = prev.kind == Tk::Dot && i >= 2 && toks[i - 2].is_kw(src, "main");
                let from_pos = prev.is_kw(src, "from")
                    || prev.is_kw(src, "join")
                    || (prev.kind == Tk::Comma && *in_from.last().expect("depth"));
                if (from_pos && !next_dot) || schema_dot {
                    out.push(i);
                }
            }
            _ => {}
        }
    }
    out
}

/// The alias a FROM item at token `i` gets (`t AS x` or `t x`), if any.
fn alias_after(src: &str, toks: &[Tok], i: usize) -> Option<usize> {
    let mut k = i + 1;
    if toks.get(k).is_some_and(|t| t.is_kw(src, "as")) {
        k += 1;
    } else if toks.get(k).is_some_and(|t| NOT_ALIAS.iter().any(|kw| t.is_kw(src, kw))) {
        return None;
    }
    toks.get(k).filter(|t| t.kind == Tk::Ident).map(|_| k)
}

/// Token indexes in a view's SQL naming table `tname` (col None) or its
/// column `col`. An unqualified column name is taken for the table's when
/// the view reads the table and no other table it reads has that column.
pub(super) fn view_edits(src: &str, toks: &[Tok], tname: &str, col: Option<&str>, cat: &Catalog) -> Vec<usize> {
    let positions = view_table_positions(src, toks);
    let mut out = Vec::new();
    match col {
        None => {
            for &i in &positions {
                if same_name(toks[i].text(src), tname) {
                    out.push(i);
                }
            }
            // Qualifiers `tname.x` (an alias of that name would be taken too).
            for (i, t) in toks.iter().enumerate() {
                let next_dot = toks.get(i + 1).is_some_and(|n| n.kind == Tk::Dot);
                let after_dot = i > 0 && toks[i - 1].kind == Tk::Dot && !(i >= 2 && toks[i - 2].is_kw(src, "main"));
                if t.kind == Tk::Ident && next_dot && !after_dot && same_name(t.text(src), tname) && !out.contains(&i) {
                    out.push(i);
                }
            }
        }
        Some(c) => {
            let mut bound = vec![tname.to_string()];
            let mut reads = false;
            let mut others_have = false;
            for &i in &positions {
                let name = unquote_ident(toks[i].text(src));
                if name.eq_ignore_ascii_case(tname) {
                    reads = true;
                    if let Some(a) = alias_after(src, toks, i) {
                        bound.push(unquote_ident(toks[a].text(src)));
                    }
                } else if cat.table(&name).is_some_and(|o| o.col_index(c).is_some()) {
                    others_have = true;
                }
            }
            if !reads {
                return out;
            }
            for (i, t) in toks.iter().enumerate() {
                if t.kind != Tk::Ident || !same_name(t.text(src), c) {
                    continue;
                }
                let next = toks.get(i + 1).map(|n| n.kind);
                if next == Some(Tk::LParen) || next == Some(Tk::Dot) {
                    continue;
                }
                if i > 0 && toks[i - 1].kind == Tk::Dot {
                    if i >= 2 && bound.iter().any(|b| same_name(toks[i - 2].text(src), b)) {
                        out.push(i);
                    }
                    continue;
                }
                if i > 0 && toks[i - 1].is_kw(src, "as") || positions.contains(&i) {
                    continue;
                }
                if !others_have {
                    out.push(i);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_column_tokens() {
        let sql =
            "CREATE TABLE \"t\" (a INTEGER PRIMARY KEY, \"b\" TEXT UNIQUE, c CHECK(c > 0 AND t.b < 9), UNIQUE(b, c))";
        let (tt, mut w) = table_edits(sql, "t", "t", Some("b")).unwrap();
        assert_eq!(
            replace_tokens(sql, &tt.toks, &mut w, "bee", false),
            "CREATE TABLE \"t\" (a INTEGER PRIMARY KEY, \"bee\" TEXT UNIQUE, c CHECK(c > 0 AND t.bee < 9), UNIQUE(bee, c))"
        );
    }

    #[test]
    fn add_and_drop_offsets() {
        let sql = "CREATE TABLE t(a, b , UNIQUE(a))";
        let tt = table_text(sql).unwrap();
        assert_eq!(&sql[tt.add_offset(sql)..], ", UNIQUE(a))");
    }
}
