//! The tokens of a stored `CREATE TRIGGER` text that ALTER TABLE rewrites.
//!
//! A trigger text is cut into its parts: the `UPDATE OF` column list, the
//! `ON` target, the WHEN expression and the body statements (split on the
//! semicolons outside parentheses). Each body statement is scanned on its
//! own, with the tables it reads or writes in scope:
//! - INSERT: the target's column list and its upsert clauses (`ON CONFLICT
//!   ...`, where the target and `excluded` are in scope) name the target's
//!   columns; its VALUES / SELECT part reads only its own FROM tables;
//! - UPDATE / DELETE: the target is in scope of the whole statement;
//! - NEW / OLD qualify columns of the table the trigger is on.
//!
//! Tokens that only name a column (the `UPDATE OF` list, an INSERT column
//! list, the left sides of SET) are reported apart: DROP COLUMN leaves them
//! alone (SQLite does not resolve them), while RENAME COLUMN renames them.

use super::{alias_after, list_cols, same_name, view_table_positions};
use crate::schema::Catalog;
use crate::syntax::lexer::{matching_paren, tokenize, unquote_ident, Tk, Tok};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Insert,
    Update,
    Delete,
    Select,
}

/// One body statement: tokens `a..b`, its kind and its target's token.
struct BodyStmt {
    kind: Kind,
    a: usize,
    b: usize,
    target: Option<usize>,
}

pub(in crate::sql::ddl) struct TriggerText {
    pub toks: Vec<Tok>,
    on_target: Option<usize>,
    /// Tokens between OF and ON of `UPDATE OF a, b ON t`.
    of_list: Option<(usize, usize)>,
    when: Option<(usize, usize)>,
    stmts: Vec<BodyStmt>,
}

pub(in crate::sql::ddl) fn trigger_text(src: &str) -> TriggerText {
    let toks = tokenize(src);
    let n = toks.len();
    let on = (2..n).find(|&i| toks[i].is_kw(src, "on"));
    let mut on_target = None;
    let mut of_list = None;
    let mut when = None;
    let mut stmts = Vec::new();
    if let Some(on) = on {
        if let Some(of) = (2..on).find(|&i| toks[i].is_kw(src, "of") && toks[i - 1].is_kw(src, "update")) {
            of_list = Some((of + 1, on));
        }
        let mut t = on + 1;
        if toks.get(t + 1).is_some_and(|d| d.kind == Tk::Dot) {
            t += 2;
        }
        on_target = (t < n && toks[t].kind == Tk::Ident).then_some(t);
        let begin = (t + 1..n).find(|&i| toks[i].is_kw(src, "begin")).unwrap_or(n);
        if let Some(w) = (t + 1..begin).find(|&i| toks[i].is_kw(src, "when")) {
            when = Some((w + 1, begin));
        }
        // The body ends at the last token (END).
        let end = if n > 0 && toks[n - 1].is_kw(src, "end") { n - 1 } else { n };
        let mut depth = 0i32;
        let mut a = begin + 1;
        for i in begin + 1..=end {
            let stop = i == end || (toks[i].kind == Tk::Semi && depth == 0);
            if i < end {
                match toks[i].kind {
                    Tk::LParen => depth += 1,
                    Tk::RParen => depth -= 1,
                    _ => {}
                }
            }
            if stop {
                if a < i {
                    stmts.push(body_stmt(src, &toks, a, i));
                }
                a = i + 1;
            }
        }
    }
    TriggerText { toks, on_target, of_list, when, stmts }
}

impl TriggerText {
    /// Token ranges of the WHEN clause and of each body statement, with
    /// the statement's write target.
    pub(super) fn stmt_ranges(&self) -> Vec<(usize, usize, Option<usize>)> {
        let when = self.when.map(|(a, b)| (a, b, None));
        when.into_iter().chain(self.stmts.iter().map(|s| (s.a, s.b, s.target))).collect()
    }
}

