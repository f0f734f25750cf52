-- Values as sqlite3 prints them.
SELECT 1, -1, 9223372036854775807, -9223372036854775808;
SELECT 1.0, 0.1, 1e20, 1.5e-7, -2.5, 3.0/2, 7/2, 1e300*1e300;
SELECT typeof(1), typeof(1.0), typeof('a'), typeof(x'00'), typeof(NULL);
SELECT 'it''s', length('héllo'), upper('abc');
SELECT 10 % 3, 2 * 3 + 1, 5 - 8;
CREATE TABLE n(v);
INSERT INTO n VALUES(1), (2.5), ('3'), (NULL), (x'68');
SELECT v, typeof(v) FROM n;
SELECT sum(v), total(v), avg(v), min(v), max(v), count(v), count(*) FROM n;
SELECT group_concat(v) FROM n;
