//! The Rust Connection/Statement API: parameters, counters, transactions,
//! several active statements, re-preparation, persistence.

mod common;
use common::{exec, int, open, rows, text};
use sqlvibe::{Connection, ErrorKind, StepResult, Value};

#[test]
fn parameters() {
    let c = open();
    exec(&c, "CREATE TABLE t(a, b, c)");
    let (s, tail) = c.prepare("INSERT INTO t VALUES(?, :x, ?5); SELECT 1").unwrap();
    let mut s = s.unwrap();
    assert_eq!(tail, "INSERT INTO t VALUES(?, :x, ?5);".len());
    assert_eq!(s.parameter_count(), 5);
    assert_eq!(s.parameter_name(1), None);
    assert_eq!(s.parameter_name(2), Some(":x"));
    assert_eq!(s.parameter_name(5), Some("?5"));
    assert_eq!(s.parameter_index(":x"), 2);
    assert_eq!(s.parameter_index(":nope"), 0);
    assert_eq!(s.bind(6, int(1)).unwrap_err().kind, ErrorKind::Range);
    for i in 0..3 {
        s.bind(1, int(i)).unwrap();
        s.bind(2, text("x")).unwrap();
        s.bind(5, Value::Real(0.5)).unwrap();
        assert_eq!(s.step().unwrap(), StepResult::Done);
        s.reset();
    }
    s.clear_bindings();
    assert_eq!(s.step().unwrap(), StepResult::Done);
    let r = rows(&c, "SELECT * FROM t");
    assert_eq!(r.len(), 4);
    assert_eq!(r[2], vec![int(2), text("x"), Value::Real(0.5)]);
    assert_eq!(r[3], vec![Value::Null, Value::Null, Value::Null]);
    let (s, _) = c.prepare("SELECT $a, @b, $a, ?").unwrap();
    let s = s.unwrap();
    assert_eq!(s.parameter_count(), 3);
    assert_eq!(s.parameter_name(1), Some("$a"));
    assert_eq!(s.parameter_name(2), Some("@b"));
}

#[test]
fn counters() {
    let c = open();
    exec(&c, "CREATE TABLE t(a)");
    exec(&c, "INSERT INTO t VALUES(1)");
    exec(&c, "INSERT INTO t VALUES(2),(3)");
    assert_eq!((c.changes(), c.total_changes(), c.last_insert_rowid()), (2, 3, 3));
    exec(&c, "UPDATE t SET a = a");
    assert_eq!(c.changes(), 3);
    exec(&c, "DELETE FROM t");
    assert_eq!((c.changes(), c.total_changes()), (3, 9));
    // A SELECT leaves changes() alone.
    rows(&c, "SELECT * FROM t");
    assert_eq!(c.changes(), 3);
}

#[test]
fn autocommit_and_errors() {
    let c = open();
    assert!(c.is_autocommit());
    exec(&c, "BEGIN");
    assert!(!c.is_autocommit());
    let e = c.exec("BEGIN", &mut |_, _| true).unwrap_err();
    assert_eq!(e.message, "cannot start a transaction within a transaction");
    exec(&c, "COMMIT");
    assert!(c.is_autocommit());
    let e = c.exec("COMMIT", &mut |_, _| true).unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Error, "cannot commit - no transaction is active"));
    let e = c.prepare("SELECT * FROM nope").unwrap_err();
    assert_eq!(e.message, "no such table: nope");
    let e = c.prepare("SELEC 1").unwrap_err();
    assert_eq!(e.message, "near \"SELEC\": syntax error");
    let e = c.prepare("SELECT (1").unwrap_err();
    assert_eq!(e.message, "incomplete input");
    let (s, n) = c.prepare("  -- only a comment\n ").unwrap();
    assert!(s.is_none());
    assert_eq!(n, "  -- only a comment\n ".len());
}

