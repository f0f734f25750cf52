//! Triggers: CREATE / DROP TRIGGER (this file), the compilation of the
//! trigger programs a statement may fire (`compile.rs`, at that statement's
//! prepare time) and running them per row (`run.rs`).
//!
//! A trigger program is compiled into units, one per body statement plus
//! one for the WHEN clause; each unit has its own subqueries and row slots,
//! among them the NEW and OLD rows, which the runner fills before running
//! the unit. Recursive triggers are off (SQLite's default): a trigger never
//! fires while it is already running, so a program compiled for a trigger
//! leaves it out of every nested statement's triggers, which also bounds
//! the compilation of trigger chains that cycle.

mod compile;
mod run;

pub use compile::{delete_triggers, insert_triggers, update_triggers, Chain, TrigScope};
pub use run::{delete_with_triggers, fire, update_with_triggers, view_delete, view_update, Fired};

use crate::error::{Error, Result};
use crate::schema::trigger::{stored_trigger_sql, TriggerTime};
use crate::schema::{Catalog, Trigger};
use crate::sql::ddl::{delete_schema_rows, insert_schema_row};
use crate::sql::dml::{DeletePlan, InsertPlan, UpdatePlan};
use crate::sql::expr::CExpr;
use crate::sql::select::SelectPlan;
use crate::storage::Txn;
use crate::syntax::lexer::{tokenize, Tk};
use crate::syntax::name_str;
use sqlite3_parser::ast::{Stmt, TriggerCmd};

/// One compiled piece of a trigger program with the slots and subqueries
/// it runs with; `new_slot` / `old_slot` receive the NEW / OLD rows.
#[derive(Debug)]
pub struct Unit<P> {
    pub plan: P,
    pub subs: Vec<SelectPlan>,
    pub n_slots: usize,
    pub n_aggs: usize,
    pub new_slot: Option<usize>,
    pub old_slot: Option<usize>,
}

#[derive(Debug)]
pub enum Step {
    Select(SelectPlan),
    Insert(InsertPlan),
    Update(UpdatePlan),
    Delete(DeletePlan),
}

#[derive(Debug)]
pub struct TriggerProgram {
    pub name: String,
    pub when: Option<Unit<CExpr>>,
    pub steps: Vec<Unit<Step>>,
}

/// The trigger programs one write statement fires per row, each list in
/// firing order.
#[derive(Debug, Default)]
pub struct Triggers {
    pub before: Vec<TriggerProgram>,
    pub after: Vec<TriggerProgram>,
    pub instead: Vec<TriggerProgram>,
    /// An INSERT's DO UPDATE clauses fire the UPDATE triggers.
    pub upsert: Option<Box<Triggers>>,
}

impl Triggers {
    pub fn is_empty(&self) -> bool {
        self.before.is_empty() && self.after.is_empty() && self.instead.is_empty() && self.upsert.is_none()
    }
}

#[derive(Debug, Clone)]
pub enum TriggerDdl {
    Create { name: String, table: String, if_not_exists: bool, sql: String },
    Drop { name: String, if_exists: bool },
}

fn check_db(qn: &sqlite3_parser::ast::QualifiedName) -> Result<()> {
    if let Some(db) = &qn.db_name {
        let db = name_str(db);
        if db.eq_ignore_ascii_case("temp") {
            return Err(Error::sql("temporary triggers are not supported yet"));
        }
        if !db.eq_ignore_ascii_case("main") {
            return Err(Error::sql(format!("unknown database {db}")));
        }
    }
    Ok(())
}

