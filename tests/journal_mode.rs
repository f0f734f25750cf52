//! `PRAGMA journal_mode`: reported and switched as SQLite 3.40 does (checked
//! against the system SQLite through rusqlite), persisted as WAL-or-rollback,
//! and after every commit in a rollback mode the database file alone holds
//! every committed transaction (what is left beside it is checked on disk).

use sqlvibe::conn::{OPEN_CREATE, OPEN_READWRITE};
use sqlvibe::{Connection, Value};
use std::path::{Path, PathBuf};

mod common;
use common::script_rows as rows;

fn one(conn: &Connection, sql: &str) -> String {
    match rows(conn, sql).unwrap_or_else(|e| panic!("{sql}: {e}")).as_slice() {
        [r] => match &r[0] {
            Value::Text(t) => t.clone(),
            Value::Integer(i) => i.to_string(),
            v => format!("{v:?}"),
        },
        other => panic!("{sql}: {other:?}"),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sqlvibe-jmode-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn p(dir: &Path, f: &str) -> String {
    dir.join(f).to_str().unwrap().to_string()
}

/// The statements' outcomes (rows or error message) on SQLite, one per line.
fn sqlite_outcomes(path: &str, stmts: &[&str]) -> Vec<String> {
    let db = rusqlite::Connection::open(path).unwrap();
    stmts
        .iter()
        .map(|s| {
            let mut st = match db.prepare(s) {
                Ok(st) => st,
                Err(e) => return format!("error: {}", msg(&e)),
            };
            let n = st.column_count();
            let mut out = Vec::new();
            let mut q = st.raw_query();
            loop {
                match q.next() {
                    Ok(Some(r)) => out.push(
                        (0..n)
                            .map(|i| match r.get_ref(i).unwrap() {
                                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                                v => format!("{v:?}"),
                            })
                            .collect::<Vec<_>>()
                            .join("|"),
                    ),
                    Ok(None) => break,
                    Err(e) => return format!("error: {}", msg(&e)),
                }
            }
            out.join(",")
        })
        .collect()
}

fn msg(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        e => e.to_string(),
    }
}

fn sqlvibe_outcomes(path: &str, stmts: &[&str]) -> Vec<String> {
    let conn = Connection::open(path, OPEN_READWRITE | OPEN_CREATE).unwrap();
    stmts
        .iter()
        .map(|s| match rows(&conn, s) {
            Ok(r) => r
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|v| match v {
                            Value::Text(t) => t.clone(),
                            Value::Integer(i) => i.to_string(),
                            v => format!("{v:?}"),
                        })
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect::<Vec<_>>()
                .join(","),
            Err(e) => format!("error: {}", e.message),
        })
        .collect()
}

#[test]
fn reports_and_switches_like_sqlite() {
    let dir = temp_dir("diff");
    let scripts: &[&[&str]] = &[
        &[
            "PRAGMA journal_mode = WAL",
            "PRAGMA journal_mode",
            "PRAGMA journal_mode = bogus",
            "PRAGMA journal_mode = Delete",
            "PRAGMA main.journal_mode",
            "CREATE TABLE t(x)",
            "PRAGMA journal_mode = OFF",
            "PRAGMA journal_mode = memory",
            "PRAGMA journal_mode('persist')",
            "PRAGMA journal_mode = truncate",
            "INSERT INTO t VALUES(1)",
            "PRAGMA journal_mode = 'wal'",
            "PRAGMA journal_mode = wal",
            "SELECT count(*) FROM t",
        ],
        // Inside BEGIN: crossing WAL is an error; inside a write
        // transaction every change is ignored.
        &[
            "PRAGMA journal_mode = wal",
            "CREATE TABLE t(x)",
            "BEGIN",
            "PRAGMA journal_mode = delete",
            "SELECT count(*) FROM t",
            "PRAGMA journal_mode = delete",
            "INSERT INTO t VALUES(1)",
            "PRAGMA journal_mode = delete",
            "PRAGMA journal_mode = memory",
            "COMMIT",
            "PRAGMA journal_mode = delete",
            "BEGIN",
            "PRAGMA journal_mode = wal",
            "PRAGMA journal_mode = memory",
            "PRAGMA journal_mode",
            "INSERT INTO t VALUES(2)",
            "PRAGMA journal_mode = off",
            "PRAGMA journal_mode = persist",
            "COMMIT",
            "PRAGMA journal_mode",
            "SELECT count(*) FROM t",
        ],
    ];
    for (i, stmts) in scripts.iter().enumerate() {
        let a = p(&dir, &format!("lite{i}.db"));
        let b = p(&dir, &format!("vibe{i}.db"));
        assert_eq!(sqlvibe_outcomes(&b, stmts), sqlite_outcomes(&a, stmts), "script {i}");
    }
    // :memory: reports memory; only OFF and MEMORY take.
    let mem: &[&str] = &[
        "PRAGMA journal_mode",
        "PRAGMA journal_mode = wal",
        "PRAGMA journal_mode = delete",
        "PRAGMA journal_mode = off",
        "PRAGMA journal_mode = truncate",
        "PRAGMA journal_mode = memory",
        "BEGIN",
        "PRAGMA journal_mode = off",
        "COMMIT",
        "PRAGMA journal_mode",
    ];
    assert_eq!(sqlvibe_outcomes(":memory:", mem), sqlite_outcomes(":memory:", mem));
    let _ = std::fs::remove_dir_all(dir);
}