#[test]
fn several_active_statements() {
    let c = open();
    exec(&c, "CREATE TABLE t(a)");
    exec(&c, "INSERT INTO t VALUES(1),(2),(3)");
    let (s, _) = c.prepare("SELECT a FROM t ORDER BY rowid").unwrap();
    let mut sel = s.unwrap();
    let mut seen = Vec::new();
    while sel.step().unwrap() == StepResult::Row {
        let v = sel.column_value(0).clone();
        if let Value::Integer(i) = v {
            exec(&c, &format!("INSERT INTO t VALUES({})", i + 100));
        }
        seen.push(v);
        if seen.len() > 10 {
            break;
        }
    }
    drop(sel);
    assert!(seen.len() >= 3);
    let n = rows(&c, "SELECT count(*) FROM t");
    assert_eq!(n[0][0], int(3 + seen.len() as i64));
    assert!(c.is_autocommit());
}

#[test]
fn reprepare_after_schema_change() {
    let c = open();
    exec(&c, "CREATE TABLE t(a)");
    exec(&c, "INSERT INTO t VALUES(1)");
    let (s, _) = c.prepare("SELECT * FROM t").unwrap();
    let mut s = s.unwrap();
    assert_eq!(s.column_count(), 1);
    exec(&c, "DROP TABLE t");
    exec(&c, "CREATE TABLE t(x, y)");
    exec(&c, "INSERT INTO t VALUES(5, 6)");
    assert_eq!(s.step().unwrap(), StepResult::Row);
    assert_eq!(s.column_count(), 2);
    assert_eq!(s.column_name(0), Some("x"));
    assert_eq!(s.column_value(1), &int(6));
    s.reset();
    exec(&c, "DROP TABLE t");
    let e = s.step().unwrap_err();
    assert_eq!(e.message, "no such table: t");
}

#[test]
fn column_metadata() {
    let c = open();
    exec(&c, "CREATE TABLE t(id INTEGER PRIMARY KEY, Name VARCHAR(20), v)");
    let (s, _) = c.prepare("SELECT id, name, v, v + 1, rowid, t.name AS n FROM t").unwrap();
    let s = s.unwrap();
    let names: Vec<_> = (0..s.column_count()).map(|i| s.column_name(i).unwrap().to_string()).collect();
    assert_eq!(names, ["id", "Name", "v", "v + 1", "id", "n"]);
    let decl: Vec<_> = (0..s.column_count()).map(|i| s.column_decltype(i)).collect();
    assert_eq!(decl, [Some("INTEGER"), Some("VARCHAR(20)"), None, None, Some("INTEGER"), Some("VARCHAR(20)")]);
    assert!(s.readonly());
    let (s, _) = c.prepare("INSERT INTO t(v) VALUES(1)").unwrap();
    assert!(!s.unwrap().readonly());
}

#[test]
fn interrupt_stops_a_scan() {
    let c = open();
    exec(&c, "CREATE TABLE t(a)");
    exec(&c, "INSERT INTO t VALUES(1),(2),(3)");
    let (s, _) = c.prepare("SELECT a FROM t").unwrap();
    let mut s = s.unwrap();
    assert_eq!(s.step().unwrap(), StepResult::Row);
    c.interrupt();
    let e = s.step().unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Interrupt, "interrupted"));
    drop(s);
    // The next statement runs normally.
    assert_eq!(rows(&c, "SELECT count(*) FROM t")[0][0], int(3));
}

