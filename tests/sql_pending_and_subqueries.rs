//! Regressions checked against SQLite 3.40: statements pending across
//! ROLLBACK / DROP, VALUES in FROM, collations through compounds and
//! subqueries. Each expected outcome was taken from the sqlite3 CLI / C API.

use sqlvibe::error::ErrorKind;
use sqlvibe::{Connection, StepResult, Value};

fn open() -> Connection {
    Connection::open(":memory:", sqlvibe::conn::OPEN_READWRITE | sqlvibe::conn::OPEN_CREATE).expect("open")
}

fn exec(conn: &Connection, sql: &str) {
    conn.exec(sql, &mut |_, _| true).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let (stmt, _) = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut stmt = stmt.expect("statement");
    let mut out = Vec::new();
    while stmt.step().unwrap_or_else(|e| panic!("{sql}: {e}")) == StepResult::Row {
        out.push((0..stmt.column_count()).map(|i| stmt.column_value(i).clone()).collect());
    }
    out
}

fn int(v: i64) -> Value {
    Value::Integer(v)
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// Inserts rows (1, tag) .. (n, tag) into `table`.
fn fill(conn: &Connection, table: &str, n: i64, tag: &str) {
    let mut s = conn.prepare(&format!("INSERT INTO {table} VALUES(?1, ?2)")).unwrap().0.unwrap();
    for i in 1..=n {
        s.reset();
        s.bind(1, int(i)).unwrap();
        s.bind(2, text(tag)).unwrap();
        assert_eq!(s.step().unwrap(), StepResult::Done);
    }
}

#[test]
fn pending_select_aborts_after_rollback() {
    let conn = open();
    exec(&conn, "BEGIN; CREATE TABLE t2(a,b);");
    fill(&conn, "t2", 1000, "T");
    let mut s = conn.prepare("SELECT a,b FROM t2").unwrap().0.unwrap();
    for i in 1..=5 {
        assert_eq!(s.step().unwrap(), StepResult::Row);
        assert_eq!(s.column_value(0), &int(i));
    }
    exec(&conn, "ROLLBACK");
    exec(&conn, "CREATE TABLE u(a,b)");
    fill(&conn, "u", 10000, "U");
    // SQLite: SQLITE_ABORT (extended ABORT_ROLLBACK) "abort due to ROLLBACK", then the rerun
    // finds the table gone.
    let e = s.step().unwrap_err();
    assert_eq!(e.kind, ErrorKind::AbortRollback);
    assert_eq!(e.message, "abort due to ROLLBACK");
    let e = s.step().unwrap_err();
    assert_eq!(e.message, "no such table: t2");
    drop(s);
    assert!(conn.is_autocommit());
    assert_eq!(rows(&conn, "SELECT count(*) FROM u WHERE b='U'"), vec![vec![int(10000)]]);
}

#[test]
fn pending_select_survives_read_only_rollback() {
    let conn = open();
    exec(&conn, "CREATE TABLE t2(a,b);");
    fill(&conn, "t2", 1000, "T");
    exec(&conn, "BEGIN");
    let mut s = conn.prepare("SELECT a FROM t2").unwrap().0.unwrap();
    for _ in 0..5 {
        assert_eq!(s.step().unwrap(), StepResult::Row);
    }
    // Nothing was written: the rollback leaves the reader's pages intact.
    exec(&conn, "ROLLBACK");
    let mut n = 5;
    while s.step().unwrap() == StepResult::Row {
        n += 1;
        assert_eq!(s.column_value(0), &int(n));
    }
    assert_eq!(n, 1000);
}

/// Steps `s` to the end, checking it yields a = n+1, n+2, ... after `n` rows.
fn drain_from(s: &mut sqlvibe::Statement, mut n: i64) -> i64 {
    while s.step().unwrap() == StepResult::Row {
        n += 1;
        assert_eq!(s.column_value(0), &int(n));
    }
    n
}

#[test]
fn pending_select_continues_when_rollback_keeps_the_schema() {
    // sqlite3 3.40: the reader re-seeks and goes on over the rolled-back data.
    let conn = open();
    exec(&conn, "CREATE TABLE t2(a,b); CREATE TABLE side(x);");
    fill(&conn, "t2", 1000, "T");
    let mut s = conn.prepare("SELECT a FROM t2").unwrap().0.unwrap();
    exec(&conn, "BEGIN");
    for _ in 0..5 {
        assert_eq!(s.step().unwrap(), StepResult::Row);
    }
    exec(
        &conn,
        "INSERT INTO t2 SELECT a + 1000, 'N' FROM t2; DELETE FROM t2 WHERE a % 2 = 0; INSERT INTO side VALUES(1);",
    );
    exec(&conn, "ROLLBACK");
    assert_eq!(drain_from(&mut s, 5), 1000);
    // ROLLBACK TO without a schema change: the same.
    s.reset();
    for _ in 0..5 {
        assert_eq!(s.step().unwrap(), StepResult::Row);
    }
    exec(&conn, "BEGIN; SAVEPOINT q; DELETE FROM t2 WHERE a < 500; ROLLBACK TO q; RELEASE q; COMMIT;");
    assert_eq!(drain_from(&mut s, 5), 1000);
    // ROLLBACK TO undoing a CREATE TABLE: SQLITE_ABORT "abort due to ROLLBACK".
    s.reset();
    exec(&conn, "SAVEPOINT sp");
    for _ in 0..5 {
        assert_eq!(s.step().unwrap(), StepResult::Row);
    }
    exec(&conn, "CREATE TABLE zz(a); ROLLBACK TO sp; RELEASE sp;");
    let e = s.step().unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::AbortRollback, "abort due to ROLLBACK"));
    drop(s);
    assert!(conn.is_autocommit());
    assert_eq!(rows(&conn, "SELECT count(*) FROM side"), vec![vec![int(0)]]);
}

