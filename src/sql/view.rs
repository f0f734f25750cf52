//! Views: CREATE VIEW / DROP VIEW, and a view named in FROM.
//!
//! A view used in a query is compiled from its stored text, in a scope of
//! its own (no enclosing tables or CTEs are visible to it), into a subquery
//! plan read like a FROM subquery. Compiling anew at every use is what
//! makes a view follow later schema changes; statements are re-prepared
//! when the schema cookie (or the set of temporary views) moves.

use crate::error::{Error, Result};
use crate::schema::view::stored_view_sql;
use crate::schema::{Catalog, View};
use crate::sql::colnames::SourceSpans;
use crate::sql::cte::{main_select_texts, unique_names};
use crate::sql::ddl::{delete_schema_rows, insert_schema_row};
use crate::sql::resolve::Compiler;
use crate::storage::Txn;
use crate::syntax::lexer::{limit_commas, tokenize, Tk};
use crate::syntax::{name_str, with_parsed};
use sqlite3_parser::ast::{QualifiedName, Stmt};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum ViewDdl {
    Create { name: String, temp: bool, if_not_exists: bool, sql: String },
    Drop { name: String, if_exists: bool },
}

/// Which database a possibly qualified name designates: Some(true) = temp,
/// Some(false) = main, None = unqualified.
fn schema_of(qn: &QualifiedName) -> Result<Option<bool>> {
    match &qn.db_name {
        None => Ok(None),
        Some(db) => {
            let db = name_str(db);
            if db.eq_ignore_ascii_case("main") {
                Ok(Some(false))
            } else if db.eq_ignore_ascii_case("temp") {
                Ok(Some(true))
            } else {
                Err(Error::sql(format!("unknown database {db}")))
            }
        }
    }
}

fn is_temp_schema(name: &str) -> bool {
    name.eq_ignore_ascii_case("sqlite_temp_schema") || name.eq_ignore_ascii_case("sqlite_temp_master")
}

/// Builds the view action of a CREATE VIEW / DROP VIEW statement (`src` =
/// its text), checking it against the catalog.
pub fn compile_view_ddl(stmt: &Stmt, src: &str, cat: &Catalog) -> Result<ViewDdl> {
    let ddl = match stmt {
        Stmt::CreateView { temporary, if_not_exists, view_name, .. } => {
            let db = schema_of(view_name)?;
            if *temporary && db == Some(false) {
                return Err(Error::sql("temporary table name must be unqualified"));
            }
            let temp = *temporary || db == Some(true);
            let name = name_str(&view_name.name);
            crate::sql::ddl::reserved(&name)?;
            if tokenize(src).iter().any(|t| t.kind == Tk::Var) {
                return Err(Error::sql("parameters are not allowed in views"));
            }
            ViewDdl::Create { name, temp, if_not_exists: *if_not_exists, sql: stored_view_sql(src) }
        }
        Stmt::DropView { if_exists, view_name } => {
            schema_of(view_name)?;
            ViewDdl::Drop { name: name_str(&view_name.name), if_exists: *if_exists }
        }
        _ => return Err(Error::sql("not a view statement")),
    };
    check(&ddl, cat)?;
    Ok(ddl)
}

