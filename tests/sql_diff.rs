//! Scripted differential tests: each statement runs on sqlvibe and on the
//! system SQLite; column names, rows, error codes and messages must match.

mod common;
use common::same;

#[test]
fn create_insert_select() {
    same(&[
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d)",
        "INSERT INTO t VALUES(1, 'one', 1.5, x'00ff')",
        "INSERT INTO t(b, c) VALUES('two', 2), ('three', '3.25'), (NULL, NULL)",
        "INSERT INTO t DEFAULT VALUES",
        "SELECT * FROM t",
        "SELECT a, b, c, d, typeof(c) FROM t ORDER BY a DESC",
        "SELECT t.*, a+1, b || '!' AS bang, a  *  2 FROM t WHERE a > 1",
        "SELECT rowid, _rowid_, oid FROM t",
        "SELECT type, name, tbl_name, sql FROM sqlite_master",
        "SELECT type, name, tbl_name, rootpage > 0, sql FROM sqlite_schema",
        "SELECT 1, 'x', NULL, 2.5, -3, 1+2*3, (1+2)*3, 7/2, 7%3, 7.0/2",
        "SELECT count(*) FROM t",
    ]);
}

#[test]
fn schema_text_and_autoindexes() {
    same(&[
        "create   table  if not exists  \"T1\"  ( a INTEGER  primary key, b text unique, c unique, d, unique(c), unique(d, b) ) ;",
        "CREATE   unique  INDEX  IF NOT EXISTS  i ON T1( b  collate nocase, c desc ) ;",
        "create table y(a int primary key desc, b varchar(10, 3) not null default (1+2), check(b>0), constraint foo check (a <> 1))",
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
        "PRAGMA table_info(y)",
        "PRAGMA table_info(T1)",
        "PRAGMA index_list(T1)",
        "PRAGMA index_list(y)",
        "PRAGMA index_info(i)",
        "PRAGMA index_info(sqlite_autoindex_T1_3)",
        "CREATE TABLE t1(x)",
        "CREATE TABLE i(x)",
        "CREATE INDEX T1 ON y(a)",
        "CREATE INDEX i ON y(a)",
        "CREATE INDEX IF NOT EXISTS i ON y(a)",
        "CREATE INDEX j ON nosuch(a)",
        "CREATE INDEX j ON y(nosuch)",
        "DROP INDEX sqlite_autoindex_y_1",
        "DROP INDEX nosuch",
        "DROP INDEX IF EXISTS nosuch",
        "DROP TABLE nosuch",
        "DROP TABLE IF EXISTS nosuch",
        "DROP INDEX i",
        "DROP TABLE y",
        "SELECT name FROM sqlite_master ORDER BY name",
        "CREATE TABLE sqlite_x(a)",
        "CREATE TABLE dup(a, a)",
        "CREATE TABLE pk2(a PRIMARY KEY, b PRIMARY KEY)",
        "CREATE TABLE src(a INTEGER, b TEXT, c REAL, d, e NUMERIC, f varchar(3))",
        "INSERT INTO src VALUES(1, 2, 3, 4, '5', 6)",
        "CREATE TABLE u AS SELECT a, b, c, d, e, f, a+1, 'x' AS \"q r\", 1.5 AS z FROM src",
        "SELECT sql FROM sqlite_master WHERE name = 'u'",
        "SELECT * FROM u",
        "PRAGMA table_info(u)",
        // Short column lists stay on one line (SQLite's length rule).
        "CREATE TABLE v AS SELECT a, b, b || 'x' AS c FROM src",
        "CREATE TABLE \"q\"\"x\" AS SELECT a AS \"we\"\"ird\", 1.5 AS r FROM src",
        "CREATE TABLE w AS SELECT a AS alpha_long_name, b AS beta_long_name FROM src",
        "CREATE TABLE w2 AS SELECT a AS alpha_long_name, b AS beta_long_nam FROM src",
        "SELECT name, sql FROM sqlite_master WHERE name IN ('v', 'q\"x', 'w', 'w2') ORDER BY name",
    ]);
}

#[test]
fn constraints() {
    same(&[
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a NOT NULL, b UNIQUE, c CHECK(c > 0), d DEFAULT 7)",
        "INSERT INTO t(a, b, c) VALUES(1, 1, 1)",
        "INSERT INTO t(a, b, c) VALUES(NULL, 2, 1)",
        "INSERT INTO t(a, b, c) VALUES(1, 1, 1)",
        "INSERT INTO t(a, b, c) VALUES(1, 3, -1)",
        "INSERT INTO t(id, a) VALUES(1, 5)",
        "INSERT INTO t(id, a) VALUES('abc', 5)",
        "INSERT INTO t(id, a) VALUES('12', 5)",
        "INSERT INTO t(id, a) VALUES(2.0, 5)",
        "INSERT INTO t(id, a) VALUES(2.5, 5)",
        "INSERT INTO t(a, b) VALUES(1, 10), (2, 1)",
        "SELECT * FROM t ORDER BY id",
        "INSERT OR IGNORE INTO t(a, b) VALUES(9, 1), (9, 20)",
        "INSERT OR REPLACE INTO t(a, b) VALUES(99, 1)",
        "REPLACE INTO t(id, a, b) VALUES(12, 'r', 'r')",
        "SELECT * FROM t ORDER BY id",
        "CREATE TABLE p(a, b, PRIMARY KEY(a, b))",
        "INSERT INTO p VALUES(1, 2), (1, 3)",
        "INSERT INTO p VALUES(1, 2)",
        "INSERT INTO p VALUES(NULL, 2), (NULL, 2)",
        "SELECT * FROM p",
        "CREATE TABLE q(a TEXT PRIMARY KEY)",
        "INSERT INTO q VALUES('x')",
        "INSERT INTO q VALUES('x')",
        "UPDATE t SET b = 10 WHERE id = 12",
        "UPDATE t SET a = NULL",
        "UPDATE t SET c = 0",
        "UPDATE OR IGNORE t SET b = 10",
        "SELECT * FROM t ORDER BY id",
        "INSERT INTO t VALUES(1, 2)",
        "INSERT INTO t(a) VALUES(1, 2)",
        "INSERT INTO t(nosuch) VALUES(1)",
        "INSERT INTO nosuch VALUES(1)",
        "INSERT INTO t(a) VALUES(1), (1, 2)",
    ]);
}