fn body_stmt(src: &str, toks: &[Tok], a: usize, b: usize) -> BodyStmt {
    let first = &toks[a];
    let ident_at = |k: usize| (k < b && toks[k].kind == Tk::Ident).then_some(k);
    let (kind, target) = if first.is_kw(src, "insert") || first.is_kw(src, "replace") {
        (Kind::Insert, (a..b).find(|&k| toks[k].is_kw(src, "into")).and_then(|k| ident_at(k + 1)))
    } else if first.is_kw(src, "update") {
        let k = if toks.get(a + 1).is_some_and(|t| t.is_kw(src, "or")) { a + 3 } else { a + 1 };
        (Kind::Update, ident_at(k))
    } else if first.is_kw(src, "delete") {
        (Kind::Delete, ident_at(a + 2))
    } else {
        (Kind::Select, None)
    };
    BodyStmt { kind, a, b, target }
}

/// Column references to `col` of table `tname` in tokens a..b.
struct Scope<'a> {
    src: &'a str,
    toks: &'a [Tok],
    tname: &'a str,
    col: &'a str,
    cat: &'a Catalog,
    /// Qualifiers naming the table besides its name and aliases (NEW, OLD,
    /// `excluded`).
    extra: Vec<&'a str>,
}

impl Scope<'_> {
    /// `q.col` with q naming the table; a bare `col` when the range reads
    /// the table (`reads`, or a FROM item) and no other table in scope
    /// (FROM items, `other`) has such a column. Tokens in `skip` are names
    /// handled by the caller.
    fn scan(&self, a: usize, b: usize, reads: bool, other: Option<usize>, skip: &[usize], out: &mut Vec<usize>) {
        let (src, toks) = (self.src, self.toks);
        if a >= b {
            return;
        }
        let positions: Vec<usize> = view_table_positions(src, &toks[a..b]).into_iter().map(|p| p + a).collect();
        // Scopes: the range itself (keyed `TOP`) and each parenthesized
        // subquery (keyed by its opening parenthesis); `scope_of[i - a]` is
        // the innermost scope of token i, `parent` maps a scope to the one
        // enclosing it.
        let mut scope_of = Vec::with_capacity(b - a);
        let mut parent: Vec<(usize, usize)> = Vec::new();
        const TOP: usize = usize::MAX;
        let mut stack = vec![TOP];
        for i in a..b {
            let top = *stack.last().expect("scope");
            scope_of.push(top);
            match toks[i].kind {
                Tk::LParen => {
                    let sub = toks.get(i + 1).is_some_and(|n| n.is_kw(src, "select") || n.is_kw(src, "with"));
                    if sub {
                        parent.push((i, top));
                        stack.push(i);
                    } else {
                        stack.push(top);
                    }
                }
                Tk::RParen if stack.len() > 1 => {
                    stack.pop();
                }
                _ => {}
            }
        }
        // Per scope: (reads the table, another table there has the column).
        let mut seen: Vec<(usize, bool, bool)> = vec![(TOP, reads, false)];
        let mut bound: Vec<String> = vec![self.tname.to_string()];
        bound.extend(self.extra.iter().map(|s| s.to_string()));
        let has_col = |i: usize| {
            self.cat.table(&unquote_ident(toks[i].text(src))).is_some_and(|o| o.col_index(self.col).is_some())
        };
        if let Some(o) = other {
            seen[0].2 = has_col(o);
        }
        for &i in &positions {
            let sc = scope_of[i - a];
            let k = match seen.iter().position(|s| s.0 == sc) {
                Some(k) => k,
                None => {
                    seen.push((sc, false, false));
                    seen.len() - 1
                }
            };
            if same_name(toks[i].text(src), self.tname) {
                seen[k].1 = true;
                if let Some(al) = alias_after(src, toks, i) {
                    bound.push(unquote_ident(toks[al].text(src)));
                }
            } else if has_col(i) {
                seen[k].2 = true;
            }
        }
        // A bare name belongs to the innermost scope with a table having
        // such a column; two tables there make it ambiguous (left alone).
        let resolves_here = |i: usize| {
            let mut sc = scope_of[i - a];
            loop {
                let (r, o) = seen.iter().find(|s| s.0 == sc).map_or((false, false), |s| (s.1, s.2));
                if r || o {
                    return r && !o;
                }
                match parent.iter().find(|p| p.0 == sc) {
                    Some(&(_, up)) => sc = up,
                    None => return false,
                }
            }
        };
        for i in a..b {
            let t = &toks[i];
            if t.kind != Tk::Ident || !same_name(t.text(src), self.col) || skip.contains(&i) {
                continue;
            }
            let next = toks.get(i + 1).map(|n| n.kind);
            if next == Some(Tk::LParen) || next == Some(Tk::Dot) {
                continue;
            }
            if i > a && toks[i - 1].kind == Tk::Dot {
                if i >= a + 2 && bound.iter().any(|q| same_name(toks[i - 2].text(src), q)) {
                    out.push(i);
                }
                continue;
            }
            if (i > a && toks[i - 1].is_kw(src, "as")) || positions.contains(&i) {
                continue;
            }
            if resolves_here(i) {
                out.push(i);
            }
        }
    }
}

