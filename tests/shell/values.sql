-- Blobs, embedded newlines and quotes, UTF-8, empty strings and NULL in every mode.
CREATE TABLE b(x);
INSERT INTO b VALUES(x'414243'), (x'00'), (x''), ('multi
line'), ('héllo wörld'), ('a"b'), (''), (NULL), (12), (-4.5);
SELECT x FROM b;
.headers on
.mode csv
SELECT x, typeof(x) AS "t,y" FROM b;
.mode line
SELECT x, length(x) AS len FROM b;
.mode json
SELECT x, typeof(x) FROM b;
.mode list
