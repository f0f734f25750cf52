//! The WAL and durability PRAGMAs read and change the pager's real settings
//! (SQLite's names, values and result rows), and their effect shows on disk.

use sqlvibe::conn::{OPEN_CREATE, OPEN_READWRITE};
use sqlvibe::{Connection, StepResult, Value};

fn rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    let mut rest = sql;
    while !rest.trim().is_empty() {
        let (stmt, used) = conn.prepare(rest).unwrap_or_else(|e| panic!("{rest}: {e}"));
        rest = &rest[used..];
        let Some(mut stmt) = stmt else { break };
        while stmt.step().unwrap() == StepResult::Row {
            out.push((0..stmt.column_count()).map(|i| stmt.column_value(i).clone()).collect());
        }
    }
    out
}

fn int(i: i64) -> Vec<Vec<Value>> {
    vec![vec![Value::Integer(i)]]
}

fn temp_db(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("sqlvibe-pragma-wal-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.db").to_str().unwrap().to_string();
    (dir, path)
}

#[test]
fn synchronous_levels_by_name_and_number() {
    let (dir, path) = temp_db("sync");
    let conn = Connection::open(&path, OPEN_READWRITE | OPEN_CREATE).unwrap();
    assert_eq!(rows(&conn, "PRAGMA synchronous"), int(2), "FULL by default");
    for (set, want) in [("OFF", 0), ("normal", 1), ("Full", 2), ("EXTRA", 3), ("0", 0), ("3", 3), ("1", 1)] {
        assert_eq!(rows(&conn, &format!("PRAGMA synchronous = {set}; PRAGMA synchronous")), int(want), "{set}");
    }
    // Per connection, as in SQLite: another connection to the same file
    // keeps its own level.
    let other = Connection::open(&path, OPEN_READWRITE | OPEN_CREATE).unwrap();
    assert_eq!(rows(&other, "PRAGMA synchronous"), int(2));
    rows(&other, "PRAGMA synchronous = OFF");
    assert_eq!(rows(&conn, "PRAGMA synchronous"), int(1));
    drop(other);
    drop(conn);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn checkpoint_and_size_limits() {
    let (dir, path) = temp_db("ckpt");
    let wal = format!("{path}-wal");
    let conn = Connection::open(&path, OPEN_READWRITE | OPEN_CREATE).unwrap();
    assert_eq!(rows(&conn, "PRAGMA wal_autocheckpoint"), int(1000));
    assert_eq!(rows(&conn, "PRAGMA wal_autocheckpoint = 0"), int(0), "0 disables");
    assert_eq!(rows(&conn, "PRAGMA journal_size_limit"), int(-1));
    assert_eq!(rows(&conn, "PRAGMA wal_truncate"), int(0));
    rows(&conn, "CREATE TABLE t(a); INSERT INTO t VALUES(randomblob(10000)); INSERT INTO t VALUES(1)");
    let st = rows(&conn, "PRAGMA wal_status");
    let Value::Integer(frames) = st[0][0] else { panic!("{st:?}") };
    assert!(frames > 0);
    assert_eq!(st[0][1], Value::Integer(std::fs::metadata(&wal).unwrap().len() as i64), "bytes = WAL size on disk");
    // PASSIVE copies everything (no other reader): busy 0, log = checkpointed.
    assert_eq!(
        rows(&conn, "PRAGMA wal_checkpoint"),
        vec![vec![Value::Integer(0), Value::Integer(frames), Value::Integer(frames)]]
    );
    // TRUNCATE leaves a zero-byte WAL.
    rows(&conn, "INSERT INTO t VALUES(2)");
    assert_eq!(rows(&conn, "PRAGMA wal_checkpoint(TRUNCATE)"), vec![vec![Value::Integer(0); 3]]);
    assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0);
    // journal_size_limit = 0: the WAL is kept as small as possible after commits.
    assert_eq!(rows(&conn, "PRAGMA journal_size_limit = 0"), int(0));
    for i in 0..20 {
        rows(&conn, &format!("INSERT INTO t VALUES({i})"));
    }
    assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);
    assert_eq!(rows(&conn, "SELECT count(*) FROM t"), int(23));
    assert_eq!(rows(&conn, "PRAGMA wal_truncate = ON; PRAGMA wal_truncate"), int(1));
    assert_eq!(rows(&conn, "PRAGMA wal_truncate_threshold = 4096; PRAGMA wal_truncate_threshold"), int(4096));
    assert_eq!(rows(&conn, "PRAGMA integrity_check"), vec![vec![Value::Text("ok".into())]]);
    drop(conn);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn memory_databases_have_no_wal() {
    let conn = Connection::open(":memory:", OPEN_READWRITE | OPEN_CREATE).unwrap();
    assert_eq!(
        rows(&conn, "PRAGMA wal_checkpoint"),
        vec![vec![Value::Integer(0), Value::Integer(-1), Value::Integer(-1)]]
    );
    // SQLite reports FULL for :memory: too (syncing it is a no-op).
    assert_eq!(rows(&conn, "PRAGMA synchronous"), int(2));
}
