-- Errors go to stderr; the script goes on and the exit status is 1.
CREATE TABLE e(a INTEGER NOT NULL, b TEXT UNIQUE);
SELECT * FROM nosuch;
INSERT INTO e VALUES(1, 'x');
INSERT INTO e VALUES(2, 'x');
INSERT INTO e VALUES(NULL, 'y');
SELECT nope FROM e;
SELEC 1;
SELECT a, b FROM e;
.nosuchcommand
SELECT 'still running';
