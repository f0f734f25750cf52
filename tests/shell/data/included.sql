-- Read by dot.sql with .read.
INSERT INTO alpha(y) VALUES('from included file');
SELECT x, y FROM alpha;