#[test]
fn failing_statement_is_atomic() {
    same(&[
        "CREATE TABLE t(a UNIQUE)",
        "INSERT INTO t VALUES(1), (2), (1)",
        "SELECT * FROM t",
        "BEGIN",
        "INSERT INTO t VALUES(5)",
        "INSERT INTO t VALUES(6), (5)",
        "INSERT INTO t VALUES(7)",
        "COMMIT",
        "SELECT * FROM t",
        "INSERT OR FAIL INTO t VALUES(8), (9), (8), (10)",
        "SELECT * FROM t",
        "BEGIN",
        "INSERT INTO t VALUES(11)",
        "INSERT OR ROLLBACK INTO t VALUES(12), (11)",
        "SELECT * FROM t",
        "COMMIT",
    ]);
}

#[test]
fn transactions() {
    same(&[
        "CREATE TABLE t(a)",
        "COMMIT",
        "ROLLBACK",
        "END",
        "BEGIN",
        "BEGIN",
        "INSERT INTO t VALUES(1)",
        "ROLLBACK",
        "SELECT * FROM t",
        "BEGIN IMMEDIATE",
        "INSERT INTO t VALUES(2)",
        "END",
        "BEGIN EXCLUSIVE TRANSACTION",
        "CREATE TABLE u(x)",
        "INSERT INTO u VALUES(1)",
        "ROLLBACK",
        "SELECT * FROM u",
        "SELECT name FROM sqlite_master",
        "BEGIN DEFERRED",
        "CREATE TABLE u(y)",
        "INSERT INTO u VALUES(3)",
        "COMMIT",
        "SELECT * FROM u",
        "SELECT * FROM t",
    ]);
}

#[test]
fn where_and_expressions() {
    same(&[
        "CREATE TABLE t(a INTEGER, b TEXT, c REAL, d BLOB, e)",
        "INSERT INTO t VALUES(1, '1', 1.0, '1', 1), (2, 'abc', 2.5, x'41', 'x'), (NULL, NULL, NULL, NULL, NULL), (10, '10', 10, 10, '10')",
        "SELECT a FROM t WHERE a = '1'",
        "SELECT a FROM t WHERE b = 1",
        "SELECT a FROM t WHERE e = 1",
        "SELECT a FROM t WHERE e = '10'",
        "SELECT a FROM t WHERE b > 5",
        "SELECT a FROM t WHERE a IS NULL",
        "SELECT a FROM t WHERE a IS NOT NULL AND b NOTNULL",
        "SELECT a FROM t WHERE a BETWEEN 2 AND 10",
        "SELECT a FROM t WHERE a NOT BETWEEN 2 AND 10",
        "SELECT a FROM t WHERE a IN (1, 10, NULL)",
        "SELECT a FROM t WHERE a NOT IN (1, 10)",
        "SELECT a, a NOT IN (1, NULL) FROM t",
        "SELECT a FROM t WHERE b LIKE 'A%'",
        "SELECT a FROM t WHERE b GLOB 'a*'",
        "SELECT a FROM t WHERE b LIKE '%\\%' ESCAPE '\\'",
        "SELECT a, CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END FROM t",
        "SELECT a, CASE WHEN a > 1 THEN 'big' END FROM t",
        "SELECT CAST(b AS INTEGER), CAST(c AS TEXT), CAST(a AS REAL), CAST('12abc' AS NUMERIC) FROM t",
        "SELECT NULL AND 0, NULL AND 1, NULL OR 1, NULL OR 0, NOT NULL, 1 IS NULL, NULL IS NULL, 1 IS 1, 1 IS NOT 2",
        "SELECT 5 & 3, 5 | 3, 1 << 3, -16 >> 2, ~5, -(-3), +'4'",
        "SELECT 'a' || 1 || NULL, 'a' || 2.5",
        "SELECT 'abc' = 'ABC', 'abc' = 'ABC' COLLATE NOCASE, 'abc ' = 'abc' COLLATE RTRIM",
        "SELECT a FROM t WHERE a > 1 OR b = 'abc' ORDER BY 1",
        "SELECT abs(-3), length('hello'), upper('x'), coalesce(NULL, 2), ifnull(NULL, 'y')",
        "SELECT nosuch(1)",
        "SELECT abs(1, 2)",
        "SELECT x FROM t",
        "SELECT t.x FROM t",
        "SELECT a FROM nosuch",
        "SELECT 9223372036854775807 + 1, -9223372036854775808, 9223372036854775808",
        "SELECT 0x10, 1e3, .5, 1.",
        "SELECT \"a\", \"zz\" FROM t LIMIT 1",
    ]);
}

