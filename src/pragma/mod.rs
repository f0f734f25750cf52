//! The table of PRAGMAs: name, result columns, getter, setter, and whether
//! the setting is persisted in the database header or per connection.
//! An unknown pragma returns no rows and no error (SQLite's behaviour).

use crate::error::{Error, Result};
use crate::schema::{Catalog, IndexOrigin};
use crate::storage::btree;
use crate::storage::record::decode_record;
use crate::storage::{BTreeKind, CheckpointMode, Cursor, JournalMode, Pager, SeekOp, Txn, Value};
use crate::syntax::lexer::unquote_ident;
use crate::syntax::name_str;
use sqlite3_parser::ast::{self, PragmaBody, QualifiedName};
use std::sync::Arc;

mod memory;
mod quota;
use memory::{memory_setting, memory_stats_row};

/// Where a pragma's value lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// In the database header (survives reopen).
    Persisted,
    /// In the connection only.
    Connection,
    /// Reports on the database; nothing to set.
    Report,
}

/// One entry of the pragma table.
pub struct PragmaDef {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub scope: Scope,
    /// Does setting it write the database (needs a write transaction)?
    pub set_writes: bool,
}

/// Every pragma sqlvibe knows.
pub const PRAGMAS: &[PragmaDef] = &[
    PragmaDef { name: "page_size", columns: &["page_size"], scope: Scope::Persisted, set_writes: false },
    PragmaDef { name: "page_count", columns: &["page_count"], scope: Scope::Report, set_writes: false },
    PragmaDef {
        name: "table_info",
        columns: &["cid", "name", "type", "notnull", "dflt_value", "pk"],
        scope: Scope::Report,
        set_writes: false,
    },
    PragmaDef {
        name: "index_list",
        columns: &["seq", "name", "unique", "origin", "partial"],
        scope: Scope::Report,
        set_writes: false,
    },
    PragmaDef { name: "index_info", columns: &["seqno", "cid", "name"], scope: Scope::Report, set_writes: false },
    PragmaDef {
        name: "index_xinfo",
        columns: &["seqno", "cid", "name", "desc", "coll", "key"],
        scope: Scope::Report,
        set_writes: false,
    },
    PragmaDef { name: "integrity_check", columns: &["integrity_check"], scope: Scope::Report, set_writes: false },
    PragmaDef { name: "journal_mode", columns: &["journal_mode"], scope: Scope::Persisted, set_writes: false },
    PragmaDef { name: "user_version", columns: &["user_version"], scope: Scope::Persisted, set_writes: true },
    PragmaDef { name: "schema_version", columns: &["schema_version"], scope: Scope::Persisted, set_writes: true },
    PragmaDef { name: "busy_timeout", columns: &["timeout"], scope: Scope::Connection, set_writes: false },
    PragmaDef { name: "database_list", columns: &["seq", "name", "file"], scope: Scope::Report, set_writes: false },
    PragmaDef {
        name: "table_list",
        columns: &["schema", "name", "type", "ncol", "wr", "strict"],
        scope: Scope::Report,
        set_writes: false,
    },
    PragmaDef { name: "encoding", columns: &["encoding"], scope: Scope::Report, set_writes: false },
    PragmaDef { name: "foreign_keys", columns: &["foreign_keys"], scope: Scope::Connection, set_writes: false },
    PragmaDef {
        name: "recursive_triggers",
        columns: &["recursive_triggers"],
        scope: Scope::Connection,
        set_writes: false,
    },
    PragmaDef { name: "synchronous", columns: &["synchronous"], scope: Scope::Connection, set_writes: false },
    PragmaDef {
        name: "wal_autocheckpoint",
        columns: &["wal_autocheckpoint"],
        scope: Scope::Connection,
        set_writes: false,
    },
    PragmaDef {
        name: "wal_checkpoint",
        columns: &["busy", "log", "checkpointed"],
        scope: Scope::Report,
        set_writes: false,
    },
    PragmaDef {
        name: "journal_size_limit",
        columns: &["journal_size_limit"],
        scope: Scope::Connection,
        set_writes: false,
    },
    PragmaDef { name: "wal_truncate", columns: &["wal_truncate"], scope: Scope::Connection, set_writes: false },
    PragmaDef {
        name: "wal_truncate_threshold",
        columns: &["wal_truncate_threshold"],
        scope: Scope::Connection,
        set_writes: false,
    },
    PragmaDef { name: "wal_pin_limit", columns: &["wal_pin_limit"], scope: Scope::Connection, set_writes: false },
    PragmaDef {
        name: "wal_status",
        columns: &["frames", "bytes", "checkpointed_frames", "readers"],
        scope: Scope::Report,
        set_writes: false,
    },
    PragmaDef { name: "cache_size", columns: &["cache_size"], scope: Scope::Connection, set_writes: false },
    PragmaDef { name: "cache_memory", columns: &["cache_memory"], scope: Scope::Connection, set_writes: false },
    PragmaDef { name: "max_memory", columns: &["max_memory"], scope: Scope::Connection, set_writes: false },
    PragmaDef {
        name: "memory_limit_mode",
        columns: &["memory_limit_mode"],
        scope: Scope::Connection,
        set_writes: false,
    },
    PragmaDef { name: "memory_stats", columns: MEMORY_STATS_COLUMNS, scope: Scope::Report, set_writes: false },
    PragmaDef { name: "max_rows", columns: &["max_rows"], scope: Scope::Persisted, set_writes: true },
    PragmaDef {
        name: "max_rows_status",
        columns: &["table", "rows", "max_rows"],
        scope: Scope::Report,
        set_writes: false,
    },
];

