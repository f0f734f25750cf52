/* bind_null/int/int64/double/text/text64/blob/blob64/zeroblob,
 * clear_bindings, bind_parameter_count/index/name, rebinding. */
#include "check.h"

static sqlvibe_stmt *prep(sqlvibe *db, const char *sql) {
    sqlvibe_stmt *st = NULL;
    CHECK_INT(sqlvibe_prepare_v2(db, sql, -1, &st, NULL), SQLVIBE_OK);
    return st;
}

static void test_parameter_names(sqlvibe *db) {
    sqlvibe_stmt *st = prep(db, "SELECT ?, :a, @b, $c, ?5, ?, :a");
    CHECK_INT(sqlvibe_bind_parameter_count(st), 6);
    CHECK_STR(sqlvibe_bind_parameter_name(st, 1), NULL);
    CHECK_STR(sqlvibe_bind_parameter_name(st, 2), ":a");
    CHECK_STR(sqlvibe_bind_parameter_name(st, 3), "@b");
    CHECK_STR(sqlvibe_bind_parameter_name(st, 4), "$c");
    CHECK_STR(sqlvibe_bind_parameter_name(st, 5), "?5");
    CHECK_STR(sqlvibe_bind_parameter_name(st, 6), NULL);
    CHECK_STR(sqlvibe_bind_parameter_name(st, 0), NULL);
    CHECK_STR(sqlvibe_bind_parameter_name(st, 7), NULL);
    CHECK_INT(sqlvibe_bind_parameter_index(st, ":a"), 2);
    CHECK_INT(sqlvibe_bind_parameter_index(st, "@b"), 3);
    CHECK_INT(sqlvibe_bind_parameter_index(st, "$c"), 4);
    CHECK_INT(sqlvibe_bind_parameter_index(st, "?5"), 5);
    CHECK_INT(sqlvibe_bind_parameter_index(st, "a"), 0);
    CHECK_INT(sqlvibe_bind_parameter_index(st, ":zz"), 0);
    /* :a used twice is one parameter: binding it sets both places. */
    CHECK_INT(sqlvibe_bind_text(st, 2, "A", -1, SQLVIBE_STATIC), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_STR(sqlvibe_column_text(st, 1), "A");
    CHECK_STR(sqlvibe_column_text(st, 6), "A");
    CHECK_INT(sqlvibe_column_type(st, 0), SQLVIBE_NULL);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
    st = prep(db, "SELECT 1");
    CHECK_INT(sqlvibe_bind_parameter_count(st), 0);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
}

static void test_kinds(sqlvibe *db) {
    sqlvibe_stmt *st = prep(db, "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9");
    static const unsigned char blob[] = {0, 1, 2, 255};
    CHECK_INT(sqlvibe_bind_null(st, 1), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_int(st, 2, -42), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_int64(st, 3, 9007199254740993LL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_double(st, 4, 0.25), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_text(st, 5, "hello world", 5, SQLVIBE_TRANSIENT), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_blob(st, 6, blob, 4, SQLVIBE_STATIC), SQLVIBE_OK);
#ifndef USE_SQLITE
    /* Over the 1e9-byte length limit: sqlvibe refuses it at bind time, before
     * anything is allocated; SQLite defers the same SQLITE_TOOBIG to the step
     * that materializes the value. */
    CHECK_INT(sqlvibe_bind_zeroblob(st, 7, 2000000000), SQLVIBE_TOOBIG);
#endif
    CHECK_INT(sqlvibe_bind_zeroblob(st, 7, 3), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_text64(st, 8, "h\xc3\xa9!", 4, SQLVIBE_TRANSIENT, SQLVIBE_UTF8), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_blob64(st, 9, blob, 2, SQLVIBE_TRANSIENT), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_type(st, 0), SQLVIBE_NULL);
    CHECK_INT(sqlvibe_column_type(st, 1), SQLVIBE_INTEGER);
    CHECK_INT(sqlvibe_column_int(st, 1), -42);
    CHECK_INT(sqlvibe_column_int64(st, 2), 9007199254740993LL);
    CHECK_INT(sqlvibe_column_type(st, 3), SQLVIBE_FLOAT);
    CHECK(sqlvibe_column_double(st, 3) == 0.25);
    CHECK_INT(sqlvibe_column_type(st, 4), SQLVIBE_TEXT);
    CHECK_STR(sqlvibe_column_text(st, 4), "hello");
    CHECK_INT(sqlvibe_column_bytes(st, 4), 5);
    CHECK_INT(sqlvibe_column_type(st, 5), SQLVIBE_BLOB);
    CHECK_INT(sqlvibe_column_bytes(st, 5), 4);
    CHECK(bytes_equal(sqlvibe_column_blob(st, 5), blob, 4));
    CHECK_INT(sqlvibe_column_bytes(st, 6), 3);
    CHECK(bytes_equal(sqlvibe_column_blob(st, 6), "\0\0\0", 3));
    CHECK_STR(sqlvibe_column_text(st, 7), "h\xc3\xa9!");
    CHECK_INT(sqlvibe_column_bytes(st, 8), 2);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);

    /* Embedded NUL with an explicit length is kept. */
    st = prep(db, "SELECT length(CAST(? AS BLOB)), ?");
    CHECK_INT(sqlvibe_bind_text(st, 1, "a\0b", 3, SQLVIBE_STATIC), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_text(st, 2, "a\0b", 3, SQLVIBE_STATIC), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_int(st, 0), 3);
    CHECK_INT(sqlvibe_column_bytes(st, 1), 3);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
}

static void test_rebind_and_clear(sqlvibe *db) {
    EXEC_OK(db, "CREATE TABLE kv(k INTEGER PRIMARY KEY, v)");
    sqlvibe_stmt *ins = prep(db, "INSERT INTO kv VALUES(?, ?)");
    for (int i = 1; i <= 3; i++) {
        CHECK_INT(sqlvibe_bind_int(ins, 1, i), SQLVIBE_OK);
        CHECK_INT(sqlvibe_bind_int(ins, 2, i * 10), SQLVIBE_OK);
        CHECK_INT(sqlvibe_step(ins), SQLVIBE_DONE);
        CHECK_INT(sqlvibe_reset(ins), SQLVIBE_OK);
    }
    /* Bindings survive reset ... */
    CHECK_INT(sqlvibe_bind_int(ins, 1, 4), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(ins), SQLVIBE_DONE);
    CHECK_INT(sqlvibe_reset(ins), SQLVIBE_OK);
    /* ... and clear_bindings makes them NULL (a NULL key means a new rowid). */
    CHECK_INT(sqlvibe_clear_bindings(ins), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(ins), SQLVIBE_DONE);
    CHECK_INT(sqlvibe_finalize(ins), SQLVIBE_OK);
    sqlvibe_stmt *sel = prep(db, "SELECT k, v FROM kv ORDER BY k");
    int k = 0;
    while (sqlvibe_step(sel) == SQLVIBE_ROW) {
        k++;
        CHECK_INT(sqlvibe_column_int(sel, 0), k);
        if (k <= 3) CHECK_INT(sqlvibe_column_int(sel, 1), k * 10);
        if (k == 4) CHECK_INT(sqlvibe_column_int(sel, 1), 30);
        if (k == 5) CHECK_INT(sqlvibe_column_type(sel, 1), SQLVIBE_NULL);
    }
    CHECK_INT(k, 5);
    CHECK_INT(sqlvibe_finalize(sel), SQLVIBE_OK);
}

static void test_bind_errors(sqlvibe *db) {
    sqlvibe_stmt *st = prep(db, "SELECT ?, ?");
    CHECK_INT(sqlvibe_bind_int(st, 0, 1), SQLVIBE_RANGE);
    CHECK_INT(sqlvibe_errcode(db), SQLVIBE_RANGE);
    CHECK_STR(sqlvibe_errmsg(db), "column index out of range");
    CHECK_INT(sqlvibe_bind_int(st, 3, 1), SQLVIBE_RANGE);
    CHECK_INT(sqlvibe_bind_int(st, -1, 1), SQLVIBE_RANGE);
    CHECK_INT(sqlvibe_bind_int(st, 2, 1), SQLVIBE_OK);
    CHECK_INT(sqlvibe_errcode(db), SQLVIBE_OK);
    /* After a step and before reset, binding is misuse. */
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_bind_int(st, 1, 1), SQLVIBE_MISUSE);
    CHECK_STR(sqlvibe_errmsg(db), "bad parameter or other API misuse");
    CHECK_INT(sqlvibe_step(st), SQLVIBE_DONE);
    CHECK_INT(sqlvibe_bind_int(st, 1, 1), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_reset(st), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_int(st, 1, 1), SQLVIBE_OK);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
}

int main(void) {
    sqlvibe *db = NULL;
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);
    test_parameter_names(db);
    test_kinds(db);
    test_rebind_and_clear(db);
    test_bind_errors(db);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
    return CHECK_SUMMARY("bind");
}