#[test]
fn file_database_persists() {
    let dir = std::env::temp_dir().join(format!("sqlvibe-engine-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("persist.db");
    let _ = std::fs::remove_file(&path);
    let p = path.to_str().unwrap();
    {
        let c = Connection::open(p, sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE).unwrap();
        exec(&c, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE)");
        exec(&c, "BEGIN; INSERT INTO t VALUES(1, 'x'); INSERT INTO t VALUES(2, 'y'); COMMIT");
        assert_eq!(rows(&c, "PRAGMA journal_mode")[0][0], text("wal"));
    }
    {
        let c = Connection::open(p, sqlvibe::conn::OPEN_READWRITE).unwrap();
        assert_eq!(rows(&c, "SELECT b FROM t WHERE a = 2")[0][0], text("y"));
        assert_eq!(rows(&c, "SELECT a FROM t WHERE b = 'x'")[0][0], int(1));
        assert_eq!(rows(&c, "PRAGMA integrity_check")[0][0], text("ok"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_connections_share_a_file() {
    let dir = std::env::temp_dir().join(format!("sqlvibe-engine2-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("shared.db");
    let _ = std::fs::remove_file(&path);
    let p = path.to_str().unwrap();
    let flags = sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE;
    let a = Connection::open(p, flags).unwrap();
    let b = Connection::open(p, flags).unwrap();
    exec(&a, "PRAGMA page_size = 8192");
    exec(&a, "CREATE TABLE t(x)");
    assert_eq!(rows(&a, "PRAGMA page_size")[0][0], int(8192));
    // b prepared against the old schema sees the new one.
    exec(&a, "INSERT INTO t VALUES(1)");
    assert_eq!(rows(&b, "SELECT x FROM t")[0][0], int(1));
    // A reader's snapshot stays put while the writer commits.
    exec(&b, "BEGIN");
    assert_eq!(rows(&b, "SELECT count(*) FROM t")[0][0], int(1));
    exec(&a, "INSERT INTO t VALUES(2)");
    assert_eq!(rows(&b, "SELECT count(*) FROM t")[0][0], int(1));
    exec(&b, "COMMIT");
    assert_eq!(rows(&b, "SELECT count(*) FROM t")[0][0], int(2));
    // Only one writer: b's write waits out its busy timeout, then BUSY.
    exec(&a, "BEGIN IMMEDIATE");
    let e = b.exec("INSERT INTO t VALUES(3)", &mut |_, _| true).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Busy);
    exec(&a, "COMMIT");
    exec(&b, "INSERT INTO t VALUES(3)");
    exec(&a, "CREATE INDEX tx ON t(x)");
    assert_eq!(rows(&b, "SELECT x FROM t WHERE x = 3")[0][0], int(3));
    assert_eq!(rows(&b, "PRAGMA index_list(t)").len(), 1);
    drop(a);
    drop(b);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pragma_settings() {
    let c = open();
    assert_eq!(rows(&c, "PRAGMA journal_mode")[0][0], text("memory"));
    assert_eq!(rows(&c, "PRAGMA journal_mode = delete")[0][0], text("memory"));
    assert_eq!(rows(&c, "PRAGMA busy_timeout = 250")[0][0], int(250));
    assert_eq!(rows(&c, "PRAGMA busy_timeout")[0][0], int(250));
    exec(&c, "PRAGMA user_version = 42");
    assert_eq!(rows(&c, "PRAGMA user_version")[0][0], int(42));
    let v = rows(&c, "PRAGMA schema_version")[0][0].clone();
    exec(&c, "CREATE TABLE t(a)");
    assert_ne!(rows(&c, "PRAGMA schema_version")[0][0], v);
    assert_eq!(rows(&c, "PRAGMA database_list")[0][1], text("main"));
    assert!(rows(&c, "PRAGMA nonsense").is_empty());
}

#[test]
fn rowid_allocation_at_the_top() {
    let c = open();
    exec(&c, "CREATE TABLE t(a)");
    exec(&c, "INSERT INTO t(rowid, a) VALUES(9223372036854775807, 'top')");
    exec(&c, "INSERT INTO t(a) VALUES('random')");
    let r = rows(&c, "SELECT rowid, a FROM t ORDER BY rowid");
    assert_eq!(r.len(), 2);
    assert_eq!(r[1], vec![int(i64::MAX), text("top")]);
    assert!(matches!(r[0][0], Value::Integer(i) if i > 0 && i < i64::MAX));
    assert_eq!(
        c.last_insert_rowid(),
        match r[0][0] {
            Value::Integer(i) => i,
            _ => 0,
        }
    );
    // Statements see a snapshot of their own table.
    exec(&c, "INSERT INTO t SELECT * FROM t");
    assert_eq!(rows(&c, "SELECT count(*) FROM t")[0][0], int(4));
    exec(&c, "UPDATE t SET rowid = rowid - 1 WHERE rowid > 0 AND rowid < 9223372036854775807");
    assert_eq!(rows(&c, "SELECT count(*) FROM t")[0][0], int(4));
    assert_eq!(rows(&c, "PRAGMA integrity_check")[0][0], text("ok"));
}

#[test]
fn defaults_and_time() {
    let c = open();
    exec(&c, "CREATE TABLE t(a DEFAULT CURRENT_TIMESTAMP, b DEFAULT (1 + 2), c DEFAULT -1, d DEFAULT 'x''y')");
    exec(&c, "INSERT INTO t DEFAULT VALUES");
    let r = rows(&c, "SELECT typeof(a), length(a), b, c, d FROM t");
    assert_eq!(r[0], vec![text("text"), int(19), int(3), int(-1), text("x'y")]);
    let info = rows(&c, "PRAGMA table_info(t)");
    let dflt: Vec<Value> = info.iter().map(|r| r[4].clone()).collect();
    assert_eq!(dflt, vec![text("CURRENT_TIMESTAMP"), text("1 + 2"), text("-1"), text("'x''y'")]);
}

/// Every kind of write a read-only connection must refuse.
fn assert_refuses_writes(c: &Connection) {
    for sql in [
        "INSERT INTO t VALUES(9)",
        "UPDATE t SET x = 0",
        "DELETE FROM t",
        "CREATE TABLE u(y)",
        "CREATE INDEX tx ON t(x)",
        "DROP TABLE t",
        "PRAGMA user_version = 7",
    ] {
        let e = c.exec(sql, &mut |_, _| true).unwrap_err();
        assert_eq!(e.kind, ErrorKind::ReadOnly, "{sql}");
        assert_eq!(e.message, "attempt to write a readonly database", "{sql}");
    }
    // As in SQLite, BEGIN IMMEDIATE succeeds on a read-only connection
    // (it becomes a read transaction); the first write inside fails.
    exec(c, "BEGIN IMMEDIATE");
    let e = c.exec("INSERT INTO t VALUES(9)", &mut |_, _| true).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ReadOnly);
    exec(c, "COMMIT");
    // Settings that would change the file are ignored, reads work.
    exec(c, "PRAGMA page_size = 1024");
    assert_eq!(rows(c, "SELECT count(*) FROM t")[0][0], int(1));
    assert_eq!(rows(c, "PRAGMA user_version")[0][0], int(0));
}

fn readonly_fixture(tag: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("sqlvibe-ro-{tag}-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("ro.db");
    let _ = std::fs::remove_file(&path);
    let p = path.to_str().unwrap().to_string();
    let c = Connection::open(&p, sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE).unwrap();
    exec(&c, "CREATE TABLE t(x); INSERT INTO t VALUES(1)");
    drop(c);
    (dir, p)
}

#[test]
fn readonly_connection_beside_a_writer() {
    let (dir, p) = readonly_fixture("a");
    // Writer first: the shared Pager is read-write, the reader still refuses.
    let w = Connection::open(&p, sqlvibe::conn::OPEN_READWRITE).unwrap();
    let r = Connection::open(&p, sqlvibe::conn::OPEN_READONLY).unwrap();
    assert!(r.is_read_only() && !w.is_read_only());
    assert_refuses_writes(&r);
    assert_eq!(r.changes(), 0);
    exec(&w, "INSERT INTO t VALUES(2)");
    assert_eq!(rows(&r, "SELECT count(*) FROM t")[0][0], int(2));
    drop(r);
    drop(w);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn writer_beside_a_readonly_connection() {
    let (dir, p) = readonly_fixture("b");
    // Reader first: a later read-write connection can still write.
    let r = Connection::open(&p, sqlvibe::conn::OPEN_READONLY).unwrap();
    assert_refuses_writes(&r);
    let w = Connection::open(&p, sqlvibe::conn::OPEN_READWRITE).unwrap();
    exec(&w, "INSERT INTO t VALUES(2); CREATE TABLE u(y); PRAGMA user_version = 5");
    assert_eq!(rows(&r, "SELECT count(*) FROM t")[0][0], int(2));
    assert_eq!(rows(&r, "PRAGMA user_version")[0][0], int(5));
    let e = r.exec("INSERT INTO u VALUES(1)", &mut |_, _| true).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ReadOnly);
    drop(w);
    // The reader alone still refuses; a fresh writer after it sees everything.
    let e = r.exec("DELETE FROM t", &mut |_, _| true).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ReadOnly);
    drop(r);
    let w = Connection::open(&p, sqlvibe::conn::OPEN_READWRITE).unwrap();
    assert_eq!(rows(&w, "SELECT count(*) FROM t")[0][0], int(2));
    drop(w);
    let _ = std::fs::remove_dir_all(&dir);
}
