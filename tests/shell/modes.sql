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
