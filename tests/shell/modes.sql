-- Output modes and headers.
CREATE TABLE m(id INTEGER PRIMARY KEY, name TEXT, score REAL, note);
INSERT INTO m VALUES(1, 'alice', 9.5, NULL);
INSERT INTO m VALUES(2, 'bob, jr', 7.25, 'said "hi"');
INSERT INTO m VALUES(3, '', 0.1, 'tab	here');
.headers on
SELECT * FROM m;
SELECT * FROM m WHERE id > 100;
.mode csv
SELECT * FROM m;
.headers off
SELECT name, note FROM m;
.mode line
SELECT * FROM m;
SELECT id AS a_much_longer_name FROM m WHERE id = 1;
.mode json
SELECT * FROM m;
SELECT 1 AS n, 2.0 AS r, 'q"\' AS s, NULL AS z;
SELECT * FROM m WHERE id > 100;
.mode list
.headers on
SELECT id, name FROM m;
.headers off
SELECT id, name FROM m;
-- REALs in json mode carry 20 significant digits, as sqlite3 prints them.
.mode json
SELECT 0.1 AS a, 1e-7 AS b, 123456789.123 AS c, 245.80338977940391486 AS d, -0.0 AS e,
       1e308 * 10 AS f, 2.0 AS g, 1e20 AS h, -3.0e-300 AS i;