/// `PRAGMA memory_stats`: one row, these columns.
pub const MEMORY_STATS_COLUMNS: &[&str] = &[
    "page_cache_used",
    "page_cache_max",
    "row_store_used",
    "wal_size",
    "total_memory",
    "page_cache_hits",
    "page_cache_misses",
    "evictions",
    "spills",
    "spill_bytes",
    "statement_memory",
    "total_memory_highwater",
];

/// A compiled PRAGMA statement.
#[derive(Debug, Clone)]
pub struct PragmaPlan {
    /// Lower-case name; None for an unknown pragma.
    pub def: Option<usize>,
    /// `= value` (setter) or `(value)` argument.
    pub value: Option<Value>,
    pub is_call: bool,
}

fn arg_value(e: &ast::Expr) -> Value {
    match e {
        ast::Expr::Literal(ast::Literal::Numeric(s)) => match s.parse::<i64>() {
            Ok(i) => Value::Integer(i),
            Err(_) => Value::Text(s.to_string()),
        },
        ast::Expr::Literal(ast::Literal::String(s)) => Value::Text(unquote_ident(s)),
        ast::Expr::Literal(ast::Literal::Keyword(k)) => Value::Text(k.to_string()),
        ast::Expr::Unary(ast::UnaryOperator::Negative, inner) => match arg_value(inner) {
            Value::Integer(i) => Value::Integer(-i),
            v => v,
        },
        ast::Expr::Unary(ast::UnaryOperator::Positive, inner) => arg_value(inner),
        ast::Expr::Id(id) => Value::Text(unquote_ident(id.0)),
        ast::Expr::Name(n) => Value::Text(name_str(n)),
        _ => Value::Null,
    }
}

pub fn compile(name: &QualifiedName, body: Option<&PragmaBody>) -> Result<PragmaPlan> {
    if let Some(db) = &name.db_name {
        let db = name_str(db);
        if !db.eq_ignore_ascii_case("main") {
            return Err(Error::sql(format!("unknown database {db}")));
        }
    }
    let n = name_str(&name.name).to_ascii_lowercase();
    let def = PRAGMAS.iter().position(|p| p.name == n);
    let (value, is_call) = match body {
        None => (None, false),
        Some(PragmaBody::Equals(e)) => (Some(arg_value(e)), false),
        Some(PragmaBody::Call(e)) => (Some(arg_value(e)), true),
    };
    Ok(PragmaPlan { def, value, is_call })
}