#[test]
fn order_limit_distinct() {
    same(&[
        "CREATE TABLE t(a, b TEXT COLLATE NOCASE)",
        "INSERT INTO t VALUES(3, 'b'), (1, 'A'), (2, 'a'), (NULL, 'C'), (2, 'B'), (1.5, NULL), ('x', 'c')",
        "SELECT * FROM t ORDER BY a",
        "SELECT * FROM t ORDER BY a DESC",
        "SELECT * FROM t ORDER BY b, a",
        "SELECT * FROM t ORDER BY b COLLATE BINARY, a DESC",
        "SELECT a AS z FROM t ORDER BY z DESC",
        "SELECT a, b FROM t ORDER BY 2 DESC, 1",
        "SELECT a FROM t ORDER BY 3",
        "SELECT a FROM t ORDER BY a LIMIT 2",
        "SELECT a FROM t ORDER BY a LIMIT 2 OFFSET 3",
        "SELECT a FROM t ORDER BY a LIMIT 3, 2",
        "SELECT a FROM t ORDER BY a LIMIT -1 OFFSET 5",
        "SELECT a FROM t LIMIT 'x'",
        "SELECT DISTINCT b FROM t ORDER BY 1",
        "SELECT DISTINCT a FROM t WHERE a < 3 ORDER BY a",
        "SELECT DISTINCT a % 2 FROM t ORDER BY 1",
        "SELECT a FROM t ORDER BY -a",
    ]);
}

#[test]
fn aggregates() {
    same(&[
        "CREATE TABLE t(g, x INTEGER, y TEXT)",
        "SELECT count(*), count(x), sum(x), total(x), avg(x), min(x), max(x), group_concat(y) FROM t",
        "INSERT INTO t VALUES('a', 1, 'p'), ('b', 2, 'q'), ('a', 3, 'r'), ('b', NULL, 's'), ('c', 5, NULL), ('a', 1, 'p')",
        "SELECT count(*), count(x), sum(x), total(x), avg(x), min(x), max(x), group_concat(y) FROM t",
        "SELECT g, count(*), sum(x), group_concat(y, '-') FROM t GROUP BY g",
        "SELECT g, count(DISTINCT x), sum(DISTINCT x), group_concat(DISTINCT y) FROM t GROUP BY g ORDER BY g DESC",
        "SELECT g, sum(x) AS s FROM t GROUP BY g HAVING s > 2",
        "SELECT g, sum(x) FROM t GROUP BY 1 HAVING count(*) > 1 ORDER BY sum(x) DESC",
        "SELECT g, y, max(x) FROM t GROUP BY g",
        "SELECT y, min(x) FROM t",
        "SELECT g, y, count(*) FROM t GROUP BY g",
        "SELECT x % 2, count(*) FROM t GROUP BY x % 2",
        "SELECT count(*) FROM t WHERE x > 100",
        "SELECT g FROM t GROUP BY g HAVING max(x) = 5",
        "SELECT * FROM t WHERE count(*) > 1",
        "SELECT sum(count(x)) FROM t",
        "SELECT g FROM t GROUP BY count(*)",
        "SELECT g FROM t HAVING g = 'a'",
        "SELECT max(x, 3), min(1, 2, 3) FROM t WHERE g = 'c'",
        "SELECT count() FROM t",
        "SELECT sum(x) + 1, count(*) * 2 FROM t",
    ]);
}

