/* prepare_v2 (nByte, pzTail, empty input), step, reset, finalize, sql,
 * stmt_readonly, stmt_isexplain, data_count, column_count, auto-reset,
 * transactions. */
#include "check.h"

static void test_tail_and_nbyte(sqlvibe *db) {
    sqlvibe_stmt *st = NULL;
    const char *sql = "SELECT 1; SELECT 2;  ";
    const char *tail = NULL;
    CHECK_INT(sqlvibe_prepare_v2(db, sql, -1, &st, &tail), SQLVIBE_OK);
    CHECK(st != NULL);
    CHECK(tail == sql + 9);
    CHECK_STR(sqlvibe_sql(st), "SELECT 1;");
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
    const char *tail2 = NULL;
    CHECK_INT(sqlvibe_prepare_v2(db, tail, -1, &st, &tail2), SQLVIBE_OK);
    CHECK(tail2 == sql + 19);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_int(st, 0), 2);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
    /* Only whitespace left: no statement, OK, tail at the end. */
    st = (sqlvibe_stmt *)1;
    CHECK_INT(sqlvibe_prepare_v2(db, tail2, -1, &st, &tail), SQLVIBE_OK);
    CHECK(st == NULL);
    CHECK(tail != NULL && *tail == '\0');
    st = (sqlvibe_stmt *)1;
    CHECK_INT(sqlvibe_prepare_v2(db, "-- just a comment", -1, &st, NULL), SQLVIBE_OK);
    CHECK(st == NULL);

    /* sqlvibe_sql is exactly the consumed input, comments included. */
    const char *commented = " /*x*/ SELECT 5 /*y*/ ; SELECT 6";
    CHECK_INT(sqlvibe_prepare_v2(db, commented, -1, &st, &tail), SQLVIBE_OK);
    CHECK_STR(sqlvibe_sql(st), " /*x*/ SELECT 5 /*y*/ ;");
    CHECK(tail == commented + 23);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);

    /* nByte limits the text: "SELECT 12345" cut after 8 bytes is "SELECT 1". */
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT 12345", 8, &st, &tail), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_int(st, 0), 1);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
    /* nByte larger than the string stops at the NUL. */
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT 7", 1000, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_int(st, 0), 7);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
    /* nByte cutting a keyword makes a syntax error. */
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT 1", 5, &st, NULL), SQLVIBE_ERROR);
    CHECK(st == NULL);
    CHECK_STR(sqlvibe_errmsg(db), "near \"SELEC\": syntax error");
}

