//! The one error type of the crate: a kind (which fixes the primary and the
//! extended SQLite result code) and a message worded as SQLite words it.
//!
//! The mapping kind -> numeric code lives in `capi::codes` as one exhaustive
//! `match`, so a new kind cannot silently become SQLITE_ERROR.

use std::fmt;

/// What went wrong. Each variant fixes one SQLite extended result code; the
/// primary code is the low byte of the extended one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// SQLITE_ERROR (1): SQL error or missing database.
    Error,
    /// SQLITE_INTERNAL (2): an invariant of the engine did not hold.
    Internal,
    /// SQLITE_PERM (3).
    Perm,
    /// SQLITE_ABORT (4): callback requested abort, or statement rolled back.
    Abort,
    /// SQLITE_ABORT_ROLLBACK (516): a pending statement was aborted by a ROLLBACK.
    AbortRollback,
    /// SQLITE_BUSY (5): the database file is locked.
    Busy,
    /// SQLITE_BUSY_SNAPSHOT (517): a read snapshot is stale and cannot be upgraded to write.
    BusySnapshot,
    /// SQLITE_LOCKED (6).
    Locked,
    /// SQLITE_NOMEM (7).
    NoMem,
    /// SQLITE_READONLY (8).
    ReadOnly,
    /// SQLITE_INTERRUPT (9).
    Interrupt,
    /// SQLITE_IOERR (10).
    IoErr,
    /// SQLITE_IOERR_READ (266).
    IoErrRead,
    /// SQLITE_IOERR_SHORT_READ (522).
    IoErrShortRead,
    /// SQLITE_IOERR_WRITE (778).
    IoErrWrite,
    /// SQLITE_IOERR_FSYNC (1034).
    IoErrFsync,
    /// SQLITE_IOERR_TRUNCATE (1546).
    IoErrTruncate,
    /// SQLITE_IOERR_LOCK (3850).
    IoErrLock,
    /// SQLITE_CORRUPT (11).
    Corrupt,
    /// SQLITE_NOTFOUND (12).
    NotFound,
    /// SQLITE_FULL (13): disk full, or a quota would be exceeded.
    Full,
    /// SQLITE_CANTOPEN (14).
    CantOpen,
    /// SQLITE_PROTOCOL (15).
    Protocol,
    /// SQLITE_SCHEMA (17).
    Schema,
    /// SQLITE_TOOBIG (18).
    TooBig,
    /// SQLITE_CONSTRAINT (19), no finer kind.
    Constraint,
    /// SQLITE_CONSTRAINT_CHECK (275).
    ConstraintCheck,
    /// SQLITE_CONSTRAINT_NOTNULL (1299).
    ConstraintNotNull,
    /// SQLITE_CONSTRAINT_PRIMARYKEY (1555).
    ConstraintPrimaryKey,
    /// SQLITE_CONSTRAINT_UNIQUE (2067).
    ConstraintUnique,
    /// SQLITE_CONSTRAINT_TRIGGER (1811): RAISE(ABORT|FAIL|ROLLBACK).
    ConstraintTrigger,
    /// SQLITE_MISMATCH (20): data type mismatch.
    Mismatch,
    /// SQLITE_MISUSE (21): library used incorrectly.
    Misuse,
    /// SQLITE_RANGE (25): bind index out of range.
    Range,
    /// SQLITE_NOTADB (26): file is not a database.
    NotADb,
}

/// An error with SQLite's wording, e.g. `no such table: t`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into() }
    }
    /// SQLITE_ERROR with the given message (the common case for SQL errors).
    pub fn sql(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Error, message)
    }
    pub fn corrupt(detail: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Corrupt, format!("database disk image is malformed ({detail})"))
    }
    pub fn misuse(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Misuse, message)
    }
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, message)
    }
    /// Maps an OS error from a file operation to SQLite's code: ENOSPC -> FULL,
    /// anything else -> the given IOERR kind.
    pub fn io(kind: ErrorKind, err: &std::io::Error) -> Error {
        if err.raw_os_error() == Some(libc::ENOSPC) {
            Error::new(ErrorKind::Full, "database or disk is full")
        } else {
            Error::new(kind, format!("disk I/O error ({err})"))
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
