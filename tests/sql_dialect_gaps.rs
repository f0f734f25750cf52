//! Dialect corners against the system SQLite 3.40: UPDATE ... FROM, the
//! ORDER BY / LIMIT of UPDATE and DELETE, `rowid` of views and subqueries,
//! column names of nested subqueries, temporary views under ROLLBACK, and
//! generated columns. Every script runs statement by statement on sqlvibe
//! and on SQLite (an in-memory database each); each statement's outcome
//! (column names, rows, error code and message) must match.

mod common;
use common::{reference, same, vibe};

/// `same`, then every table's full contents compared too.
fn same_with_tables(script: &[&str]) {
    let v = common::open();
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    for sql in script {
        assert_eq!(vibe(&v, sql), reference(&r, sql), "statement: {sql}");
    }
    let names = reference(&r, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").expect("tables").1;
    for n in names {
        let sqlvibe::Value::Text(name) = &n[0] else { panic!("table name {n:?}") };
        let q = format!("SELECT rowid, * FROM \"{name}\" ORDER BY rowid");
        assert_eq!(vibe(&v, &q), reference(&r, &q), "contents of {name} after {script:?}");
    }
}

const UF_SETUP: &[&str] = &[
    "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)",
    "CREATE TABLE s(id, x)",
    "INSERT INTO t VALUES(1, 1, 1), (2, 2, 2), (3, 3, 3)",
    "INSERT INTO s VALUES(4, 40), (2, 20), (1, 10)",
];

fn with_setup(rest: &[&'static str]) -> Vec<&'static str> {
    UF_SETUP.iter().chain(rest.iter()).copied().collect()
}

#[test]
fn update_from_joins_the_target_with_other_tables() {
    same_with_tables(&with_setup(&[
        "UPDATE t SET a = s.x FROM s WHERE s.id = t.id RETURNING *",
        "SELECT changes(), total_changes()",
        "UPDATE t SET a = x + b FROM s WHERE s.id = t.id",
        "UPDATE t AS q SET b = s.x * 2 FROM s WHERE s.id = q.id RETURNING id, b, b + 1",
        "UPDATE t SET a = 0 FROM s",
        "SELECT changes()",
        "UPDATE t SET a = 9 FROM s, (SELECT 3 AS k) AS k WHERE t.id = k.k",
        "UPDATE t SET a = 7 FROM s JOIN s AS s2 ON s.id = s2.id WHERE t.id = s2.id AND s.x > 15",
        "UPDATE t SET a = 8 FROM s LEFT JOIN s AS s2 ON s.id = s2.id + 100 WHERE t.id = s.id AND s2.id IS NULL",
        "SELECT changes(), * FROM t",
        "UPDATE t SET b = (SELECT sum(x) FROM s WHERE s.id <= t.id) FROM (SELECT 1)",
        "UPDATE t SET a = 1 FROM s WHERE x > 15 RETURNING a, b, t.id",
        "UPDATE t SET a = 2, b = s.x FROM s CROSS JOIN s AS s2 WHERE s.id = t.id AND s2.x = 40",
    ]));
}

#[test]
fn update_from_with_cte_conflicts_and_errors() {
    same_with_tables(&with_setup(&[
        "CREATE UNIQUE INDEX tb ON t(b)",
        "WITH w AS (SELECT id, x * 2 AS y FROM s) UPDATE t SET b = w.y FROM w WHERE w.id = t.id RETURNING b",
        "UPDATE t SET b = 3 FROM s WHERE s.id = t.id",
        "UPDATE OR IGNORE t SET b = 3 FROM s WHERE s.id = t.id",
        "SELECT changes()",
        "UPDATE OR REPLACE t SET b = 3 FROM s WHERE s.id = t.id AND s.id = 2",
        "UPDATE OR IGNORE t SET id = s.id + 1 FROM s WHERE s.id = t.id",
        "UPDATE OR FAIL t SET b = 3 FROM s WHERE s.id = t.id",
        "UPDATE t SET b = id FROM s WHERE s.id = t.id",
        "UPDATE t SET a = 1 FROM t",
        "UPDATE t SET a = 1 FROM s JOIN T ON 1",
        "UPDATE t SET a = 1 FROM nosuch",
        "UPDATE t SET nosuch = 2 FROM s",
        "UPDATE t SET a = s.nosuch FROM s",
        "UPDATE t AS q SET a = s.x FROM s WHERE s.id = q.id RETURNING q.a",
        "UPDATE t SET a = s.x FROM s WHERE s.id = t.id RETURNING s.x",
        "UPDATE t SET a = 3 FROM s ORDER BY x",
        "UPDATE t SET a = 5 FROM s WHERE s.id = t.id ORDER BY t.id DESC LIMIT 1",
        "UPDATE t SET a = 6 FROM s WHERE s.id = t.id ORDER BY s.x LIMIT 1 OFFSET 1",
        "WITH w AS (SELECT id FROM s) UPDATE t SET a = 0 WHERE id IN w RETURNING id, a",
        "WITH w AS (SELECT id FROM s WHERE x > 15) DELETE FROM t WHERE id IN w RETURNING id",
        "UPDATE nosuch SET a = 1 ORDER BY b",
    ]));
}

#[test]
fn update_and_delete_with_order_by_and_limit() {
    same_with_tables(&with_setup(&[
        "UPDATE t SET a = a * 10 ORDER BY b DESC LIMIT 2",
        "SELECT changes()",
        "UPDATE t SET a = -1 ORDER BY a LIMIT 1 OFFSET 1",
        "UPDATE t SET a = 3 LIMIT 1, 1",
        "UPDATE t SET a = 4 WHERE id > 1 LIMIT 1 OFFSET 10",
        "SELECT changes()",
        "UPDATE t SET a = a + 1 RETURNING a + 1 ORDER BY id DESC LIMIT 1",
        "UPDATE t SET a = 1 ORDER BY b",
        "UPDATE t SET a = 3 ORDER BY nosuch LIMIT 1",
        "UPDATE t SET a = 3 LIMIT 'x'",
        "DELETE FROM t ORDER BY a",
        "DELETE FROM t WHERE a > 1 RETURNING * ORDER BY id DESC LIMIT 1",
        "DELETE FROM t LIMIT 1 OFFSET 1",
        "SELECT changes(), * FROM t",
        "DELETE FROM s ORDER BY x COLLATE nocase DESC, id LIMIT 2 RETURNING x",
        "DELETE FROM t LIMIT -1",
        "SELECT changes()",
    ]));
}

#[test]
fn in_names_a_cte_or_view() {
    same(&[
        "CREATE TABLE t(a INTEGER, b TEXT)",
        "INSERT INTO t VALUES(1, '1'), (2, '2'), (3, 'x')",
        "CREATE VIEW v AS SELECT a FROM t WHERE a > 1",
        "SELECT a FROM t WHERE a IN v ORDER BY a",
        "SELECT a, b IN v FROM t ORDER BY a",
        "WITH w(k) AS (SELECT 2 UNION SELECT 3) SELECT a, a NOT IN w FROM t ORDER BY a",
        "WITH w AS (SELECT a, b FROM t) SELECT 1 IN w",
        "SELECT 1 IN nosuch",
    ]);
}

/// Runs every statement on both engines even after a mismatch, then
/// reports all mismatches at once.
fn same_all(script: &[&str]) {
    let v = common::open();
    let r = rusqlite::Connection::open_in_memory().expect("sqlite");
    let mut bad = Vec::new();
    for sql in script {
        let (a, b) = (vibe(&v, sql), reference(&r, sql));
        if a != b {
            bad.push(format!("{sql}\n  sqlvibe: {a:?}\n  sqlite:  {b:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn rowid_of_views_subqueries_and_ctes() {
    same_all(&[
        "CREATE TABLE t(a, b)",
        "INSERT INTO t VALUES(1, 2), (3, 4)",
        "CREATE TABLE t2(c)",
        "INSERT INTO t2 VALUES(9)",
        "CREATE VIEW v AS SELECT * FROM t",
        "CREATE VIEW vr AS SELECT rowid AS rowid, a FROM t",
        "SELECT rowid, _rowid_, oid, v.rowid, v._rowid_, typeof(rowid) FROM v",
        "SELECT rowid, x.rowid, x.oid FROM (SELECT a FROM t) AS x",
        "SELECT rowid FROM (SELECT a FROM t)",
        "SELECT rowid, a FROM vr",
        "SELECT * FROM v WHERE rowid = 1",
        "SELECT count(rowid), count(*) FROM v",
        "SELECT x.rowid FROM v AS x",
        "SELECT v.rowid FROM v AS x",
        "SELECT v.rowid, t.rowid FROM v, t ORDER BY 2",
        "SELECT _rowid_, oid, t.oid, t._rowid_ FROM t",
        "SELECT rowid FROM t, t2",
        "SELECT rowid FROM t, v",
        "SELECT rowid FROM t2, (SELECT 1)",
        "SELECT rowid FROM t2 JOIN v ON 1",
        "CREATE VIEW v2 AS SELECT rowid FROM v",
        "SELECT * FROM v2",
        "WITH c AS (SELECT a FROM t) SELECT rowid FROM c",
        "WITH c AS (SELECT a FROM t) SELECT c.rowid FROM c",
        "WITH c AS (SELECT a FROM t) SELECT oid FROM c",
        "WITH c AS (SELECT a FROM t) SELECT _rowid_ FROM c",
        "WITH c AS (SELECT a FROM t) SELECT a FROM c WHERE rowid = 1",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT rowid FROM r",
        "WITH c AS (SELECT rowid AS rowid, a FROM t) SELECT rowid, a FROM c",
    ]);
}

#[test]
fn column_names_of_nested_subqueries_ctes_and_views() {
    same_all(&[
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT)",
        "INSERT INTO t VALUES(1, 2, 'x')",
        "SELECT * FROM (SELECT a+1 FROM t)",
        "SELECT * FROM (SELECT a  +  1, b||'y', (a), t.a, -a, count(*) FROM t)",
        "SELECT * FROM (SELECT * FROM (SELECT a+1, b FROM t))",
        "SELECT * FROM (SELECT a+1 FROM t) AS s",
        "SELECT * FROM (SELECT rowid, oid, _rowid_, id, t.rowid FROM t)",
        "SELECT * FROM (SELECT a+1 FROM t UNION ALL SELECT a*2 FROM t)",
        "SELECT * FROM (SELECT 1, 'a', NULL, x'00', 1.5e0)",
        "SELECT * FROM (SELECT a/*c*/+1 FROM t)",
        "SELECT * FROM (SELECT CAST(a AS TEXT), a IN (1,2), CASE a WHEN 2 THEN 1 END FROM t)",
        "WITH c AS (SELECT a+1 FROM t) SELECT * FROM c",
        "WITH c AS (SELECT a+1, b FROM t), d AS (SELECT * FROM c) SELECT * FROM d",
        "WITH c AS (WITH e AS (SELECT a  *  2 FROM t) SELECT * FROM e) SELECT * FROM c",
        "SELECT * FROM (WITH c AS (SELECT a+1 FROM t) SELECT * FROM c)",
        "WITH c AS (SELECT a+1 FROM t) SELECT * FROM (SELECT * FROM c)",
        "WITH c AS (SELECT a + 1 AS k, b FROM t) SELECT * FROM c",
        "SELECT (SELECT a+1 FROM t), a+1 FROM t",
        "SELECT x.* FROM (SELECT a+1, b FROM t) AS x",
        "CREATE VIEW v AS SELECT a+1, b  ||  'z', rowid FROM t",
        "SELECT * FROM v",
        "CREATE VIEW v2 AS SELECT * FROM (SELECT a+1 FROM t)",
        "SELECT * FROM v2",
        "CREATE VIEW v3 AS WITH c AS (SELECT a  +  1 FROM t) SELECT * FROM c",
        "SELECT * FROM v3",
        "CREATE VIEW v4 AS SELECT * FROM v",
        "SELECT * FROM v4",
        "CREATE TABLE t2 AS SELECT * FROM (SELECT a+1, b FROM t)",
        "SELECT * FROM t2",
        "PRAGMA table_info(t2)",
        "PRAGMA table_info(v)",
        "INSERT INTO t SELECT * FROM (SELECT id+1, a+1, b FROM t) RETURNING *",
    ]);
}

#[test]
fn column_names_by_where_the_select_stands() {
    same_all(&[
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT)",
        "INSERT INTO t VALUES(1, 2, 'x')",
        "WITH c AS (SELECT rowid, A, \"B\", a COLLATE nocase, likely(a), +a, t.A, main.t.a, `a` FROM t) SELECT * FROM c",
        "CREATE VIEW w AS SELECT rowid, A, \"B\", a COLLATE nocase, likely(a), +a, t.A FROM t",
        "SELECT * FROM w",
        "SELECT rowid, A, \"B\", a COLLATE nocase, likely(a), +a, t.A FROM t",
        "SELECT * FROM (SELECT \"nosuch\" FROM t)",
        "SELECT * FROM (SELECT t.* FROM t)",
        "SELECT * FROM (SELECT x FROM (SELECT 1 AS X))",
        "CREATE TABLE t3 AS SELECT rowid, A, a COLLATE nocase FROM t",
        "PRAGMA table_info(t3)",
        "CREATE TABLE t4 AS WITH c AS (SELECT a+1 FROM t) SELECT *, a  ==  2, a <> 1 FROM c, t",
        "PRAGMA table_info(t4)",
        "CREATE VIEW w2 AS WITH c AS (SELECT A, b FROM t) SELECT a COLLATE nocase, B FROM c",
        "SELECT * FROM w2",
        "SELECT * FROM (SELECT a == 2, a<>1, a  !=  1 FROM t)",
    ]);
}

#[test]
fn update_from_and_delete_limit_fire_triggers() {
    same_with_tables(&with_setup(&[
        "CREATE TABLE log(what, id, v)",
        "CREATE TRIGGER tu BEFORE UPDATE ON t BEGIN INSERT INTO log VALUES('before', OLD.id, NEW.a); END",
        "CREATE TRIGGER ta AFTER UPDATE OF a ON t WHEN NEW.a > 15 BEGIN INSERT INTO log VALUES('after', NEW.id, NEW.a); END",
        "CREATE TRIGGER td AFTER DELETE ON t BEGIN INSERT INTO log VALUES('delete', OLD.id, OLD.a); END",
        "UPDATE t SET a = s.x FROM s WHERE s.id = t.id RETURNING id, a",
        "UPDATE t SET b = 0 ORDER BY id DESC LIMIT 1",
        "DELETE FROM t ORDER BY a DESC LIMIT 2 RETURNING id",
        "SELECT * FROM log ORDER BY rowid",
    ]));
}

#[test]
fn temporary_views_follow_rollback() {
    same_all(&[
        "CREATE TABLE t(a)",
        "INSERT INTO t VALUES(1)",
        "BEGIN",
        "CREATE TEMP VIEW v AS SELECT a FROM t",
        "SELECT * FROM v",
        "ROLLBACK",
        "SELECT * FROM v",
        "CREATE TEMP VIEW v2 AS SELECT a + 1 FROM t",
        "BEGIN",
        "DROP VIEW v2",
        "ROLLBACK",
        "SELECT * FROM v2",
        "BEGIN",
        "SAVEPOINT s",
        "CREATE TEMP VIEW v3 AS SELECT 3",
        "RELEASE s",
        "ROLLBACK",
        "SELECT * FROM v3",
        "SAVEPOINT a",
        "CREATE TEMP VIEW v4 AS SELECT 4",
        "SAVEPOINT b",
        "DROP VIEW v4",
        "CREATE TEMP VIEW v4 AS SELECT 44",
        "SELECT * FROM v4",
        "ROLLBACK TO b",
        "SELECT * FROM v4",
        "ROLLBACK TO a",
        "SELECT * FROM v4",
        "RELEASE a",
        "SELECT * FROM v4",
        "BEGIN",
        "CREATE TEMP VIEW v5 AS SELECT 5",
        "SAVEPOINT c",
        "CREATE TEMP VIEW v6 AS SELECT 6",
        "RELEASE c",
        "SAVEPOINT d",
        "ROLLBACK TO d",
        "COMMIT",
        "SELECT * FROM v5, v6",
        "ROLLBACK",
        "SELECT * FROM v5, v6",
        "SELECT name FROM sqlite_temp_master ORDER BY name",
        "SAVEPOINT e",
        "DROP VIEW v5",
        "RELEASE e",
        "SELECT name FROM sqlite_temp_master ORDER BY name",
    ]);
}

#[test]
fn limit_forms_pair_with_their_own_clause() {
    same_all(&[
        "CREATE TABLE t(x)",
        "INSERT INTO t VALUES(1), (2), (3), (4), (5), (6)",
        "WITH a AS (SELECT x FROM b LIMIT 1, 2), b AS (SELECT x FROM t LIMIT 4 OFFSET 1) SELECT * FROM a",
        "WITH a AS (SELECT x FROM b LIMIT 3 OFFSET 1), b AS (SELECT x FROM t LIMIT 1, 4) SELECT * FROM a",
        "WITH a AS (SELECT x FROM b LIMIT 1, 2), b AS (SELECT x FROM t LIMIT 1 OFFSET 2) SELECT * FROM a, b",
        "CREATE VIEW v AS WITH a AS (SELECT x FROM b LIMIT 2, 2), b AS (SELECT x FROM t LIMIT 5 OFFSET 0) SELECT * FROM a",
        "SELECT * FROM v",
        "SELECT x FROM t WHERE x IN (SELECT x FROM t LIMIT 2, 3) LIMIT 1 OFFSET 1",
    ]);
}

#[test]
fn outer_limit_stops_a_wrapped_unbounded_recursion() {
    same_all(&[
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r), w AS (SELECT n FROM r) SELECT n FROM w LIMIT 3",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r), \
         w AS (SELECT n * 2 AS m FROM r WHERE n % 2 = 0) SELECT m FROM w LIMIT 2, 3",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM (SELECT n FROM r) LIMIT 2",
    ]);
}

#[test]
fn clock_and_time_zone_refused_in_check_constraints() {
    same_with_tables(&[
        "CREATE TABLE t(a CHECK (a < date('now')))",
        "CREATE TABLE t2(a CHECK (a <> random()))",
        "CREATE TABLE t3(a CHECK (a < date('2020-01-01')), b CHECK (b < datetime(a, 'LocalTime')), \
         c CHECK (c <> datetime('2000-01-01', 'utc')))",
        "CREATE TABLE t4(a CHECK (a < current_date))",
        "CREATE TABLE t5(a CHECK (a < julianday()), b CHECK (b <> changes()))",
        "CREATE TABLE t7(a CHECK (a < strftime('%s', 'NOW')), b CHECK (b < unixepoch(NULL, 'utc')), \
         c CHECK (c < time('bad', 'localtime')))",
        "CREATE TABLE t8(a, b CHECK (b IS NULL OR b < datetime(a, 'start of day', 'utc')))",
        "INSERT INTO t VALUES('2000-01-01')",
        "INSERT INTO t2 VALUES(1)",
        "INSERT INTO t3 VALUES('2000-01-01', NULL, NULL)",
        "INSERT INTO t4 VALUES(1)",
        "INSERT INTO t5 VALUES(1, NULL)",
        "INSERT INTO t7 VALUES(NULL, NULL, '10:00')",
        "INSERT INTO t8 VALUES('2000-01-01', NULL)",
        "INSERT INTO t8 VALUES('bad', '1')",
        "INSERT INTO t8 VALUES('2000-01-01', '1')",
        "UPDATE t SET a = 1",
        "SELECT date('now') IS NOT NULL, datetime('2000-01-01', 'utc') IS NOT NULL",
    ]);
}
