//! The row-quota PRAGMAs: `max_rows` (the database-wide limit, persisted
//! in the header) and the `max_rows_status` report. Where counts and
//! limits are stored, and how they stay exact: `schema::quota`.

use super::{int_arg, PragmaCtx, PragmaPlan};
use crate::error::Result;
use crate::schema::quota;
use crate::storage::Value;

fn int(n: u64) -> Value {
    Value::Integer(n.min(i64::MAX as u64) as i64)
}

/// `PRAGMA max_rows` / `= N`: reports the limit (0 = none); setting it to
/// N >= 0 writes the header and reports N. A negative or non-integer
/// value changes nothing (SQLite ignores a PRAGMA value it cannot use).
pub(super) fn max_rows(p: &PragmaPlan, cx: &mut PragmaCtx) -> Result<Vec<Vec<Value>>> {
    if let Some(n) = int_arg(&p.value).filter(|n| *n >= 0) {
        quota::set_db_max_rows(cx.txn.header_mut()?, n as u64);
    }
    Ok(vec![vec![int(quota::db_max_rows(cx.txn.header()))]])
}

/// `PRAGMA max_rows_status`: one row `table, rows, max_rows` per table
/// (max_rows = the limit in force, 0 = none), by table name.
pub(super) fn max_rows_status(cx: &PragmaCtx) -> Result<Vec<Vec<Value>>> {
    let rows = quota::status(cx.txn, cx.catalog)?;
    Ok(rows.into_iter().map(|(name, n, max)| vec![Value::Text(name), int(n), int(max)]).collect())
}
