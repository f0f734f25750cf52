SELECT 'before quit';
.quit
SELECT 'never printed';
