//! ALTER TABLE on tables that triggers refer to, against the system SQLite:
//! RENAME TO and RENAME COLUMN rewrite the stored trigger texts (the ON
//! target, body targets, FROM items, qualified and bare column references,
//! UPDATE OF lists, NEW / OLD), DROP COLUMN fails while a trigger still
//! uses the column. Each script runs statement by statement on sqlvibe and
//! on SQLite (a temporary database file each): every statement's outcome
//! must match, then the schema table (byte for byte) and every table's
//! contents; the scripts run DML after each ALTER so the rewritten
//! triggers are seen firing.

mod common;

/// Runs `script` on both engines and compares everything (see the module
/// doc).
fn same_db(script: &[&str]) {
    common::same_on_disk("altertrig", script, true);
}

const SCHEMA: [&str; 6] = [
    "CREATE TABLE t(a, b, c)",
    "CREATE TABLE u(x, y)",
    "CREATE TABLE log(m, n)",
    "CREATE TRIGGER tr1 AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a, (SELECT count(*) FROM t)); UPDATE u SET y = new.b WHERE x = new.a; END",
    "CREATE TRIGGER tr2 BEFORE UPDATE OF a, b ON \"t\" WHEN new.a > old.a BEGIN DELETE FROM log WHERE m IN (SELECT t.a FROM t JOIN u ON t.a = u.x); INSERT INTO log(m, n) SELECT x, y FROM u; END",
    "CREATE TRIGGER tr3 AFTER DELETE ON u BEGIN UPDATE t SET a = a + 1, b = t.b WHERE c = old.x; INSERT INTO t(a,c) VALUES(old.x, old.y); END",
];

fn with_schema(rest: &[&'static str]) -> Vec<&'static str> {
    let mut s = SCHEMA.to_vec();
    s.extend_from_slice(rest);
    s
}

#[test]
fn rename_table_rewrites_triggers() {
    same_db(&with_schema(&[
        "INSERT INTO u VALUES(1, 10), (2, 20)",
        "INSERT INTO t VALUES(1, 'one', 1)",
        "ALTER TABLE t RENAME TO tt",
        "INSERT INTO tt VALUES(2, 'two', 2)",
        "UPDATE tt SET a = 5 WHERE a = 1",
        "DELETE FROM u WHERE x = 2",
        "ALTER TABLE u RENAME TO \"U 2\"",
        "INSERT INTO tt VALUES(1, 'again', 1)",
        "DELETE FROM \"U 2\"",
        "ALTER TABLE log RENAME TO journal",
        "INSERT INTO tt VALUES(7, 'seven', 7)",
        "SELECT * FROM journal",
    ]));
}

#[test]
fn rename_table_in_every_position() {
    same_db(&[
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE, t)",
        "CREATE TABLE other(t, b)",
        "CREATE TABLE log(m, n)",
        "CREATE VIEW v AS SELECT a, b FROM t",
        "CREATE TRIGGER \"tr one\" AFTER INSERT ON main.t FOR EACH ROW WHEN (SELECT count(*) FROM main.t AS q WHERE q.b = new.b) = 1 BEGIN INSERT OR REPLACE INTO log SELECT t.a, 't' FROM t, other WHERE other.t = t.t; REPLACE INTO log VALUES(CASE WHEN new.a > 1 THEN 'x' ELSE 'y' END, 'end'); END",
        "CREATE TRIGGER tr2 AFTER UPDATE ON other BEGIN INSERT INTO t(b, t) VALUES(new.b, 'from other') ON CONFLICT(b) DO UPDATE SET t = excluded.t || t.t; DELETE FROM t WHERE t.a IN (SELECT x.a FROM t x LEFT JOIN other ON x.b = other.b WHERE other.t IS NULL); END",
        "CREATE TRIGGER tv INSTEAD OF DELETE ON v BEGIN DELETE FROM [t] WHERE a = old.a; INSERT INTO log VALUES(old.a, (SELECT group_concat(b) FROM `t`)); END",
        "INSERT INTO other VALUES('x', 1)",
        "INSERT INTO t VALUES(1, 1, 'x'), (2, 2, 'z')",
        "ALTER TABLE t RENAME TO t2",
        "INSERT INTO t2 VALUES(3, 3, 'x')",
        "UPDATE other SET b = 2",
        "UPDATE other SET b = 5",
        "DELETE FROM v WHERE a = 3",
        "ALTER TABLE t2 RENAME TO \"the t\"",
        "INSERT INTO \"the t\" VALUES(4, 4, 'x')",
        "UPDATE other SET b = 4",
        "DELETE FROM v WHERE a = 1",
        "ALTER TABLE other RENAME TO t",
        "UPDATE t SET b = 6",
        "ALTER TABLE v RENAME TO w",
    ]);
}

#[test]
fn rename_column_rewrites_triggers() {
    same_db(&with_schema(&[
        "INSERT INTO u VALUES(1, 10), (2, 20)",
        "INSERT INTO t VALUES(1, 'one', 1)",
        "ALTER TABLE t RENAME COLUMN a TO aa",
        "INSERT INTO t VALUES(2, 'two', 2)",
        "UPDATE t SET aa = 5 WHERE aa = 1",
        "ALTER TABLE t RENAME COLUMN c TO \"cc\"",
        "ALTER TABLE t RENAME b TO [b b]",
        "UPDATE t SET \"b b\" = 'changed' WHERE aa = 5",
        "UPDATE t SET aa = 9 WHERE aa = 5",
        "DELETE FROM u WHERE x = 2",
        "ALTER TABLE u RENAME COLUMN x TO ex",
        "ALTER TABLE u RENAME COLUMN y TO why",
        "INSERT INTO u VALUES(3, 30)",
        "INSERT INTO t VALUES(3, 'three', 3)",
        "DELETE FROM u WHERE ex = 3",
        "ALTER TABLE log RENAME COLUMN m TO em",
        "UPDATE t SET aa = 10 WHERE aa = 9",
        "SELECT * FROM log",
    ]));
}

#[test]
fn rename_column_scopes() {
    same_db(&[
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE, c)",
        "CREATE TABLE o(b, d)",
        "CREATE TABLE log(m, n)",
        "CREATE TRIGGER t1 AFTER UPDATE OF b, c ON t WHEN old.b IS NOT new.b AND (SELECT count(*) FROM t WHERE b > 0) > 0 BEGIN INSERT INTO log(m, n) SELECT b, x.c FROM t AS x WHERE x.a = new.a; UPDATE o SET b = new.b, d = (SELECT max(b) FROM t) WHERE b = old.b; END",
        "CREATE TRIGGER t2 AFTER INSERT ON o BEGIN INSERT INTO t(b, c) VALUES(new.b, new.d) ON CONFLICT(b) DO UPDATE SET c = excluded.c + c WHERE b IS NOT NULL; DELETE FROM log WHERE m IN (SELECT b FROM o); SELECT o.b, t.b FROM t, o; END",
        "CREATE TRIGGER t3 BEFORE DELETE ON t BEGIN INSERT INTO log VALUES(old.b, 'del'); UPDATE t SET c = c + 1 WHERE b = old.b + 100; END",
        "CREATE TRIGGER t4 AFTER INSERT ON log WHEN (SELECT c FROM t WHERE b = new.m) > 0 BEGIN SELECT 1; END",
        "INSERT INTO o VALUES(1, 10)",
        "INSERT INTO o VALUES(1, 5)",
        "UPDATE t SET b = 2",
        "ALTER TABLE t RENAME COLUMN b TO bee",
        "INSERT INTO o VALUES(2, 7)",
        "INSERT INTO o VALUES(3, 7)",
        "UPDATE t SET bee = 4 WHERE bee = 3",
        "DELETE FROM t WHERE bee = 4",
        "ALTER TABLE o RENAME COLUMN b TO ob",
        "ALTER TABLE t RENAME COLUMN c TO see",
        "INSERT INTO o VALUES(2, 1)",
        "UPDATE t SET see = 0",
        "DELETE FROM t",
    ]);
}

