//! The WAL family: checkpoints on demand and the automatic checkpoint
//! threshold (`sqlite3_wal_checkpoint_v2`, `sqlite3_wal_autocheckpoint`).

use super::codes::*;
use super::connection::sqlvibe;
use crate::conn::CheckpointMode;
use std::os::raw::{c_char, c_int};

/// Checkpoints database `zDb` (NULL, "" or "main": the only database) in mode
/// `eMode` (SQLVIBE_CHECKPOINT_PASSIVE, FULL, RESTART or TRUNCATE). When
/// `pnLog` / `pnCkpt` are not NULL they receive the frames in the WAL and the
/// frames copied back (-1 and -1 for a database without a WAL). Returns
/// SQLVIBE_OK, SQLVIBE_BUSY when a FULL/RESTART/TRUNCATE checkpoint could not
/// get the writer or readers out of the way in time (the counts are still
/// set), SQLVIBE_MISUSE for an unknown mode, SQLVIBE_ERROR for an unknown
/// database name.
#[no_mangle]
pub extern "C" fn sqlvibe_wal_checkpoint_v2(
    db: *mut sqlvibe,
    zDb: *const c_char,
    eMode: c_int,
    pnLog: *mut c_int,
    pnCkpt: *mut c_int,
) -> c_int {
    with_db!(db, SQLVIBE_MISUSE, SQLVIBE_INTERNAL, {
        let write_counts = |log: c_int, ckpt: c_int| {
            // SAFETY: non-NULL out-parameters point to writable ints (C API contract).
            unsafe {
                if !pnLog.is_null() {
                    *pnLog = log;
                }
                if !pnCkpt.is_null() {
                    *pnCkpt = ckpt;
                }
            }
        };
        write_counts(-1, -1);
        let mode = match eMode {
            SQLVIBE_CHECKPOINT_PASSIVE => CheckpointMode::Passive,
            SQLVIBE_CHECKPOINT_FULL => CheckpointMode::Full,
            SQLVIBE_CHECKPOINT_RESTART => CheckpointMode::Restart,
            SQLVIBE_CHECKPOINT_TRUNCATE => CheckpointMode::Truncate,
            _ => return db.set_message(SQLVIBE_MISUSE, "unknown checkpoint mode"),
        };
        if !zDb.is_null() {
            let name =
                c_str_arg!(zDb, SQLVIBE_MISUSE, db.set_message(SQLVIBE_MISUSE, "database name is not valid UTF-8"));
            if !name.is_empty() && !name.eq_ignore_ascii_case("main") {
                return db.set_message(SQLVIBE_ERROR, &format!("unknown database: {name}"));
            }
        }
        let conn = match db.live() {
            Ok(c) => c,
            Err(rc) => return rc,
        };
        match conn.wal_checkpoint(mode) {
            Ok(info) => {
                let clamp = |n: i64| n.clamp(-1, c_int::MAX as i64) as c_int;
                write_counts(clamp(info.log_frames), clamp(info.checkpointed_frames));
                if info.busy {
                    db.set_message(SQLVIBE_BUSY, "database is locked")
                } else {
                    db.set_code(SQLVIBE_OK);
                    SQLVIBE_OK
                }
            }
            Err(e) => db.set_error(&e),
        }
    })
}

/// Checkpoints automatically after a commit once the WAL holds `N` frames
/// (default 1000); `N <= 0` turns automatic checkpoints off. Same as
/// `PRAGMA wal_autocheckpoint = N`. Returns SQLVIBE_OK (SQLVIBE_MISUSE for a
/// NULL or failed handle).
#[no_mangle]
pub extern "C" fn sqlvibe_wal_autocheckpoint(db: *mut sqlvibe, N: c_int) -> c_int {
    with_db!(db, SQLVIBE_MISUSE, SQLVIBE_INTERNAL, {
        match db.live() {
            Ok(conn) => {
                conn.set_wal_autocheckpoint(N);
                db.set_code(SQLVIBE_OK);
                SQLVIBE_OK
            }
            Err(rc) => rc,
        }
    })
}