/// What lies beside the database file.
fn sidecar(path: &str) -> Option<Vec<u8>> {
    std::fs::read(format!("{path}-wal")).ok()
}

/// Opens a copy of the database file alone (no sidecar) and counts rows.
fn count_in_file_alone(dir: &Path, path: &str) -> i64 {
    let copy = p(dir, "alone.db");
    let _ = std::fs::remove_file(format!("{copy}-wal"));
    std::fs::copy(path, &copy).unwrap();
    let c = Connection::open(&copy, OPEN_READWRITE).unwrap();
    assert_eq!(one(&c, "PRAGMA integrity_check"), "ok");
    let n = one(&c, "SELECT count(*) FROM t").parse().unwrap();
    drop(c);
    let _ = std::fs::remove_file(&copy);
    let _ = std::fs::remove_file(format!("{copy}-wal"));
    n
}

#[test]
fn rollback_modes_leave_everything_in_the_database_file() {
    for mode in ["delete", "truncate", "persist", "memory", "off"] {
        for sync in ["OFF", "NORMAL", "FULL", "EXTRA"] {
            let dir = temp_dir(&format!("files-{mode}-{sync}"));
            let path = p(&dir, "t.db");
            let conn = Connection::open(&path, OPEN_READWRITE | OPEN_CREATE).unwrap();
            one(&conn, &format!("PRAGMA synchronous = {sync}; PRAGMA synchronous"));
            assert_eq!(one(&conn, &format!("PRAGMA journal_mode = {mode}")), mode);
            rows(&conn, "CREATE TABLE t(a, b)").unwrap();
            for i in 0..6 {
                if i % 2 == 0 {
                    rows(&conn, &format!("INSERT INTO t VALUES({i}, randomblob(3000))")).unwrap();
                } else {
                    rows(&conn, "BEGIN").unwrap();
                    for k in 0..20 {
                        rows(&conn, &format!("INSERT INTO t VALUES({}, randomblob(500))", i * 100 + k)).unwrap();
                    }
                    rows(&conn, "COMMIT").unwrap();
                }
                let side = sidecar(&path);
                match mode {
                    "delete" | "memory" | "off" => assert!(side.is_none(), "{mode}/{sync}: no file beside"),
                    "truncate" => assert_eq!(side.map(|s| s.len()), Some(0), "{mode}/{sync}: empty WAL"),
                    _ => {
                        let s = side.expect("persist keeps the file");
                        assert!(s.len() >= 32 && s[..32].iter().all(|&b| b == 0), "{mode}/{sync}: zeroed header");
                    }
                }
                let want = one(&conn, "SELECT count(*) FROM t").parse::<i64>().unwrap();
                assert_eq!(count_in_file_alone(&dir, &path), want, "{mode}/{sync} after commit {i}");
                let ck = rows(&conn, "PRAGMA wal_checkpoint").unwrap();
                assert_eq!(ck, vec![vec![Value::Integer(0), Value::Integer(-1), Value::Integer(-1)]]);
            }
            // ROLLBACK works in every mode (OFF included).
            rows(&conn, "BEGIN; DELETE FROM t; ROLLBACK").unwrap();
            assert_eq!(one(&conn, "SELECT count(*) FROM t"), "63");
            drop(conn);
            // The file reopens in DELETE (only WAL-ness is persisted).
            let conn = Connection::open(&path, OPEN_READWRITE).unwrap();
            assert_eq!(one(&conn, "PRAGMA journal_mode"), "delete", "{mode} reopens as delete");
            assert_eq!(one(&conn, "SELECT count(*) FROM t"), "63");
            assert_eq!(one(&conn, "PRAGMA journal_mode = wal"), "wal");
            rows(&conn, "INSERT INTO t VALUES(-1, NULL)").unwrap();
            assert!(sidecar(&path).is_some_and(|s| !s.is_empty()), "WAL mode keeps frames in the WAL");
            drop(conn);
            let conn = Connection::open(&path, OPEN_READWRITE).unwrap();
            assert_eq!(one(&conn, "PRAGMA journal_mode"), "wal", "WAL persists");
            assert_eq!(one(&conn, "SELECT count(*) FROM t"), "64");
            drop(conn);
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[test]
fn persisted_like_sqlite_header_and_leftover_wal_folded_at_open() {
    let dir = temp_dir("persist");
    let path = p(&dir, "t.db");
    let conn = Connection::open(&path, OPEN_READWRITE | OPEN_CREATE).unwrap();
    // On an empty file the mode is remembered and written by the first commit.
    assert_eq!(one(&conn, "PRAGMA journal_mode = delete"), "delete");
    rows(&conn, "CREATE TABLE t(a); INSERT INTO t VALUES(1)").unwrap();
    drop(conn);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[88..92], &[0, 0, 0, 1], "rollback family recorded at offset 88");
    // A WAL full of commits switched to DELETE is folded by the switch.
    let conn = Connection::open(&path, OPEN_READWRITE).unwrap();
    assert_eq!(one(&conn, "PRAGMA journal_mode = wal"), "wal");
    rows(&conn, "PRAGMA wal_autocheckpoint = 0; INSERT INTO t VALUES(2); INSERT INTO t VALUES(3)").unwrap();
    assert!(sidecar(&path).is_some());
    assert_eq!(one(&conn, "PRAGMA journal_mode = delete"), "delete");
    assert!(sidecar(&path).is_none());
    assert_eq!(count_in_file_alone(&dir, &path), 3);
    drop(conn);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn crossing_wal_needs_the_other_transactions_gone() {
    let dir = temp_dir("busy");
    let path = p(&dir, "t.db");
    let a = Connection::open(&path, OPEN_READWRITE | OPEN_CREATE).unwrap();
    let b = Connection::open(&path, OPEN_READWRITE).unwrap();
    rows(&a, "CREATE TABLE t(a); INSERT INTO t VALUES(1)").unwrap();
    rows(&b, "BEGIN; SELECT * FROM t").unwrap();
    let e = rows(&a, "PRAGMA journal_mode = delete").unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (sqlvibe::ErrorKind::Busy, "database is locked"));
    assert_eq!(one(&a, "PRAGMA journal_mode"), "wal");
    rows(&b, "COMMIT").unwrap();
    assert_eq!(one(&a, "PRAGMA journal_mode = delete"), "delete");
    assert_eq!(one(&b, "PRAGMA journal_mode"), "delete", "the mode belongs to the database");
    // Between rollback modes, another reader does not matter; and a reader
    // keeps its snapshot while commits are folded into the file under it.
    rows(&b, "BEGIN; SELECT * FROM t").unwrap();
    assert_eq!(one(&a, "PRAGMA journal_mode = truncate"), "truncate");
    for i in 0..50 {
        rows(&a, &format!("INSERT INTO t VALUES({i}); UPDATE t SET a = a + 1")).unwrap();
    }
    assert_eq!(one(&b, "SELECT count(*) || ',' || sum(a) FROM t"), "1,1");
    rows(&b, "COMMIT").unwrap();
    assert_eq!(one(&b, "SELECT count(*) FROM t"), "51");
    drop((a, b));
    let _ = std::fs::remove_dir_all(dir);
}

/// An old WAL generation revived beside a newer database file (a truncate,
/// unlink or header write lost at power loss) is ignored at open: applying
/// it would roll committed pages back.
#[test]
fn stale_wal_older_than_the_database_is_ignored() {
    let dir = temp_dir("stale");
    let path = p(&dir, "t.db");
    let conn = Connection::open(&path, OPEN_READWRITE | OPEN_CREATE).unwrap();
    rows(&conn, "PRAGMA wal_autocheckpoint = 0; CREATE TABLE t(a); INSERT INTO t VALUES(1); INSERT INTO t VALUES(2)")
        .unwrap();
    let old = sidecar(&path).unwrap();
    rows(&conn, "PRAGMA wal_checkpoint(TRUNCATE); UPDATE t SET a = a * 10; INSERT INTO t VALUES(3)").unwrap();
    drop(conn);
    assert!(sidecar(&path).is_none());
    std::fs::write(format!("{path}-wal"), &old).unwrap();
    let conn = Connection::open(&path, OPEN_READWRITE).unwrap();
    assert_eq!(one(&conn, "PRAGMA integrity_check"), "ok");
    assert_eq!(one(&conn, "SELECT group_concat(a) FROM t"), "10,20,3");
    rows(&conn, "INSERT INTO t VALUES(4)").unwrap();
    drop(conn);
    let conn = Connection::open(&path, OPEN_READWRITE).unwrap();
    assert_eq!(one(&conn, "SELECT group_concat(a) FROM t"), "10,20,3,4");
    drop(conn);
    let _ = std::fs::remove_dir_all(dir);
}
