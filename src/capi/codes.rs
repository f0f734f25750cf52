//! Result codes, datatype codes and open flags, with SQLite's numbers, and
//! the one exhaustive map from [`ErrorKind`] to a numeric code.
//!
//! An extended code's low byte is its primary code (SQLite's rule), so the
//! map yields the extended code and `primary()` masks it.

use crate::error::ErrorKind;
use std::os::raw::c_int;

/// Successful result.
pub const SQLVIBE_OK: c_int = 0;
/// Generic error (SQL error, missing table, ...).
pub const SQLVIBE_ERROR: c_int = 1;
/// Internal logic error in sqlvibe (an invariant did not hold, or a panic was caught).
pub const SQLVIBE_INTERNAL: c_int = 2;
/// Access permission denied.
pub const SQLVIBE_PERM: c_int = 3;
/// Callback routine requested an abort.
pub const SQLVIBE_ABORT: c_int = 4;
/// The database file is locked.
pub const SQLVIBE_BUSY: c_int = 5;
/// A table in the database is locked.
pub const SQLVIBE_LOCKED: c_int = 6;
/// A memory allocation failed.
pub const SQLVIBE_NOMEM: c_int = 7;
/// Attempt to write a readonly database.
pub const SQLVIBE_READONLY: c_int = 8;
/// Operation terminated by sqlvibe_interrupt().
pub const SQLVIBE_INTERRUPT: c_int = 9;
/// Some kind of disk I/O error occurred.
pub const SQLVIBE_IOERR: c_int = 10;
/// The database disk image is malformed.
pub const SQLVIBE_CORRUPT: c_int = 11;
/// Unknown operation.
pub const SQLVIBE_NOTFOUND: c_int = 12;
/// Insertion failed because the database is full (or a quota is reached).
pub const SQLVIBE_FULL: c_int = 13;
/// Unable to open the database file.
pub const SQLVIBE_CANTOPEN: c_int = 14;
/// Database lock protocol error.
pub const SQLVIBE_PROTOCOL: c_int = 15;
/// Internal use only (kept for SQLite's numbering).
pub const SQLVIBE_EMPTY: c_int = 16;
/// The database schema changed.
pub const SQLVIBE_SCHEMA: c_int = 17;
/// String or BLOB exceeds size limit.
pub const SQLVIBE_TOOBIG: c_int = 18;
/// Abort due to constraint violation.
pub const SQLVIBE_CONSTRAINT: c_int = 19;
/// Data type mismatch.
pub const SQLVIBE_MISMATCH: c_int = 20;
/// Library used incorrectly (NULL handle, bad UTF-8, wrong call order).
pub const SQLVIBE_MISUSE: c_int = 21;
/// Uses OS features not supported on host.
pub const SQLVIBE_NOLFS: c_int = 22;
/// Authorization denied.
pub const SQLVIBE_AUTH: c_int = 23;
/// Not used (kept for SQLite's numbering).
pub const SQLVIBE_FORMAT: c_int = 24;
/// Parameter or column index out of range.
pub const SQLVIBE_RANGE: c_int = 25;
/// File opened that is not a database file.
pub const SQLVIBE_NOTADB: c_int = 26;
/// Notifications (not an error).
pub const SQLVIBE_NOTICE: c_int = 27;
/// Warnings (not an error).
pub const SQLVIBE_WARNING: c_int = 28;
/// sqlvibe_step() has another row ready.
pub const SQLVIBE_ROW: c_int = 100;
/// sqlvibe_step() has finished executing.
pub const SQLVIBE_DONE: c_int = 101;

