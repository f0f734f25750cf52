//! The safe Rust API: [`Connection`] (one per `sqlvibe*`) and [`Statement`]
//! (one per `sqlvibe_stmt*`). The C layer is a thin translation of this.
//!
//! Transactions: a connection owns at most one storage [`Txn`](crate::storage::Txn),
//! shared by all its statements. Outside BEGIN ... COMMIT (autocommit), the
//! first statement to start stepping opens it and the last active statement
//! to finish (DONE, reset, error or finalize) ends it — committing writes.
//! Every writing statement runs inside a savepoint of that transaction and is
//! rolled back to it on error, so a statement is atomic and an enclosing
//! explicit transaction goes on.

mod connection;
mod statement;

pub use connection::Connection;
pub use statement::Statement;

// What the C layer needs beside the two handles, so that it goes through
// this layer only: the value type, its conversions as SQLite's
// sqlite3_column_* apply them, checkpoint modes and SQLITE_MAX_LENGTH.
pub use crate::sql::func::MAX_LENGTH;
pub use crate::sql::types::{value_to_f64, value_to_i64, value_to_text};
pub use crate::storage::{CheckpointMode, Value};

/// Open flags, same bit values as SQLite's.
pub const OPEN_READONLY: i32 = 0x1;
pub const OPEN_READWRITE: i32 = 0x2;
pub const OPEN_CREATE: i32 = 0x4;

/// Outcome of one `step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepResult {
    /// A row is available through `column_value`.
    Row,
    /// The statement has finished.
    Done,
}

/// Storage class of a column value, numbered as SQLite's.
pub fn value_type_code(v: &Value) -> i32 {
    match v {
        Value::Integer(_) => 1,
        Value::Real(_) => 2,
        Value::Text(_) => 3,
        Value::Blob(_) => 4,
        Value::Null => 5,
    }
}
