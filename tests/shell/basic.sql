-- Tables, inserts and selects in the default list mode.
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d);
INSERT INTO t VALUES(1, 'one', 1.5, NULL);
INSERT INTO t VALUES(2, 'two', 2.0, x'41');
INSERT INTO t(b, c) VALUES('three', -0.25), ('four', 100);
SELECT * FROM t;
SELECT a, b FROM t WHERE a > 1 ORDER BY a DESC;
SELECT count(*), sum(a), max(b) FROM t;
-- A statement spanning lines, and two on one line.
SELECT a,
       b
  FROM t
 WHERE a = 3;
SELECT 1; SELECT 2;
/* a block comment */ SELECT 'after comment';
SELECT 'semi;colon', "b" FROM t WHERE a = 1;
UPDATE t SET c = c * 2 WHERE a <= 2;
DELETE FROM t WHERE a = 4;
SELECT * FROM t;
SELECT NULL, '', 'x';
