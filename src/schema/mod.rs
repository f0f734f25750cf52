//! The catalog: tables and indexes, stored in the schema table
//! (`sqlite_schema`, root page in `Header.schema_root`) with SQLite's
//! columns `(type, name, tbl_name, rootpage, sql)`.
//!
//! The in-memory [`Catalog`] is rebuilt from the schema table by parsing each
//! stored `sql` text again; a connection keeps it while `Header.schema_cookie`
//! stays the value it was loaded under.

pub mod define;
pub mod quota;
pub mod trigger;
pub mod view;

pub use define::{build_index, build_table, AutoIndex};
pub use trigger::Trigger;
pub use view::View;

use crate::error::{Error, Result};
use crate::sql::expr::CExpr;
use crate::sql::types::Affinity;
use crate::storage::record::decode_record;
use crate::storage::{BTreeKind, Collation, Cursor, KeyInfo, PageNo, Txn, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Conflict resolution algorithms (ON CONFLICT / INSERT OR ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    Rollback,
    Abort,
    Fail,
    Ignore,
    Replace,
}

/// The conflict mode of an `OR ...` / `ON CONFLICT ...` clause.
pub fn conflict_of(r: Option<sqlite3_parser::ast::ResolveType>) -> Option<Conflict> {
    use sqlite3_parser::ast::ResolveType;
    r.map(|r| match r {
        ResolveType::Rollback => Conflict::Rollback,
        ResolveType::Abort => Conflict::Abort,
        ResolveType::Fail => Conflict::Fail,
        ResolveType::Ignore => Conflict::Ignore,
        ResolveType::Replace => Conflict::Replace,
    })
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    /// Declared type exactly as written, None when absent.
    pub decltype: Option<String>,
    pub affinity: Affinity,
    pub notnull: Option<Conflict>,
    /// DEFAULT expression (compiled without table scope) and its text.
    pub default: Option<CExpr>,
    pub default_text: Option<String>,
    pub coll: Collation,
    /// 1-based position in the PRIMARY KEY, 0 when not part of it.
    pub pk: usize,
    /// A view's or subquery's column computed by an expression without
    /// affinity: compared as having none (`affinity` is then Blob).
    pub no_affinity: bool,
}

#[derive(Clone, Debug)]
pub struct Check {
    /// Constraint name, else the expression text (used in the error message).
    pub label: String,
    /// Compiled with the table's row in slot 0.
    pub expr: CExpr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexOrigin {
    /// CREATE INDEX
    Create,
    /// UNIQUE constraint
    Unique,
    /// PRIMARY KEY constraint
    PrimaryKey,
}

#[derive(Debug)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub root: PageNo,
    /// Indexed table columns, in key order.
    pub cols: Vec<usize>,
    pub unique: bool,
    pub origin: IndexOrigin,
    /// Collation and direction per key column (rowid last, binary asc).
    pub ki: KeyInfo,
    pub sql: Option<String>,
    pub conflict: Option<Conflict>,
}

#[derive(Debug)]
pub struct Table {
    pub name: String,
    pub root: PageNo,
    pub cols: Vec<Column>,
    /// The INTEGER PRIMARY KEY column aliasing the rowid.
    pub ipk: Option<usize>,
    pub ipk_conflict: Option<Conflict>,
    /// INTEGER PRIMARY KEY AUTOINCREMENT: new rowids come from `sqlite_sequence`.
    pub autoinc: bool,
    /// Indexes in creation order.
    pub indexes: Vec<Arc<Index>>,
    pub checks: Vec<Check>,
    pub sql: Option<String>,
    /// The schema table itself (read-only to SQL).
    pub is_schema: bool,
    /// Rowid of this table's row in the schema table, where its row count
    /// and row limit are stored (see `quota`); 0 = none (the schema table
    /// itself, a subquery).
    pub schema_rowid: i64,
}

impl Table {
    pub fn col_index(&self, name: &str) -> Option<usize> {
        self.cols.iter().position(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// All tables and indexes of one database as of one schema cookie.
#[derive(Debug)]
pub struct Catalog {
    pub tables: HashMap<String, Arc<Table>>,
    pub indexes: HashMap<String, Arc<Index>>,
    pub cookie: u32,
    pub schema: Arc<Table>,
    /// Views of the main database, by lower-case name.
    pub views: HashMap<String, Arc<View>>,
    /// The connection's temporary views (searched before the main database)
    /// as of `temp_version`, and the store they came from.
    pub temp_views: HashMap<String, Arc<View>>,
    pub temp_version: u64,
    pub temp_store: view::TempStore,
    /// Triggers of the main database, by lower-case name.
    pub triggers: HashMap<String, Arc<Trigger>>,
}

/// The definition of the schema table.
pub const SCHEMA_SQL: &str =
    "CREATE TABLE sqlite_schema(type text, name text, tbl_name text, rootpage integer, sql text)";

/// The schema table, rooted at `root`.
fn schema_table(root: PageNo) -> Result<Table> {
    let (mut schema, _) = build_table(SCHEMA_SQL, root)?;
    schema.name = "sqlite_schema".into();
    schema.is_schema = true;
    Ok(schema)
}

/// One row of the schema table.
#[derive(Clone, Debug)]
pub struct SchemaRow {
    pub rowid: i64,
    pub kind: String,
    pub name: String,
    pub tbl_name: String,
    pub rootpage: PageNo,
    pub sql: Option<String>,
    /// Fields past the five columns (a table's row count and row limit,
    /// see `quota`): kept as they are when the row is rewritten.
    pub extra: Vec<Value>,
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s.clone()),
        _ => None,
    }
}

/// Reads every row of the schema table.
pub fn read_schema_rows(txn: &Txn) -> Result<Vec<SchemaRow>> {
    let root = txn.header().schema_root;
    let mut rows = Vec::new();
    if root == 0 {
        return Ok(rows);
    }
    let mut cur = Cursor::new(root, BTreeKind::Table);
    let mut buf = Vec::new();
    let mut vals = Vec::new();
    let mut ok = cur.first(txn)?;
    while ok {
        cur.record(txn, &mut buf)?;
        decode_record(&buf, &mut vals)?;
        if vals.len() < 5 {
            return Err(Error::corrupt("short schema row"));
        }
        let rootpage = match vals[3] {
            Value::Integer(i) if (0..=u32::MAX as i64).contains(&i) => i as PageNo,
            Value::Null => 0,
            _ => return Err(Error::corrupt("bad rootpage in schema")),
        };
        rows.push(SchemaRow {
            rowid: cur.rowid(txn)?,
            kind: text_of(&vals[0]).unwrap_or_default(),
            name: text_of(&vals[1]).unwrap_or_default(),
            tbl_name: text_of(&vals[2]).unwrap_or_default(),
            rootpage,
            sql: text_of(&vals[4]),
            extra: vals.split_off(5),
        });
        ok = cur.next(txn)?;
    }
    Ok(rows)
}

fn malformed(name: &str, e: &Error) -> Error {
    Error::corrupt(format!("malformed database schema ({name}) - {}", e.message))
}

impl Catalog {
    /// Loads the catalog as seen by `txn`.
    pub fn load(txn: &Txn) -> Result<Catalog> {
        let header = txn.header();
        let cookie = header.schema_cookie;
        let schema = schema_table(header.schema_root)?;
        let rows = read_schema_rows(txn)?;
        let mut tables: HashMap<String, Table> = HashMap::new();
        let mut autos: HashMap<String, AutoIndex> = HashMap::new();
        for r in rows.iter().filter(|r| r.kind == "table") {
            let sql = r.sql.as_deref().unwrap_or("");
            let (mut t, auto) = build_table(sql, r.rootpage).map_err(|e| malformed(&r.name, &e))?;
            t.schema_rowid = r.rowid;
            for a in auto {
                autos.insert(a.name.to_ascii_lowercase(), a);
            }
            tables.insert(t.name.to_ascii_lowercase(), t);
        }
        let mut indexes: HashMap<String, Arc<Index>> = HashMap::new();
        for r in rows.iter().filter(|r| r.kind == "index") {
            let tkey = r.tbl_name.to_ascii_lowercase();
            let Some(t) = tables.get_mut(&tkey) else {
                continue;
            };
            let idx = match &r.sql {
                Some(sql) => build_index(sql, t, r.rootpage).map_err(|e| malformed(&r.name, &e))?,
                None => match autos.remove(&r.name.to_ascii_lowercase()) {
                    Some(a) => a.into_index(t, r.rootpage),
                    None => return Err(Error::corrupt(format!("orphan index {}", r.name))),
                },
            };
            let idx = Arc::new(idx);
            t.indexes.push(idx.clone());
            indexes.insert(idx.name.to_ascii_lowercase(), idx);
        }
        let mut views = HashMap::new();
        for r in rows.iter().filter(|r| r.kind == "view") {
            let v = View::from_sql(r.sql.as_deref().unwrap_or(""), false).map_err(|e| malformed(&r.name, &e))?;
            views.insert(v.name.to_ascii_lowercase(), Arc::new(v));
        }
        let mut triggers = HashMap::new();
        for r in rows.iter().filter(|r| r.kind == "trigger") {
            let t = Trigger::from_sql(r.sql.as_deref().unwrap_or(""), r.rowid).map_err(|e| malformed(&r.name, &e))?;
            triggers.insert(t.name.to_ascii_lowercase(), Arc::new(t));
        }
        let tables = tables.into_iter().map(|(k, v)| (k, Arc::new(v))).collect();
        Ok(Catalog {
            tables,
            indexes,
            cookie,
            schema: Arc::new(schema),
            views,
            temp_views: HashMap::new(),
            temp_version: 0,
            temp_store: Default::default(),
            triggers,
        })
    }

    /// A catalog of no table (for statements that need none, see
    /// `sql::prepare::schema_free`).
    pub fn empty() -> Result<Catalog> {
        let schema = schema_table(1)?;
        Ok(Catalog {
            tables: HashMap::new(),
            indexes: HashMap::new(),
            cookie: 0,
            schema: Arc::new(schema),
            views: HashMap::new(),
            temp_views: HashMap::new(),
            temp_version: 0,
            temp_store: Default::default(),
            triggers: HashMap::new(),
        })
    }

    /// Takes the connection's temporary views into this catalog.
    pub fn with_temp(mut self, store: &view::TempStore) -> Catalog {
        let t = store.lock();
        self.temp_views = t.views.clone();
        self.temp_version = t.version;
        drop(t);
        self.temp_store = store.clone();
        self
    }

    /// Looks a view up: the connection's temporary views first, then the
    /// main database's.
    pub fn view(&self, name: &str) -> Option<&Arc<View>> {
        let lower = name.to_ascii_lowercase();
        self.temp_views.get(&lower).or_else(|| self.views.get(&lower))
    }

    /// Looks a table up by name (case-insensitive); `sqlite_master` and
    /// `sqlite_schema` name the schema table.
    pub fn table(&self, name: &str) -> Option<&Arc<Table>> {
        let lower = name.to_ascii_lowercase();
        if lower == "sqlite_master" || lower == "sqlite_schema" {
            return Some(&self.schema);
        }
        self.tables.get(&lower)
    }

    /// The triggers on table or view `table` firing on `op` at `time`, in
    /// firing order (the most recently created first).
    pub fn triggers_on(&self, table: &str, op: trigger::TriggerOp, time: trigger::TriggerTime) -> Vec<Arc<Trigger>> {
        let mut v: Vec<Arc<Trigger>> = self
            .triggers
            .values()
            .filter(|t| t.op == op && t.time == time && t.table.eq_ignore_ascii_case(table))
            .cloned()
            .collect();
        v.sort_by_key(|t| std::cmp::Reverse(t.seq));
        v
    }

    pub fn index(&self, name: &str) -> Option<&Arc<Index>> {
        self.indexes.get(&name.to_ascii_lowercase())
    }
}

/// Token index of the object's name in a `CREATE ... <kw> [IF NOT EXISTS]
/// [schema.]name` statement: what SQLite's stored text starts from (it
/// drops the schema qualifier, as it stores the object in that schema).
pub(crate) fn created_name_token(src: &str, toks: &[crate::syntax::lexer::Tok], kw: &str) -> usize {
    let mut k = 0;
    while k < toks.len() && !toks[k].is_kw(src, kw) {
        k += 1;
    }
    k += 1;
    if k + 2 < toks.len() && toks[k].is_kw(src, "if") {
        k += 3;
    }
    if k + 2 < toks.len() && toks[k + 1].kind == crate::syntax::lexer::Tk::Dot {
        k += 2;
    }
    k
}