#[test]
fn joins_and_subqueries() {
    same(&[
        "CREATE TABLE a(id INTEGER PRIMARY KEY, x)",
        "CREATE TABLE b(id INTEGER PRIMARY KEY, aid, y)",
        "INSERT INTO a VALUES(1, 'a1'), (2, 'a2'), (3, 'a3')",
        "INSERT INTO b VALUES(10, 1, 'b10'), (11, 1, 'b11'), (12, 3, 'b12'), (13, 9, 'b13')",
        "SELECT * FROM a, b WHERE a.id = b.aid ORDER BY b.id",
        "SELECT a.x, b.y FROM a JOIN b ON a.id = b.aid ORDER BY 1, 2",
        "SELECT a.x, b.y FROM a LEFT JOIN b ON a.id = b.aid ORDER BY 1, 2",
        "SELECT a.x, b.y FROM a LEFT JOIN b ON a.id = b.aid WHERE b.y IS NULL",
        "SELECT a.x, b.y FROM a LEFT JOIN b ON a.id = b.aid AND b.y > 'b10' ORDER BY 1, 2",
        "SELECT count(*) FROM a CROSS JOIN b",
        "SELECT id FROM a, b",
        "SELECT a.id, b.id FROM a INNER JOIN b ON b.aid = a.id WHERE a.id > 1",
        "SELECT x, (SELECT count(*) FROM b WHERE b.aid = a.id) FROM a",
        "SELECT x FROM a WHERE id IN (SELECT aid FROM b)",
        "SELECT x FROM a WHERE id NOT IN (SELECT aid FROM b)",
        "SELECT x FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.aid = a.id)",
        "SELECT x FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.aid = a.id)",
        "SELECT (SELECT max(id) FROM b), (SELECT y FROM b WHERE id = 99)",
        "SELECT x FROM a WHERE id = (SELECT min(aid) FROM b)",
        "SELECT * FROM a AS p JOIN a AS q ON p.id + 1 = q.id",
        "SELECT p.x, q.x FROM a p, a q WHERE p.id < q.id ORDER BY 1, 2",
        "SELECT * FROM a JOIN b USING (id)",
        "SELECT 1 IN (SELECT id FROM a), 7 IN (SELECT id FROM a), NULL IN (SELECT id FROM a)",
        "SELECT * FROM (SELECT id, x || '!' FROM a WHERE id > 1) AS s",
        "SELECT s.n, b.y FROM (SELECT id AS n FROM a) s JOIN b ON b.aid = s.n ORDER BY 2",
        "SELECT count(*), max(k) FROM (SELECT aid AS k FROM b GROUP BY aid)",
    ]);
}

#[test]
fn update_delete() {
    same(&[
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)",
        "CREATE INDEX ta ON t(a)",
        "INSERT INTO t VALUES(1, 10, 'x'), (2, 20, 'y'), (3, 30, 'z'), (4, 20, 'w')",
        "UPDATE t SET a = a + 1, b = b || a WHERE a = 20",
        "SELECT * FROM t",
        "UPDATE t SET id = id + 10 WHERE id > 2",
        "SELECT * FROM t",
        "UPDATE t SET id = 1 WHERE id = 2",
        "UPDATE t SET a = 0",
        "SELECT * FROM t WHERE a = 0",
        "DELETE FROM t WHERE id = 13",
        "SELECT * FROM t",
        "DELETE FROM t WHERE a = 0 AND id > 11",
        "SELECT * FROM t",
        "DELETE FROM t",
        "SELECT count(*) FROM t",
        "PRAGMA integrity_check",
        "UPDATE t SET nosuch = 1",
        "UPDATE nosuch SET a = 1",
        "DELETE FROM nosuch",
        "UPDATE sqlite_master SET name = 'x'",
    ]);
}

#[test]
fn index_lookups() {
    same(&[
        "CREATE TABLE t(a INTEGER, b TEXT, c)",
        "CREATE INDEX tab ON t(a, b)",
        "CREATE INDEX tc ON t(c DESC)",
        "CREATE INDEX tb ON t(b COLLATE NOCASE)",
        "INSERT INTO t VALUES(1, 'x', 5), (2, 'y', 6), (2, 'Y', 7), (3, 'z', NULL), (NULL, NULL, 8), (2, 'a', '9')",
        "SELECT * FROM t WHERE a = 2",
        "SELECT * FROM t WHERE a = '2'",
        "SELECT * FROM t WHERE a = 2 AND b = 'y'",
        "SELECT * FROM t WHERE a > 1",
        "SELECT * FROM t WHERE a >= 2 AND a < 3",
        "SELECT * FROM t WHERE a BETWEEN 1 AND 2 ORDER BY b",
        "SELECT * FROM t WHERE a IN (3, 1, 1)",
        "SELECT * FROM t WHERE c = 6",
        "SELECT * FROM t WHERE c > 5",
        "SELECT * FROM t WHERE b = 'Y'",
        "SELECT * FROM t WHERE b = 'Y' COLLATE NOCASE",
        "SELECT * FROM t WHERE a < 3 ORDER BY a, b",
        "SELECT * FROM t ORDER BY a DESC, b DESC",
        "SELECT rowid, * FROM t WHERE rowid = 2",
        "SELECT rowid FROM t WHERE rowid > 2 AND rowid <= 5",
        "SELECT rowid FROM t WHERE rowid IN (5, 1, 99)",
        "SELECT rowid FROM t WHERE rowid > 2.5",
        "SELECT rowid FROM t WHERE rowid < '3'",
        "SELECT rowid FROM t ORDER BY rowid DESC LIMIT 2",
        "PRAGMA integrity_check",
        "CREATE UNIQUE INDEX ua ON t(a)",
        "CREATE UNIQUE INDEX uc ON t(c)",
        "PRAGMA index_list(t)",
    ]);
}

#[test]
fn select_without_from_and_values() {
    same(&[
        "SELECT 1",
        "SELECT 1 AS one, 'two' AS \"Two\", 3.0",
        "SELECT 1 WHERE 0",
        "SELECT 1 HAVING 1",
        "VALUES(1, 2), (3, 4)",
        "SELECT *",
        "SELECT 1 +",
        "selec 1",
        "SELECT 'abc",
        "SELECT x'0g'",
        "SELECT ?1, ?, :a, ?0",
    ]);
}

