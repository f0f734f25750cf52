//! I/O errors through SQL (a Connection over the fault-injecting VFS):
//! ENOSPC or EIO from a write or an fsync makes the statement fail with
//! SQLite's code — SQLITE_FULL (13) for a full disk on write,
//! SQLITE_IOERR_WRITE (778), SQLITE_IOERR_FSYNC (1034) — the transaction is
//! rolled back, the database stays consistent, and the connection works
//! again once the fault clears. Checked for every I/O operation of a
//! commit, in WAL and DELETE journal modes, autocommit and BEGIN...COMMIT.

use sqlvibe::capi::codes::extended_code;
use sqlvibe::conn::{OPEN_CREATE, OPEN_READWRITE};
use sqlvibe::storage::vfs::FaultKind;
use sqlvibe::storage::{FaultVfs, MemVfs};
use sqlvibe::{Connection, ErrorKind, Value};
use std::sync::Arc;

const PATH: &str = "io.db";

mod common;
use common::script_rows as rows;

fn ok(conn: &Connection) {
    assert_eq!(rows(conn, "PRAGMA integrity_check").unwrap(), vec![vec![Value::Text("ok".into())]]);
}

fn keys(conn: &Connection) -> Vec<i64> {
    rows(conn, "SELECT a FROM t ORDER BY a")
        .unwrap()
        .into_iter()
        .map(|r| match r[0] {
            Value::Integer(i) => i,
            ref v => panic!("{v:?}"),
        })
        .collect()
}

fn open(fv: &FaultVfs) -> Connection {
    Connection::open_with_vfs(Arc::new(fv.clone()), PATH, OPEN_READWRITE | OPEN_CREATE).unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Write,
    Sync,
}

/// The code SQLite gives the fault.
fn expected(op: Op, kind: FaultKind) -> (ErrorKind, i32) {
    match (op, kind) {
        (Op::Write, FaultKind::Enospc) => (ErrorKind::Full, 13),
        (Op::Write, FaultKind::Eio) => (ErrorKind::IoErrWrite, 778),
        (Op::Sync, _) => (ErrorKind::IoErrFsync, 1034),
    }
}

/// The writing transaction under test: autocommit or BEGIN...COMMIT.
fn write_txn(conn: &Connection, k: i64, explicit: bool) -> sqlvibe::Result<()> {
    let ins = format!("INSERT INTO t VALUES({k}, randomblob(1500))");
    if !explicit {
        return rows(conn, &ins).map(|_| ());
    }
    rows(conn, "BEGIN")?;
    rows(conn, &ins)?;
    rows(conn, "UPDATE t SET b = b || 'x' WHERE a < 3")?;
    rows(conn, &format!("INSERT INTO t VALUES({}, 'second')", k + 1))?;
    let r = rows(conn, "COMMIT").map(|_| ());
    if r.is_err() {
        assert!(conn.is_autocommit(), "a failed COMMIT rolls the transaction back");
    }
    r
}

fn one_case(mode: &str, op: Op, kind: FaultKind, nth: u64, explicit: bool) -> bool {
    let fv = FaultVfs::new(Arc::new(MemVfs::new()));
    let conn = open(&fv);
    rows(&conn, &format!("PRAGMA journal_mode = {mode}; PRAGMA wal_autocheckpoint = 4")).unwrap();
    rows(&conn, "CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB)").unwrap();
    for i in 0..10 {
        rows(&conn, &format!("INSERT INTO t VALUES({i}, randomblob(300))")).unwrap();
    }
    let before = keys(&conn);
    match op {
        Op::Write => fv.fail_write(fv.write_count() + nth, kind, false),
        Op::Sync => fv.fail_sync(fv.sync_count() + nth, kind, false),
    }
    let (w0, s0) = (fv.write_count(), fv.sync_count());
    let r = write_txn(&conn, 100, explicit);
    let reached = match op {
        Op::Write => fv.write_count() - w0 >= nth,
        Op::Sync => fv.sync_count() - s0 >= nth,
    };
    let what = format!("{mode} {op:?} {kind:?} #{nth} explicit={explicit}");
    let mut after = keys(&conn);
    match r {
        Err(e) => {
            let (k, code) = expected(op, kind);
            assert_eq!(e.kind, k, "{what}: {e}");
            assert_eq!(extended_code(e.kind), code, "{what}");
            assert_eq!(after, before, "{what}: the failed transaction is rolled back");
        }
        Ok(()) => {
            // The fault hit after the commit was durable (e.g. the copy into
            // the database file in DELETE mode): the commit stands.
            assert!(after.contains(&100), "{what}");
        }
    }
    ok(&conn);
    // The fault is gone (one-shot, or cleared): the connection works.
    fv.clear_faults();
    write_txn(&conn, 200, explicit).unwrap_or_else(|e| panic!("{what}: after the fault: {e}"));
    after = keys(&conn);
    ok(&conn);
    drop(conn);
    let conn = open(&fv);
    ok(&conn);
    assert_eq!(keys(&conn), after, "{what}: what the connection saw is what is on disk");
    reached
}