#[test]
fn drop_under_pending_select_is_locked() {
    let conn = open();
    exec(&conn, "CREATE TABLE t2(a,b); CREATE TABLE other(x); CREATE INDEX i ON t2(a);");
    fill(&conn, "t2", 1000, "T");
    let mut s = conn.prepare("SELECT a,b FROM t2").unwrap().0.unwrap();
    for _ in 0..5 {
        assert_eq!(s.step().unwrap(), StepResult::Row);
    }
    for sql in ["DROP TABLE t2", "DROP INDEX i", "DROP TABLE other"] {
        let e = conn.exec(sql, &mut |_, _| true).unwrap_err();
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Locked, "database table is locked"), "{sql}");
    }
    // Missing objects report their own error first; IF EXISTS is a no-op.
    let e = conn.exec("DROP TABLE nope", &mut |_, _| true).unwrap_err();
    assert_eq!(e.message, "no such table: nope");
    exec(&conn, "DROP TABLE IF EXISTS nope");
    exec(&conn, "CREATE TABLE u(a,b)");
    fill(&conn, "u", 10000, "U");
    let mut n = 5;
    while s.step().unwrap() == StepResult::Row {
        n += 1;
        assert_eq!((s.column_value(0), s.column_value(1)), (&int(n), &text("T")));
    }
    assert_eq!(n, 1000);
    drop(s);
    exec(&conn, "DROP INDEX i; DROP TABLE t2;");
}

#[test]
fn failing_reader_keeps_writes_made_while_it_was_pending() {
    let conn = open();
    exec(&conn, "CREATE TABLE t(a); INSERT INTO t VALUES(1),(2),(-9223372036854775808); CREATE TABLE w(v);");
    let mut s = conn.prepare("SELECT abs(a) FROM t").unwrap().0.unwrap();
    assert_eq!(s.step().unwrap(), StepResult::Row);
    exec(&conn, "INSERT INTO w VALUES(42)");
    assert_eq!(s.step().unwrap(), StepResult::Row);
    // SQLite: "integer overflow"; the INSERT, committed meanwhile, stays.
    assert_eq!(s.step().unwrap_err().message, "integer overflow");
    drop(s);
    assert!(conn.is_autocommit());
    assert_eq!(rows(&conn, "SELECT v FROM w"), vec![vec![int(42)]]);
}