#[test]
fn compound_selects() {
    same(&[
        "CREATE TABLE t(a, b)",
        "INSERT INTO t VALUES(3, 'c'), (1, 'a'), (2, 'b'), (1, 'a')",
        "SELECT a FROM t UNION ALL SELECT a + 10 FROM t",
        "SELECT a, b FROM t UNION SELECT 2, 'b'",
        "SELECT a FROM t EXCEPT SELECT 2",
        "SELECT a FROM t INTERSECT SELECT a FROM t WHERE a > 1",
        "SELECT a AS x FROM t UNION SELECT 5 ORDER BY x DESC LIMIT 3",
        "SELECT a, b FROM t UNION ALL SELECT 0, 'z' ORDER BY 2, 1",
        "SELECT a FROM t UNION SELECT a, b FROM t",
        "SELECT a FROM t UNION SELECT 1 ORDER BY 2",
        "SELECT count(*) FROM (SELECT a FROM t UNION SELECT b FROM t)",
        "INSERT INTO t SELECT 7, 'g' UNION ALL SELECT 8, 'h'",
        "SELECT * FROM t WHERE a IN (SELECT 7 UNION SELECT 3) ORDER BY a",
    ]);
}

#[test]
fn pragmas() {
    same(&[
        "PRAGMA user_version",
        "PRAGMA user_version = 7",
        "PRAGMA user_version",
        "PRAGMA journal_mode",
        "PRAGMA no_such_pragma",
        "PRAGMA integrity_check",
        "PRAGMA table_info(nosuch)",
        "PRAGMA encoding",
    ]);
}

#[test]
fn assorted_semantics() {
    same(&[
        "CREATE TABLE t(a INTEGER, b TEXT, c)",
        "INSERT INTO t VALUES(1, '1', 1), (2, '02', '2'), (NULL, NULL, NULL), (3, 'x', 3.5), (1, 'dup', 1)",
        "CREATE TABLE u(a TEXT, b INTEGER)",
        "INSERT INTO u VALUES('1', 1), ('2', 2), ('03', 3)",
        "SELECT t.a, u.a FROM t, u WHERE t.a = u.a ORDER BY 1, 2",
        "SELECT t.b, u.b FROM t, u WHERE t.b = u.b ORDER BY 1, 2",
        "SELECT a, count(*) FROM t GROUP BY a ORDER BY a",
        "SELECT c, typeof(c) FROM t ORDER BY c DESC",
        "SELECT DISTINCT a FROM t ORDER BY b",
        "SELECT a FROM t ORDER BY b LIMIT 1 + 1 OFFSET (SELECT 1)",
        "SELECT a, b FROM t WHERE a IN (SELECT b FROM u) ORDER BY rowid",
        "SELECT a FROM t WHERE b IN (1, 2) ORDER BY rowid",
        "SELECT sum(a), avg(c), min(b), max(b), total(c) FROM t",
        "SELECT count(DISTINCT a), count(DISTINCT c) FROM t",
        "SELECT group_concat(b, ''), group_concat(DISTINCT a) FROM t",
        "SELECT a, (SELECT max(b) FROM u WHERE u.b <= t.a) FROM t ORDER BY rowid",
        "SELECT * FROM t LEFT JOIN u ON t.a = u.b WHERE u.a IS NULL ORDER BY t.rowid",
        "SELECT * FROM t LEFT JOIN u ON u.b = t.a ORDER BY t.rowid, u.rowid",
        "SELECT t.a, count(u.b) FROM t LEFT JOIN u ON u.b >= t.a GROUP BY t.a ORDER BY 1",
        "SELECT 1 FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.b = t.a) AND a > 1",
        "SELECT a + b, a || b, a * c, c / 2, -c FROM t ORDER BY rowid",
        "SELECT CASE WHEN a IS NULL THEN 'none' WHEN a > 1 THEN 'big' ELSE 'small' END AS k, count(*) FROM t GROUP BY k ORDER BY k",
        "UPDATE t SET c = c * 2 WHERE a IN (SELECT b FROM u)",
        "SELECT * FROM t ORDER BY rowid",
        "DELETE FROM t WHERE rowid IN (SELECT rowid FROM t WHERE a = 1)",
        "SELECT * FROM t ORDER BY rowid",
        "INSERT INTO t(a) SELECT b FROM u WHERE b > 1",
        "SELECT a, b, c FROM t ORDER BY rowid",
        "SELECT a FROM t WHERE a > '1' ORDER BY a",
        "SELECT b FROM t WHERE b > 1 ORDER BY b",
        "SELECT 1 FROM t GROUP BY a HAVING a",
        "CREATE TABLE n(a TEXT COLLATE NOCASE)",
        "INSERT INTO n VALUES('b'), ('A'), ('a'), ('B')",
        "SELECT min(a), max(a), count(DISTINCT a), group_concat(DISTINCT a) FROM n",
        "SELECT a, count(*) FROM n GROUP BY a",
        "SELECT max(a COLLATE BINARY) FROM n",
    ]);
}