#[test]
fn every_io_operation_of_a_commit_can_fail() {
    for mode in ["wal", "delete"] {
        for explicit in [false, true] {
            for (op, kind) in [
                (Op::Write, FaultKind::Enospc),
                (Op::Write, FaultKind::Eio),
                (Op::Sync, FaultKind::Eio),
                (Op::Sync, FaultKind::Enospc),
            ] {
                let mut nth = 1;
                while one_case(mode, op, kind, nth, explicit) {
                    nth += 1;
                    assert!(nth < 50, "bounded");
                }
                assert!(nth > 1, "{mode} {op:?}: the commit does at least one");
            }
        }
    }
}

#[test]
fn persistent_failure_then_recovery() {
    let fv = FaultVfs::new(Arc::new(MemVfs::new()));
    let conn = open(&fv);
    rows(&conn, "CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB); INSERT INTO t VALUES(1, 'one')").unwrap();
    // The disk is full for good: every write fails, reads keep working.
    fv.fail_write(fv.write_count() + 1, FaultKind::Enospc, true);
    for k in 2..6 {
        let e = write_txn(&conn, k * 10, k % 2 == 0).unwrap_err();
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Full, "database or disk is full"));
        assert_eq!(keys(&conn), vec![1]);
        ok(&conn);
    }
    // Space comes back.
    fv.clear_faults();
    write_txn(&conn, 7, false).unwrap();
    assert_eq!(keys(&conn), vec![1, 7]);
    drop(conn);
    let conn = open(&fv);
    ok(&conn);
    assert_eq!(keys(&conn), vec![1, 7]);
}

/// Every row of t.
fn contents(conn: &Connection) -> Vec<Vec<Value>> {
    rows(conn, "SELECT a, b FROM t ORDER BY a").unwrap()
}

/// A spill (the WAL tail write of a transaction past its budget) that
/// fails in the middle of a statement, often inside a b-tree split, undoes
/// the whole statement — also one that runs without a statement journal
/// (OR IGNORE / OR REPLACE inside BEGIN keeps the rows written before an
/// error raised between rows, never half a row): the rows it wrote before
/// the failure go too, the tree is intact, and the transaction goes on and
/// commits. Each failing write of each statement in turn.
#[test]
fn failed_spill_mid_statement_undoes_the_statement() {
    let lit = |k: i64| format!("({k}, '{}')", "x".repeat(300 + (k as usize * 37) % 1500));
    let values = |from: i64, n: i64| (from..from + n).map(lit).collect::<Vec<_>>().join(", ");
    let statements = [
        format!("INSERT OR IGNORE INTO t VALUES {}", values(20, 150)),
        format!("INSERT OR REPLACE INTO t VALUES {}", values(0, 150)),
        format!("UPDATE OR REPLACE t SET b = '{}' WHERE a % 2 = 0", "y".repeat(2500)),
        format!("INSERT INTO t VALUES {}", values(100, 150)),
    ];
    for (i, stmt) in statements.iter().enumerate() {
        let mut failures = 0;
        for nth in 1.. {
            assert!(nth < 100, "bounded");
            let fv = FaultVfs::new(Arc::new(MemVfs::new()));
            let conn = open(&fv);
            // 16 pages of budget: the statement spills several times.
            rows(&conn, "PRAGMA cache_memory = 1; CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)").unwrap();
            rows(&conn, &format!("INSERT INTO t VALUES {}", values(0, 60))).unwrap();
            rows(&conn, "BEGIN; DELETE FROM t WHERE a % 3 = 0").unwrap();
            let before = contents(&conn);
            fv.fail_write(fv.write_count() + nth, FaultKind::Eio, false);
            let r = rows(&conn, stmt);
            fv.clear_faults();
            let what = format!("statement {i}, write #{nth}");
            let done = r.is_ok();
            let want = match r {
                Err(e) => {
                    assert_eq!(e.kind, ErrorKind::IoErrWrite, "{what}: {e}");
                    assert!(!conn.is_autocommit(), "{what}: the transaction goes on");
                    assert_eq!(contents(&conn), before, "{what}: the statement is undone");
                    ok(&conn);
                    failures += 1;
                    before
                }
                Ok(_) => contents(&conn),
            };
            rows(&conn, "COMMIT").unwrap();
            drop(conn);
            let conn = open(&fv);
            ok(&conn);
            assert_eq!(contents(&conn), want, "{what}: committed");
            if done {
                break;
            }
        }
        assert!(failures > 1, "statement {i}: failed at {failures} spills");
    }
}
