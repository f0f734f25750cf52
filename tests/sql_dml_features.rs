//! Data-modification features against the system SQLite: UPSERT, the OR
//! conflict clauses and REPLACE, RETURNING, AUTOINCREMENT, ALTER TABLE,
//! REINDEX, and the INSERT forms. Each script runs statement by statement on
//! sqlvibe and on SQLite (a temporary database file each): every statement's
//! outcome (column names, rows, error code and message) must match, then the
//! schema table, every table's full contents, and `PRAGMA integrity_check`.

mod common;
use sqlvibe::Value;

/// Runs `script` on both engines and compares everything (see the module
/// doc).
fn same_db(script: &[&str]) {
    common::same_on_disk("dml", script, false);
}

#[test]
fn upsert_do_update_and_do_nothing() {
    same_db(&[
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a UNIQUE, b, c TEXT)",
        "INSERT INTO t VALUES(1, 1, 1, 'x'), (2, 2, 2, 'y')",
        "INSERT INTO t VALUES(3, 1, 9, 'z') ON CONFLICT(a) DO UPDATE SET b = excluded.b + b, c = c || excluded.c",
        "SELECT changes(), last_insert_rowid(), total_changes()",
        "INSERT INTO t VALUES(3, 1, 9, 'z') ON CONFLICT DO NOTHING",
        "SELECT changes()",
        "INSERT INTO t VALUES(2, 7, 9, 'z') ON CONFLICT(a) DO UPDATE SET b = 0",
        "INSERT INTO t VALUES(2, 7, 9, 'z') ON CONFLICT(id) DO UPDATE SET a = 1",
        "INSERT INTO t VALUES(2, 7, 9, 'z') ON CONFLICT(id) DO UPDATE SET b = b + 1 WHERE excluded.b > 100",
        "SELECT changes()",
        "INSERT INTO t VALUES(2, 7, 90, 'z') ON CONFLICT(rowid) DO UPDATE SET b = excluded.b WHERE excluded.b > 10",
        "INSERT INTO t VALUES(5, 5, 5, 'q'), (6, 5, 6, 'r') ON CONFLICT(a) DO UPDATE SET b = b * 10 + excluded.b",
        "INSERT INTO t VALUES(2, 5, 0, '') ON CONFLICT(a) DO NOTHING ON CONFLICT(id) DO UPDATE SET c = 'two'",
        "INSERT INTO t VALUES(2, 5, 0, '') ON CONFLICT(id) DO NOTHING ON CONFLICT(a) DO UPDATE SET c = 'five'",
        "INSERT INTO t VALUES(9, 5, 0, '') ON CONFLICT(id) DO NOTHING ON CONFLICT DO UPDATE SET c = 'any'",
        "INSERT INTO t VALUES(2, 5, 0, '') ON CONFLICT(a COLLATE nocase) DO NOTHING",
        "INSERT INTO t VALUES(2, 5, 0, '') ON CONFLICT(a COLLATE binary) DO NOTHING",
        "INSERT INTO t VALUES(2, 5, 0, '') ON CONFLICT(b) DO NOTHING",
        "INSERT INTO t VALUES(2, 5, 0, '') ON CONFLICT(a) DO NOTHING ON CONFLICT(b) DO NOTHING",
        "INSERT INTO t VALUES(2, 5, 0, '') ON CONFLICT(zz) DO NOTHING",
        "INSERT INTO t VALUES(2, 5, 0, '') ON CONFLICT(a) DO UPDATE SET zz = 1",
        "INSERT INTO t VALUES(2, 5, 0, '') ON CONFLICT(a) DO UPDATE SET b = excluded.zz",
        "INSERT INTO t VALUES(2, 5, 0, '') ON CONFLICT(a) DO UPDATE SET b = count(*)",
        "INSERT INTO t VALUES(10, 5, 0, '') ON CONFLICT(a) DO UPDATE SET id = 20",
        "INSERT INTO t(a, b) VALUES(1, 1) ON CONFLICT(a) DO UPDATE SET b = excluded.rowid",
        "INSERT INTO t(a, b) SELECT a, b + 100 FROM t WHERE true ON CONFLICT(a) DO UPDATE SET b = excluded.b",
        "SELECT * FROM t ORDER BY id",
        "CREATE TABLE m(x, y, z, PRIMARY KEY(x, y), UNIQUE(z COLLATE nocase))",
        "INSERT INTO m VALUES(1, 2, 'A')",
        "INSERT INTO m VALUES(1, 2, 'b') ON CONFLICT(y, x) DO UPDATE SET z = excluded.z",
        "INSERT INTO m VALUES(3, 4, 'B') ON CONFLICT(z) DO UPDATE SET z = 'c'",
        "INSERT INTO m VALUES(3, 4, 'B') ON CONFLICT(z COLLATE NOCASE) DO UPDATE SET x = 7",
        "INSERT INTO m VALUES(3, 4, 'x') ON CONFLICT(x) DO NOTHING",
        "SELECT * FROM m",
    ]);
}

