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

use super::rename::{
    index_edits, is_quoted, quote_fix, reference_text, replace_tokens, same_name, table_edits, table_text,
    trigger_column_edits, trigger_table_edits, trigger_text, view_edits,
};
use crate::error::{Error, Result};
use crate::schema::{build_index, build_table, read_schema_rows, Catalog, SchemaRow, Table};
use crate::storage::record::{decode_record, encode_record};
use crate::storage::{btree, BTreeKind, Cursor, Txn, Value};
use crate::syntax::lexer::{tokenize, Tk, Tok};
use crate::syntax::name_str;
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

fn schema_update(txn: &mut Txn, r: &SchemaRow, name: &str, tbl: &str, sql: Option<&str>) -> Result<()> {
    let root = txn.header().schema_root;
    let mut vals = vec![
        Value::Text(r.kind.clone()),
        Value::Text(name.into()),
        Value::Text(tbl.into()),
        Value::Integer(r.rootpage as i64),
        sql.map_or(Value::Null, |s| Value::Text(s.into())),
    ];
    // A table's row count and row limit stay (ALTER changes neither).
    vals.extend_from_slice(&r.extra);
    let mut rec = Vec::new();
    encode_record(&vals, &mut rec);
    btree::table_insert(txn, root, r.rowid, &rec)
}

/// Temporary views are not rewritten: refuse when one mentions the table.
fn no_temp_dependents(t: &Table, cat: &Catalog) -> Result<()> {
    let mut temps: Vec<&std::sync::Arc<crate::schema::View>> = cat.temp_views.values().collect();
    temps.sort_by(|a, b| a.name.cmp(&b.name));
    for v in temps {
        if tokenize(&v.sql).iter().any(|k| same_name(k.text(&v.sql), &t.name)) {
            return Err(Error::sql(format!(
                "ALTER TABLE on a table temporary view {} refers to is not supported yet",
                v.name
            )));
        }
    }
    Ok(())
}

/// DROP COLUMN: the first trigger (in schema order) still referring to
/// column `col` of `t` in an expression fails the ALTER, as SQLite's check
/// of the schema after the change does. Column lists (UPDATE OF, INSERT
/// columns, SET targets) are not checked, and a bare double-quoted name
/// falls back to a string literal there, as in SQLite.
fn triggers_without(rows: &[SchemaRow], t: &Table, col: &str, cat: &Catalog) -> Result<()> {
    for r in rows.iter().filter(|r| r.kind == "trigger") {
        let Some(sql) = r.sql.as_deref() else { continue };
        let tt = trigger_text(sql);
        let (all, names) = trigger_column_edits(sql, &tt, &r.tbl_name, &t.name, col, cat);
        let bad = all.into_iter().filter(|i| names.binary_search(i).is_err()).find(|&i| {
            let qualified = i > 0 && tt.toks[i - 1].kind == Tk::Dot;
            qualified || !tt.toks[i].text(sql).starts_with('"')
        });
        if let Some(i) = bad {
            return Err(Error::sql(format!(
                "error in trigger {} after drop column: no such column: {}",
                r.name,
                reference_text(sql, &tt.toks, i)
            )));
        }
    }
    Ok(())
}

/// SQLite's quote fix before RENAME COLUMN / DROP COLUMN (see
/// `rename/quotes.rs`); `rows` are updated to the stored texts.
fn fix_quotes(txn: &mut Txn, rows: &mut [SchemaRow], cat: &Catalog) -> Result<()> {
    for r in rows.iter_mut() {
        let Some(sql) = r.sql.as_deref() else { continue };
        if let Some(s) = quote_fix(&r.kind, sql, cat) {
            schema_update(txn, r, &r.name, &r.tbl_name, Some(&s))?;
            r.sql = Some(s);
        }
    }
    Ok(())
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
            super::reserved(new)?;
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
    crate::syntax::with_parsed(sql, |stmt| {
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
    crate::syntax::with_parsed(&sql, |stmt| {
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
    let mut rows = read_schema_rows(txn)?;
    if matches!(a, Alter::RenameColumn { .. } | Alter::DropColumn { .. }) {
        fix_quotes(txn, &mut rows, cat)?;
    }
    match a {
        Alter::RenameTable { new, quoted, .. } => {
            no_temp_dependents(&t, cat)?;
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
                    "trigger" => {
                        let tt = trigger_text(sql);
                        let mut which = trigger_table_edits(sql, &tt, &t.name);
                        let on = r.tbl_name.eq_ignore_ascii_case(&t.name);
                        if !which.is_empty() || on {
                            let s = replace_tokens(sql, &tt.toks, &mut which, new, *quoted);
                            let tbl = if on { new.as_str() } else { &*r.tbl_name };
                            schema_update(txn, r, &r.name, tbl, Some(&s))?;
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
            no_temp_dependents(&t, cat)?;
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
                    "trigger" => {
                        let tt = trigger_text(sql);
                        let (mut which, _) = trigger_column_edits(sql, &tt, &r.tbl_name, &t.name, &cname, cat);
                        if !which.is_empty() {
                            let s = replace_tokens(sql, &tt.toks, &mut which, new, *quoted);
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
            no_temp_dependents(&t, cat)?;
            let ci = t.col_index(col).ok_or_else(|| Error::sql(format!("no such column: \"{col}\"")))?;
            let sql = t.sql.as_deref().unwrap_or("");
            let tt = table_text(sql)?;
            let cols: Vec<usize> = (0..tt.items.len()).filter(|&k| tt.is_col[k]).collect();
            if cols.len() != t.cols.len() {
                return Err(Error::internal("column definitions not found in the stored CREATE TABLE"));
            }
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
            triggers_without(&rows, &t, &t.cols[ci].name, cat)?;
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