#[test]
fn automatic_hash_joins() {
    same(&[
        "CREATE TABLE a(x, y TEXT COLLATE NOCASE, z INTEGER)",
        "CREATE TABLE b(x, y TEXT, z REAL)",
        "INSERT INTO a VALUES(1, 'A', 1), (2, 'b', 2), (NULL, NULL, NULL), ('1', 'c', 3), (2.0, 'B', 4)",
        "INSERT INTO b VALUES(1, 'a', 1.0), (2, 'B', 2.5), (NULL, NULL, NULL), (1.0, 'C', 3), ('2', 'b', 4)",
        "SELECT a.rowid, b.rowid FROM a, b WHERE a.x = b.x ORDER BY 1, 2",
        "SELECT a.rowid, b.rowid FROM a, b WHERE b.x = a.x ORDER BY 1, 2",
        "SELECT a.rowid, b.rowid FROM a, b WHERE a.y = b.y ORDER BY 1, 2",
        "SELECT a.rowid, b.rowid FROM a, b WHERE b.y = a.y ORDER BY 1, 2",
        "SELECT a.rowid, b.rowid FROM a, b WHERE a.z = b.z ORDER BY 1, 2",
        "SELECT a.rowid, b.rowid FROM a LEFT JOIN b ON b.z = a.z ORDER BY 1, 2",
        "SELECT a.rowid, b.rowid FROM b, a WHERE a.z = b.z AND b.y = 'a' COLLATE NOCASE ORDER BY 1, 2",
        "SELECT count(*) FROM a AS p, a AS q, a AS r WHERE p.z = q.z AND q.z = r.z",
    ]);
}

#[test]
fn nulls_limits_and_nesting() {
    same(&[
        "CREATE TABLE t(a, b)",
        "CREATE TABLE e(x)",
        "INSERT INTO t VALUES(NULL, 1), (3, NULL), (1, 2), (NULL, NULL), (2, 2)",
        "SELECT a FROM t ORDER BY a DESC",
        "SELECT a, b FROM t ORDER BY b DESC, a",
        "SELECT a FROM t LIMIT 0",
        "SELECT a FROM t ORDER BY a LIMIT 10 OFFSET 4",
        "SELECT a FROM t ORDER BY a LIMIT 10 OFFSET 40",
        "SELECT a + 0 AS k, count(*) FROM t GROUP BY k",
        "SELECT b, count(*) FROM t GROUP BY b HAVING b IS NOT NULL",
        "SELECT a FROM t WHERE a IN (SELECT x FROM e)",
        "SELECT a FROM t WHERE a NOT IN (SELECT x FROM e) ORDER BY 1",
        "SELECT a, a NOT IN (SELECT b FROM t) FROM t ORDER BY rowid",
        "SELECT a, (SELECT count(*) FROM t AS u WHERE u.b = t.a AND EXISTS (SELECT 1 FROM t AS v WHERE v.a = u.b)) FROM t ORDER BY rowid",
        "SELECT max(a), min(b), sum(a) FROM t WHERE a > 100",
        "SELECT count(*) FROM t WHERE a = NULL",
        "SELECT count(*) FROM t WHERE a IS NULL",
        "SELECT DISTINCT b FROM t ORDER BY b DESC",
        "SELECT coalesce(a, b, -1) FROM t ORDER BY rowid",
        "SELECT a FROM t WHERE b BETWEEN 1 AND 2 AND a IS NOT NULL ORDER BY a",
        "SELECT * FROM t WHERE rowid BETWEEN 2 AND 4 ORDER BY rowid DESC",
        "SELECT -a, a / 0, a % 0, 5 / 2.0 FROM t WHERE a IS NOT NULL ORDER BY a",
    ]);
}

#[test]
fn typed_columns_and_affinity_on_write() {
    same(&[
        "CREATE TABLE t(i INTEGER, r REAL, n NUMERIC, s TEXT, b BLOB, x)",
        "INSERT INTO t VALUES('12', '12', '12', 12, 12, '12')",
        "INSERT INTO t VALUES('1.5', '1.5', '1.50', 1.5, 1.5, '1.5')",
        "INSERT INTO t VALUES('abc', 'abc', 'abc', 'abc', 'abc', 'abc')",
        "INSERT INTO t VALUES(3.0, 3, '3.0', 3.0, 3.0, 3.0)",
        "INSERT INTO t VALUES(x'01', x'01', x'01', x'01', x'01', x'01')",
        "INSERT INTO t VALUES(' 7 ', '1e2', '0x10', NULL, NULL, NULL)",
        "SELECT typeof(i), i, typeof(r), r, typeof(n), n, typeof(s), s, typeof(b), typeof(x) FROM t ORDER BY rowid",
        "UPDATE t SET s = 5, i = '6' WHERE rowid = 1",
        "SELECT typeof(i), i, typeof(s), s FROM t WHERE rowid = 1",
        "SELECT i FROM t WHERE i = '12'",
        "SELECT s FROM t WHERE s = 12",
        "SELECT x FROM t WHERE x = 12",
        "SELECT x FROM t WHERE x = '12'",
        "CREATE INDEX ti ON t(i)",
        "CREATE INDEX ts ON t(s)",
        "SELECT i FROM t WHERE i = '12'",
        "SELECT s FROM t WHERE s = 12",
        "SELECT i FROM t WHERE i > '2' ORDER BY i",
        "SELECT s FROM t WHERE s >= 1 ORDER BY s",
        "PRAGMA integrity_check",
    ]);
}

