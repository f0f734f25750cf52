/* Misuse never crashes: NULL handles and arguments everywhere, SQL that is
 * not UTF-8, bad bind indices, wrong call order, the allocator's edges.
 * Calls SQLite leaves undefined for NULL (it would crash without its API
 * armor) are exercised only against sqlvibe. */
#include "check.h"

static void test_null_handles(void) {
    sqlvibe_stmt *st = (sqlvibe_stmt *)1;
    const char *tail = NULL;
    CHECK_INT(sqlvibe_prepare_v2(NULL, "SELECT 1", -1, &st, &tail), SQLVIBE_MISUSE);
    CHECK(st == NULL);
    CHECK_INT(sqlvibe_exec(NULL, "SELECT 1", NULL, NULL, NULL), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_close(NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_close_v2(NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_errcode(NULL), SQLVIBE_NOMEM);
    CHECK_INT(sqlvibe_extended_errcode(NULL), SQLVIBE_NOMEM);
    CHECK_STR(sqlvibe_errmsg(NULL), "out of memory");
    CHECK_INT(sqlvibe_step(NULL), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_reset(NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_finalize(NULL), SQLVIBE_OK);
    CHECK(sqlvibe_sql(NULL) == NULL);
    CHECK_INT(sqlvibe_stmt_readonly(NULL), 1);
    CHECK_INT(sqlvibe_stmt_isexplain(NULL), 0);
    CHECK_INT(sqlvibe_data_count(NULL), 0);
    CHECK_INT(sqlvibe_column_count(NULL), 0);
    CHECK_INT(sqlvibe_bind_int(NULL, 1, 1), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_bind_int64(NULL, 1, 1), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_bind_double(NULL, 1, 1.0), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_bind_null(NULL, 1), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_bind_text(NULL, 1, "x", -1, SQLVIBE_STATIC), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_bind_blob(NULL, 1, "x", 1, SQLVIBE_STATIC), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_bind_zeroblob(NULL, 1, 1), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_bind_parameter_count(NULL), 0);
    CHECK(sqlvibe_column_text(NULL, 0) == NULL);
    CHECK(sqlvibe_column_blob(NULL, 0) == NULL);
    CHECK_INT(sqlvibe_column_bytes(NULL, 0), 0);
    CHECK_INT(sqlvibe_column_int(NULL, 0), 0);
    CHECK_INT(sqlvibe_column_int64(NULL, 0), 0);
    CHECK(sqlvibe_column_double(NULL, 0) == 0.0);
    CHECK_INT(sqlvibe_column_type(NULL, 0), SQLVIBE_NULL);
#ifndef USE_SQLITE
    CHECK_INT(sqlvibe_open(":memory:", NULL), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_open_v2(":memory:", NULL, SQLVIBE_OPEN_READWRITE, NULL), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_busy_timeout(NULL, 10), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_get_autocommit(NULL), 0);
    CHECK_INT(sqlvibe_changes(NULL), 0);
    CHECK_INT(sqlvibe_total_changes(NULL), 0);
    CHECK_INT(sqlvibe_last_insert_rowid(NULL), 0);
    sqlvibe_interrupt(NULL);
    CHECK_INT(sqlvibe_clear_bindings(NULL), SQLVIBE_OK);
    CHECK(sqlvibe_column_name(NULL, 0) == NULL);
    CHECK(sqlvibe_column_decltype(NULL, 0) == NULL);
    CHECK(sqlvibe_bind_parameter_name(NULL, 1) == NULL);
    CHECK_INT(sqlvibe_bind_parameter_index(NULL, ":a"), 0);
#endif
}

static void test_null_arguments(sqlvibe *db) {
    sqlvibe_stmt *st = NULL;
#ifndef USE_SQLITE
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT 1", -1, NULL, NULL), SQLVIBE_MISUSE);
#endif
    st = (sqlvibe_stmt *)1;
    CHECK_INT(sqlvibe_prepare_v2(db, NULL, -1, &st, NULL), SQLVIBE_MISUSE);
    CHECK(st == NULL);
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT :a, ?", -1, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_parameter_index(st, NULL), 0);
    /* NULL data binds NULL. */
    CHECK_INT(sqlvibe_bind_text(st, 1, NULL, 5, SQLVIBE_TRANSIENT), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_blob(st, 2, NULL, 5, SQLVIBE_TRANSIENT), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_type(st, 0), SQLVIBE_NULL);
    CHECK_INT(sqlvibe_column_type(st, 1), SQLVIBE_NULL);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
}

static void test_bad_utf8(sqlvibe *db) {
#ifdef USE_SQLITE
    (void)db;
#else
    /* sqlvibe checks UTF-8 where SQLite passes the bytes through. */
    sqlvibe_stmt *st = (sqlvibe_stmt *)1;
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT '\xff\xfe'", -1, &st, NULL), SQLVIBE_MISUSE);
    CHECK(st == NULL);
    CHECK_STR(sqlvibe_errmsg(db), "SQL text is not valid UTF-8");
    char *err = NULL;
    CHECK_INT(sqlvibe_exec(db, "SELECT '\xc3'", NULL, NULL, &err), SQLVIBE_MISUSE);
    CHECK_STR(err, "SQL text is not valid UTF-8");
    sqlvibe_free(err);
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT ?", -1, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_text(st, 1, "\xe2\x82", 2, SQLVIBE_STATIC), SQLVIBE_MISUSE);
    CHECK_STR(sqlvibe_errmsg(db), "bound text is not valid UTF-8");
    CHECK_INT(sqlvibe_bind_text64(st, 1, "x", 1, SQLVIBE_STATIC, 2 /* UTF-16LE */), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_type(st, 0), SQLVIBE_NULL);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
    /* A file name that is not UTF-8 cannot be opened (but a handle comes back). */
    sqlvibe *bad = NULL;
    CHECK_INT(sqlvibe_open("/tmp/\xff.db", &bad), SQLVIBE_CANTOPEN);
    CHECK(bad != NULL);
    CHECK_INT(sqlvibe_close(bad), SQLVIBE_OK);
    /* A named VFS is not supported. */
    CHECK_INT(sqlvibe_open_v2(":memory:", &bad, SQLVIBE_OPEN_READWRITE, "nosuchvfs"), SQLVIBE_ERROR);
    CHECK_STR(sqlvibe_errmsg(bad), "no such vfs: nosuchvfs");
    CHECK_INT(sqlvibe_close(bad), SQLVIBE_OK);
#endif
}

static void test_order_and_ranges(sqlvibe *db) {
    sqlvibe_stmt *st = NULL;
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT ?1 + 1", -1, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_int(st, 2, 1), SQLVIBE_RANGE);
    CHECK_INT(sqlvibe_bind_int(st, 0x7fffffff, 1), SQLVIBE_RANGE);
    CHECK_INT(sqlvibe_bind_int(st, -2147483647 - 1, 1), SQLVIBE_RANGE);
    CHECK_INT(sqlvibe_bind_int(st, 1, 41), SQLVIBE_OK);
    /* Reading columns before the first step. */
    CHECK(sqlvibe_column_text(st, 0) == NULL);
    CHECK_INT(sqlvibe_errcode(db), SQLVIBE_RANGE);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_int(st, 0), 42);
    CHECK_INT(sqlvibe_bind_int(st, 1, 1), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_DONE);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
    /* A negative blob length. */
#ifndef USE_SQLITE
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT ?", -1, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_blob(st, 1, "abc", -1, SQLVIBE_STATIC), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
#endif
}

static void test_allocator(void) {
    CHECK(sqlvibe_malloc(0) == NULL);
    CHECK(sqlvibe_malloc(-5) == NULL);
    char *p = sqlvibe_malloc(16);
    CHECK(p != NULL);
    if (p) memcpy(p, "fifteen chars!!", 16);
    sqlvibe_free(p);
    sqlvibe_free(NULL);
}

int main(void) {
    sqlvibe *db = NULL;
    test_null_handles();
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);
    test_null_arguments(db);
    test_bad_utf8(db);
    test_order_and_ranges(db);
    test_allocator();
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
    return CHECK_SUMMARY("misuse");
}
