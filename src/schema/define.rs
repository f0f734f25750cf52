//! Building [`Table`] and [`Index`] definitions from CREATE TABLE / CREATE
//! INDEX statements (at creation and when the catalog is loaded), including
//! the automatic indexes of PRIMARY KEY and UNIQUE constraints, which SQLite
//! names `sqlite_autoindex_<table>_<N>` in the order the constraints appear.

use super::{Check, Column, Conflict, Index, IndexOrigin, Table};
use crate::error::{Error, Result};
use crate::schema::conflict_of;
use crate::sql::resolve::Compiler;
use crate::sql::types::{affinity_of_decltype, Affinity};
use crate::storage::{Collation, KeyInfo, PageNo};
use crate::syntax::lexer::{matching_paren, tokenize, Tk, Tok};
use crate::syntax::{collation_by_name, name_str, with_parsed};
use sqlite3_parser::ast::{self, ColumnConstraint, CreateTableBody, SortOrder, Stmt, TableConstraint};
use std::sync::Arc;

/// An automatic index a table's constraints call for.
#[derive(Clone, Debug)]
pub struct AutoIndex {
    pub name: String,
    pub cols: Vec<usize>,
    pub colls: Vec<Collation>,
    pub desc: Vec<bool>,
    pub origin: IndexOrigin,
    pub conflict: Option<Conflict>,
}

impl AutoIndex {
    pub fn into_index(self, t: &Table, root: PageNo) -> Index {
        Index {
            name: self.name,
            table: t.name.clone(),
            root,
            cols: self.cols,
            unique: true,
            origin: self.origin,
            ki: KeyInfo { collations: self.colls, desc: self.desc },
            sql: None,
            conflict: self.conflict,
        }
    }
}

/// Source-text spans of one column definition.
#[derive(Default)]
struct ColSpans {
    decltype: Option<(usize, usize)>,
    defaults: Vec<(usize, usize)>,
    checks: Vec<(usize, usize)>,
}

/// Splits the body of a CREATE TABLE into items at depth 1 and extracts the
/// texts SQLite reports verbatim. Returns (column spans, table-constraint
/// check spans, end of the closing parenthesis, start of the table name).
fn table_spans(src: &str, toks: &[Tok]) -> (Vec<ColSpans>, Vec<(usize, usize)>, usize, usize) {
    // Name: after CREATE [TEMP|TEMPORARY] TABLE [IF NOT EXISTS] [schema.].
    let k = super::created_name_token(src, toks, "table");
    let name_start = toks.get(k).map_or(src.len(), |t| t.start);
    let open = match toks.iter().skip(k).position(|t| t.kind == Tk::LParen) {
        Some(p) => p + k,
        None => return (Vec::new(), Vec::new(), src.len(), name_start),
    };
    let close = matching_paren(toks, open);
    let end = toks.get(close).map_or(src.len(), |t| t.end);
    let items = crate::syntax::lexer::paren_items(toks, open, close);
    const CONS: [&str; 11] = [
        "constraint",
        "primary",
        "not",
        "null",
        "unique",
        "check",
        "default",
        "collate",
        "references",
        "generated",
        "as",
    ];
    const TABLE_CONS: [&str; 5] = ["constraint", "primary", "unique", "check", "foreign"];
    let mut cols = Vec::new();
    let mut tchecks = Vec::new();
    for (a, b) in items {
        if a >= b {
            continue;
        }
        let item = &toks[a..b];
        let is_tcons = TABLE_CONS.iter().any(|kw| item[0].is_kw(src, kw));
        let mut cs = ColSpans::default();
        let mut j = 0;
        if !is_tcons {
            j = 1;
            let tstart = j;
            while j < item.len() {
                let t = &item[j];
                if t.kind == Tk::LParen {
                    j = matching_paren(item, j) + 1;
                    continue;
                }
                if t.kind != Tk::Ident && t.kind != Tk::Str || CONS.iter().any(|kw| t.is_kw(src, kw)) {
                    break;
                }
                j += 1;
            }
            if j > tstart {
                cs.decltype = Some((item[tstart].start, item[(j - 1).min(item.len() - 1)].end));
            }
        }
        while j < item.len() {
            let t = &item[j];
            if t.is_kw(src, "default") && j + 1 < item.len() {
                let n = &item[j + 1];
                if n.kind == Tk::LParen {
                    let c = matching_paren(item, j + 1);
                    let s = n.end;
                    let e = item.get(c).map_or(s, |t| t.start);
                    cs.defaults.push((s, e));
                    j = c + 1;
                    continue;
                }
                if n.kind == Tk::Op && j + 2 < item.len() {
                    cs.defaults.push((n.start, item[j + 2].end));
                    j += 3;
                    continue;
                }
                cs.defaults.push((n.start, n.end));
                j += 2;
                continue;
            }
            if t.is_kw(src, "check") && j + 1 < item.len() && item[j + 1].kind == Tk::LParen {
                let c = matching_paren(item, j + 1);
                let s = item[j + 1].end;
                let e = item.get(c).map_or(s, |t| t.start);
                if is_tcons {
                    tchecks.push((s, e));
                } else {
                    cs.checks.push((s, e));
                }
                j = c + 1;
                continue;
            }
            j += 1;
        }
        if !is_tcons {
            cols.push(cs);
        }
    }
    (cols, tchecks, end, name_start)
}