#[test]
fn upsert_update_aborts_whatever_the_declared_conflict() {
    same_db(&[
        "CREATE TABLE r(a UNIQUE ON CONFLICT REPLACE, b UNIQUE, c NOT NULL ON CONFLICT IGNORE, CHECK(b >= 0))",
        "INSERT INTO r VALUES(1, 1, 1), (2, 2, 2)",
        "INSERT INTO r VALUES(1, 9, 3) ON CONFLICT(b) DO UPDATE SET a = 2",
        "INSERT INTO r VALUES(1, 9, 3) ON CONFLICT(b) DO UPDATE SET a = 2",
        "INSERT INTO r VALUES(7, 9, 3) ON CONFLICT(b) DO UPDATE SET c = NULL",
        "INSERT INTO r VALUES(7, 9, 3) ON CONFLICT(b) DO UPDATE SET b = -1",
        "INSERT OR IGNORE INTO r VALUES(2, 9, 3) ON CONFLICT(b) DO UPDATE SET c = 'u'",
        "INSERT OR REPLACE INTO r VALUES(2, 9, 3) ON CONFLICT(a) DO UPDATE SET c = 'v'",
        "INSERT INTO r VALUES(8, 8, NULL) ON CONFLICT DO NOTHING",
        "SELECT * FROM r",
    ]);
}

#[test]
fn conflict_clauses_and_replace() {
    same_db(&[
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a UNIQUE, b UNIQUE, c NOT NULL DEFAULT 'd', CHECK(id > 0))",
        "INSERT INTO t VALUES(1, 1, 1, 'x'), (2, 2, 2, 'y'), (3, 3, 3, 'z')",
        "REPLACE INTO t VALUES(4, 1, 2, 'w')",
        "SELECT changes()",
        "INSERT OR REPLACE INTO t VALUES(3, 4, 4, NULL)",
        "INSERT OR IGNORE INTO t VALUES(5, 3, 5, 'i'), (6, 6, 6, 'j')",
        "INSERT OR ABORT INTO t VALUES(7, 7, 7, 'k'), (8, 6, 8, 'l')",
        "INSERT OR FAIL INTO t VALUES(9, 9, 9, 'k'), (10, 6, 10, 'l')",
        "INSERT OR ROLLBACK INTO t VALUES(11, 11, 11, 'k'), (12, 6, 12, 'l')",
        "INSERT OR REPLACE INTO t VALUES(-1, 50, 50, 'n')",
        "BEGIN",
        "INSERT INTO t VALUES(20, 20, 20, 'a')",
        "INSERT OR ROLLBACK INTO t VALUES(21, 20, 21, 'b')",
        "COMMIT",
        "BEGIN",
        "INSERT INTO t VALUES(30, 30, 30, 'a')",
        "INSERT OR FAIL INTO t VALUES(31, 31, 31, 'b'), (32, 30, 32, 'c')",
        "COMMIT",
        "UPDATE OR REPLACE t SET a = 30 WHERE id = 9",
        "UPDATE OR IGNORE t SET b = 31 WHERE id > 0",
        "SELECT * FROM t ORDER BY id",
        "CREATE TABLE k(id INTEGER PRIMARY KEY ON CONFLICT REPLACE, u UNIQUE)",
        "INSERT INTO k VALUES(1, 1), (2, 2)",
        "INSERT INTO k VALUES(1, 2)",
        "INSERT INTO k VALUES(1, 5)",
        "SELECT * FROM k",
    ]);
}

