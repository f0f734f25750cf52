//! Row quotas: `sqlvibe_table_max_rows`, a table's own row limit (the
//! database-wide one is `PRAGMA max_rows`). sqlvibe's own; SQLite has no
//! equivalent.

use super::codes::*;
use super::connection::{sqlvibe, sqlvibe_int64};
use std::os::raw::{c_char, c_int};

/// Sets the row limit of table `zTable` in database `zDb` (NULL or
/// "main", the only database), persisted in the database file:
/// `N` = -1 inherits `PRAGMA max_rows` (the default), 0 means no limit for
/// this table whatever `max_rows` says, N > 0 allows at most N rows. An
/// INSERT, REPLACE, UPSERT or trigger that would take the table past its
/// limit then fails with SQLVIBE_FULL "max_rows limit (N) reached for
/// table T" and is undone whole; rows already over a lowered limit stay.
/// The change is part of the open transaction (BEGIN ... COMMIT), else
/// committed before returning. `PRAGMA max_rows_status` reports the limit
/// in force per table.
///
/// Returns SQLVIBE_OK; SQLVIBE_MISUSE for a NULL `db` or `zTable` (or a
/// handle whose open failed), SQLVIBE_ERROR "unknown database X" for
/// another `zDb`, "no such table: T" for an unknown table (views
/// included) and "table T may not have a row limit" for an internal
/// `sqlite_*` table, SQLVIBE_RANGE for `N` < -1, SQLVIBE_BUSY /
/// SQLVIBE_READONLY as for any write. The message is in sqlvibe_errmsg.
#[no_mangle]
pub extern "C" fn sqlvibe_table_max_rows(
    db: *mut sqlvibe,
    zDb: *const c_char,
    zTable: *const c_char,
    N: sqlvibe_int64,
) -> c_int {
    with_db!(db, SQLVIBE_MISUSE, SQLVIBE_INTERNAL, {
        let bad_utf8 = |what: &str| db.set_message(SQLVIBE_MISUSE, &format!("{what} is not valid UTF-8"));
        let schema =
            if zDb.is_null() { None } else { Some(c_str_arg!(zDb, SQLVIBE_MISUSE, bad_utf8("database name"))) };
        let table = c_str_arg!(zTable, db.set_message(SQLVIBE_MISUSE, "table name is NULL"), bad_utf8("table name"));
        let conn = match db.live() {
            Ok(c) => c,
            Err(rc) => return rc,
        };
        match conn.set_table_max_rows(schema, table, N) {
            Ok(()) => {
                db.set_code(SQLVIBE_OK);
                SQLVIBE_OK
            }
            Err(e) => db.set_error(&e),
        }
    })
}
