-- .tables, .schema and .read.
.tables
CREATE TABLE zeta(a);
CREATE TABLE alpha(x INTEGER PRIMARY KEY, y TEXT);
CREATE INDEX alpha_y ON alpha(y);
CREATE TABLE "with space"(c);
.tables
.tables al%
.schema
.schema alpha
.read tests/shell/data/included.sql
SELECT count(*) FROM alpha;
.mode list
.headers off
SELECT * FROM sqlite_master;
