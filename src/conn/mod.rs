//! The safe Rust API: [`Connection`] (one per `sqlvibe*`) and [`Statement`]
//! (one per `sqlvibe_stmt*`). The C layer is a thin translation of this.
//! (CONTRACT SKELETON: the engine owner fills in the bodies and may split it.)

use crate::error::Result;
use crate::storage::Value;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

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

/// A database connection. `Send + Sync`: calls are serialized by a mutex
/// inside; `interrupt` may be called from another thread at any time.
pub struct Connection {}

impl Connection {
    /// Opens `path` (or `:memory:`, or "" for a private temporary database)
    /// with SQLite's flag semantics: READONLY, READWRITE, READWRITE|CREATE.
    pub fn open(path: &str, flags: i32) -> Result<Connection> {
        let _ = (path, flags);
        todo!()
    }
    /// Compiles the first statement of `sql`. Returns the statement (None
    /// when `sql` holds only whitespace/comments before the end or the next
    /// `;`) and the number of bytes consumed, for `pzTail`.
    pub fn prepare(&self, sql: &str) -> Result<(Option<Statement>, usize)> {
        let _ = sql;
        todo!()
    }
    /// Runs every statement of `sql`, calling `on_row(values, names)` for each
    /// result row; `on_row` returning false aborts with SQLITE_ABORT.
    pub fn exec(
        &self,
        sql: &str,
        on_row: &mut dyn FnMut(&[Value], &[String]) -> bool,
    ) -> Result<()> {
        let _ = (sql, on_row);
        todo!()
    }
    /// Rows changed by the last INSERT/UPDATE/DELETE.
    pub fn changes(&self) -> i64 {
        todo!()
    }
    pub fn total_changes(&self) -> i64 {
        todo!()
    }
    pub fn last_insert_rowid(&self) -> i64 {
        todo!()
    }
    /// True outside BEGIN ... COMMIT.
    pub fn is_autocommit(&self) -> bool {
        todo!()
    }
    pub fn set_busy_timeout(&self, ms: i32) {
        let _ = ms;
        todo!()
    }
    /// The flag `interrupt` sets; a running statement checks it and stops
    /// with SQLITE_INTERRUPT.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        todo!()
    }
    /// Makes running statements stop with SQLITE_INTERRUPT.
    pub fn interrupt(&self) {
        todo!()
    }
}

/// A compiled statement: planned once at prepare time, stepped many times.
pub struct Statement {}

impl Statement {
    /// The SQL text this statement was prepared from.
    pub fn sql(&self) -> &str {
        todo!()
    }
    /// True when stepping it cannot change the database.
    pub fn readonly(&self) -> bool {
        todo!()
    }
    pub fn step(&mut self) -> Result<StepResult> {
        todo!()
    }
    /// Back to the start; bindings are kept.
    pub fn reset(&mut self) {
        todo!()
    }
    pub fn clear_bindings(&mut self) {
        todo!()
    }
    /// Binds parameter `index` (1-based); out of range is SQLITE_RANGE; a
    /// statement that has started stepping is SQLITE_MISUSE.
    pub fn bind(&mut self, index: usize, value: Value) -> Result<()> {
        let _ = (index, value);
        todo!()
    }
    /// Largest parameter index.
    pub fn parameter_count(&self) -> usize {
        todo!()
    }
    /// Name of parameter `index` with its prefix (`:a`, `@a`, `$a`, `?5`),
    /// None for a nameless `?`.
    pub fn parameter_name(&self, index: usize) -> Option<&str> {
        let _ = index;
        todo!()
    }
    /// Index of the named parameter, 0 when absent.
    pub fn parameter_index(&self, name: &str) -> usize {
        let _ = name;
        todo!()
    }
    pub fn column_count(&self) -> usize {
        todo!()
    }
    pub fn column_name(&self, i: usize) -> Option<&str> {
        let _ = i;
        todo!()
    }
    /// Declared type of a result column that is a table column, else None.
    pub fn column_decltype(&self, i: usize) -> Option<&str> {
        let _ = i;
        todo!()
    }
    /// column_count while a row is available, else 0.
    pub fn data_count(&self) -> usize {
        todo!()
    }
    /// Value of column `i` of the current row (NULL when out of range or no row).
    pub fn column_value(&self, i: usize) -> &Value {
        let _ = i;
        todo!()
    }
}
