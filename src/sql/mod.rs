//! SQL: parse (sqlite3-parser) -> plan (name resolution, index choice) ->
//! execute (operators over B-tree cursors); value semantics and functions.

pub mod colnames;
pub mod compound;
pub mod cte;
pub mod ddl;
pub mod dml;
pub mod exec;
pub mod expr;
pub mod func;
pub mod planner;
pub mod prepare;
pub mod pure;
pub mod resolve;
pub mod select;
pub mod trigger;
pub mod types;
pub mod view;
pub mod window;
pub mod write;