/// Checks a view action against the catalog; Ok(false) = nothing to do.
pub fn check(ddl: &ViewDdl, cat: &Catalog) -> Result<bool> {
    match ddl {
        ViewDdl::Create { name, temp, if_not_exists, .. } => {
            let lower = name.to_ascii_lowercase();
            let view = if *temp { cat.temp_views.get(&lower) } else { cat.views.get(&lower) };
            if view.is_some() {
                if *if_not_exists {
                    return Ok(false);
                }
                return Err(Error::sql(format!("view {name} already exists")));
            }
            if !*temp {
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
        }
        ViewDdl::Drop { name, if_exists } => {
            if cat.view(name).is_none() {
                if let Some(t) = cat.table(name) {
                    return Err(Error::sql(format!("use DROP TABLE to delete table {}", t.name)));
                }
                if *if_exists {
                    return Ok(false);
                }
                return Err(Error::sql(format!("no such view: {name}")));
            }
        }
    }
    Ok(true)
}

/// Performs the view action. Returns true when the main schema changed (its
/// cookie must move); temporary views change only the connection's store.
pub fn run(ddl: &ViewDdl, txn: &mut Txn, cat: &Catalog) -> Result<bool> {
    if !check(ddl, cat)? {
        return Ok(false);
    }
    match ddl {
        ViewDdl::Create { name, temp: true, sql, .. } => {
            let v = View::from_sql(sql, true)?;
            cat.temp_store.lock().set(name.to_ascii_lowercase(), Some(Arc::new(v)));
            Ok(false)
        }
        ViewDdl::Create { name, sql, .. } => {
            insert_schema_row(txn, "view", name, name, 0, Some(sql))?;
            Ok(true)
        }
        ViewDdl::Drop { name, .. } => {
            let lower = name.to_ascii_lowercase();
            if cat.temp_views.contains_key(&lower) {
                cat.temp_store.lock().set(lower, None);
                return Ok(false);
            }
            // The view's triggers go with it.
            delete_schema_rows(txn, |r| {
                (r.kind == "view" && r.name.eq_ignore_ascii_case(name))
                    || (r.kind == "trigger" && r.tbl_name.eq_ignore_ascii_case(name))
            })?;
            Ok(true)
        }
    }
}

/// INSERT, UPDATE and DELETE refuse a view as their target unless an
/// INSTEAD OF trigger on it handles `op`.
pub fn check_writable(cat: &Catalog, qn: &QualifiedName, op: crate::schema::trigger::TriggerOp) -> Result<()> {
    let name = name_str(&qn.name);
    if cat.table(&name).is_none() {
        if let Some(v) = cat.view(&name) {
            let instead = crate::schema::trigger::TriggerTime::InsteadOf;
            if !v.temp && !cat.triggers_on(&v.name, op, instead).is_empty() {
                return Ok(());
            }
            return Err(Error::sql(format!("cannot modify {} because it is a view", v.name)));
        }
    }
    Ok(())
}

/// PRAGMA table_info rows of view `name` (none when there is no such
/// view): its columns as a query over it reports them.
pub fn table_info(cat: &Catalog, name: &str) -> Result<Vec<Vec<crate::storage::Value>>> {
    use crate::storage::Value;
    let Some(v) = cat.view(name).cloned() else {
        return Ok(Vec::new());
    };
    let mut c = Compiler::new(Some(cat));
    let id = c.view_subquery(&v)?;
    let plan = &c.subs[id];
    Ok(plan
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let ty = plan.decltypes.get(i).cloned().flatten().unwrap_or_default();
            vec![
                Value::Integer(i as i64),
                Value::Text(n.clone()),
                Value::Text(ty),
                Value::Integer(0),
                Value::Null,
                Value::Integer(0),
            ]
        })
        .collect())
}