/// The column names on the left of `=` in the SET clause starting after
/// token `set` (up to FROM / WHERE / the end at depth 0).
fn set_names(src: &str, toks: &[Tok], set: usize, b: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut expect = true;
    let mut depth = 0i32;
    for i in set + 1..b {
        let t = &toks[i];
        match t.kind {
            Tk::LParen => depth += 1,
            Tk::RParen => depth -= 1,
            Tk::Comma if depth == 0 => {
                expect = true;
                continue;
            }
            Tk::Ident if depth == 0 && (t.is_kw(src, "where") || t.is_kw(src, "from")) => break,
            Tk::Ident
                if expect && depth == 0 && toks.get(i + 1).is_some_and(|n| n.kind == Tk::Op && n.text(src) == "=") =>
            {
                out.push(i);
            }
            _ => {}
        }
        expect = false;
    }
    out
}

/// Where the upsert clauses (`ON CONFLICT ...`) of an INSERT start in
/// tokens from..b (b when it has none).
fn upsert_start(src: &str, toks: &[Tok], from: usize, b: usize) -> usize {
    let mut depth = 0i32;
    for i in from..b {
        match toks[i].kind {
            Tk::LParen => depth += 1,
            Tk::RParen => depth -= 1,
            _ if depth == 0
                && toks[i].is_kw(src, "on")
                && toks.get(i + 1).is_some_and(|k| k.is_kw(src, "conflict")) =>
            {
                return i
            }
            _ => {}
        }
    }
    b
}

