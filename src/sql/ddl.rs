//! CREATE / DROP TABLE and INDEX, ALTER TABLE (`alter.rs`) and REINDEX:
//! checks against the catalog (at prepare time and again when run), B-tree
//! allocation, index population, and the rows of the schema table. Every
//! schema change bumps the schema cookie.

mod alter;
mod fill;
mod rename;

pub use alter::Alter;

use crate::error::{Error, Result};
use crate::schema::define::{stored_index_sql, stored_table_sql};
use crate::schema::{build_index, build_table, read_schema_rows, Catalog, IndexOrigin};
use crate::sql::exec::spill::WorkMem;
use crate::storage::btree;
use crate::storage::record::encode_record;
use crate::storage::{BTreeKind, Cursor, PageNo, Txn, Value};
use crate::syntax::name_str;

#[derive(Debug, Clone)]
pub enum Ddl {
    CreateTable {
        name: String,
        if_not_exists: bool,
        sql: String,
    },
    CreateIndex {
        name: String,
        table: String,
        if_not_exists: bool,
        unique: bool,
        sql: String,
    },
    DropTable {
        name: String,
        if_exists: bool,
    },
    DropIndex {
        name: String,
        if_exists: bool,
    },
    Alter(Alter),
    /// REINDEX [name]: a collation, table or index name (None = all).
    Reindex(Option<String>),
    /// CREATE VIEW / DROP VIEW (see `sql::view`).
    View(crate::sql::view::ViewDdl),
    /// CREATE TRIGGER / DROP TRIGGER (see `sql::trigger`).
    Trigger(crate::sql::trigger::TriggerDdl),
}

