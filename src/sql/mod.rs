//! SQL: parse (sqlite3-parser) -> plan (name resolution, index choice) ->
//! execute (operators over B-tree cursors); value semantics and functions.

pub mod func;
pub mod types;