#[test]
fn savepoints() {
    same(&[
        "CREATE TABLE t(a)",
        "RELEASE nope",
        "ROLLBACK TO nope",
        "SAVEPOINT one",
        "INSERT INTO t VALUES(1)",
        "SAVEPOINT two",
        "INSERT INTO t VALUES(2)",
        "ROLLBACK TO two",
        "SELECT * FROM t",
        "INSERT INTO t VALUES(3)",
        "SAVEPOINT three",
        "CREATE TABLE u(x)",
        "ROLLBACK TO SAVEPOINT three",
        "SELECT name FROM sqlite_master",
        "RELEASE two",
        "BEGIN",
        "RELEASE one",
        "SELECT * FROM t",
        "COMMIT",
        "BEGIN",
        "SAVEPOINT a",
        "INSERT INTO t VALUES(4)",
        "RELEASE a",
        "ROLLBACK",
        "SELECT * FROM t",
        "SAVEPOINT x",
        "SAVEPOINT y",
        "INSERT INTO t VALUES(5)",
        "ROLLBACK TO x",
        "INSERT INTO t VALUES(6)",
        "RELEASE SAVEPOINT x",
        "SELECT * FROM t",
        "COMMIT",
    ]);
}

#[test]
fn create_index_over_existing_rows() {
    let mut script = vec![
        "CREATE TABLE t(a, b TEXT, c INTEGER PRIMARY KEY, d)".to_string(),
        "INSERT INTO t VALUES(NULL, 'x', 1, 1), (NULL, 'X', 2, 1), (3, 'y', 3, 2.5), (2, 'Z', 4, x'00'), (1, 'z', -5, 'q')"
            .to_string(),
    ];
    // Enough rows for several leaf pages, in an order unlike the key order.
    for i in 0..40 {
        script.push(format!("INSERT INTO t VALUES({}, 'k{}', {}, {})", (i * 37) % 101 + 10, i % 7, 100 + i, i % 3));
    }
    script.extend(
        [
            "CREATE UNIQUE INDEX ua ON t(a)",
            "CREATE UNIQUE INDEX ub ON t(b)",
            "CREATE UNIQUE INDEX ubn ON t(b COLLATE NOCASE, d)",
            "CREATE UNIQUE INDEX uad ON t(a, d)",
            "CREATE INDEX td ON t(d DESC, b)",
            "CREATE INDEX tbn ON t(b COLLATE NOCASE)",
            "CREATE UNIQUE INDEX uc ON t(c)",
            "SELECT name FROM sqlite_master ORDER BY name",
            "PRAGMA integrity_check",
            "SELECT a, c FROM t WHERE a > 50 ORDER BY a",
            "SELECT b, c FROM t WHERE b = 'Z' COLLATE NOCASE ORDER BY c",
            "SELECT d, b FROM t WHERE d = 1 ORDER BY d DESC, b",
            "SELECT c FROM t WHERE c BETWEEN -10 AND 3",
            "INSERT INTO t(a, b, d) VALUES(4, 'new', 2)",
            "INSERT INTO t(a, b, d) VALUES(5, 'NEW', 2)",
            "SELECT count(*) FROM t WHERE a = 4",
            "PRAGMA integrity_check",
        ]
        .map(String::from),
    );
    let s: Vec<&str> = script.iter().map(String::as_str).collect();
    same(&s);
}

#[test]
fn in_and_case_comparison_rules() {
    same(&[
        "CREATE TABLE t(c TEXT COLLATE NOCASE, n INTEGER, v VARCHAR(9))",
        "INSERT INTO t VALUES('Abc', 5, '-10'), ('x', '7', 'y')",
        "SELECT 'a' IN ('A' COLLATE NOCASE, 'b'), 'a' IN ('A' COLLATE NOCASE), 'ABC' IN (c, 'x'), 'ABC' IN (c) FROM t",
        "SELECT c IN ('ABC', 'q'), c NOT IN ('ABC'), 'ABC' COLLATE BINARY IN (c, 'x'), n IN ('5', 7) FROM t",
        "SELECT 'abc' IN (SELECT c FROM t), 'ABC' COLLATE BINARY IN (SELECT c FROM t), 'X' NOT IN (SELECT c FROM t)",
        "SELECT +n = '5', n = '5', +v = -10, v = -10, 1 <= +v, +c = 'abc' FROM t",
        "SELECT CASE n WHEN '5' THEN 'a' WHEN c THEN 'b' ELSE 'c' END, CASE 1 WHEN 1.0 THEN 'a' WHEN c THEN 'b' END FROM t",
        "SELECT max(c, 'B'), min('B', c), nullif(c, 'ABC'), max('B', c) FROM t ORDER BY rowid",
    ]);
}

