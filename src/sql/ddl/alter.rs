//! ALTER TABLE: RENAME TO, RENAME COLUMN, ADD COLUMN, DROP COLUMN.
//!
//! The stored CREATE texts are edited the way SQLite edits them, token by
//! token, keeping everything else byte for byte:
//! - a renamed name replaces each token naming the object; a table's new
//!   name is always written double-quoted, a column's bare where the old
//!   token was bare, and double-quoted where the old token was quoted or
//!   where the new name was quoted in the ALTER;
//! - ADD COLUMN inserts `, <column definition as written>` right after the
//!   last column definition (before the table constraints);
//! - DROP COLUMN removes the column's definition with one separating comma.
//!
//! Tokens naming a column are: the column definition's name, the names in
//! PRIMARY KEY / UNIQUE / FOREIGN KEY column lists, identifiers in CHECK
//! expressions (unqualified or qualified by the table's name), the column
//! lists of REFERENCES clauses naming the table (in any table), and the
//! column lists of the table's indexes.

use crate::error::{Error, Result};
use crate::schema::{build_index, build_table, read_schema_rows, Catalog, SchemaRow, Table};
use crate::sql::ast_util::name_str;
use crate::sql::lexer::{matching_paren, tokenize, unquote_ident, Tk, Tok};
use crate::storage::record::{decode_record, encode_record};
use crate::storage::{btree, BTreeKind, Cursor, Txn, Value};
use sqlite3_parser::ast;

#[derive(Debug, Clone)]
pub enum Alter {
    RenameTable {
        table: String,
        new: String,
        quoted: bool,
    },
    RenameColumn {
        table: String,
        old: String,
        new: String,
        quoted: bool,
    },
    /// `coldef`: the column definition's text as written in the ALTER.
    AddColumn {
        table: String,
        coldef: String,
    },
    DropColumn {
        table: String,
        col: String,
    },
}

impl Alter {
    pub fn table(&self) -> &str {
        match self {
            Alter::RenameTable { table, .. }
            | Alter::RenameColumn { table, .. }
            | Alter::AddColumn { table, .. }
            | Alter::DropColumn { table, .. } => table,
        }
    }
}

fn is_quoted(tok: &str) -> bool {
    matches!(tok.as_bytes().first(), Some(b'"' | b'\'' | b'[' | b'`'))
}

fn same_name(tok: &str, name: &str) -> bool {
    unquote_ident(tok).eq_ignore_ascii_case(name)
}

/// Builds the ALTER action from the parsed statement (`src` = its text).
pub fn compile_alter(qn: &ast::QualifiedName, body: &ast::AlterTableBody, src: &str) -> Result<Alter> {
    if let Some(db) = &qn.db_name {
        let db = name_str(db);
        if !db.eq_ignore_ascii_case("main") {
            return Err(Error::sql(format!("unknown database {db}")));
        }
    }
    let table = name_str(&qn.name);
    let toks = tokenize(src);
    let toks: Vec<Tok> = toks.into_iter().take_while(|t| t.kind != Tk::Semi).collect();
    let last_quoted = toks.last().is_some_and(|t| is_quoted(t.text(src)));
    Ok(match body {
        // A renamed table is written quoted everywhere.
        ast::AlterTableBody::RenameTo(n) => Alter::RenameTable { table, new: name_str(n), quoted: true },
        ast::AlterTableBody::RenameColumn { old, new } => {
            Alter::RenameColumn { table, old: name_str(old), new: name_str(new), quoted: last_quoted }
        }
        ast::AlterTableBody::AddColumn(_) => {
            let k = toks.iter().position(|t| t.is_kw(src, "add")).ok_or_else(|| Error::sql("expected ADD"))?;
            let mut k = k + 1;
            if toks.get(k).is_some_and(|t| t.is_kw(src, "column")) && toks.len() > k + 1 {
                k += 1;
            }
            let (Some(first), Some(last)) = (toks.get(k), toks.last()) else {
                return Err(Error::sql("expected a column definition"));
            };
            Alter::AddColumn { table, coldef: src[first.start..last.end].to_string() }
        }
        ast::AlterTableBody::DropColumn(n) => Alter::DropColumn { table, col: name_str(n) },
        _ => return Err(Error::sql("near \"ALTER\": syntax error")),
    })
}