/// I/O error while reading.
pub const SQLVIBE_IOERR_READ: c_int = SQLVIBE_IOERR | (1 << 8);
/// A read returned fewer bytes than requested.
pub const SQLVIBE_IOERR_SHORT_READ: c_int = SQLVIBE_IOERR | (2 << 8);
/// I/O error while writing.
pub const SQLVIBE_IOERR_WRITE: c_int = SQLVIBE_IOERR | (3 << 8);
/// I/O error while syncing to stable storage.
pub const SQLVIBE_IOERR_FSYNC: c_int = SQLVIBE_IOERR | (4 << 8);
/// I/O error while truncating a file.
pub const SQLVIBE_IOERR_TRUNCATE: c_int = SQLVIBE_IOERR | (6 << 8);
/// I/O error while taking or releasing a file lock.
pub const SQLVIBE_IOERR_LOCK: c_int = SQLVIBE_IOERR | (15 << 8);
/// A read snapshot is stale and cannot be upgraded to a write transaction.
pub const SQLVIBE_BUSY_SNAPSHOT: c_int = SQLVIBE_BUSY | (2 << 8);
/// The statement was aborted by a ROLLBACK.
pub const SQLVIBE_ABORT_ROLLBACK: c_int = SQLVIBE_ABORT | (2 << 8);
/// CHECK constraint failed.
pub const SQLVIBE_CONSTRAINT_CHECK: c_int = SQLVIBE_CONSTRAINT | (1 << 8);
/// NOT NULL constraint failed.
pub const SQLVIBE_CONSTRAINT_NOTNULL: c_int = SQLVIBE_CONSTRAINT | (5 << 8);
/// PRIMARY KEY constraint failed.
pub const SQLVIBE_CONSTRAINT_PRIMARYKEY: c_int = SQLVIBE_CONSTRAINT | (6 << 8);
/// RAISE() in a trigger.
pub const SQLVIBE_CONSTRAINT_TRIGGER: c_int = SQLVIBE_CONSTRAINT | (7 << 8);
/// UNIQUE constraint failed.
pub const SQLVIBE_CONSTRAINT_UNIQUE: c_int = SQLVIBE_CONSTRAINT | (8 << 8);

/// Storage class INTEGER, as returned by sqlvibe_column_type().
pub const SQLVIBE_INTEGER: c_int = 1;
/// Storage class REAL.
pub const SQLVIBE_FLOAT: c_int = 2;
/// Storage class TEXT.
pub const SQLVIBE_TEXT: c_int = 3;
/// Storage class BLOB.
pub const SQLVIBE_BLOB: c_int = 4;
/// Storage class NULL.
pub const SQLVIBE_NULL: c_int = 5;

/// Text encoding UTF-8 (the only one sqlvibe_bind_text64 accepts).
pub const SQLVIBE_UTF8: c_int = 1;

/// `sqlvibe_wal_checkpoint_v2` mode: copy what can be copied without waiting.
pub const SQLVIBE_CHECKPOINT_PASSIVE: c_int = 0;
/// Wait for the writer, then copy every frame.
pub const SQLVIBE_CHECKPOINT_FULL: c_int = 1;
/// FULL, then make the next writer start the WAL from its beginning.
pub const SQLVIBE_CHECKPOINT_RESTART: c_int = 2;
/// RESTART, and truncate the WAL file to zero bytes.
pub const SQLVIBE_CHECKPOINT_TRUNCATE: c_int = 3;

/// sqlvibe_open_v2 flag: open for reading only.
pub const SQLVIBE_OPEN_READONLY: c_int = 0x1;
/// sqlvibe_open_v2 flag: open for reading and writing.
pub const SQLVIBE_OPEN_READWRITE: c_int = 0x2;
/// sqlvibe_open_v2 flag (with READWRITE): create the file if missing.
pub const SQLVIBE_OPEN_CREATE: c_int = 0x4;