impl PragmaPlan {
    pub fn columns(&self) -> &'static [&'static str] {
        match self.def {
            Some(d) => {
                let def = &PRAGMAS[d];
                // Setters of these return nothing.
                if self.value.is_some()
                    && !self.is_call
                    && matches!(
                        def.name,
                        "page_size"
                            | "user_version"
                            | "schema_version"
                            | "foreign_keys"
                            | "recursive_triggers"
                            | "cache_size"
                    )
                {
                    return &[];
                }
                def.columns
            }
            None => &[],
        }
    }
    pub fn writes(&self) -> bool {
        self.def.is_some_and(|d| PRAGMAS[d].set_writes) && self.value.is_some()
    }
}

/// The `table_info` rows of view `name` (None of them for another name).
pub type ViewInfo = dyn Fn(&Catalog, &str) -> Result<Vec<Vec<Value>>>;

/// What a pragma may read and change.
pub struct PragmaCtx<'a> {
    pub txn: &'a mut Txn,
    pub catalog: &'a Catalog,
    pub pager: &'a Arc<Pager>,
    pub busy_timeout: &'a mut u32,
    /// The connection's `synchronous` level.
    pub synchronous: &'a mut crate::storage::Synchronous,
    pub path: &'a str,
    /// The connection is read-only: settings that would change the
    /// database (page_size) are ignored, as SQLite does.
    pub read_only: bool,
    /// Inside BEGIN ... COMMIT (`journal_mode` cannot cross WAL there).
    pub explicit: bool,
    /// What the connection's running statements hold (`memory_stats`).
    pub work: &'a crate::memory::WorkMem,
    /// `table_info` rows of a view: its columns come from compiling its
    /// SELECT, which the SQL layer above does.
    pub view_info: &'a ViewInfo,
}