#[test]
fn returning_rows_and_names() {
    same_db(&[
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a UNIQUE, b TEXT DEFAULT 'dflt', c REAL)",
        "INSERT INTO t(a, c) VALUES(1, 1), (2, '2.5') RETURNING *",
        "INSERT INTO t(a) VALUES(3) RETURNING id, a + 1, b AS bee, \"c\", t.a, rowid, typeof(c), 'lit'",
        "SELECT changes(), last_insert_rowid()",
        "INSERT INTO t(a) VALUES(3) RETURNING id",
        "INSERT OR IGNORE INTO t(a) VALUES(3), (4) RETURNING a",
        "INSERT INTO t(a, b) VALUES(4, 'x') ON CONFLICT(a) DO UPDATE SET b = excluded.b || b RETURNING *",
        "INSERT INTO t(a) VALUES(50) RETURNING count(*)",
        "INSERT INTO t(a) VALUES(50) RETURNING nosuch",
        "INSERT INTO t(a) VALUES(50) RETURNING t.*, (SELECT count(*) FROM t) AS n",
        "INSERT INTO t(a) VALUES(50), (51) RETURNING *, (SELECT count(*) FROM t) AS n",
        "UPDATE t SET c = a * 2 WHERE a > 2 RETURNING id, c, a   +   c",
        "SELECT changes()",
        "UPDATE t SET a = 1 WHERE id = 2 RETURNING *",
        "DELETE FROM t WHERE a >= 4 RETURNING *, -id AS neg",
        "SELECT changes(), total_changes()",
        "DELETE FROM t RETURNING a",
        "INSERT INTO t DEFAULT VALUES RETURNING *",
        "SELECT * FROM t",
    ]);
}

#[test]
fn returning_rows_through_the_statement_api() {
    let c = common::open();
    common::exec(&c, "CREATE TABLE t(a INTEGER PRIMARY KEY, b)");
    let (st, _) = c.prepare("INSERT INTO t(b) VALUES('x'), ('y') RETURNING a, b").unwrap();
    let mut st = st.unwrap();
    assert_eq!(st.column_count(), 2);
    assert_eq!(st.column_name(0), Some("a"));
    assert_eq!(st.step().unwrap(), sqlvibe::StepResult::Row);
    assert_eq!(st.column_value(0), &Value::Integer(1));
    // Every change is made by the first step: a reset keeps both rows.
    st.reset();
    drop(st);
    assert_eq!(common::rows(&c, "SELECT count(*) FROM t"), vec![vec![Value::Integer(2)]]);
}

#[test]
fn autoincrement_and_sqlite_sequence() {
    same_db(&[
        "CREATE TABLE plain(x)",
        "CREATE TABLE a(id INTEGER PRIMARY KEY AUTOINCREMENT, v UNIQUE)",
        "CREATE TABLE b(id INTEGER, v, PRIMARY KEY(id AUTOINCREMENT))",
        "CREATE TABLE bad(id INT PRIMARY KEY AUTOINCREMENT)",
        "CREATE TABLE bad2(id INTEGER PRIMARY KEY DESC AUTOINCREMENT)",
        "SELECT * FROM sqlite_sequence",
        "INSERT INTO a(v) VALUES('x'), ('y')",
        "SELECT * FROM sqlite_sequence",
        "DELETE FROM a WHERE v = 'y'",
        "INSERT INTO a(v) VALUES('z')",
        "INSERT INTO a(v) VALUES('z')",
        "INSERT OR IGNORE INTO a(v) VALUES('z'), ('w')",
        "INSERT INTO a(v) VALUES('z') ON CONFLICT DO NOTHING",
        "INSERT INTO a VALUES(100, 'h')",
        "INSERT INTO a VALUES(-5, 'neg')",
        "INSERT INTO a(v) VALUES('after')",
        "DELETE FROM a",
        "INSERT INTO a(v) VALUES('again')",
        "BEGIN",
        "INSERT INTO b(v) VALUES(1), (2)",
        "ROLLBACK",
        "INSERT INTO b(v) VALUES(3)",
        "UPDATE sqlite_sequence SET seq = 1000 WHERE name = 'b'",
        "INSERT INTO b(v) VALUES(4)",
        "INSERT INTO b VALUES(9223372036854775807, 5)",
        "INSERT INTO b(v) VALUES(6)",
        "SELECT changes()",
        "DROP TABLE sqlite_sequence",
        "CREATE INDEX i ON sqlite_sequence(name)",
        "CREATE TABLE sqlite_sequence(x)",
        "DROP TABLE b",
        "SELECT * FROM sqlite_sequence",
        "DROP TABLE a",
        "CREATE TABLE c(id INTEGER PRIMARY KEY AUTOINCREMENT)",
        "INSERT INTO c DEFAULT VALUES",
        "INSERT INTO c SELECT NULL FROM c",
        "SELECT * FROM c",
    ]);
}