/// The extended result code of an error kind. One arm per kind and no
/// catch-all, so adding a kind without a code does not compile.
pub fn extended_code(kind: ErrorKind) -> c_int {
    match kind {
        ErrorKind::Error => SQLVIBE_ERROR,
        ErrorKind::Internal => SQLVIBE_INTERNAL,
        ErrorKind::Perm => SQLVIBE_PERM,
        ErrorKind::Abort => SQLVIBE_ABORT,
        ErrorKind::AbortRollback => SQLVIBE_ABORT_ROLLBACK,
        ErrorKind::Busy => SQLVIBE_BUSY,
        ErrorKind::BusySnapshot => SQLVIBE_BUSY_SNAPSHOT,
        ErrorKind::Locked => SQLVIBE_LOCKED,
        ErrorKind::NoMem => SQLVIBE_NOMEM,
        ErrorKind::ReadOnly => SQLVIBE_READONLY,
        ErrorKind::Interrupt => SQLVIBE_INTERRUPT,
        ErrorKind::IoErr => SQLVIBE_IOERR,
        ErrorKind::IoErrRead => SQLVIBE_IOERR_READ,
        ErrorKind::IoErrShortRead => SQLVIBE_IOERR_SHORT_READ,
        ErrorKind::IoErrWrite => SQLVIBE_IOERR_WRITE,
        ErrorKind::IoErrFsync => SQLVIBE_IOERR_FSYNC,
        ErrorKind::IoErrTruncate => SQLVIBE_IOERR_TRUNCATE,
        ErrorKind::IoErrLock => SQLVIBE_IOERR_LOCK,
        ErrorKind::Corrupt => SQLVIBE_CORRUPT,
        ErrorKind::NotFound => SQLVIBE_NOTFOUND,
        ErrorKind::Full => SQLVIBE_FULL,
        ErrorKind::CantOpen => SQLVIBE_CANTOPEN,
        ErrorKind::Protocol => SQLVIBE_PROTOCOL,
        ErrorKind::Schema => SQLVIBE_SCHEMA,
        ErrorKind::TooBig => SQLVIBE_TOOBIG,
        ErrorKind::Constraint => SQLVIBE_CONSTRAINT,
        ErrorKind::ConstraintCheck => SQLVIBE_CONSTRAINT_CHECK,
        ErrorKind::ConstraintNotNull => SQLVIBE_CONSTRAINT_NOTNULL,
        ErrorKind::ConstraintPrimaryKey => SQLVIBE_CONSTRAINT_PRIMARYKEY,
        ErrorKind::ConstraintUnique => SQLVIBE_CONSTRAINT_UNIQUE,
        ErrorKind::ConstraintTrigger => SQLVIBE_CONSTRAINT_TRIGGER,
        ErrorKind::Mismatch => SQLVIBE_MISMATCH,
        ErrorKind::Misuse => SQLVIBE_MISUSE,
        ErrorKind::Range => SQLVIBE_RANGE,
        ErrorKind::NotADb => SQLVIBE_NOTADB,
    }
}

/// The primary code of an extended code (its low byte).
pub fn primary(code: c_int) -> c_int {
    code & 0xff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_codes_have_sqlite_numbers() {
        assert_eq!(SQLVIBE_CONSTRAINT_UNIQUE, 2067);
        assert_eq!(SQLVIBE_CONSTRAINT_NOTNULL, 1299);
        assert_eq!(SQLVIBE_CONSTRAINT_PRIMARYKEY, 1555);
        assert_eq!(SQLVIBE_CONSTRAINT_CHECK, 275);
        assert_eq!(SQLVIBE_CONSTRAINT_TRIGGER, 1811);
        assert_eq!(SQLVIBE_BUSY_SNAPSHOT, 517);
        assert_eq!(SQLVIBE_ABORT_ROLLBACK, 516);
        assert_eq!(SQLVIBE_IOERR_READ, 266);
        assert_eq!(SQLVIBE_IOERR_SHORT_READ, 522);
        assert_eq!(SQLVIBE_IOERR_WRITE, 778);
        assert_eq!(SQLVIBE_IOERR_FSYNC, 1034);
        assert_eq!(SQLVIBE_IOERR_TRUNCATE, 1546);
        assert_eq!(SQLVIBE_IOERR_LOCK, 3850);
    }

    #[test]
    fn every_kind_maps_to_its_primary() {
        let cases = [
            (ErrorKind::ConstraintUnique, SQLVIBE_CONSTRAINT),
            (ErrorKind::IoErrFsync, SQLVIBE_IOERR),
            (ErrorKind::BusySnapshot, SQLVIBE_BUSY),
            (ErrorKind::NotADb, SQLVIBE_NOTADB),
            (ErrorKind::Error, SQLVIBE_ERROR),
        ];
        for (kind, p) in cases {
            assert_eq!(primary(extended_code(kind)), p, "{kind:?}");
        }
    }
}