fn col(conn: &Connection, sql: &str) -> Vec<Value> {
    rows(conn, sql).into_iter().map(|mut r| r.remove(0)).collect()
}

#[test]
fn values_in_from() {
    let conn = open();
    let (s, _) = conn.prepare("SELECT * FROM (VALUES(1),(2))").unwrap();
    assert_eq!(s.unwrap().column_name(0), Some("column1"));
    assert_eq!(col(&conn, "SELECT * FROM (VALUES(1),(2))"), vec![int(1), int(2)]);
    assert_eq!(
        rows(&conn, "SELECT column2, column1 FROM (VALUES(1,'a'),(2,'b')) WHERE column1 > 1"),
        vec![vec![text("b"), int(2)]]
    );
    exec(&conn, "CREATE TABLE t(c TEXT COLLATE NOCASE); INSERT INTO t VALUES('ABC'),('abc'),('b');");
    assert_eq!(
        rows(&conn, "SELECT * FROM t, (VALUES(3),(4)) ORDER BY column1, c COLLATE BINARY"),
        vec![
            vec![text("ABC"), int(3)],
            vec![text("abc"), int(3)],
            vec![text("b"), int(3)],
            vec![text("ABC"), int(4)],
            vec![text("abc"), int(4)],
            vec![text("b"), int(4)],
        ]
    );
}

#[test]
fn collation_through_compounds() {
    let conn = open();
    exec(&conn, "CREATE TABLE t(c TEXT COLLATE NOCASE); INSERT INTO t VALUES('ABC'),('abc'),('b');");
    // Expected values from the sqlite3 3.40 CLI.
    assert_eq!(col(&conn, "SELECT c FROM t UNION SELECT 'B'"), vec![text("abc"), text("B")]);
    assert_eq!(col(&conn, "SELECT 'B' UNION SELECT c FROM t"), vec![text("abc"), text("b")]);
    assert_eq!(col(&conn, "SELECT c FROM t EXCEPT SELECT 'B'"), vec![text("abc")]);
    assert_eq!(col(&conn, "SELECT c FROM t INTERSECT SELECT 'B'"), vec![text("b")]);
    assert_eq!(
        col(&conn, "SELECT c FROM t UNION ALL SELECT 'B' ORDER BY 1"),
        vec![text("ABC"), text("abc"), text("b"), text("B")]
    );
    assert_eq!(col(&conn, "SELECT c FROM t UNION SELECT 'B' ORDER BY 1 COLLATE BINARY"), vec![text("B"), text("abc")]);
    // Of equal rows the later one is kept.
    assert_eq!(col(&conn, "SELECT 1 UNION SELECT 1.0"), vec![Value::Real(1.0)]);
    assert_eq!(col(&conn, "SELECT 1.0 UNION SELECT 1"), vec![int(1)]);
    // With ORDER BY (SQLite merges sorted sides): the first of each side,
    // the right side's for UNION.
    assert_eq!(col(&conn, "SELECT c FROM t UNION SELECT 'B' ORDER BY 1"), vec![text("ABC"), text("B")]);
    assert_eq!(col(&conn, "SELECT c FROM t UNION SELECT 'B' ORDER BY 1 DESC"), vec![text("B"), text("ABC")]);
    assert_eq!(col(&conn, "SELECT 'B' UNION SELECT c FROM t ORDER BY 1"), vec![text("ABC"), text("b")]);
    assert_eq!(
        col(&conn, "SELECT c FROM t UNION SELECT 'B' UNION SELECT 'aBc' ORDER BY 1"),
        vec![text("aBc"), text("B")]
    );
    assert_eq!(col(&conn, "SELECT c FROM t EXCEPT SELECT 'B' ORDER BY 1"), vec![text("ABC")]);
    assert_eq!(col(&conn, "SELECT c FROM t INTERSECT SELECT 'B' ORDER BY 1"), vec![text("b")]);
    assert_eq!(col(&conn, "SELECT 1 UNION SELECT 1.0 ORDER BY 1"), vec![Value::Real(1.0)]);
    assert_eq!(
        col(&conn, "SELECT 'b' UNION ALL SELECT c FROM t UNION SELECT 'B' ORDER BY 1"),
        vec![text("ABC"), text("B")]
    );
}

