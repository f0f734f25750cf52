-- Statements split oddly across lines; the last one has no ';'.
SELECT 'a'
;
SELECT 'line1
line2';
  -- indented comment

   SELECT   'indented'  ;   SELECT 'x' -- trailing comment
;
SELECT "semi;in;ident" FROM (SELECT 1 AS "semi;in;ident");
SELECT 'no semicolon at end'