#[test]
fn drop_column_under_triggers() {
    same_db(&[
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE, c, d, e, f)",
        "CREATE TABLE u(x, y)",
        "CREATE TABLE log(m, n)",
        "CREATE TRIGGER tr1 AFTER UPDATE OF c, d ON t BEGIN UPDATE t SET d = 1 WHERE 0; INSERT INTO t(e) SELECT 1 WHERE 0; END",
        "CREATE TRIGGER tr2 AFTER INSERT ON u WHEN new.x > 0 BEGIN INSERT INTO log SELECT b, \"f\" FROM t; END",
        "CREATE TRIGGER tr3 AFTER DELETE ON u BEGIN INSERT INTO t(b) VALUES(old.x) ON CONFLICT DO UPDATE SET c = excluded.c; END",
        "CREATE TRIGGER tr4 AFTER INSERT ON t WHEN new.e IS NULL BEGIN SELECT q.f FROM t AS q; END",
        "INSERT INTO t VALUES(1, 1, 1, 1, 1, 1)",
        "ALTER TABLE t DROP COLUMN b",
        "ALTER TABLE t DROP COLUMN c",
        "ALTER TABLE t DROP COLUMN d",
        "ALTER TABLE t DROP COLUMN e",
        "ALTER TABLE t DROP COLUMN f",
        "DROP TRIGGER tr4",
        "ALTER TABLE t DROP COLUMN e",
        "ALTER TABLE t DROP COLUMN f",
        "INSERT INTO u VALUES(1, 2)",
        "UPDATE t SET b = 7",
        "DROP TRIGGER tr3",
        "ALTER TABLE t DROP COLUMN c",
        "ALTER TABLE u DROP COLUMN y",
        "ALTER TABLE u DROP COLUMN x",
        "INSERT INTO u VALUES(3)",
    ]);
}

#[test]
fn column_changes_fix_double_quoted_strings() {
    same_db(&[
        "CREATE TABLE t(a, b)",
        "CREATE TABLE z(q)",
        "CREATE VIEW v AS SELECT \"zz\", \"a\" FROM t WHERE \"b\" <> \"it's\"",
        "CREATE VIEW v2 AS SELECT \"zz\" AS \"al\" FROM z",
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO z(\"q\") SELECT \"yy\" FROM t WHERE \"a\" = 1; END",
        "ALTER TABLE z RENAME TO z2",
        "ALTER TABLE z2 RENAME COLUMN q TO q2",
        "INSERT INTO t VALUES(1, 2)",
        "ALTER TABLE t DROP COLUMN b",
        "SELECT * FROM v",
    ]);
}