fn trim_span(src: &str, (a, b): (usize, usize)) -> String {
    src[a..b].trim().to_string()
}

/// The label of an unnamed CHECK constraint: its expression text, except
/// that text starting with a quote character is dequoted as SQLite does it,
/// which keeps only the first quoted part (`"a" > 0` is labelled `a`).
fn check_label(text: &str) -> String {
    let close = match text.as_bytes().first() {
        Some(b'"') => '"',
        Some(b'\'') => '\'',
        Some(b'`') => '`',
        Some(b'[') => ']',
        _ => return text.to_string(),
    };
    let mut out = String::new();
    let mut it = text[1..].chars().peekable();
    while let Some(c) = it.next() {
        if c == close {
            if close != ']' && it.peek() == Some(&close) {
                out.push(c);
                it.next();
                continue;
            }
            break;
        }
        out.push(c);
    }
    out
}

/// Builds a table from its CREATE TABLE text (`sql` as stored in the schema
/// table or as typed). Returns the table and the automatic indexes its
/// constraints require (roots still to be assigned).
pub fn build_table(sql: &str, root: PageNo) -> Result<(Table, Vec<AutoIndex>)> {
    with_parsed(sql, |stmt| {
        let Stmt::CreateTable { tbl_name, body, .. } = stmt else {
            return Err(Error::sql("expected CREATE TABLE"));
        };
        let name = name_str(&tbl_name.name);
        let CreateTableBody::ColumnsAndConstraints { columns, constraints, flags } = body else {
            return Err(Error::sql("CREATE TABLE ... AS SELECT is stored expanded"));
        };
        if flags.contains(ast::TabFlags::WithoutRowid) {
            return Err(Error::sql("WITHOUT ROWID tables are not supported yet"));
        }
        if flags.contains(ast::TabFlags::Strict) {
            return Err(Error::sql("STRICT tables are not supported yet"));
        }
        let toks = tokenize(sql);
        let (spans, tcheck_spans, _, _) = table_spans(sql, &toks);
        build_from_ast(&name, root, columns, constraints.unwrap_or(&[]), sql, &spans, &tcheck_spans)
    })
}

/// The text SQLite stores for a CREATE TABLE: "CREATE TABLE " + the text
/// from the table name to the end of the statement (table options such as
/// WITHOUT ROWID or STRICT included, the terminating `;` not).
pub fn stored_table_sql(src: &str) -> String {
    let toks = tokenize(src);
    let (_, _, close_end, name_start) = table_spans(src, &toks);
    let end = toks
        .iter()
        .skip_while(|t| t.start < close_end)
        .take_while(|t| t.kind != Tk::Semi)
        .last()
        .map_or(close_end, |t| t.end);
    format!("CREATE TABLE {}", &src[name_start.min(end)..end])
}

/// The text SQLite stores for a CREATE INDEX: "CREATE [UNIQUE ]INDEX " + the
/// text from the index name up to the terminating `;` (or end of input).
pub fn stored_index_sql(src: &str, unique: bool) -> String {
    let toks = tokenize(src);
    let k = super::created_name_token(src, &toks, "index");
    let start = toks.get(k).map_or(src.len(), |t| t.start);
    let end = toks.iter().rposition(|t| t.kind == Tk::Semi).map_or(src.len(), |p| toks[p].start);
    let end = end.max(start);
    format!("CREATE {}INDEX {}", if unique { "UNIQUE " } else { "" }, &src[start..end])
}

fn sorted_cols(
    t: &Table,
    cols: &[ast::SortedColumn],
    in_index: bool,
) -> Result<(Vec<usize>, Vec<Collation>, Vec<bool>)> {
    let mut idx = Vec::new();
    let mut colls = Vec::new();
    let mut desc = Vec::new();
    for sc in cols {
        let (e, coll) = match &sc.expr {
            ast::Expr::Collate(inner, c) => (&**inner, Some(collation_by_name(c)?)),
            e => (e, None),
        };
        let cname = match e {
            ast::Expr::Id(id) => crate::syntax::lexer::unquote_ident(id.0),
            ast::Expr::Name(n) => name_str(n),
            ast::Expr::Literal(ast::Literal::String(s)) => crate::syntax::lexer::unquote_ident(s),
            _ if in_index => return Err(Error::sql("indexes on expressions are not supported yet")),
            _ => return Err(Error::sql("expressions prohibited in PRIMARY KEY and UNIQUE constraints")),
        };
        let Some(ci) = t.col_index(&cname) else {
            return Err(Error::sql(format!("no such column: {cname}")));
        };
        idx.push(ci);
        colls.push(coll.unwrap_or(t.cols[ci].coll));
        desc.push(sc.order == Some(SortOrder::Desc));
    }
    Ok((idx, colls, desc))
}