#[test]
fn insert_forms() {
    same_db(&[
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b DEFAULT (1 + 1), c TEXT DEFAULT 'x', d NOT NULL DEFAULT 0)",
        "INSERT INTO t DEFAULT VALUES",
        "INSERT INTO t(b) VALUES(5), (6), (NULL)",
        "INSERT INTO t(c, b) VALUES('p', 'q')",
        "INSERT INTO t VALUES(10, 1, 2)",
        "INSERT INTO t(a, b) VALUES(1, 2, 3)",
        "INSERT INTO t(b) VALUES(1), (2, 3)",
        "INSERT INTO t(nosuch) VALUES(1)",
        "INSERT INTO t SELECT a + 100, b, c, d FROM t WHERE a < 3",
        "INSERT INTO t(c) SELECT c FROM t ORDER BY a DESC LIMIT 2",
        "INSERT INTO t(c) SELECT 1 UNION ALL SELECT 2",
        "INSERT INTO t(d) VALUES(NULL)",
        "INSERT INTO t(rowid, c) VALUES(500, 'r')",
        "SELECT * FROM t ORDER BY a",
    ]);
}

#[test]
fn alter_rename_table_and_column() {
    same_db(&[
        "CREATE TABLE \"t\" (a INTEGER PRIMARY KEY, \"b\" TEXT UNIQUE, [c] CHECK(c > 0 AND t.c < 100), d DEFAULT 5, UNIQUE(b, d), CHECK (b <> 'x'))",
        "CREATE INDEX ti ON t(c, \"b\" DESC)",
        "CREATE TABLE child(x REFERENCES t(b), y, FOREIGN KEY(y) REFERENCES \"t\"(c))",
        "CREATE TABLE other(t, b, CHECK(b > t))",
        "INSERT INTO t VALUES(1, 'one', 5, 6)",
        "ALTER TABLE t RENAME COLUMN b TO bee",
        "ALTER TABLE t RENAME COLUMN c TO \"select\"",
        "ALTER TABLE t RENAME COLUMN zz TO y",
        "ALTER TABLE t RENAME COLUMN a TO a",
        "ALTER TABLE t RENAME COLUMN d TO bee",
        "ALTER TABLE t RENAME TO \"new t\"",
        "SELECT * FROM \"new t\"",
        "INSERT INTO \"new t\"(bee, \"select\") VALUES('two', 7)",
        "INSERT INTO \"new t\"(bee, \"select\") VALUES('two', 7)",
        "INSERT INTO \"new t\"(bee, \"select\") VALUES('three', 700)",
        "ALTER TABLE \"new t\" RENAME TO child",
        "ALTER TABLE \"new t\" RENAME TO TI",
        "ALTER TABLE \"new t\" RENAME TO sqlite_x",
        "ALTER TABLE nosuch RENAME TO x",
        "ALTER TABLE sqlite_schema RENAME TO x",
        "ALTER TABLE \"new t\" RENAME TO plain",
        "ALTER TABLE plain RENAME bee TO b2",
        "ALTER TABLE child RENAME COLUMN x TO xx",
        "SELECT * FROM plain WHERE b2 = 'one'",
        "SELECT * FROM plain INDEXED BY ti WHERE \"select\" > 0",
        "CREATE TABLE a(id INTEGER PRIMARY KEY AUTOINCREMENT, v)",
        "INSERT INTO a(v) VALUES(1)",
        "ALTER TABLE a RENAME TO a2",
        "INSERT INTO a2(v) VALUES(2)",
        "SELECT * FROM sqlite_sequence",
        "ALTER TABLE sqlite_sequence RENAME TO s",
    ]);
}