impl Compiler<'_> {
    /// Does a FROM item name a CTE or a view (rather than a table)?
    pub(crate) fn is_named_source(&self, qn: &QualifiedName) -> bool {
        let name = name_str(&qn.name);
        let Ok(cat) = self.catalog() else {
            return qn.db_name.is_none() && self.is_cte(&name);
        };
        if is_temp_schema(&name) && qn.db_name.is_none() {
            return true;
        }
        match schema_of(qn) {
            Ok(None) => self.is_cte(&name) || cat.view(&name).is_some(),
            Ok(Some(true)) => cat.temp_views.contains_key(&name.to_ascii_lowercase()),
            Ok(Some(false)) => cat.views.contains_key(&name.to_ascii_lowercase()),
            Err(_) => false,
        }
    }

    /// The subquery plan a FROM item naming a CTE or view reads.
    pub(crate) fn named_source(&mut self, qn: &QualifiedName) -> Result<usize> {
        let name = name_str(&qn.name);
        let db = schema_of(qn)?;
        if db.is_none() && self.is_cte(&name) {
            return self.cte_ref(&name);
        }
        let cat = self.catalog()?;
        if is_temp_schema(&name) && db.is_none() {
            return Ok(self.temp_schema_rows(cat));
        }
        let lower = name.to_ascii_lowercase();
        let v = match db {
            None => cat.view(&name),
            Some(true) => cat.temp_views.get(&lower),
            Some(false) => cat.views.get(&lower),
        };
        let v = v.cloned().ok_or_else(|| Error::sql(format!("no such table: {name}")))?;
        self.view_subquery(&v)
    }

    /// `sqlite_temp_schema`: the rows of the connection's temporary views
    /// as of this catalog, as a VALUES subquery.
    fn temp_schema_rows(&mut self, cat: &Catalog) -> usize {
        use crate::sql::expr::CExpr;
        use crate::sql::types::Affinity;
        use crate::storage::{Collation, Value};
        let mut views: Vec<&Arc<View>> = cat.temp_views.values().collect();
        views.sort_by(|a, b| a.name.cmp(&b.name));
        let text = |s: &str| CExpr::Lit(Value::Text(s.to_string()));
        let rows = views
            .iter()
            .map(|v| vec![text("view"), text(&v.name), text(&v.name), CExpr::lit_int(0), text(&v.sql)])
            .collect();
        let names: Vec<String> =
            ["type", "name", "tbl_name", "rootpage", "sql"].iter().map(|s| s.to_string()).collect();
        let decltypes = ["text", "text", "text", "int", "text"].iter().map(|s| Some(s.to_string())).collect();
        let t = Some(Affinity::Text);
        let plan = crate::sql::select::SelectPlan {
            values: Some(rows),
            names,
            decltypes,
            affinities: vec![t, t, t, Some(Affinity::Integer), t],
            colls: vec![Collation::Binary; 5],
            ..Default::default()
        };
        self.subs.push(plan);
        self.subs.len() - 1
    }

    /// Compiles view `v`'s SELECT as a subquery in a scope of its own.
    fn view_subquery(&mut self, v: &Arc<View>) -> Result<usize> {
        if self.with.open_views.iter().any(|n| n.eq_ignore_ascii_case(&v.name)) {
            return Err(Error::sql(format!("view {} is circularly defined", v.name)));
        }
        let toks = tokenize(&v.sql);
        // The SELECT follows the AS after the name and column list.
        let as_at = {
            let mut depth = 0usize;
            toks.iter()
                .position(|t| {
                    match t.kind {
                        Tk::LParen => depth += 1,
                        Tk::RParen => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    depth == 0 && t.is_kw(&v.sql, "as")
                })
                .unwrap_or(0)
        };
        self.with.open_views.push(v.name.clone());
        let saved_scopes = std::mem::replace(&mut self.scopes, vec![Vec::new()]);
        let saved_frames = std::mem::take(&mut self.with.frames);
        let saved_open = std::mem::take(&mut self.open_subs);
        let saved_commas = std::mem::replace(&mut self.limit_commas, limit_commas(&v.sql, &toks));
        let saved_seen = std::mem::replace(&mut self.limit_seen, 0);
        let saved_top = self.top_texts.replace(main_select_texts(&v.sql, as_at + 1));
        self.with.resolved_names = true;
        let saved_source = std::mem::replace(&mut self.with.source, SourceSpans::new(&v.sql));
        let r = with_parsed(&v.sql, |stmt| match stmt {
            Stmt::CreateView { select, .. } => self.subquery(select),
            _ => Err(Error::corrupt(format!("malformed database schema ({})", v.name))),
        });
        self.with.source = saved_source;
        self.with.resolved_names = false;
        self.top_texts = saved_top;
        self.limit_seen = saved_seen;
        self.limit_commas = saved_commas;
        self.open_subs = saved_open;
        self.with.frames = saved_frames;
        self.scopes = saved_scopes;
        self.with.open_views.pop();
        let (id, _) = r.map_err(|e| match e.message.strip_prefix("no such table: ") {
            // Inside a view, tables are named with their schema.
            Some(t) if !t.contains('.') => Error::sql(format!("no such table: main.{t}")),
            _ => e,
        })?;
        let names = &mut self.subs[id].names;
        if let Some(cols) = &v.columns {
            if cols.len() != names.len() {
                return Err(Error::sql(format!(
                    "expected {} columns for '{}' but got {}",
                    cols.len(),
                    v.name,
                    names.len()
                )));
            }
            names.clone_from(cols);
        }
        unique_names(names);
        Ok(id)
    }
}
