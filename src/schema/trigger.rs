//! Triggers in the catalog: the name, the table or view they watch, when
//! and on which event they fire, and the stored `CREATE TRIGGER` text.
//! The WHEN clause and the body are parsed and compiled again by every
//! statement that fires the trigger (at that statement's prepare time, see
//! `sql::trigger`), so a body naming a table dropped later fails then, as
//! in SQLite.

use crate::error::{Error, Result};
use crate::syntax::lexer::{tokenize, Tk};
use crate::syntax::{name_str, with_parsed};
use sqlite3_parser::ast::{self, Stmt};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerTime {
    Before,
    After,
    InsteadOf,
}

/// The statement kind a trigger watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerOp {
    Insert,
    Update,
    Delete,
}

#[derive(Debug)]
pub struct Trigger {
    pub name: String,
    /// The table or view watched, as named in the definition.
    pub table: String,
    pub time: TriggerTime,
    pub op: TriggerOp,
    /// `UPDATE OF a, b`: the columns (None = any UPDATE).
    pub columns: Option<Vec<String>>,
    /// The text as stored in the schema table: `CREATE TRIGGER name ... END`.
    pub sql: String,
    /// Rowid of the schema row: later triggers fire first, as in SQLite.
    pub seq: i64,
}

impl Trigger {
    /// Parses a stored (or just written) CREATE TRIGGER statement.
    pub fn from_sql(sql: &str, seq: i64) -> Result<Trigger> {
        with_parsed(sql, |stmt| match stmt {
            Stmt::CreateTrigger { trigger_name, time, event, tbl_name, .. } => {
                let (op, columns) = match event {
                    ast::TriggerEvent::Insert => (TriggerOp::Insert, None),
                    ast::TriggerEvent::Delete => (TriggerOp::Delete, None),
                    ast::TriggerEvent::Update => (TriggerOp::Update, None),
                    ast::TriggerEvent::UpdateOf(cols) => (TriggerOp::Update, Some(cols.iter().map(name_str).collect())),
                };
                Ok(Trigger {
                    name: name_str(&trigger_name.name),
                    table: name_str(&tbl_name.name),
                    time: match time {
                        Some(ast::TriggerTime::After) => TriggerTime::After,
                        Some(ast::TriggerTime::InsteadOf) => TriggerTime::InsteadOf,
                        _ => TriggerTime::Before,
                    },
                    op,
                    columns,
                    sql: sql.to_string(),
                    seq,
                })
            }
            _ => Err(Error::sql("not a CREATE TRIGGER statement")),
        })
    }

    /// Does an UPDATE assigning `set_cols` (column names) fire it?
    pub fn fires_on_update_of(&self, set_cols: &[&str]) -> bool {
        match &self.columns {
            None => true,
            Some(cols) => cols.iter().any(|c| set_cols.iter().any(|s| s.eq_ignore_ascii_case(c))),
        }
    }
}

/// The text SQLite stores for a CREATE TRIGGER: "CREATE TRIGGER " + the
/// source from the trigger name (without a schema qualifier) through the
/// closing END. TEMP and IF NOT EXISTS are not part of it.
pub fn stored_trigger_sql(src: &str) -> String {
    let toks = tokenize(src);
    let k = super::created_name_token(src, &toks, "trigger");
    let start = toks.get(k).map_or(src.len(), |t| t.start);
    let end = toks.iter().rev().find(|t| t.kind != Tk::Semi).map_or(src.len(), |t| t.end).max(start);
    format!("CREATE TRIGGER {}", &src[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text() {
        assert_eq!(
            stored_trigger_sql("create  trigger if not exists  main.tr1 before insert on t begin select 1; end ;"),
            "CREATE TRIGGER tr1 before insert on t begin select 1; end"
        );
        let t = Trigger::from_sql("CREATE TRIGGER x AFTER UPDATE OF a, \"B\" ON t BEGIN SELECT 1; END", 3).unwrap();
        assert_eq!((t.time, t.op, t.table.as_str()), (TriggerTime::After, TriggerOp::Update, "t"));
        assert!(t.fires_on_update_of(&["b"]));
        assert!(!t.fires_on_update_of(&["c"]));
    }
}