#[test]
fn alter_add_column() {
    same_db(&[
        "CREATE TABLE e(a, b, UNIQUE(a))",
        "CREATE TABLE empty(x )",
        "INSERT INTO e VALUES(1, 2), (3, 4)",
        "ALTER TABLE e ADD COLUMN c",
        "ALTER TABLE e ADD d INTEGER DEFAULT '7' NOT NULL ;  ",
        "ALTER TABLE e ADD COLUMN f NOT NULL",
        "ALTER TABLE e ADD COLUMN f DEFAULT NULL NOT NULL",
        "ALTER TABLE e ADD COLUMN f DEFAULT (1 + 1)",
        "ALTER TABLE e ADD COLUMN f DEFAULT CURRENT_TIME",
        "ALTER TABLE e ADD COLUMN f DEFAULT (abs(1))",
        "ALTER TABLE e ADD COLUMN f UNIQUE",
        "ALTER TABLE e ADD COLUMN f PRIMARY KEY",
        "ALTER TABLE e ADD COLUMN A",
        "ALTER TABLE e ADD COLUMN g DEFAULT -1",
        "ALTER TABLE e ADD COLUMN h DEFAULT x'00'",
        "ALTER TABLE e ADD COLUMN i REAL DEFAULT (+3)",
        "ALTER TABLE e ADD COLUMN j DEFAULT ('a') COLLATE nocase",
        "ALTER TABLE e ADD COLUMN k DEFAULT \"abc\"",
        "ALTER TABLE e ADD COLUMN l CHECK(l > 0)",
        "ALTER TABLE e ADD COLUMN m DEFAULT 0 CHECK(m > 0)",
        "ALTER TABLE e ADD COLUMN n DEFAULT TRUE",
        "SELECT *, typeof(d), typeof(i) FROM e",
        "INSERT INTO e(a) VALUES(5)",
        "SELECT * FROM e WHERE j = 'A'",
        "UPDATE e SET c = a * 10 WHERE a > 1",
        "SELECT * FROM e",
        "ALTER TABLE empty ADD COLUMN y NOT NULL",
        "ALTER TABLE empty ADD COLUMN z DEFAULT (1 + 1)",
        "INSERT INTO empty(x) VALUES(1)",
        "SELECT * FROM empty",
        "ALTER TABLE nosuch ADD COLUMN z",
        "ALTER TABLE sqlite_master ADD COLUMN z",
    ]);
}

#[test]
fn alter_drop_column() {
    same_db(&[
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE, c, d DEFAULT 5, e, f CHECK(f > 0), g, UNIQUE(b, e), CHECK (g <> 'x'))",
        "CREATE INDEX tc ON t(c)",
        "INSERT INTO t VALUES(1, 'one', 3, 4, 5, 6, 7), (2, 'two', NULL, NULL, NULL, NULL, NULL)",
        "ALTER TABLE t DROP COLUMN a",
        "ALTER TABLE t DROP COLUMN b",
        "ALTER TABLE t DROP COLUMN c",
        "ALTER TABLE t DROP COLUMN e",
        "ALTER TABLE t DROP COLUMN f",
        "ALTER TABLE t DROP COLUMN g",
        "ALTER TABLE t DROP COLUMN zz",
        "ALTER TABLE t DROP COLUMN d",
        "SELECT * FROM t",
        "DROP INDEX tc",
        "ALTER TABLE t DROP c",
        "SELECT * FROM t",
        "CREATE TABLE u(p, q, r)",
        "INSERT INTO u VALUES(1, 2, 3)",
        "ALTER TABLE u DROP COLUMN r",
        "ALTER TABLE u DROP COLUMN p",
        "ALTER TABLE u DROP COLUMN q",
        "ALTER TABLE u ADD COLUMN s DEFAULT 9",
        "SELECT * FROM u",
        "CREATE TABLE pk(a, b, PRIMARY KEY(a, b))",
        "ALTER TABLE pk DROP COLUMN b",
    ]);
}

