/* column_count/name/decltype/type/int/int64/double/text/blob/bytes:
 * conversions, pointer rules, out-of-range indices. */
#include "check.h"

int main(void) {
    sqlvibe *db = NULL;
    sqlvibe_stmt *st = NULL;
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);
    EXEC_OK(db, "CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n)");
    EXEC_OK(db, "INSERT INTO t VALUES(42, 3.5, '17abc', x'DEAD00BEEF', NULL)");

    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT i, r, s, b, n, i + 1 AS plus FROM t", -1, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_column_count(st), 6);
    CHECK_STR(sqlvibe_column_name(st, 0), "i");
    CHECK_STR(sqlvibe_column_name(st, 5), "plus");
    CHECK_STR(sqlvibe_column_name(st, 6), NULL);
    CHECK_STR(sqlvibe_column_name(st, -1), NULL);
    CHECK_STR(sqlvibe_column_decltype(st, 0), "INTEGER");
    CHECK_STR(sqlvibe_column_decltype(st, 2), "TEXT");
    CHECK_STR(sqlvibe_column_decltype(st, 4), NULL);
    CHECK_STR(sqlvibe_column_decltype(st, 5), NULL);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);

    CHECK_INT(sqlvibe_column_type(st, 0), SQLVIBE_INTEGER);
    CHECK_INT(sqlvibe_column_type(st, 1), SQLVIBE_FLOAT);
    CHECK_INT(sqlvibe_column_type(st, 2), SQLVIBE_TEXT);
    CHECK_INT(sqlvibe_column_type(st, 3), SQLVIBE_BLOB);
    CHECK_INT(sqlvibe_column_type(st, 4), SQLVIBE_NULL);

    /* INTEGER seen as each type. */
    CHECK_INT(sqlvibe_column_int64(st, 0), 42);
    CHECK(sqlvibe_column_double(st, 0) == 42.0);
    CHECK_STR(sqlvibe_column_text(st, 0), "42");
    CHECK_INT(sqlvibe_column_bytes(st, 0), 2);
    /* The type does not change after a conversion. */
    CHECK_INT(sqlvibe_column_type(st, 0), SQLVIBE_INTEGER);
    /* REAL. */
    CHECK_INT(sqlvibe_column_int(st, 1), 3);
    CHECK(sqlvibe_column_double(st, 1) == 3.5);
    CHECK_STR(sqlvibe_column_text(st, 1), "3.5");
    CHECK_INT(sqlvibe_column_bytes(st, 1), 3);
    /* TEXT by its numeric prefix. */
    CHECK_INT(sqlvibe_column_int(st, 2), 17);
    CHECK(sqlvibe_column_double(st, 2) == 17.0);
    CHECK_INT(sqlvibe_column_bytes(st, 2), 5);
    CHECK(bytes_equal(sqlvibe_column_blob(st, 2), "17abc", 5));
    /* BLOB with an embedded zero. */
    CHECK_INT(sqlvibe_column_bytes(st, 3), 5);
    CHECK(bytes_equal(sqlvibe_column_blob(st, 3), "\xde\xad\x00\xbe\xef", 5));
    CHECK_INT(sqlvibe_column_int(st, 3), 0);
    /* NULL. */
    CHECK(sqlvibe_column_text(st, 4) == NULL);
    CHECK(sqlvibe_column_blob(st, 4) == NULL);
    CHECK_INT(sqlvibe_column_bytes(st, 4), 0);
    CHECK_INT(sqlvibe_column_int(st, 4), 0);
    CHECK(sqlvibe_column_double(st, 4) == 0.0);
    CHECK_INT(sqlvibe_column_int(st, 5), 43);

    /* The same text pointer is served twice within a row. */
    const unsigned char *p1 = sqlvibe_column_text(st, 2);
    const unsigned char *p2 = sqlvibe_column_text(st, 2);
    CHECK(p1 == p2);
    CHECK_STR(p1, "17abc");

    /* Out of range: NULL value and SQLVIBE_RANGE on the connection. */
    CHECK(sqlvibe_column_text(st, 6) == NULL);
    CHECK_INT(sqlvibe_errcode(db), SQLVIBE_RANGE);
    CHECK_INT(sqlvibe_column_type(st, -1), SQLVIBE_NULL);
    CHECK_INT(sqlvibe_column_int(st, 99), 0);

    CHECK_INT(sqlvibe_step(st), SQLVIBE_DONE);
    /* No current row: reads are NULL. */
    CHECK(sqlvibe_column_text(st, 0) == NULL);
    CHECK_INT(sqlvibe_column_type(st, 0), SQLVIBE_NULL);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);

    /* Zero-length values: blob pointer NULL, text pointer "" (as SQLite). */
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT x'', '', -0.5, 1e20, 9223372036854775807", -1, &st, NULL),
              SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK(sqlvibe_column_blob(st, 0) == NULL);
    CHECK_INT(sqlvibe_column_bytes(st, 0), 0);
    CHECK_STR(sqlvibe_column_text(st, 0), "");
    CHECK(sqlvibe_column_blob(st, 1) == NULL);
    CHECK_STR(sqlvibe_column_text(st, 1), "");
    CHECK_STR(sqlvibe_column_text(st, 2), "-0.5");
    CHECK_STR(sqlvibe_column_text(st, 3), "1.0e+20");
    CHECK_INT(sqlvibe_column_int64(st, 3), 9223372036854775807LL);
    CHECK_INT(sqlvibe_column_int64(st, 4), 9223372036854775807LL);
    CHECK_INT(sqlvibe_column_int(st, 4), -1);
    CHECK_STR(sqlvibe_column_text(st, 4), "9223372036854775807");
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);

    /* A statement without result columns. */
    CHECK_INT(sqlvibe_prepare_v2(db, "DELETE FROM t", -1, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_column_count(st), 0);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_DONE);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);

    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
    return CHECK_SUMMARY("column");
}