fn int_arg(v: &Option<Value>) -> Option<i64> {
    match v {
        Some(Value::Integer(i)) => Some(*i),
        Some(Value::Text(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

/// SQLite's boolean PRAGMA values: ON/YES/TRUE or a non-zero number.
fn bool_arg(v: &Value) -> bool {
    match v {
        Value::Integer(i) => *i != 0,
        Value::Text(t) => {
            let t = t.to_ascii_lowercase();
            matches!(t.as_str(), "on" | "yes" | "true") || t.parse::<i64>().is_ok_and(|i| i != 0)
        }
        _ => false,
    }
}

fn text_arg(v: &Option<Value>) -> Option<String> {
    match v {
        Some(Value::Text(s)) => Some(s.clone()),
        Some(Value::Integer(i)) => Some(i.to_string()),
        _ => None,
    }
}

/// Runs the pragma and returns its rows.
pub fn run(p: &PragmaPlan, cx: &mut PragmaCtx) -> Result<Vec<Vec<Value>>> {
    let Some(d) = p.def else {
        return Ok(Vec::new());
    };
    let int = |i: i64| vec![Value::Integer(i)];
    Ok(match PRAGMAS[d].name {
        "page_size" => match int_arg(&p.value) {
            Some(n) if !p.is_call => {
                if !cx.read_only && (512..=65536).contains(&n) && (n as u64).is_power_of_two() {
                    cx.pager.set_page_size(n as u32)?;
                }
                Vec::new()
            }
            _ => vec![int(cx.pager.page_size() as i64)],
        },
        "page_count" => vec![int(cx.txn.page_count() as i64)],
        "table_info" => {
            let Some(tn) = text_arg(&p.value) else { return Ok(Vec::new()) };
            let Some(t) = cx.catalog.table(&tn) else { return (cx.view_info)(cx.catalog, &tn) };
            t.cols
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let pk = if Some(i) == t.ipk { 1 } else { c.pk as i64 };
                    vec![
                        Value::Integer(i as i64),
                        Value::Text(c.name.clone()),
                        Value::Text(c.decltype.clone().unwrap_or_default()),
                        Value::Integer(c.notnull.is_some() as i64),
                        c.default_text.clone().map_or(Value::Null, Value::Text),
                        Value::Integer(pk),
                    ]
                })
                .collect()
        }
        "index_list" => {
            let Some(tn) = text_arg(&p.value) else { return Ok(Vec::new()) };
            let Some(t) = cx.catalog.table(&tn) else { return Ok(Vec::new()) };
            t.indexes
                .iter()
                .rev()
                .enumerate()
                .map(|(seq, i)| {
                    let origin = match i.origin {
                        IndexOrigin::Create => "c",
                        IndexOrigin::Unique => "u",
                        IndexOrigin::PrimaryKey => "pk",
                    };
                    vec![
                        Value::Integer(seq as i64),
                        Value::Text(i.name.clone()),
                        Value::Integer(i.unique as i64),
                        Value::Text(origin.into()),
                        Value::Integer(0),
                    ]
                })
                .collect()
        }
        "index_info" | "index_xinfo" => {
            let x = PRAGMAS[d].name == "index_xinfo";
            let Some(iname) = text_arg(&p.value) else { return Ok(Vec::new()) };
            let Some(i) = cx.catalog.index(&iname) else { return Ok(Vec::new()) };
            let Some(t) = cx.catalog.table(&i.table) else { return Ok(Vec::new()) };
            let coll_name = |c: crate::storage::Collation| match c {
                crate::storage::Collation::Binary => "BINARY",
                crate::storage::Collation::NoCase => "NOCASE",
                crate::storage::Collation::RTrim => "RTRIM",
            };
            let mut rows: Vec<Vec<Value>> = i
                .cols
                .iter()
                .enumerate()
                .map(|(k, &c)| {
                    let mut r =
                        vec![Value::Integer(k as i64), Value::Integer(c as i64), Value::Text(t.cols[c].name.clone())];
                    if x {
                        r.push(Value::Integer(i.ki.desc.get(k).copied().unwrap_or(false) as i64));
                        let coll = i.ki.collations.get(k).copied().unwrap_or(crate::storage::Collation::Binary);
                        let cn = if coll == crate::storage::Collation::NoCase {
                            "nocase".to_string()
                        } else {
                            coll_name(coll).to_string()
                        };
                        r.push(Value::Text(cn));
                        r.push(Value::Integer(1));
                    }
                    r
                })
                .collect();
            if x {
                rows.push(vec![
                    Value::Integer(i.cols.len() as i64),
                    Value::Integer(-1),
                    Value::Null,
                    Value::Integer(0),
                    Value::Text("BINARY".into()),
                    Value::Integer(0),
                ]);
            }
            rows
        }
        "integrity_check" => {
            let max = int_arg(&p.value).filter(|&n| n > 0).unwrap_or(100) as usize;
            let msgs = integrity_check(cx.txn, cx.catalog, max)?;
            if msgs.is_empty() {
                vec![vec![Value::Text("ok".into())]]
            } else {
                msgs.into_iter().map(|m| vec![Value::Text(m)]).collect()
            }
        }
        "journal_mode" => {
            // An unknown mode name changes nothing and reports the current
            // mode, as SQLite does; so does a read-only connection.
            let want = text_arg(&p.value).and_then(|m| JournalMode::parse(&m));
            let mode = match want {
                Some(m) if !cx.read_only => cx.pager.set_journal_mode(cx.txn, m, cx.explicit, *cx.busy_timeout)?,
                _ => cx.pager.journal_mode(),
            };
            vec![vec![Value::Text(mode.name().into())]]
        }
        "user_version" => match int_arg(&p.value) {
            Some(v) if !p.is_call => {
                cx.txn.header_mut()?.user_version = v as u32;
                Vec::new()
            }
            _ => vec![int(cx.txn.header().user_version as i32 as i64)],
        },
        "schema_version" => match int_arg(&p.value) {
            Some(v) if !p.is_call => {
                cx.txn.header_mut()?.schema_cookie = v as u32;
                Vec::new()
            }
            _ => vec![int(cx.txn.header().schema_cookie as i32 as i64)],
        },
        "busy_timeout" => {
            if let Some(v) = int_arg(&p.value) {
                *cx.busy_timeout = v.clamp(0, u32::MAX as i64) as u32;
            }
            vec![int(*cx.busy_timeout as i64)]
        }
        "database_list" => vec![vec![Value::Integer(0), Value::Text("main".into()), Value::Text(cx.path.to_string())]],
        "table_list" => {
            let mut names: Vec<&String> = cx.catalog.tables.keys().collect();
            names.sort();
            let mut rows: Vec<Vec<Value>> = names
                .into_iter()
                .filter_map(|k| cx.catalog.tables.get(k))
                .map(|t| {
                    vec![
                        Value::Text("main".into()),
                        Value::Text(t.name.clone()),
                        Value::Text("table".into()),
                        Value::Integer(t.cols.len() as i64),
                        Value::Integer(0),
                        Value::Integer(0),
                    ]
                })
                .collect();
            rows.push(vec![
                Value::Text("main".into()),
                Value::Text("sqlite_schema".into()),
                Value::Text("table".into()),
                Value::Integer(5),
                Value::Integer(0),
                Value::Integer(0),
            ]);
            rows
        }
        "encoding" => vec![vec![Value::Text("UTF-8".into())]],
        "cache_size" | "cache_memory" | "max_memory" | "memory_limit_mode" => {
            memory_setting(p, PRAGMAS[d].name, cx.pager)
        }
        "memory_stats" => vec![memory_stats_row(cx.pager, cx.work)],
        "max_rows" => quota::max_rows(p, cx)?,
        "max_rows_status" => quota::max_rows_status(cx)?,
        "synchronous" => match &p.value {
            Some(v) => {
                let level = match v {
                    Value::Text(t) => match t.to_ascii_lowercase().as_str() {
                        "off" => Some(0),
                        "normal" => Some(1),
                        "full" => Some(2),
                        "extra" => Some(3),
                        other => other.parse::<i64>().ok(),
                    },
                    Value::Integer(i) => Some(*i),
                    _ => None,
                };
                // SQLite keeps the low two bits of a number (0..3); unknown words mean FULL.
                let level = level.map_or(crate::storage::Synchronous::Full, crate::storage::Synchronous::from_bits);
                *cx.synchronous = level;
                cx.txn.set_synchronous(level);
                Vec::new()
            }
            None => vec![int(i64::from(cx.synchronous.level()))],
        },
        "wal_autocheckpoint" => {
            if let Some(n) = int_arg(&p.value) {
                cx.pager.set_wal_autocheckpoint(n.clamp(0, u32::MAX as i64) as u32);
            }
            vec![int(cx.pager.wal_autocheckpoint() as i64)]
        }
        "wal_checkpoint" => {
            let mode = match text_arg(&p.value).map(|m| m.to_ascii_lowercase()) {
                None => CheckpointMode::Passive,
                Some(m) => match m.as_str() {
                    "passive" => CheckpointMode::Passive,
                    "full" => CheckpointMode::Full,
                    "restart" => CheckpointMode::Restart,
                    "truncate" => CheckpointMode::Truncate,
                    // SQLite runs an unknown mode name as PASSIVE.
                    _ => CheckpointMode::Passive,
                },
            };
            let info = cx.pager.checkpoint_at(mode, *cx.busy_timeout, Some(*cx.synchronous))?;
            vec![vec![
                Value::Integer(info.busy as i64),
                Value::Integer(info.log_frames),
                Value::Integer(info.checkpointed_frames),
            ]]
        }
        "journal_size_limit" => {
            if let Some(n) = int_arg(&p.value) {
                cx.pager.set_journal_size_limit(n);
            }
            vec![int(cx.pager.journal_size_limit())]
        }
        "wal_truncate" => match &p.value {
            Some(v) => {
                cx.pager.set_wal_truncate(bool_arg(v));
                Vec::new()
            }
            None => vec![int(cx.pager.wal_truncate() as i64)],
        },
        "wal_truncate_threshold" => match int_arg(&p.value) {
            Some(n) => {
                cx.pager.set_wal_truncate_threshold(n.max(0) as u64);
                Vec::new()
            }
            None => vec![int(cx.pager.wal_truncate_threshold().min(i64::MAX as u64) as i64)],
        },
        "wal_pin_limit" => match int_arg(&p.value) {
            Some(n) => vec![int(cx.pager.set_wal_pin_limit(n))],
            None => vec![int(cx.pager.wal_pin_limit())],
        },
        "wal_status" => {
            let w = cx.pager.wal_status();
            vec![vec![
                Value::Integer(w.frames as i64),
                Value::Integer(w.bytes.min(i64::MAX as u64) as i64),
                Value::Integer(w.checkpointed_frames as i64),
                Value::Integer(w.readers as i64),
            ]]
        }
        // Neither is implemented: turning one on would silently leave its
        // rules unenforced, so it is refused; OFF (the default) is accepted.
        "foreign_keys" | "recursive_triggers" => match &p.value {
            Some(v) if bool_arg(v) => {
                return Err(Error::sql(if PRAGMAS[d].name == "foreign_keys" {
                    "foreign key enforcement is not supported yet"
                } else {
                    "recursive triggers are not supported yet"
                }));
            }
            Some(_) => Vec::new(),
            None => vec![int(0)],
        },
        _ => Vec::new(),
    })
}

/// Page-level checks of every tree, then every index against its table:
/// entry counts agree and every row has its entry in every index.
pub fn integrity_check(txn: &Txn, cat: &Catalog, max: usize) -> Result<Vec<String>> {
    let mut roots: Vec<(crate::storage::PageNo, Option<&crate::storage::KeyInfo>)> = Vec::new();
    if txn.header().schema_root != 0 {
        roots.push((txn.header().schema_root, None));
    }
    let mut tables: Vec<_> = cat.tables.values().collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    for t in &tables {
        roots.push((t.root, None));
        for i in &t.indexes {
            roots.push((i.root, Some(&i.ki)));
        }
    }
    let mut msgs = btree::integrity_check_with(txn, &roots, max)?;
    if !msgs.is_empty() {
        return Ok(msgs);
    }
    let mut rec = Vec::new();
    let mut vals = Vec::new();
    for t in tables {
        if t.indexes.is_empty() {
            continue;
        }
        let mut nrows = 0u64;
        let mut cur = Cursor::new(t.root, BTreeKind::Table);
        let mut ok = cur.first(txn)?;
        while ok {
            nrows += 1;
            let rowid = cur.rowid(txn)?;
            cur.record(txn, &mut rec)?;
            decode_record(&rec, &mut vals)?;
            vals.resize(vals.len().max(t.cols.len()), Value::Null);
            if let Some(i) = t.ipk {
                vals[i] = Value::Integer(rowid);
            }
            for idx in &t.indexes {
                let mut k: Vec<Value> = idx.cols.iter().map(|&c| vals[c].clone()).collect();
                k.push(Value::Integer(rowid));
                let mut ic = Cursor::new(idx.root, BTreeKind::Index);
                let found = ic.seek_key(txn, &k, &idx.ki, SeekOp::Eq)?;
                if !found {
                    msgs.push(format!("row {rowid} missing from index {}", idx.name));
                    if msgs.len() >= max {
                        return Ok(msgs);
                    }
                }
            }
            ok = cur.next(txn)?;
        }
        for idx in &t.indexes {
            if btree::count_entries(txn, idx.root)? != nrows {
                msgs.push(format!("wrong # of entries in index {}", idx.name));
                if msgs.len() >= max {
                    return Ok(msgs);
                }
            }
        }
    }
    // Every stored row count against its table's B-tree.
    msgs.extend(crate::schema::quota::check(txn, cat, max - msgs.len())?);
    Ok(msgs)
}