/// The CREATE TABLE text SQLite generates for CREATE TABLE ... AS SELECT:
/// the type of each column named after its affinity; one line per column
/// when the text would be long.
fn as_select_sql(name: &str, plan: &crate::sql::select::SelectPlan) -> String {
    use crate::sql::types::Affinity;
    let quote = |s: &str| -> String {
        let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if plain {
            s.to_string()
        } else {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
    };
    let cols: Vec<String> = plan
        .names
        .iter()
        .zip(plan.affinities.iter())
        .map(|(n, a)| {
            let ty = match a {
                Some(Affinity::Integer) => " INT",
                Some(Affinity::Text) => " TEXT",
                Some(Affinity::Real) => " REAL",
                Some(Affinity::Numeric) => " NUM",
                _ => "",
            };
            format!("{}{}", quote(n), ty)
        })
        .collect();
    // SQLite's measure: each name's length plus 2 (and 1 per '"' in it),
    // plus 5 per column; under 50 the text stays on one line.
    let ident = |s: &str| s.chars().count() + 2 + s.matches('"').count();
    let n: usize = plan.names.iter().map(|c| ident(c) + 5).sum::<usize>() + ident(name);
    if n < 50 {
        format!("CREATE TABLE {}({})", quote(name), cols.join(","))
    } else {
        format!("CREATE TABLE {}(\n  {}\n)", quote(name), cols.join(",\n  "))
    }
}

fn check_db(qn: &sqlite3_parser::ast::QualifiedName) -> Result<()> {
    if let Some(db) = &qn.db_name {
        let db = name_str(db);
        if !db.eq_ignore_ascii_case("main") {
            return Err(Error::sql(format!("unknown database {db}")));
        }
    }
    Ok(())
}

/// Names starting with `sqlite_` belong to SQLite's own objects.
pub(crate) fn reserved(name: &str) -> Result<()> {
    if name.len() >= 7 && name[..7].eq_ignore_ascii_case("sqlite_") {
        return Err(Error::sql(format!("object name reserved for internal use: {name}")));
    }
    Ok(())
}

/// Builds the DDL action for a parsed statement (`src` = its text).
pub fn compile_ddl(
    stmt: &sqlite3_parser::ast::Stmt,
    src: &str,
    cat: &Catalog,
    as_select: Option<&crate::sql::select::SelectPlan>,
) -> Result<Ddl> {
    use sqlite3_parser::ast::{CreateTableBody, Stmt};
    let ddl = match stmt {
        Stmt::CreateTable { temporary, if_not_exists, tbl_name, body } => {
            check_db(tbl_name)?;
            if *temporary {
                return Err(Error::sql("temporary tables are not supported yet"));
            }
            let name = name_str(&tbl_name.name);
            reserved(&name)?;
            let sql = match (body, as_select) {
                (CreateTableBody::AsSelect(_), Some(plan)) => as_select_sql(&name, plan),
                (CreateTableBody::AsSelect(_), None) => return Err(Error::internal("AS SELECT without a plan")),
                _ => stored_table_sql(src),
            };
            // Validate the definition now (errors belong to prepare).
            build_table(&sql, 0)?;
            Ddl::CreateTable { name, if_not_exists: *if_not_exists, sql }
        }
        Stmt::CreateIndex { unique, if_not_exists, idx_name, tbl_name, .. } => {
            check_db(idx_name)?;
            let name = name_str(&idx_name.name);
            let table = name_str(tbl_name);
            reserved(&name)?;
            Ddl::CreateIndex {
                name,
                table,
                if_not_exists: *if_not_exists,
                unique: *unique,
                sql: stored_index_sql(src, *unique),
            }
        }
        Stmt::DropTable { if_exists, tbl_name } => {
            check_db(tbl_name)?;
            Ddl::DropTable { name: name_str(&tbl_name.name), if_exists: *if_exists }
        }
        Stmt::DropIndex { if_exists, idx_name } => {
            check_db(idx_name)?;
            Ddl::DropIndex { name: name_str(&idx_name.name), if_exists: *if_exists }
        }
        Stmt::AlterTable(qn, body) => Ddl::Alter(alter::compile_alter(qn, body, src)?),
        Stmt::Reindex { obj_name } => match obj_name {
            None => Ddl::Reindex(None),
            Some(qn) => {
                check_db(qn)?;
                let n = name_str(&qn.name);
                if qn.db_name.is_some() && crate::syntax::collation_by_name(&n).is_ok() {
                    // A qualified name never names a collation.
                    if cat.table(&n).is_none() && cat.index(&n).is_none() {
                        return Err(Error::sql("unable to identify the object to be reindexed"));
                    }
                }
                Ddl::Reindex(Some(n))
            }
        },
        _ => return Err(Error::sql("not a schema statement")),
    };
    check(&ddl, cat)?;
    Ok(ddl)
}

/// Result column names a schema statement reports (it returns no rows).
pub fn result_names(ddl: &Ddl) -> Vec<String> {
    match ddl {
        Ddl::Alter(a) => alter::add_column_names(a),
        _ => Vec::new(),
    }
}

/// Checks a DDL action against the catalog; Ok(false) = nothing to do.
pub fn check(ddl: &Ddl, cat: &Catalog) -> Result<bool> {
    match ddl {
        Ddl::View(v) => return crate::sql::view::check(v, cat),
        Ddl::Trigger(t) => return crate::sql::trigger::check(t, cat),
        Ddl::CreateTable { name, if_not_exists, .. } => {
            if let Some(v) = cat.views.get(&name.to_ascii_lowercase()) {
                if *if_not_exists {
                    return Ok(false);
                }
                return Err(Error::sql(format!("view {} already exists", v.name)));
            }
            if cat.table(name).is_some() {
                if *if_not_exists {
                    return Ok(false);
                }
                return Err(Error::sql(format!("table {name} already exists")));
            }
            if cat.index(name).is_some() {
                return Err(Error::sql(format!("there is already an index named {name}")));
            }
        }
        Ddl::CreateIndex { name, table, if_not_exists, .. } => {
            if cat.index(name).is_some() {
                if *if_not_exists {
                    return Ok(false);
                }
                return Err(Error::sql(format!("index {name} already exists")));
            }
            if cat.table(name).is_some() {
                return Err(Error::sql(format!("there is already a table named {name}")));
            }
            match cat.table(table) {
                None if cat.view(table).is_some() => return Err(Error::sql("views may not be indexed")),
                None => return Err(Error::sql(format!("no such table: main.{table}"))),
                Some(t) if t.is_schema || t.name.eq_ignore_ascii_case(SEQUENCE) => {
                    return Err(Error::sql(format!("table {} may not be indexed", t.name)))
                }
                Some(t) => {
                    build_index(&ddl_sql(ddl), t, 0)?;
                }
            }
        }
        Ddl::DropTable { name, if_exists } => match cat.table(name) {
            None if cat.view(name).is_some() => {
                return Err(Error::sql(format!("use DROP VIEW to delete view {}", cat.view(name).expect("view").name)))
            }
            None if *if_exists => return Ok(false),
            None => return Err(Error::sql(format!("no such table: {name}"))),
            Some(t) if t.is_schema || t.name.eq_ignore_ascii_case(SEQUENCE) => {
                return Err(Error::sql(format!("table {} may not be dropped", t.name)))
            }
            _ => {}
        },
        Ddl::Alter(a) => alter::check_alter(a, cat)?,
        Ddl::Reindex(None) => {}
        Ddl::Reindex(Some(n)) => {
            let known = cat.table(n).is_some() || cat.index(n).is_some() || cat.view(n).is_some();
            if crate::syntax::collation_by_name(n).is_err() && !known {
                return Err(Error::sql("unable to identify the object to be reindexed"));
            }
        }
        Ddl::DropIndex { name, if_exists } => match cat.index(name) {
            None if *if_exists => return Ok(false),
            None => return Err(Error::sql(format!("no such index: {name}"))),
            Some(i) if i.origin != IndexOrigin::Create => {
                return Err(Error::sql("index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped"))
            }
            _ => {}
        },
    }
    Ok(true)
}

fn ddl_sql(ddl: &Ddl) -> String {
    match ddl {
        Ddl::CreateTable { sql, .. } | Ddl::CreateIndex { sql, .. } => sql.clone(),
        _ => String::new(),
    }
}

fn schema_root(txn: &mut Txn) -> Result<PageNo> {
    let root = txn.header().schema_root;
    if root != 0 {
        return Ok(root);
    }
    let root = btree::create_btree(txn, BTreeKind::Table)?;
    txn.header_mut()?.schema_root = root;
    Ok(root)
}

pub(crate) fn insert_schema_row(
    txn: &mut Txn,
    kind: &str,
    name: &str,
    tbl: &str,
    root: PageNo,
    sql: Option<&str>,
) -> Result<()> {
    insert_schema_row_with(txn, kind, name, tbl, root, sql, &[])
}

/// [`insert_schema_row`] with `extra` fields after the five columns (a
/// table's row count and row limit, see `schema::quota`).
fn insert_schema_row_with(
    txn: &mut Txn,
    kind: &str,
    name: &str,
    tbl: &str,
    root: PageNo,
    sql: Option<&str>,
    extra: &[Value],
) -> Result<()> {
    let sroot = schema_root(txn)?;
    let rowid = btree::table_max_rowid(txn, sroot)?.map_or(1, |m| m + 1);
    let mut vals = vec![
        Value::Text(kind.into()),
        Value::Text(name.into()),
        Value::Text(tbl.into()),
        Value::Integer(root as i64),
        sql.map_or(Value::Null, |s| Value::Text(s.into())),
    ];
    vals.extend_from_slice(extra);
    let mut rec = Vec::new();
    encode_record(&vals, &mut rec);
    btree::table_insert(txn, sroot, rowid, &rec)
}

fn bump_cookie(txn: &mut Txn) -> Result<()> {
    let h = txn.header_mut()?;
    h.schema_cookie = h.schema_cookie.wrapping_add(1);
    Ok(())
}

/// Performs the DDL action inside the (write) transaction; what an index
/// build holds is charged to the connection's working memory `work`.
pub fn run_ddl(ddl: &Ddl, txn: &mut Txn, cat: &Catalog, work: &WorkMem) -> Result<()> {
    if !check(ddl, cat)? {
        return Ok(());
    }
    match ddl {
        Ddl::View(v) => {
            if !crate::sql::view::run(v, txn, cat)? {
                return Ok(());
            }
        }
        Ddl::Trigger(t) => {
            if !crate::sql::trigger::run(t, txn, cat)? {
                return Ok(());
            }
        }
        Ddl::CreateTable { name, sql, .. } => {
            let (t, autos) = build_table(sql, 0)?;
            schema_root(txn)?;
            let root = btree::create_btree(txn, BTreeKind::Table)?;
            // A new table starts with a known row count of 0.
            let counts = crate::schema::quota::new_table_fields();
            insert_schema_row_with(txn, "table", name, name, root, Some(sql), &counts)?;
            for a in autos {
                let r = btree::create_btree(txn, BTreeKind::Index)?;
                insert_schema_row(txn, "index", &a.name, name, r, None)?;
            }
            // The first AUTOINCREMENT table brings sqlite_sequence with it.
            if t.autoinc && cat.table(SEQUENCE).is_none() {
                let r = btree::create_btree(txn, BTreeKind::Table)?;
                insert_schema_row(txn, "table", SEQUENCE, SEQUENCE, r, Some(SEQUENCE_SQL))?;
            }
        }
        Ddl::CreateIndex { name, table, sql, .. } => {
            let t = cat.table(table).ok_or_else(|| Error::sql(format!("no such table: main.{table}")))?;
            let idx = build_index(sql, t, 0)?;
            let root = btree::create_btree(txn, BTreeKind::Index)?;
            fill::fill_index(txn, work, t, &idx, root)?;
            insert_schema_row(txn, "index", name, &t.name, root, Some(sql))?;
        }
        Ddl::DropTable { name, .. } => {
            let t = cat.table(name).ok_or_else(|| Error::sql(format!("no such table: {name}")))?;
            for idx in &t.indexes {
                btree::drop_btree(txn, idx.root)?;
            }
            btree::drop_btree(txn, t.root)?;
            delete_schema_rows(txn, |r| r.tbl_name.eq_ignore_ascii_case(&t.name))?;
            if t.autoinc {
                if let Some(seq) = cat.table(SEQUENCE) {
                    delete_sequence_row(txn, seq.root, &t.name)?;
                }
            }
        }
        Ddl::Alter(a) => alter::run_alter(a, txn, cat)?,
        Ddl::Reindex(which) => {
            fill::reindex(which.as_deref(), txn, work, cat)?;
            // Rebuilding changes no definition: the schema cookie stays.
            return Ok(());
        }
        Ddl::DropIndex { name, .. } => {
            let i = cat.index(name).ok_or_else(|| Error::sql(format!("no such index: {name}")))?;
            btree::drop_btree(txn, i.root)?;
            delete_schema_rows(txn, |r| r.kind == "index" && r.name.eq_ignore_ascii_case(&i.name))?;
        }
    }
    bump_cookie(txn)
}

/// Name and definition of the table AUTOINCREMENT keeps its counters in.
pub const SEQUENCE: &str = "sqlite_sequence";
const SEQUENCE_SQL: &str = "CREATE TABLE sqlite_sequence(name,seq)";

/// Deletes the sqlite_sequence rows of table `name`.
pub(crate) fn delete_sequence_row(txn: &mut Txn, root: PageNo, name: &str) -> Result<()> {
    let mut doomed = Vec::new();
    let mut cur = Cursor::new(root, BTreeKind::Table);
    let mut rec = Vec::new();
    let mut vals = Vec::new();
    let mut ok = cur.first(txn)?;
    while ok {
        cur.record(txn, &mut rec)?;
        crate::storage::record::decode_record(&rec, &mut vals)?;
        if matches!(vals.first(), Some(Value::Text(n)) if n == name) {
            doomed.push(cur.rowid(txn)?);
        }
        ok = cur.next(txn)?;
    }
    for r in doomed {
        btree::table_delete(txn, root, r)?;
    }
    Ok(())
}

pub(crate) fn delete_schema_rows(txn: &mut Txn, pred: impl Fn(&crate::schema::SchemaRow) -> bool) -> Result<()> {
    let root = txn.header().schema_root;
    let rows = read_schema_rows(txn)?;
    for r in rows.iter().filter(|r| pred(r)) {
        btree::table_delete(txn, root, r.rowid)?;
    }
    Ok(())
}