#[test]
fn reindex() {
    same_db(&[
        "CREATE TABLE t(a TEXT COLLATE nocase, b, c UNIQUE)",
        "CREATE INDEX ta ON t(a)",
        "CREATE INDEX tb ON t(b COLLATE rtrim, a)",
        "CREATE TABLE u(x)",
        "CREATE INDEX ux ON u(x)",
        "INSERT INTO t VALUES('B', 2, 1), ('a', 1, 2), ('c ', 'c', 3)",
        "INSERT INTO u VALUES(3), (1), (2)",
        "REINDEX",
        "REINDEX nocase",
        "REINDEX RTRIM",
        "REINDEX binary",
        "REINDEX t",
        "REINDEX ux",
        "REINDEX main.ux",
        "REINDEX nosuch",
        "SELECT a FROM t ORDER BY a",
        "SELECT x FROM u WHERE x > 1",
    ]);
}

#[test]
fn schema_changes_and_returning_in_transactions() {
    same_db(&[
        "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a UNIQUE, b)",
        "INSERT INTO t(a, b) VALUES(1, 1), (2, 2)",
        "BEGIN",
        "ALTER TABLE t ADD COLUMN c DEFAULT 'cc'",
        "ALTER TABLE t RENAME COLUMN b TO bb",
        "INSERT INTO t(a) VALUES(3) RETURNING *",
        "ALTER TABLE t RENAME TO t2",
        "SELECT * FROM t2",
        "SELECT * FROM sqlite_sequence",
        "ROLLBACK",
        "SELECT * FROM t",
        "SELECT * FROM sqlite_sequence",
        "BEGIN",
        "SAVEPOINT s",
        "ALTER TABLE t DROP COLUMN b",
        "INSERT INTO t(a) VALUES(4) ON CONFLICT(a) DO NOTHING RETURNING id, a",
        "ROLLBACK TO s",
        "INSERT INTO t(a, b) VALUES(5, 5) RETURNING b",
        "RELEASE s",
        "COMMIT",
        "UPDATE t SET a = a + 10 RETURNING a, abs(-9223372036854775807 - a)",
        "SELECT * FROM t",
        "INSERT INTO t(a) VALUES(1), (1) ON CONFLICT(a) DO UPDATE SET b = coalesce(b, 0) + 1 RETURNING *",
        "INSERT INTO t(a) VALUES(100) RETURNING 1 / 0, a % 0, b",
        "INSERT INTO t(a) VALUES(101), (102) RETURNING abs(-9223372036854775807 - a)",
        "SELECT * FROM t",
        "INSERT INTO t AS x(a) VALUES(200) RETURNING x.a, a",
        "INSERT INTO t AS x(a) VALUES(200) ON CONFLICT(a) DO UPDATE SET b = x.b",
        "INSERT INTO t AS x(a) VALUES(200) ON CONFLICT(a) DO UPDATE SET b = t.b || excluded.a RETURNING b",
        "INSERT INTO t AS x(a) VALUES(200) ON CONFLICT(x.a) DO UPDATE SET b = x.b || excluded.a WHERE x.a > 0 RETURNING b",
        "INSERT INTO t AS x(a) VALUES(200) ON CONFLICT(t.a) DO NOTHING",
        "CREATE TABLE excluded(a PRIMARY KEY, b)",
        "INSERT INTO excluded VALUES(1, 2) ON CONFLICT(a) DO UPDATE SET b = excluded.b + 10",
        "INSERT INTO excluded VALUES(1, 3) ON CONFLICT(a) DO UPDATE SET b = excluded.b + 10",
        "SELECT * FROM excluded",
        "REPLACE INTO t(id, a, b) VALUES(1, 2, 'r') RETURNING *",
        "SELECT changes()",
        "DELETE FROM t WHERE id IN (SELECT id FROM t ORDER BY id LIMIT 2) RETURNING id",
    ]);
}