#[test]
fn collation_through_from_subqueries() {
    let conn = open();
    exec(&conn, "CREATE TABLE t(c TEXT COLLATE NOCASE); INSERT INTO t VALUES('ABC'),('abc'),('b');");
    assert_eq!(col(&conn, "SELECT c FROM (SELECT * FROM t) WHERE c='abc'"), vec![text("ABC"), text("abc")]);
    assert_eq!(col(&conn, "SELECT DISTINCT c FROM (SELECT * FROM t)"), vec![text("ABC"), text("b")]);
    assert_eq!(
        rows(&conn, "SELECT c, count(*) FROM (SELECT * FROM t) GROUP BY c"),
        vec![vec![text("ABC"), int(2)], vec![text("b"), int(1)]]
    );
    assert_eq!(col(&conn, "SELECT 'abc' IN (SELECT c FROM (SELECT * FROM t) WHERE c = 'ABC')"), vec![int(1)]);
    assert_eq!(
        col(&conn, "SELECT c FROM (SELECT c FROM t UNION ALL SELECT 'B') WHERE c='b'"),
        vec![text("b"), text("B")]
    );
}

#[test]
fn star_over_duplicate_aliases_is_ambiguous() {
    let conn = open();
    exec(&conn, "CREATE TABLE t(c); INSERT INTO t VALUES(1); CREATE TABLE u(d);");
    let err = |sql: &str| conn.exec(sql, &mut |_, _| true).unwrap_err().message;
    assert_eq!(err("SELECT * FROM t AS x JOIN t AS x"), "ambiguous column name: main.x.c");
    assert_eq!(err("SELECT * FROM t JOIN t"), "ambiguous column name: main.t.c");
    assert_eq!(err("SELECT x.* FROM t AS x JOIN t AS x"), "ambiguous column name: main.x.c");
    assert_eq!(err("SELECT * FROM (SELECT 1 c) AS x JOIN (SELECT 2 c) AS x"), "ambiguous column name: *.x.c");
    // No shared column name, or the shared one merged by USING / NATURAL: fine.
    assert_eq!(rows(&conn, "SELECT * FROM t AS x JOIN u AS x"), Vec::<Vec<Value>>::new());
    assert_eq!(col(&conn, "SELECT * FROM t AS x JOIN t AS X USING(c)"), vec![int(1)]);
    assert_eq!(rows(&conn, "SELECT x.* FROM t AS x JOIN t AS X USING(c)"), vec![vec![int(1), int(1)]]);
    assert_eq!(col(&conn, "SELECT * FROM t AS x NATURAL JOIN t AS x"), vec![int(1)]);
    assert_eq!(col(&conn, "SELECT 1 FROM t AS x JOIN t AS x"), vec![int(1)]);
    // A qualified name under a duplicated alias.
    assert_eq!(err("SELECT x.c FROM t AS x JOIN t AS x"), "ambiguous column name: x.c");
    assert_eq!(err("SELECT t.c FROM t JOIN t"), "ambiguous column name: t.c");
    assert_eq!(err("SELECT x.c FROM (SELECT 1 c) AS x JOIN (SELECT 2 c) AS x"), "ambiguous column name: x.c");
    assert_eq!(err("SELECT x.rowid FROM t AS x JOIN u AS x"), "no such column: x.rowid");
    assert_eq!(col(&conn, "SELECT x.c FROM t AS x JOIN t AS X USING(c)"), vec![int(1)]);
    assert_eq!(col(&conn, "SELECT x.c FROM t AS x NATURAL JOIN t AS x"), vec![int(1)]);
}
