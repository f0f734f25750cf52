//! Views and common table expressions against the system SQLite: the same
//! scripts run on both engines; column names, rows (in order: every query
//! here either orders its rows or reads them in an order SQLite fixes),
//! error codes and messages must agree.

mod common;
use common::{open, reference, vibe};

/// Runs every statement on both engines; panics listing every difference.
fn same(script: &[&str]) {
    let v = open();
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    let mut bad = Vec::new();
    for sql in script {
        let a = vibe(&v, sql);
        let b = reference(&r, sql);
        if a != b {
            bad.push(format!("statement: {sql}\n  sqlvibe: {a:?}\n  sqlite:  {b:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn scratch() {
    same(&[
        "CREATE TABLE t(a INT, b TEXT)",
        "INSERT INTO t VALUES(1,'x'),(2,'y'),(NULL,'z')",
        "CREATE VIEW v AS SELECT a, b||'!' AS c, a+1 FROM t",
        "SELECT * FROM v",
        "SELECT sql, type, name, tbl_name, rootpage FROM sqlite_schema",
        "CREATE VIEW v AS SELECT 1",
        "CREATE TABLE v(x)",
        "CREATE INDEX i ON v(a)",
        "DROP TABLE v",
        "DROP VIEW t",
        "INSERT INTO v VALUES(1,2,3)",
        "UPDATE v SET a=1",
        "DELETE FROM v",
        "CREATE VIEW w AS SELECT * FROM nosuch",
        "SELECT * FROM w",
        "CREATE VIEW c1 AS SELECT * FROM c2",
        "CREATE VIEW c2 AS SELECT * FROM c1",
        "SELECT * FROM c1",
        "CREATE VIEW vv(x,y) AS SELECT 1",
        "CREATE VIEW v2(x,y) AS SELECT a,b FROM t",
        "SELECT * FROM v2",
        "SELECT typeof(a), typeof(c) FROM v",
        "DROP VIEW nosuch",
        "DROP VIEW IF EXISTS nosuch",
        "WITH x AS (SELECT * FROM nosuch) SELECT 1",
        "WITH x AS (SELECT * FROM x) SELECT * FROM x",
        "WITH x(a,b) AS (SELECT 1) SELECT * FROM x",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c, c) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT max(x)+1 FROM c) SELECT * FROM c",
        "WITH x AS (SELECT 1), x AS (SELECT 2) SELECT * FROM x",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 5) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 3 OFFSET 2) SELECT * FROM c",
        "WITH c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 3) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c LIMIT 10",
        "WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a",
        "WITH q AS (SELECT a, a FROM t) SELECT * FROM q",
        "SELECT * FROM (SELECT a, a FROM t)",
        "WITH q(x) AS (SELECT 7) SELECT * FROM q a, q b",
        "WITH q AS (SELECT a+1, a FROM t) SELECT * FROM q",
        "WITH RECURSIVE c(d,p) AS (SELECT 0, '' UNION ALL SELECT d+1, p||v FROM c, (SELECT 'a' v UNION ALL SELECT 'b') WHERE d<2 ORDER BY 1) SELECT * FROM c",
        "WITH RECURSIVE c(d,p) AS (SELECT 0, '' UNION ALL SELECT d+1, p||v FROM c, (SELECT 'a' v UNION ALL SELECT 'b') WHERE d<2 ORDER BY 1 DESC) SELECT * FROM c",
        "WITH t(a) AS (SELECT 9) SELECT * FROM t",
        "WITH c(x) AS (SELECT 1) INSERT INTO t SELECT x, 'c' FROM c",
        "WITH c(x) AS (SELECT 2) UPDATE t SET b = 'u' WHERE a IN (SELECT x FROM c)",
        "WITH c(x) AS (SELECT 1) DELETE FROM t WHERE a = (SELECT x FROM c)",
        "SELECT * FROM t",
        "CREATE TEMP VIEW tv AS SELECT 5",
        "SELECT * FROM tv",
        "SELECT sql FROM sqlite_temp_master",
    ]);
}