#[test]
fn failed_statements_rows_and_counters() {
    same(&[
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE)",
        "CREATE TABLE n(a INTEGER PRIMARY KEY, b NOT NULL DEFAULT 3)",
        "CREATE TABLE x(a, b UNIQUE, c UNIQUE)",
        "CREATE UNIQUE INDEX xa ON x(a)",
        "INSERT INTO t VALUES(1, 1), (2, 2), (3, 3)",
        "BEGIN",
        "UPDATE t SET b = b + 1",
        "SELECT changes(), total_changes()",
        "SELECT * FROM t",
        // OR IGNORE / OR REPLACE (no NOT NULL, no CHECK) keep the rows
        // written before a run-time error inside a transaction.
        "UPDATE OR IGNORE t SET b = b * 10, a = CASE a WHEN 3 THEN 'x' ELSE a END",
        "SELECT changes(), total_changes()",
        "SELECT * FROM t",
        "INSERT OR REPLACE INTO t VALUES(10, 10), ('y', 1)",
        "SELECT changes(), total_changes()",
        "SELECT * FROM t",
        "INSERT INTO t VALUES(20, 20), ('y', 1)",
        "INSERT OR REPLACE INTO n VALUES(1, 1), ('z', 2)",
        "INSERT OR IGNORE INTO n SELECT 5, 5 UNION ALL SELECT 'q', 6",
        "SELECT * FROM n",
        // A function call gives the statement a journal: all undone.
        "INSERT OR REPLACE INTO t SELECT a + 100, abs(b) FROM t UNION ALL SELECT 'v', 1",
        "INSERT OR IGNORE INTO t SELECT a + 200, b FROM t UNION ALL SELECT 'v', 1",
        "SELECT * FROM t",
        "COMMIT",
        "SELECT * FROM t",
        // Several UNIQUE constraints: the newest index is reported first.
        "INSERT INTO x VALUES(1, 2, 3)",
        "INSERT INTO x VALUES(5, 2, 3)",
        "INSERT INTO x VALUES(1, 2, 3)",
        "SELECT changes(), total_changes()",
        // DEFAULT on an INTEGER PRIMARY KEY is never used; new rowids follow a negative max.
        "CREATE TABLE d(a INTEGER PRIMARY KEY DEFAULT 'Abc', b)",
        "INSERT INTO d(a) VALUES(-9), (-7)",
        "INSERT INTO d(b) VALUES('p'), ('q')",
        "SELECT rowid, * FROM d",
        "UPDATE d SET b = abs(-9223372036854775808), b = 5 WHERE a = -9",
        "SELECT * FROM d WHERE a = -9",
    ]);
}

#[test]
fn and_or_between_evaluation() {
    same(&[
        "CREATE TABLE t(a, b CHECK (b IS NULL OR b > 0 OR abs(-9223372036854775808)))",
        "INSERT INTO t VALUES(1, NULL), (5, 2)",
        "SELECT 0 AND abs(-9223372036854775808)",
        "SELECT abs(-9223372036854775808) AND +0",
        "SELECT abs(-9223372036854775808) AND (0), -0 AND abs(-9223372036854775808)",
        "SELECT 0.0 AND abs(-9223372036854775808)",
        "SELECT 1 OR abs(-9223372036854775808)",
        "SELECT 1 AND abs(-9223372036854775808)",
        "SELECT 5 BETWEEN 10 AND abs(-9223372036854775808)",
        "SELECT a FROM t WHERE a BETWEEN 10 AND abs(-9223372036854775808)",
        "SELECT a FROM t WHERE a = 1 OR abs(-9223372036854775808)",
        "SELECT CASE WHEN a = 5 OR abs(-9223372036854775808) THEN 'x' ELSE 'y' END FROM t WHERE a = 5",
        "SELECT a, NOT (a > 2 AND b), a > 2 OR b IS NULL FROM t ORDER BY a",
        "SELECT a FROM t GROUP BY a HAVING a > 2 OR abs(-9223372036854775808)",
        "SELECT t.a FROM t JOIN t u ON t.a = u.a AND (t.a > 2 OR abs(-9223372036854775808))",
        "INSERT INTO t VALUES(3, 4)",
        "INSERT INTO t VALUES(3, -4)",
        "SELECT count(*) FROM t LIMIT 0",
        "SELECT abs(-9223372036854775808) FROM t ORDER BY 1 LIMIT 0",
    ]);
}

#[test]
fn explicit_collation_propagates() {
    same(&[
        "CREATE TABLE t(a TEXT, n TEXT COLLATE NOCASE)",
        "INSERT INTO t VALUES('abc', 'abc'), ('B', 'B'), ('b', 'b'), (NULL, NULL)",
        "SELECT (a COLLATE NOCASE) || '' FROM t ORDER BY 1, rowid",
        "SELECT a FROM t ORDER BY (a COLLATE NOCASE) || 'x', rowid",
        "SELECT CASE WHEN a IS NULL THEN 'z' ELSE a COLLATE NOCASE END AS k FROM t ORDER BY k, rowid",
        "SELECT DISTINCT CASE 1 WHEN 1 THEN a COLLATE NOCASE END FROM t ORDER BY 1",
        "SELECT (a COLLATE NOCASE) IS NULL, -n, a FROM t ORDER BY 2, 3",
        "SELECT DISTINCT coalesce(a COLLATE NOCASE, 'x') FROM t ORDER BY 1",
        "SELECT a FROM t WHERE (a COLLATE NOCASE) || '' = 'ABC'",
        "SELECT a FROM t WHERE a IN ('B' COLLATE NOCASE, 'x') ORDER BY rowid",
        "SELECT n FROM t ORDER BY 1, rowid",
        "SELECT -n FROM t ORDER BY 1",
    ]);
}