static void test_step_cycle(sqlvibe *db) {
    EXEC_OK(db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)");
    sqlvibe_stmt *ins = NULL, *sel = NULL;
    CHECK_INT(sqlvibe_prepare_v2(db, "INSERT INTO t(b) VALUES(?)", -1, &ins, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_stmt_readonly(ins), 0);
    CHECK_INT(sqlvibe_column_count(ins), 0);
    EXEC_OK(db, "BEGIN");
    for (int i = 0; i < 100; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "row %d", i);
        CHECK_INT(sqlvibe_bind_text(ins, 1, buf, -1, SQLVIBE_TRANSIENT), SQLVIBE_OK);
        CHECK_INT(sqlvibe_step(ins), SQLVIBE_DONE);
        CHECK_INT(sqlvibe_reset(ins), SQLVIBE_OK);
    }
    EXEC_OK(db, "COMMIT");
    CHECK_INT(sqlvibe_last_insert_rowid(db), 100);
    CHECK_INT(sqlvibe_finalize(ins), SQLVIBE_OK);

    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT a, b FROM t WHERE a > ? ORDER BY a", -1, &sel, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_stmt_readonly(sel), 1);
    CHECK_INT(sqlvibe_stmt_isexplain(sel), 0);
    {
        /* EXPLAIN QUERY PLAN: isexplain 2, four columns, the plan rows. */
        sqlvibe_stmt *eqp = NULL;
        CHECK_INT(sqlvibe_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT a FROM t WHERE rowid = ?", -1, &eqp, NULL),
                  SQLVIBE_OK);
        CHECK_INT(sqlvibe_stmt_isexplain(eqp), 2);
        CHECK_INT(sqlvibe_column_count(eqp), 4);
        CHECK_STR(sqlvibe_column_name(eqp, 3), "detail");
        CHECK_INT(sqlvibe_step(eqp), SQLVIBE_ROW);
        CHECK_INT(sqlvibe_column_int(eqp, 1), 0);
        CHECK_STR(sqlvibe_column_text(eqp, 3), "SEARCH t USING INTEGER PRIMARY KEY (rowid=?)");
        CHECK_INT(sqlvibe_step(eqp), SQLVIBE_DONE);
        CHECK_INT(sqlvibe_finalize(eqp), SQLVIBE_OK);
    }
    CHECK_INT(sqlvibe_column_count(sel), 2);
    CHECK_INT(sqlvibe_data_count(sel), 0);
    CHECK_INT(sqlvibe_bind_int(sel, 1, 97), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(sel), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_data_count(sel), 2);
    CHECK_INT(sqlvibe_column_int(sel, 0), 98);
    CHECK_STR(sqlvibe_column_text(sel, 1), "row 97");
    CHECK_INT(sqlvibe_step(sel), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_step(sel), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_int(sel, 0), 100);
    CHECK_INT(sqlvibe_step(sel), SQLVIBE_DONE);
    CHECK_INT(sqlvibe_data_count(sel), 0);
    CHECK_INT(sqlvibe_errcode(db), SQLVIBE_DONE);
    CHECK_STR(sqlvibe_errmsg(db), "no more rows available");
    /* Stepping after DONE starts over (auto-reset), bindings kept. */
    CHECK_INT(sqlvibe_step(sel), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_int(sel, 0), 98);
    /* reset mid-way rewinds. */
    CHECK_INT(sqlvibe_reset(sel), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(sel), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_int(sel, 0), 98);
    CHECK_INT(sqlvibe_finalize(sel), SQLVIBE_OK);
}

static void test_step_error(sqlvibe *db) {
    EXEC_OK(db, "CREATE TABLE u(x INTEGER NOT NULL)");
    sqlvibe_stmt *st = NULL;
    CHECK_INT(sqlvibe_prepare_v2(db, "INSERT INTO u VALUES(?)", -1, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_CONSTRAINT);
    CHECK_INT(sqlvibe_extended_errcode(db), SQLVIBE_CONSTRAINT_NOTNULL);
    CHECK_STR(sqlvibe_errmsg(db), "NOT NULL constraint failed: u.x");
    /* reset reports the step's error again, then the statement is usable. */
    CHECK_INT(sqlvibe_reset(st), SQLVIBE_CONSTRAINT);
    CHECK_STR(sqlvibe_errmsg(db), "NOT NULL constraint failed: u.x");
    CHECK_INT(sqlvibe_reset(st), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_int(st, 1, 5), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_DONE);
    CHECK_INT(sqlvibe_reset(st), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_null(st, 1), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_CONSTRAINT);
    /* finalize reports it too. */
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_CONSTRAINT);
}

static void test_prepare_errors(sqlvibe *db) {
    sqlvibe_stmt *st = (sqlvibe_stmt *)1;
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT * FROM nosuch", -1, &st, NULL), SQLVIBE_ERROR);
    CHECK(st == NULL);
    CHECK_STR(sqlvibe_errmsg(db), "no such table: nosuch");
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT 1", -1, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_errcode(db), SQLVIBE_OK);
    CHECK_STR(sqlvibe_errmsg(db), "not an error");
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
}

int main(void) {
    sqlvibe *db = NULL;
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);
    test_tail_and_nbyte(db);
    test_step_cycle(db);
    test_step_error(db);
    test_prepare_errors(db);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
    return CHECK_SUMMARY("prepare_step");
}
