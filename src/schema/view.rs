//! Views in the catalog: a name, an optional column-name list and the
//! stored `CREATE VIEW` text. Nothing else is kept: the SELECT is parsed and
//! compiled again wherever the view is used, so a view over a table dropped
//! later fails at use time (as in SQLite), and a schema change re-prepares
//! every statement that read through a view.
//!
//! Temporary views live in a per-connection [`TempViews`] store shared by
//! every catalog that connection loads; its `version` moves on each change so
//! statements compiled against the old set are re-prepared.

use crate::error::{Error, Result};
use crate::syntax::lexer::{tokenize, Tk};
use crate::syntax::{name_str, with_parsed};
use sqlite3_parser::ast::Stmt;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug)]
pub struct View {
    pub name: String,
    /// The `(a, b, ...)` list after the view name, when present.
    pub columns: Option<Vec<String>>,
    /// The text as stored in the schema table: `CREATE VIEW name ...`.
    pub sql: String,
    pub temp: bool,
}

impl View {
    /// Parses a stored (or just written) CREATE VIEW statement.
    pub fn from_sql(sql: &str, temp: bool) -> Result<View> {
        with_parsed(sql, |stmt| match stmt {
            Stmt::CreateView { view_name, columns, .. } => Ok(View {
                name: name_str(&view_name.name),
                columns: columns.map(|cs| cs.iter().map(|c| name_str(&c.col_name)).collect()),
                sql: sql.to_string(),
                temp,
            }),
            _ => Err(Error::sql("not a CREATE VIEW statement")),
        })
    }
}

/// The text SQLite stores for a CREATE VIEW: "CREATE VIEW " + the source
/// from the view name up to the terminating `;` (or the end of input), less
/// trailing white space. TEMP and IF NOT EXISTS are not part of it.
pub fn stored_view_sql(src: &str) -> String {
    let toks = tokenize(src);
    let k = super::created_name_token(src, &toks, "view");
    let start = toks.get(k).map_or(src.len(), |t| t.start);
    let end = toks.iter().position(|t| t.kind == Tk::Semi).map_or(src.len(), |p| toks[p].start).max(start);
    format!("CREATE VIEW {}", src[start..end].trim_end())
}

/// The temporary views of one connection. Changes made inside an explicit
/// transaction are journaled so that ROLLBACK (and ROLLBACK TO a savepoint)
/// undoes them, as SQLite's temp schema is part of the transaction.
#[derive(Debug, Default)]
pub struct TempViews {
    pub views: HashMap<String, Arc<View>>,
    /// Moves on every CREATE / DROP of a temporary view.
    pub version: u64,
    /// While an explicit transaction is open: each change's key and the
    /// view it replaced (None = there was none), oldest first.
    undo: Vec<(String, Option<Arc<View>>)>,
    journaling: bool,
}

impl TempViews {
    /// Creates (`Some`) or drops (`None`) the view under `key`.
    pub fn set(&mut self, key: String, v: Option<Arc<View>>) {
        let old = match v {
            Some(v) => self.views.insert(key.clone(), v),
            None => self.views.remove(&key),
        };
        if self.journaling {
            self.undo.push((key, old));
        }
        self.version += 1;
    }

    /// An explicit transaction begins: changes are journaled from now on.
    pub fn begin(&mut self) {
        self.undo.clear();
        self.journaling = true;
    }

    /// Position in the journal (a savepoint's mark).
    pub fn mark(&self) -> usize {
        self.undo.len()
    }

    /// Undoes the changes made since `mark`.
    pub fn undo_to(&mut self, mark: usize) {
        if self.undo.len() <= mark {
            return;
        }
        while self.undo.len() > mark {
            let Some((key, old)) = self.undo.pop() else { break };
            match old {
                Some(v) => self.views.insert(key, v),
                None => self.views.remove(&key),
            };
        }
        self.version += 1;
    }

    /// The explicit transaction ends: committed, or rolled back (undone).
    pub fn end(&mut self, commit: bool) {
        if !commit {
            self.undo_to(0);
        }
        self.undo.clear();
        self.journaling = false;
    }
}

pub type TempStore = Arc<parking_lot::Mutex<TempViews>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text() {
        assert_eq!(stored_view_sql("create view v as select 1"), "CREATE VIEW v as select 1");
        assert_eq!(
            stored_view_sql("CREATE  TEMP VIEW IF NOT EXISTS \"x y\"(a) AS SELECT 1 /* c */ ; "),
            "CREATE VIEW \"x y\"(a) AS SELECT 1 /* c */"
        );
        let v = View::from_sql("CREATE VIEW v(a, \"b\") AS SELECT 1, 2", false).unwrap();
        assert_eq!(v.name, "v");
        assert_eq!(v.columns, Some(vec!["a".to_string(), "b".to_string()]));
    }
}
