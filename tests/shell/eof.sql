-- Statements split oddly across lines; the last one has no ';'.
SELECT 'a'
;
SELECT 'line1
line2';
  -- indented comment

   SELECT   'indented'  ;   SELECT 'x' -- trailing comment
;
CREATE TABLE q("semi;in;ident");
INSERT INTO q VALUES(1);
SELECT "semi;in;ident" FROM q;
SELECT 'no semicolon at end'