/// Builds the action of a CREATE TRIGGER / DROP TRIGGER statement (`src` =
/// its text), checking it against the catalog.
pub fn compile_trigger_ddl(stmt: &Stmt, src: &str, cat: &Catalog) -> Result<TriggerDdl> {
    let ddl = match stmt {
        Stmt::CreateTrigger { temporary, if_not_exists, trigger_name, tbl_name, commands, .. } => {
            if *temporary {
                return Err(Error::sql("temporary triggers are not supported yet"));
            }
            check_db(trigger_name)?;
            if tbl_name.db_name.is_some() {
                check_db(tbl_name)?;
            }
            for cmd in commands.iter() {
                let qualified = match cmd {
                    TriggerCmd::Insert { tbl_name, .. }
                    | TriggerCmd::Update { tbl_name, .. }
                    | TriggerCmd::Delete { tbl_name, .. } => tbl_name.db_name.is_some(),
                    TriggerCmd::Select(_) => false,
                };
                if qualified {
                    return Err(Error::sql(
                        "qualified table names are not allowed on INSERT, UPDATE, and DELETE statements within triggers",
                    ));
                }
            }
            if tokenize(src).iter().any(|t| t.kind == Tk::Var) {
                return Err(Error::sql("trigger cannot use variables"));
            }
            let sql = stored_trigger_sql(src);
            let t = Trigger::from_sql(&sql, 0)?;
            TriggerDdl::Create { name: t.name, table: t.table, if_not_exists: *if_not_exists, sql }
        }
        Stmt::DropTrigger { if_exists, trigger_name } => {
            check_db(trigger_name)?;
            TriggerDdl::Drop { name: name_str(&trigger_name.name), if_exists: *if_exists }
        }
        _ => return Err(Error::sql("not a trigger statement")),
    };
    check(&ddl, cat)?;
    Ok(ddl)
}

/// Checks a trigger action against the catalog; Ok(false) = nothing to do.
pub fn check(ddl: &TriggerDdl, cat: &Catalog) -> Result<bool> {
    match ddl {
        TriggerDdl::Create { name, table, if_not_exists, sql } => {
            let is_table = match cat.table(table) {
                Some(_) => true,
                None if cat.views.contains_key(&table.to_ascii_lowercase()) => false,
                None => return Err(Error::sql(format!("no such table: main.{table}"))),
            };
            crate::sql::ddl::reserved(name)?;
            if cat.triggers.contains_key(&name.to_ascii_lowercase()) {
                if *if_not_exists {
                    return Ok(false);
                }
                return Err(Error::sql(format!("trigger {name} already exists")));
            }
            if table.len() >= 7 && table[..7].eq_ignore_ascii_case("sqlite_") {
                return Err(Error::sql("cannot create trigger on system table"));
            }
            let t = Trigger::from_sql(sql, 0)?;
            match (t.time, is_table) {
                (TriggerTime::InsteadOf, true) => {
                    return Err(Error::sql(format!("cannot create INSTEAD OF trigger on table: {table}")))
                }
                (TriggerTime::Before, false) => {
                    return Err(Error::sql(format!("cannot create BEFORE trigger on view: {table}")))
                }
                (TriggerTime::After, false) => {
                    return Err(Error::sql(format!("cannot create AFTER trigger on view: {table}")))
                }
                _ => {}
            }
        }
        TriggerDdl::Drop { name, if_exists } => {
            if !cat.triggers.contains_key(&name.to_ascii_lowercase()) {
                if *if_exists {
                    return Ok(false);
                }
                return Err(Error::sql(format!("no such trigger: {name}")));
            }
        }
    }
    Ok(true)
}

/// Performs the trigger action; true when the schema changed.
pub fn run(ddl: &TriggerDdl, txn: &mut Txn, cat: &Catalog) -> Result<bool> {
    if !check(ddl, cat)? {
        return Ok(false);
    }
    match ddl {
        TriggerDdl::Create { name, table, sql, .. } => {
            // tbl_name is the table's name as the catalog spells it.
            let tbl = match cat.table(table) {
                Some(t) => t.name.clone(),
                None => cat.view(table).map_or(table.clone(), |v| v.name.clone()),
            };
            insert_schema_row(txn, "trigger", name, &tbl, 0, Some(sql))?;
        }
        TriggerDdl::Drop { name, .. } => {
            delete_schema_rows(txn, |r| r.kind == "trigger" && r.name.eq_ignore_ascii_case(name))?;
        }
    }
    Ok(true)
}