#[test]
fn alter_with_views() {
    same_db(&[
        "CREATE TABLE t(a, b)",
        "CREATE TABLE u(c, b)",
        "INSERT INTO t VALUES(1, 2)",
        "INSERT INTO u VALUES(1, 3)",
        "CREATE VIEW v AS SELECT a, t.b AS tb FROM t WHERE a > 0 ORDER BY a",
        "CREATE VIEW w AS SELECT x.a, u.b FROM main.t AS x, u WHERE x.a = u.c",
        "CREATE VIEW z AS SELECT count(*) AS n FROM u",
        "ALTER TABLE v RENAME TO x",
        "ALTER TABLE v ADD COLUMN c",
        "ALTER TABLE t RENAME TO v",
        "INSERT INTO v VALUES(1)",
        "UPDATE v SET a = 1",
        "DELETE FROM v",
        "REINDEX v",
        "ALTER TABLE t RENAME COLUMN a TO aa",
        "SELECT * FROM v",
        "SELECT * FROM w",
        "ALTER TABLE t RENAME TO t2",
        "SELECT * FROM v",
        "SELECT * FROM w",
        "ALTER TABLE t2 DROP COLUMN aa",
        "ALTER TABLE t2 ADD COLUMN d DEFAULT 4",
        "ALTER TABLE u RENAME COLUMN b TO bb",
        "SELECT * FROM w",
        "ALTER TABLE u DROP COLUMN bb",
        "SELECT * FROM z",
    ]);
}

#[test]
fn alter_odd_texts() {
    same_db(&[
        "CREATE TABLE \"odd t\" ( /* c1 */ \"x y\" TEXT , length INT CHECK (length(length) < 10) -- tail\n, [order] , `k` DEFAULT 'a,b' )",
        "INSERT INTO \"odd t\" VALUES('p', 1, 2, 3)",
        "ALTER TABLE \"odd t\" RENAME COLUMN length TO len",
        "ALTER TABLE \"odd t\" RENAME COLUMN \"x y\" TO [z w]",
        "ALTER TABLE \"odd t\" RENAME COLUMN \"order\" TO \"group\"",
        "ALTER TABLE \"odd t\" ADD COLUMN \"new col\" TEXT CONSTRAINT nn NOT NULL DEFAULT 'q' COLLATE nocase",
        "ALTER TABLE \"odd t\" DROP COLUMN k",
        "ALTER TABLE \"odd t\" DROP COLUMN \"group\"",
        "ALTER TABLE \"odd t\" RENAME TO [select]",
        "SELECT * FROM [select]",
        "INSERT INTO \"select\"(len) VALUES(123456789012)",
        "CREATE TABLE p(id INTEGER PRIMARY KEY, v CHECK(v <> 'bad'), w UNIQUE)",
        "INSERT INTO p VALUES(1, 'ok', 1)",
        "INSERT INTO p VALUES(1, 'bad', 2) ON CONFLICT(id) DO UPDATE SET v = 'x'",
        "INSERT INTO p VALUES(1, 'fine', 2) ON CONFLICT(id) DO UPDATE SET v = 'bad'",
        "INSERT INTO p VALUES(2, NULL, 1) ON CONFLICT(w) DO UPDATE SET id = excluded.id, v = 'moved' RETURNING *",
        "INSERT INTO p(v, w) VALUES('n', 9) ON CONFLICT(id) DO UPDATE SET v = 'never' RETURNING id, v",
        "SELECT * FROM p",
    ]);
}

#[test]
fn stored_text_drops_the_schema_qualifier() {
    same_db(&[
        "CREATE TABLE main.t(x)",
        "CREATE TABLE IF NOT EXISTS main.u(a, b)",
        "CREATE VIEW main.v AS SELECT x FROM t",
        "CREATE UNIQUE INDEX main.i ON t(x)",
        "CREATE TRIGGER main.tr AFTER INSERT ON t BEGIN INSERT INTO u VALUES(new.x, 1); END",
        "INSERT INTO t VALUES(5)",
        "SELECT * FROM v",
    ]);
}