fn build_from_ast(
    name: &str,
    root: PageNo,
    columns: &[ast::ColumnDefinition],
    constraints: &[ast::NamedTableConstraint],
    src: &str,
    spans: &[ColSpans],
    tcheck_spans: &[(usize, usize)],
) -> Result<(Table, Vec<AutoIndex>)> {
    let mut cols = Vec::with_capacity(columns.len());
    // (label, ast expr) of every CHECK, compiled once the columns are known.
    let mut checks: Vec<(String, &ast::Expr)> = Vec::new();
    // Pending PK / UNIQUE constraints in order of appearance.
    enum Pend<'a> {
        ColPk(usize, bool, Option<Conflict>),
        ColUnique(usize, Option<Conflict>),
        Table(IndexOrigin, &'a [ast::SortedColumn<'a>], Option<Conflict>),
    }
    let mut pend: Vec<Pend> = Vec::new();
    let mut has_pk = false;
    let mut autoinc = false;
    let mut ipk_conflict = None;
    for (ci, cd) in columns.iter().enumerate() {
        let sp = spans.get(ci);
        let decltype = sp
            .and_then(|s| s.decltype)
            .map(|s| trim_span(src, s))
            .or_else(|| cd.col_type.as_ref().map(|t| t.name.to_string()));
        // SQLite spells the standard type names in upper case.
        let decltype = decltype.map(|d| {
            if ["int", "integer", "real", "text", "blob", "any"].iter().any(|s| d.eq_ignore_ascii_case(s)) {
                d.to_ascii_uppercase()
            } else {
                d
            }
        });
        let affinity = decltype.as_deref().map_or(Affinity::Blob, affinity_of_decltype);
        let mut col = Column {
            name: name_str(&cd.col_name),
            decltype,
            affinity,
            notnull: None,
            default: None,
            default_text: None,
            coll: Collation::Binary,
            pk: 0,
            no_affinity: false,
        };
        let mut ndef = 0;
        let mut nchk = 0;
        for nc in cd.constraints {
            match &nc.constraint {
                ColumnConstraint::PrimaryKey { order, conflict_clause, auto_increment } => {
                    autoinc |= *auto_increment;
                    if has_pk {
                        return Err(Error::sql(format!("table \"{name}\" has more than one primary key")));
                    }
                    has_pk = true;
                    col.pk = 1;
                    pend.push(Pend::ColPk(ci, *order == Some(SortOrder::Desc), conflict_of(*conflict_clause)));
                }
                ColumnConstraint::NotNull { nullable, conflict_clause } => {
                    if !nullable {
                        col.notnull = Some(conflict_of(*conflict_clause).unwrap_or(Conflict::Abort));
                    }
                }
                ColumnConstraint::Unique(cc) => pend.push(Pend::ColUnique(ci, conflict_of(*cc))),
                ColumnConstraint::Check(e) => {
                    let label = match &nc.name {
                        Some(n) => name_str(n),
                        None => sp
                            .and_then(|s| s.checks.get(nchk))
                            .map(|s| check_label(&trim_span(src, *s)))
                            .unwrap_or_default(),
                    };
                    nchk += 1;
                    checks.push((label, e));
                }
                ColumnConstraint::Default(e) => {
                    let text = sp.and_then(|s| s.defaults.get(ndef)).map(|s| trim_span(src, *s));
                    ndef += 1;
                    let mut c = Compiler::standalone();
                    let ce = c.expr(e).map_err(|err| {
                        if err.message.starts_with("no such column") {
                            Error::sql(format!("default value of column [{}] is not constant", col.name))
                        } else {
                            err
                        }
                    })?;
                    col.default = Some(ce.e);
                    col.default_text = text;
                }
                ColumnConstraint::Collate { collation_name } => {
                    col.coll = collation_by_name(&name_str(collation_name))?;
                }
                ColumnConstraint::Generated { .. } => {
                    return Err(Error::sql("generated columns are not supported yet"));
                }
                ColumnConstraint::Defer(_) | ColumnConstraint::ForeignKey { .. } => {}
            }
        }
        cols.push(col);
    }
    let mut table = Table {
        name: name.to_string(),
        root,
        cols,
        ipk: None,
        ipk_conflict: None,
        autoinc: false,
        indexes: Vec::new(),
        checks: Vec::new(),
        sql: Some(src.to_string()),
        is_schema: false,
        schema_rowid: 0,
    };
    let mut tchk = 0;
    for tc in constraints {
        match &tc.constraint {
            TableConstraint::PrimaryKey { columns, conflict_clause, auto_increment } => {
                autoinc |= *auto_increment;
                if has_pk {
                    return Err(Error::sql(format!("table \"{name}\" has more than one primary key")));
                }
                has_pk = true;
                pend.push(Pend::Table(IndexOrigin::PrimaryKey, columns, conflict_of(*conflict_clause)));
            }
            TableConstraint::Unique { columns, conflict_clause } => {
                pend.push(Pend::Table(IndexOrigin::Unique, columns, conflict_of(*conflict_clause)));
            }
            TableConstraint::Check(e, _) => {
                let label = match &tc.name {
                    Some(n) => name_str(n),
                    None => tcheck_spans.get(tchk).map(|s| check_label(&trim_span(src, *s))).unwrap_or_default(),
                };
                tchk += 1;
                checks.push((label, e));
            }
            TableConstraint::ForeignKey { .. } => {}
        }
    }
    // Resolve PK / UNIQUE into the rowid alias or automatic indexes.
    let mut autos: Vec<AutoIndex> = Vec::new();
    let mut n = 0;
    for p in pend {
        let (cols, colls, desc, origin, conflict) = match p {
            Pend::ColPk(ci, desc, cc) => {
                let c = &table.cols[ci];
                if !desc && c.decltype.as_deref().is_some_and(|d| d.eq_ignore_ascii_case("integer")) {
                    table.ipk = Some(ci);
                    ipk_conflict = cc;
                    continue;
                }
                (vec![ci], vec![c.coll], vec![desc], IndexOrigin::PrimaryKey, cc)
            }
            Pend::ColUnique(ci, cc) => (vec![ci], vec![table.cols[ci].coll], vec![false], IndexOrigin::Unique, cc),
            Pend::Table(origin, scs, cc) => {
                let (cols, colls, desc) = sorted_cols(&table, scs, false)?;
                if origin == IndexOrigin::PrimaryKey {
                    for (k, &ci) in cols.iter().enumerate() {
                        table.cols[ci].pk = k + 1;
                    }
                    if cols.len() == 1 {
                        let c = &table.cols[cols[0]];
                        if c.decltype.as_deref().is_some_and(|d| d.eq_ignore_ascii_case("integer")) {
                            table.ipk = Some(cols[0]);
                            ipk_conflict = cc;
                            continue;
                        }
                    }
                }
                (cols, colls, desc, origin, cc)
            }
        };
        // An identical constraint already indexed makes no second index.
        if let Some(prev) = autos.iter_mut().find(|a| a.cols == cols && a.colls == colls) {
            if origin == IndexOrigin::PrimaryKey {
                prev.origin = origin;
            }
            continue;
        }
        n += 1;
        autos.push(AutoIndex { name: format!("sqlite_autoindex_{}_{}", name, n), cols, colls, desc, origin, conflict });
    }
    table.ipk_conflict = ipk_conflict;
    if autoinc {
        if table.ipk.is_none() {
            return Err(Error::sql("AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY"));
        }
        table.autoinc = true;
    }
    // Compile the CHECK constraints against the finished column list.
    let table = if checks.is_empty() {
        table
    } else {
        let arc = Arc::new(table);
        let mut compiled = Vec::new();
        {
            let mut c = Compiler::standalone();
            c.in_check = true;
            c.push_scope_table(arc.clone(), 0, name);
            for (label, e) in checks {
                let ce = c.expr(e)?;
                compiled.push(Check { label, expr: ce.e });
            }
        }
        let mut t = Arc::try_unwrap(arc).map_err(|_| Error::internal("table definition still shared"))?;
        t.checks = compiled;
        t
    };
    Ok((table, autos))
}

/// Builds an index from its CREATE INDEX text against table `t`.
pub fn build_index(sql: &str, t: &Table, root: PageNo) -> Result<Index> {
    with_parsed(sql, |stmt| {
        let Stmt::CreateIndex { unique, idx_name, columns, where_clause, .. } = stmt else {
            return Err(Error::sql("expected CREATE INDEX"));
        };
        if where_clause.is_some() {
            return Err(Error::sql("partial indexes are not supported yet"));
        }
        let (cols, colls, desc) = sorted_cols(t, columns, true)?;
        Ok(Index {
            name: name_str(&idx_name.name),
            table: t.name.clone(),
            root,
            cols,
            unique: *unique,
            origin: IndexOrigin::Create,
            ki: KeyInfo { collations: colls, desc },
            sql: Some(sql.to_string()),
            conflict: None,
        })
    })
}