/// Tokens of a trigger naming table `tname` as a table (the ON target,
/// body targets, FROM items, qualifiers `tname.x`).
pub(in crate::sql::ddl) fn trigger_table_edits(src: &str, tt: &TriggerText, tname: &str) -> Vec<usize> {
    let toks = &tt.toks;
    let mut out = Vec::new();
    if let Some(t) = tt.on_target.filter(|&t| same_name(toks[t].text(src), tname)) {
        out.push(t);
    }
    let ranges = tt.when.into_iter().chain(tt.stmts.iter().map(|s| (s.a, s.b)));
    for (a, b) in ranges {
        for p in view_table_positions(src, &toks[a..b]) {
            if same_name(toks[p + a].text(src), tname) {
                out.push(p + a);
            }
        }
        for i in a..b {
            let t = &toks[i];
            let next_dot = toks.get(i + 1).is_some_and(|n| n.kind == Tk::Dot);
            let after_dot = i > a && toks[i - 1].kind == Tk::Dot && !(i >= a + 2 && toks[i - 2].is_kw(src, "main"));
            if t.kind == Tk::Ident && next_dot && !after_dot && same_name(t.text(src), tname) {
                out.push(i);
            }
        }
    }
    for s in &tt.stmts {
        if let Some(t) = s.target.filter(|&t| same_name(toks[t].text(src), tname)) {
            out.push(t);
            // SQLite takes `excluded.x` in the upsert of an INSERT into the
            // renamed table for a reference to that table, and renames it.
            if s.kind == Kind::Insert {
                for i in upsert_start(src, toks, t + 1, s.b)..s.b {
                    let next_dot = toks.get(i + 1).is_some_and(|n| n.kind == Tk::Dot);
                    if next_dot && toks[i - 1].kind != Tk::Dot && toks[i].is_kw(src, "excluded") {
                        out.push(i);
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Tokens of a trigger (on table `on_table`) naming column `col` of table
/// `tname`: (all of them, those that only name the column in a list).
pub(in crate::sql::ddl) fn trigger_column_edits(
    src: &str,
    tt: &TriggerText,
    on_table: &str,
    tname: &str,
    col: &str,
    cat: &Catalog,
) -> (Vec<usize>, Vec<usize>) {
    let toks = &tt.toks;
    let on_t = on_table.eq_ignore_ascii_case(tname);
    let mut sc = Scope { src, toks, tname, col, cat, extra: Vec::new() };
    if on_t {
        sc.extra = vec!["new", "old"];
    }
    let mut out = Vec::new();
    let mut names = Vec::new();
    if let (true, Some((a, b))) = (on_t, tt.of_list) {
        let mut expect = true;
        for (i, t) in toks.iter().enumerate().take(b).skip(a) {
            match t.kind {
                Tk::Comma => expect = true,
                Tk::Ident if expect => {
                    if same_name(t.text(src), col) {
                        names.push(i);
                    }
                    expect = false;
                }
                _ => expect = false,
            }
        }
    }
    if let Some((a, b)) = tt.when {
        sc.scan(a, b, false, None, &[], &mut out);
    }
    for s in &tt.stmts {
        let is_t = s.target.is_some_and(|t| same_name(toks[t].text(src), tname));
        let other = s.target.filter(|_| !is_t);
        match (s.kind, s.target) {
            (Kind::Insert, Some(t)) => {
                let mut from = t + 1;
                if toks.get(from).is_some_and(|k| k.kind == Tk::LParen) {
                    let close = matching_paren(toks, from);
                    if is_t {
                        list_cols(src, toks, from, col, &mut names);
                    }
                    from = close + 1;
                }
                let upsert = upsert_start(src, toks, from, s.b);
                sc.scan(from.min(upsert), upsert, false, None, &[], &mut out);
                if upsert < s.b {
                    let mut skip = Vec::new();
                    let mut i = upsert;
                    while i < s.b {
                        if toks[i].is_kw(src, "set") {
                            let sn = set_names(src, toks, i, s.b);
                            i = sn.last().map_or(i + 1, |&l| l + 1);
                            skip.extend(sn);
                        } else {
                            i += 1;
                        }
                    }
                    if is_t {
                        names.extend(skip.iter().copied().filter(|&k| same_name(toks[k].text(src), col)));
                    }
                    let saved = sc.extra.clone();
                    if is_t {
                        sc.extra.push("excluded");
                    }
                    sc.scan(upsert, s.b, is_t, other, &skip, &mut out);
                    sc.extra = saved;
                }
            }
            (Kind::Update, Some(t)) => {
                let skip = match (t + 1..s.b).find(|&k| toks[k].is_kw(src, "set")) {
                    Some(set) => set_names(src, toks, set, s.b),
                    None => Vec::new(),
                };
                if is_t {
                    names.extend(skip.iter().copied().filter(|&k| same_name(toks[k].text(src), col)));
                }
                sc.scan(t + 1, s.b, is_t, other, &skip, &mut out);
            }
            _ => sc.scan(s.a, s.b, false, None, &[], &mut out),
        }
    }
    out.extend(names.iter().copied());
    out.sort_unstable();
    out.dedup();
    names.sort_unstable();
    (out, names)
}

/// The `no such column` operand SQLite reports for the reference at token
/// `i`: `q.col` or `col`, unquoted.
pub(in crate::sql::ddl) fn reference_text(src: &str, toks: &[Tok], i: usize) -> String {
    let col = unquote_ident(toks[i].text(src));
    if i >= 2 && toks[i - 1].kind == Tk::Dot {
        format!("{}.{col}", unquote_ident(toks[i - 2].text(src)))
    } else {
        col
    }
}