/// The structure of a stored CREATE TABLE text, as token indexes.
struct TableText {
    toks: Vec<Tok>,
    name: usize,
    /// Items between the outer parentheses: (first, end) token ranges.
    items: Vec<(usize, usize)>,
    /// Which items are column definitions.
    is_col: Vec<bool>,
    close: usize,
}

const TABLE_CONS: [&str; 5] = ["constraint", "primary", "unique", "check", "foreign"];

fn table_text(src: &str) -> Result<TableText> {
    let toks = tokenize(src);
    let open = toks.iter().position(|t| t.kind == Tk::LParen).ok_or_else(|| Error::sql("malformed CREATE TABLE"))?;
    let name = (0..open).rev().find(|&i| toks[i].kind == Tk::Ident).ok_or_else(|| Error::sql("malformed"))?;
    let close = matching_paren(&toks, open);
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = open + 1;
    for (i, t) in toks.iter().enumerate().take(close).skip(open + 1) {
        match t.kind {
            Tk::LParen => depth += 1,
            Tk::RParen => depth -= 1,
            Tk::Comma if depth == 0 => {
                items.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push((start, close.min(toks.len())));
    let is_col = items.iter().map(|&(a, b)| a < b && !TABLE_CONS.iter().any(|kw| toks[a].is_kw(src, kw))).collect();
    Ok(TableText { toks, name, items, is_col, close })
}

impl TableText {
    /// Byte offset where ADD COLUMN inserts: the comma before the first
    /// table constraint, else the closing parenthesis.
    fn add_offset(&self, src: &str) -> usize {
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
fn table_edits(src: &str, own: &str, tname: &str, col: Option<&str>) -> Result<(TableText, Vec<usize>)> {
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
fn index_edits(src: &str, col: Option<&str>) -> (Vec<Tok>, Vec<usize>) {
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
fn replace_tokens(src: &str, toks: &[Tok], which: &mut [usize], new: &str, quoted_new: bool) -> String {
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

fn schema_update(txn: &mut Txn, r: &SchemaRow, name: &str, tbl: &str, sql: Option<&str>) -> Result<()> {
    let root = txn.header().schema_root;
    let vals = [
        Value::Text(r.kind.clone()),
        Value::Text(name.into()),
        Value::Text(tbl.into()),
        Value::Integer(r.rootpage as i64),
        sql.map_or(Value::Null, |s| Value::Text(s.into())),
    ];
    let mut rec = Vec::new();
    encode_record(&vals, &mut rec);
    btree::table_insert(txn, root, r.rowid, &rec)
}

/// Triggers are not rewritten: refuse when one mentions the table.
fn no_dependents(rows: &[SchemaRow], t: &Table) -> Result<()> {
    for r in rows.iter().filter(|r| r.kind == "trigger") {
        let sql = r.sql.as_deref().unwrap_or("");
        let toks = tokenize(sql);
        if r.tbl_name.eq_ignore_ascii_case(&t.name) || toks.iter().any(|k| same_name(k.text(sql), &t.name)) {
            return Err(Error::sql(format!(
                "ALTER TABLE on a table trigger {} refers to is not supported yet",
                r.name
            )));
        }
    }
    Ok(())
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
fn view_edits(src: &str, toks: &[Tok], tname: &str, col: Option<&str>, cat: &Catalog) -> Vec<usize> {
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

/// Every view must still compile once the schema is changed; `what` names
/// the change in the error ("rename", "drop column").
fn check_views(txn: &Txn, what: &str) -> Result<()> {
    let cat = Catalog::load(txn)?;
    let mut names: Vec<&String> = cat.views.values().map(|v| &v.name).collect();
    names.sort();
    for n in names {
        let q = format!("SELECT * FROM \"{}\"", n.replace('"', "\"\""));
        if let Err(e) = crate::sql::prepare::compile(&q, &cat) {
            return Err(Error::sql(format!("error in view {n} after {what}: {}", e.message)));
        }
    }
    Ok(())
}

fn reserved(name: &str) -> Result<()> {
    if name.len() >= 7 && name[..7].eq_ignore_ascii_case("sqlite_") {
        return Err(Error::sql(format!("object name reserved for internal use: {name}")));
    }
    Ok(())
}

/// Checks an ALTER against the catalog (at prepare time and when run).
pub fn check_alter(a: &Alter, cat: &Catalog) -> Result<()> {
    let tname = a.table();
    if cat.table(tname).is_none() {
        if let Some(v) = cat.view(tname) {
            return Err(Error::sql(match a {
                Alter::AddColumn { .. } => "Cannot add a column to a view".to_string(),
                _ => format!("view {} may not be altered", v.name),
            }));
        }
    }
    let t = cat.table(tname).ok_or_else(|| Error::sql(format!("no such table: {tname}")))?;
    if t.is_schema {
        return Err(Error::sql("table sqlite_master may not be altered"));
    }
    if t.name.len() >= 7 && t.name[..7].eq_ignore_ascii_case("sqlite_") {
        return Err(Error::sql(format!("table {} may not be altered", t.name)));
    }
    match a {
        Alter::RenameTable { new, .. } => {
            if cat.table(new).is_some() || cat.index(new).is_some() || cat.view(new).is_some() {
                return Err(Error::sql(format!("there is already another table or index with this name: {new}")));
            }
            reserved(new)?;
        }
        Alter::RenameColumn { old, .. } => {
            if t.col_index(old).is_none() {
                return Err(Error::sql(format!("no such column: \"{old}\"")));
            }
        }
        Alter::AddColumn { coldef, .. } => {
            let sql = format!("CREATE TABLE x({coldef})");
            let (nt, autos) = build_table(&sql, 0)?;
            let c = nt.cols.first().ok_or_else(|| Error::sql("expected a column definition"))?;
            if c.pk > 0 {
                return Err(Error::sql("Cannot add a PRIMARY KEY column"));
            }
            if !autos.is_empty() {
                return Err(Error::sql("Cannot add a UNIQUE column"));
            }
            if t.col_index(&c.name).is_some() {
                return Err(Error::sql(format!("duplicate column name: {}", c.name)));
            }
        }
        Alter::DropColumn { col, .. } => {
            let Some(ci) = t.col_index(col) else {
                return Err(Error::sql(format!("no such column: \"{col}\"")));
            };
            let c = &t.cols[ci];
            if c.pk > 0 {
                return Err(Error::sql(format!("cannot drop PRIMARY KEY column: \"{}\"", c.name)));
            }
            if column_unique(t, ci)? {
                return Err(Error::sql(format!("cannot drop UNIQUE column: \"{}\"", c.name)));
            }
            if t.cols.len() <= 1 {
                return Err(Error::sql(format!("cannot drop column \"{}\": no other columns exist", c.name)));
            }
        }
    }
    Ok(())
}

/// Does the column `a` (an ADD COLUMN) adds carry a CHECK constraint?
/// Then SQLite verifies the existing rows against the table's CHECKs.
pub fn adds_checked_column(a: &Alter) -> bool {
    let Alter::AddColumn { coldef, .. } = a else { return false };
    build_table(&format!("CREATE TABLE x({coldef})"), 0).is_ok_and(|(t, _)| !t.checks.is_empty())
}

/// The result column an ADD COLUMN reports: SQLite checks the existing
/// rows with queries (a NOT NULL column without default, a non-constant
/// default, a CHECK constraint) and reports the last one's column.
pub fn add_column_names(a: &Alter) -> Vec<String> {
    let Alter::AddColumn { coldef, .. } = a else { return Vec::new() };
    if adds_checked_column(a) {
        return vec!["CASE WHEN quick_check GLOB 'CHECK*' THEN raise(ABORT,'CHECK constraint failed') ELSE \
             raise(ABORT,'NOT NULL constraint failed') END"
            .to_string()];
    }
    let Ok((has_default, constant)) = default_of(coldef) else { return Vec::new() };
    let notnull = build_table(&format!("CREATE TABLE x({coldef})"), 0)
        .is_ok_and(|(t, _)| t.cols.first().is_some_and(|c| c.notnull.is_some()));
    if has_default && !constant {
        vec!["raise(ABORT,'Cannot add a column with non-constant default')".to_string()]
    } else if notnull && !has_default {
        vec!["raise(ABORT,'Cannot add a NOT NULL column with default value NULL')".to_string()]
    } else {
        Vec::new()
    }
}

/// Does column `ci`'s own definition carry a UNIQUE constraint?
fn column_unique(t: &Table, ci: usize) -> Result<bool> {
    let sql = t.sql.as_deref().unwrap_or("");
    crate::sql::ast_util::with_parsed(sql, |stmt| {
        let ast::Stmt::CreateTable { body: ast::CreateTableBody::ColumnsAndConstraints { columns, .. }, .. } = stmt
        else {
            return Ok(false);
        };
        Ok(columns
            .get(ci)
            .is_some_and(|cd| cd.constraints.iter().any(|c| matches!(c.constraint, ast::ColumnConstraint::Unique(_)))))
    })
}

/// Is `e` a constant SQLite accepts as an added column's default for a
/// table with rows (a literal, signed, parenthesized, CAST or COLLATE)?
fn constant_default(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Literal(l) => {
            !matches!(l, ast::Literal::CurrentDate | ast::Literal::CurrentTime | ast::Literal::CurrentTimestamp)
        }
        ast::Expr::Id(_) | ast::Expr::Name(_) => true,
        ast::Expr::Unary(_, x) => constant_default(x),
        ast::Expr::Parenthesized(v) => v.len() == 1 && constant_default(&v[0]),
        ast::Expr::Cast { expr, .. } => constant_default(expr),
        ast::Expr::Collate(x, _) => constant_default(x),
        _ => false,
    }
}

/// The added column's DEFAULT expression, if any, and whether it is constant.
fn default_of(coldef: &str) -> Result<(bool, bool)> {
    let sql = format!("CREATE TABLE x({coldef})");
    crate::sql::ast_util::with_parsed(&sql, |stmt| {
        let ast::Stmt::CreateTable { body: ast::CreateTableBody::ColumnsAndConstraints { columns, .. }, .. } = stmt
        else {
            return Ok((false, true));
        };
        for c in columns.first().map(|c| c.constraints.iter()).into_iter().flatten() {
            if let ast::ColumnConstraint::Default(e) = &c.constraint {
                let null = matches!(e, ast::Expr::Literal(ast::Literal::Null));
                return Ok((!null, constant_default(e)));
            }
        }
        Ok((false, true))
    })
}

/// Rewrites every row of table `root` through `f` (rowids first, then
/// each row: the tree is never changed under a cursor).
fn rewrite_rows(txn: &mut Txn, root: u32, mut f: impl FnMut(&mut Vec<Value>) -> Result<()>) -> Result<()> {
    let mut ids = Vec::new();
    let mut cur = Cursor::new(root, BTreeKind::Table);
    let mut ok = cur.first(txn)?;
    while ok {
        ids.push(cur.rowid(txn)?);
        ok = cur.next(txn)?;
    }
    let mut rec = Vec::new();
    let mut vals = Vec::new();
    for id in ids {
        if !btree::table_get(txn, root, id, &mut rec)? {
            continue;
        }
        decode_record(&rec, &mut vals)?;
        f(&mut vals)?;
        rec.clear();
        encode_record(&vals, &mut rec);
        btree::table_insert(txn, root, id, &rec)?;
    }
    Ok(())
}

fn eval_const(e: &crate::sql::expr::CExpr, txn: &Txn) -> Result<Value> {
    let mut vars = crate::sql::expr::ConnVars::default();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let mut cx = crate::sql::expr::Cx { txn, params: &[], vars: &mut vars, interrupt: &stop, subs: &[] };
    let mut rt = crate::sql::expr::Rt::new(1, 0, 0);
    crate::sql::expr::eval(e, &mut rt, &mut cx)
}

/// Performs the ALTER inside the write transaction (schema cookie bumped by
/// the caller).
pub fn run_alter(a: &Alter, txn: &mut Txn, cat: &Catalog) -> Result<()> {
    check_alter(a, cat)?;
    let t = cat.table(a.table()).ok_or_else(|| Error::sql(format!("no such table: {}", a.table())))?.clone();
    let rows = read_schema_rows(txn)?;
    match a {
        Alter::RenameTable { new, quoted, .. } => {
            no_dependents(&rows, &t)?;
            let prefix = format!("sqlite_autoindex_{}_", t.name);
            for r in &rows {
                let Some(sql) = r.sql.as_deref() else {
                    if r.kind == "index" && r.tbl_name.eq_ignore_ascii_case(&t.name) {
                        let name = match r.name.get(..prefix.len()) {
                            Some(p) if p.eq_ignore_ascii_case(&prefix) => {
                                format!("sqlite_autoindex_{new}_{}", &r.name[prefix.len()..])
                            }
                            _ => r.name.clone(),
                        };
                        schema_update(txn, r, &name, new, None)?;
                    }
                    continue;
                };
                match r.kind.as_str() {
                    "table" => {
                        let (tt, mut which) = table_edits(sql, &r.name, &t.name, None)?;
                        let own = r.name.eq_ignore_ascii_case(&t.name);
                        if which.is_empty() && !own {
                            continue;
                        }
                        let s = replace_tokens(sql, &tt.toks, &mut which, new, *quoted);
                        let (name, tbl) = if own { (new.as_str(), new.as_str()) } else { (&*r.name, &*r.tbl_name) };
                        schema_update(txn, r, name, tbl, Some(&s))?;
                    }
                    "index" if r.tbl_name.eq_ignore_ascii_case(&t.name) => {
                        let (toks, mut which) = index_edits(sql, None);
                        let s = replace_tokens(sql, &toks, &mut which, new, *quoted);
                        schema_update(txn, r, &r.name, new, Some(&s))?;
                    }
                    "view" => {
                        let toks = tokenize(sql);
                        let mut which = view_edits(sql, &toks, &t.name, None, cat);
                        if !which.is_empty() {
                            let s = replace_tokens(sql, &toks, &mut which, new, *quoted);
                            schema_update(txn, r, &r.name, &r.tbl_name, Some(&s))?;
                        }
                    }
                    _ => {}
                }
            }
            if let Some(seq) = cat.table(super::SEQUENCE) {
                rename_sequence(txn, seq.root, &t.name, new)?;
            }
            check_views(txn, "rename")?;
        }
        Alter::RenameColumn { old, new, quoted, .. } => {
            no_dependents(&rows, &t)?;
            let ci = t.col_index(old).ok_or_else(|| Error::sql(format!("no such column: \"{old}\"")))?;
            if t.cols.iter().enumerate().any(|(i, c)| i != ci && c.name.eq_ignore_ascii_case(new)) {
                return Err(Error::sql(format!(
                    "error in table {} after rename: duplicate column name: {new}",
                    t.name
                )));
            }
            let cname = t.cols[ci].name.clone();
            for r in &rows {
                let Some(sql) = r.sql.as_deref() else { continue };
                match r.kind.as_str() {
                    "table" => {
                        let (tt, mut which) = table_edits(sql, &r.name, &t.name, Some(&cname))?;
                        if !which.is_empty() {
                            let s = replace_tokens(sql, &tt.toks, &mut which, new, *quoted);
                            schema_update(txn, r, &r.name, &r.tbl_name, Some(&s))?;
                        }
                    }
                    "index" if r.tbl_name.eq_ignore_ascii_case(&t.name) => {
                        let (toks, mut which) = index_edits(sql, Some(&cname));
                        if !which.is_empty() {
                            let s = replace_tokens(sql, &toks, &mut which, new, *quoted);
                            schema_update(txn, r, &r.name, &r.tbl_name, Some(&s))?;
                        }
                    }
                    "view" => {
                        let toks = tokenize(sql);
                        let mut which = view_edits(sql, &toks, &t.name, Some(&cname), cat);
                        if !which.is_empty() {
                            let s = replace_tokens(sql, &toks, &mut which, new, *quoted);
                            schema_update(txn, r, &r.name, &r.tbl_name, Some(&s))?;
                        }
                    }
                    _ => {}
                }
            }
            check_views(txn, "rename")?;
        }
        Alter::AddColumn { coldef, .. } => {
            let sql = t.sql.as_deref().unwrap_or("");
            let tt = table_text(sql)?;
            let at = tt.add_offset(sql);
            let new_sql = format!("{}, {}{}", &sql[..at], coldef, &sql[at..]);
            let (nt, _) = build_table(&new_sql, t.root)?;
            let c = nt.cols.last().ok_or_else(|| Error::internal("no column added"))?;
            let has_rows = btree::table_max_rowid(txn, t.root)?.is_some();
            let (has_default, constant) = default_of(coldef)?;
            if has_rows {
                let not_empty = |m: &str| Err(Error::sql(m.to_string()));
                if c.notnull.is_some() && !has_default {
                    return not_empty("Cannot add a NOT NULL column with default value NULL");
                }
                if has_default && !constant {
                    return not_empty("Cannot add a column with non-constant default");
                }
            }
            let r = rows
                .iter()
                .find(|r| r.kind == "table" && r.name.eq_ignore_ascii_case(&t.name))
                .ok_or_else(|| Error::internal("table row missing"))?;
            schema_update(txn, r, &r.name, &r.tbl_name, Some(&new_sql))?;
            if has_rows {
                // Old rows read the default: store it in them.
                let dv = match &c.default {
                    Some(d) => crate::sql::types::apply_affinity(eval_const(d, txn)?, c.affinity),
                    None => Value::Null,
                };
                let n_old = t.cols.len();
                if !matches!(dv, Value::Null) {
                    rewrite_rows(txn, t.root, |vals| {
                        vals.resize(n_old, Value::Null);
                        vals.push(dv.clone());
                        Ok(())
                    })?;
                }
                if adds_checked_column(a) {
                    check_rows(txn, &nt)?;
                }
            }
        }
        Alter::DropColumn { col, .. } => {
            no_dependents(&rows, &t)?;
            let ci = t.col_index(col).ok_or_else(|| Error::sql(format!("no such column: \"{col}\"")))?;
            let sql = t.sql.as_deref().unwrap_or("");
            let tt = table_text(sql)?;
            let cols: Vec<usize> = (0..tt.items.len()).filter(|&k| tt.is_col[k]).collect();
            let item = cols[ci];
            let start_tok = tt.items[item].0;
            let (from, to) = if ci + 1 < cols.len() {
                (tt.toks[start_tok].start, tt.toks[tt.items[cols[ci + 1]].0].start)
            } else {
                (tt.toks[start_tok - 1].start, tt.add_offset(sql))
            };
            let new_sql = format!("{}{}", &sql[..from], &sql[to..]);
            let (nt, _) = build_table(&new_sql, t.root)
                .map_err(|e| Error::sql(format!("error in table {} after drop column: {}", t.name, e.message)))?;
            for idx in &t.indexes {
                if let Some(isql) = &idx.sql {
                    build_index(isql, &nt, 0).map_err(|e| {
                        Error::sql(format!("error in index {} after drop column: {}", idx.name, e.message))
                    })?;
                }
            }
            let r = rows
                .iter()
                .find(|r| r.kind == "table" && r.name.eq_ignore_ascii_case(&t.name))
                .ok_or_else(|| Error::internal("table row missing"))?;
            schema_update(txn, r, &r.name, &r.tbl_name, Some(&new_sql))?;
            let n = t.cols.len();
            rewrite_rows(txn, t.root, |vals| {
                vals.resize(n, Value::Null);
                vals.remove(ci);
                Ok(())
            })?;
            check_views(txn, "drop column")?;
        }
    }
    Ok(())
}

/// ADD COLUMN on a table with rows and CHECK constraints: every row must
/// pass them (SQLite runs its quick_check of the table).
fn check_rows(txn: &mut Txn, t: &Table) -> Result<()> {
    let stop = std::sync::atomic::AtomicBool::new(false);
    let mut vars = crate::sql::expr::ConnVars::default();
    let mut rt = crate::sql::expr::Rt::new(1, 0, 0);
    let mut cur = Cursor::new(t.root, BTreeKind::Table);
    let mut rec = Vec::new();
    let mut ok = cur.first(txn)?;
    while ok {
        cur.record(txn, &mut rec)?;
        let rowid = cur.rowid(txn)?;
        crate::sql::exec::load_row(t, &rec, rowid, &mut rt.slots[0])?;
        let mut cx = crate::sql::expr::Cx { txn, params: &[], vars: &mut vars, interrupt: &stop, subs: &[] };
        for ck in &t.checks {
            if crate::sql::expr::eval_cond(&ck.expr, &mut rt, &mut cx)? == Some(false) {
                // SQLite raises it from its check query: a plain SQLITE_ERROR.
                return Err(Error::sql("CHECK constraint failed"));
            }
        }
        ok = cur.next(txn)?;
    }
    Ok(())
}

fn rename_sequence(txn: &mut Txn, root: u32, old: &str, new: &str) -> Result<()> {
    rewrite_rows(txn, root, |vals| {
        if matches!(vals.first(), Some(Value::Text(n)) if n == old) {
            vals[0] = Value::Text(new.to_string());
        }
        Ok(())
    })
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
